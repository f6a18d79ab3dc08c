package checks

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var templateRuntime = &lint.Check{
	ID:       "template/runtime",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title:     "A label or annotation template that fails when Prometheus expands it",
		Precision: "1/1 true",
		Text: `A template that parses can still fail when the alert fires: a function
given the wrong type ({{ humanize $labels.instance }}, a label is a
string), a function called without its argument ({{ value }}), first on
an empty query result. printf does not fail but prints its complaint
into the message: {{ printf "%d" $value }} shows %!d(float64=42.5), and
{{ printf "%.1f" $labels.x }} %!f(string=…) (printf "%.0f" $labels.value
for $value, grafana/jsonnet-libs#1097), and "%%.0f", jsonnet's escape
left in a string never formatted twice, %.0f%!(EXTRA float64=…)
(grafana/jsonnet-libs#1293); these are reported too. Prometheus then puts the error text in the
notification instead of the message, and nobody sees it until the page
arrives.

The check expands every label and annotation template offline, the way
the rule manager does, against a sample alert: its labels are the ones
the expression can return (with non-numeric sample values, except labels
that hold numbers such as le, quantile and code), its $value is a number,
and query returns one sample with no labels, without any network. Texts
made only of $labels.x and $value are not expanded: they cannot fail.
A template with a query is expanded a second time with an empty query
result, as when the queried series are gone: query "…" | first then
fails, and that is reported at info (nine findings on the corpus, in
the Ceph, Prometheus and Windows mixins, which query series that
usually exist while the alert fires).

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 10
findings in 3 files, 10 judged real (100 %): {{value}} without an
argument (Cilium), $.labels (the field is .Labels) in Prometheus's own
rulefmt test data. Warning.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
        annotations:
          summary: "{{ $labels.instance | humanize }} is down"
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
        annotations:
          summary: "{{ $labels.instance }} is down"
`,
	},
	Rule: checkTemplateRuntime,
}

// numericLabels hold numbers in real series, so humanize on them works.
var numericLabels = map[string]bool{
	"le": true, "quantile": true, "code": true, "status_code": true, "status": true,
	"port": true, "threshold": true, "cpu": true, "partition": true, "shard": true,
	"replica": true, "id": true, "index": true, "priority": true, "exit_code": true,
}

// hugeFormat matches printf widths or precisions of 1000 and more: a
// hostile rule file could make the expansion allocate gigabytes.
var hugeFormat = regexp.MustCompile(`%[-+# 0]*(\d{4,}|\.\d{4,}|\d*\.\d{4,})`)

// runtimeCache remembers expansion outcomes by text and label names.
var (
	runtimeCache     sync.Map // string -> error (noError for success)
	runtimeCacheSize atomic.Int64
)

var templateExecErr = regexp.MustCompile(`^error executing template [^:]*: template: [^:]*:(\d+):(\d+): (.*)$`)

func checkTemplateRuntime(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || ast(r) == nil {
		return
	}
	var kvs []lint.KV
	for _, list := range [][]lint.KV{r.Labels, r.Annotations} {
		for _, kv := range list {
			t := kv.Value.Value
			if strings.Contains(t, "{{") && !simpleTemplate(t) && parseTemplate(t) == nil && !hugeFormat.MatchString(t) {
				kvs = append(kvs, kv)
			}
		}
	}
	if len(kvs) == 0 {
		return
	}
	lbls := sampleLabels(ast(r), kvs)
	names := make([]string, 0, len(lbls))
	for n := range lbls {
		names = append(names, n)
	}
	sort.Strings(names)
	labelKey := strings.Join(names, ",")
	for _, kv := range kvs {
		text := kv.Value.Value
		// The outcome depends only on the text and the sample labels'
		// names (their values follow from the names), and the same
		// annotations recur across rules: expand each pair once.
		key := text + "\x00" + labelKey
		var err error
		if v, ok := runtimeCache.Load(key); ok {
			err, _ = v.(error)
		} else {
			err = expandSample(text, lbls)
			if runtimeCacheSize.Load() < templateCacheMax {
				runtimeCacheSize.Add(1)
				if err == nil {
					runtimeCache.Store(key, noError)
				} else {
					runtimeCache.Store(key, err)
				}
			}
		}
		if err == nil || err == noError {
			continue
		}
		msg := err.Error()
		off := 0
		if m := templateExecErr.FindStringSubmatch(msg); m != nil {
			msg = m[3]
			line := 0
			fmt.Sscan(m[1], &line)
			col := 0
			fmt.Sscan(m[2], &col)
			off = lineOffset(text, line)
			if line == 1 {
				col -= len(templateDefs)
			}
			if col > 0 && off+col < len(text) {
				off += col
			}
		}
		fails := "fails"
		if _, ok := err.(printfError); ok {
			fails = "prints garbage"
		}
		var sev diag.Severity
		if _, ok := err.(emptyQueryError); ok {
			// Info: the series a template queries usually exist while
			// the alert fires; nine maintained mixins rely on it.
			sev = diag.Info
		}
		reportInValueSeverity(p, sev, r, kv, off, off+1,
			fmt.Sprintf("%q %s when expanded with sample data: %s", kv.Key.Value, fails, msg),
			"check the argument types: labels are strings (humanize and %f need a number), $value is a float64 (%d needs an integer), and functions such as value need an argument")
	}
}

// sampleQuery answers every template query with one sample, from memory.
func sampleQuery(context.Context, string, time.Time) (promql.Vector, error) {
	return promql.Vector{{Metric: labels.FromStrings("instance", "sample:9090", "job", "sample"), F: 1}}, nil
}

var sampleURL, _ = url.Parse("http://prometheus.example")

// expandSample expands a template the way the rule manager does, for a
// sample alert with these labels and a numeric value.
func expandSample(text string, lbls map[string]string) error {
	data := template.AlertTemplateData(lbls, map[string]string{}, "", promql.Sample{F: 42.5})
	out, err := template.NewTemplateExpander(context.Background(), templateDefs+text, "__alert", data, 0, sampleQuery, sampleURL, nil).Expand()
	if err != nil {
		return err
	}
	// A query can return nothing (the series is gone, the exporter is
	// down): query "…" | first then fails, and the notification carries
	// the error instead of the text.
	if strings.Contains(text, "query") {
		if _, err := template.NewTemplateExpander(context.Background(), templateDefs+text, "__alert", data, 0, emptyQuery, sampleURL, nil).Expand(); err != nil {
			return emptyQueryError{err}
		}
	}
	// printf does not fail on a verb that does not fit its argument: it
	// prints %!d(float64=42.5) or %!f(string=…) into the message.
	if m := badVerb.FindString(out); m != "" && !strings.Contains(text, m) {
		return printfError{m}
	}
	return nil
}

// emptyQuery answers every template query with no sample, as Prometheus
// does when the queried series do not exist.
func emptyQuery(context.Context, string, time.Time) (promql.Vector, error) {
	return promql.Vector{}, nil
}

// emptyQueryError is a template that expands with a query result and
// fails without one.
type emptyQueryError struct{ err error }

func (e emptyQueryError) Error() string {
	return "when the query returns no series: " + e.err.Error()
}

// printfError is a template that expands, but with fmt's complaint
// about a printf verb in its output.
type printfError struct{ printed string }

func (e printfError) Error() string {
	return fmt.Sprintf("printf prints %s: a verb that does not fit its argument (labels are strings, $value a float64) or a wrong number of arguments", e.printed)
}

// badVerb matches what fmt prints for a verb that does not fit its
// argument, a missing argument or an extra one.
var badVerb = regexp.MustCompile(`%!(?:[a-zA-Z]\([^)]*\)|\(EXTRA [^)]*\)|[a-zA-Z]?\(MISSING\))`)

// sampleLabels are the labels of the sample alert: those the expression
// certainly returns, those the templates read, and the rule's own labels.
func sampleLabels(e parser.Expr, kvs []lint.KV) map[string]string {
	out := map[string]string{}
	set := outputLabels(e)
	add := func(n string) {
		if set.absent(n) {
			return
		}
		if numericLabels[n] {
			out[n] = "1"
		} else {
			out[n] = "sample-" + n
		}
	}
	for _, n := range set.known() {
		add(n)
	}
	for _, kv := range kvs {
		for _, ref := range templateLabelRefs(kv.Value.Value) {
			add(ref)
		}
	}
	return out
}

var dollarLabelRef = regexp.MustCompile(`\$labels\.([A-Za-z_][A-Za-z0-9_]*)`)

// templateLabelRefs lists the label names a template reads with $labels.x.
func templateLabelRefs(t string) []string {
	var out []string
	for _, m := range dollarLabelRef.FindAllStringSubmatch(t, -1) {
		out = append(out, m[1])
	}
	return out
}

var templatePercentScale = &lint.Check{
	ID:       "template/percent-scale",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "humanizePercentage of a value that is already a percentage, or a 0–1 ratio printed as a percentage or a count",
		Text: `humanizePercentage multiplies its argument by 100 and adds a % sign: it
wants a 0–1 ratio. When the expression already multiplied by 100
(… * 100 > 90, 100 - … > 90, or a series named …_percent or
level:metric:percent), the notification says 9000% instead of 90%. Print the
value with humanize and a literal %, or drop the * 100 and compare with
0.9. The same goes for a value that is a plain rate() or increase() of
a counter, divided by nothing: errors per second are not a fraction
(rates of _seconds_total counters, which are, are not reported).

The reverse is reported too: a 0–1 ratio printed as if it were a
percentage ({{ printf "%.2f" $value }}% after avail / size < 0.4 says
"0.35% available" for 35 %, prometheus/node_exporter#1482), or printed
with %.0f, which rounds it to 0 or 1 (errors / packets > 0.01 printed as
"has encountered 0 receive errors", prometheus/node_exporter#3752). The
value counts as a ratio when the compared side (the left side of an
and) is a part of a series over all of it, a _ratio series, or a
division of two series compared with a threshold between 0 and 1;
x_sum / x_count averages and divisions with a * 100 are left out.

An age (time() minus a timestamp) shown with humanizeTimestamp prints a
date in January 1970; humanizeDuration was meant.

A per-second rate printed as a count over a period is reported as well:
etcd's "{{ $value }} leader changes within the last hour" over
rate(…[15m]) > 3 says 0.01 where it means one change in 15 minutes
(etcd-io/etcd's mixin); the value of rate() and irate() is events per
second, increase() counts them over its window.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
finding of humanizePercentage misuse; 5 of a ratio printed as a
percentage or a count, all 5 judged real (the node-mixin's network error
alerts and their awesome-prometheus-alerts copies, cortex-mixin's
missed rule evaluations); 1 of a rate printed as a count, real (the
etcd mixin's etcdHighNumberOfFailedProposals); 1 of an age shown as a
timestamp, real (govuk-helm-charts' search-api cron job alert: "has not
run successfully since 1970-01-03"). Info until more are measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDiskFull
        expr: agent_disk_used_bytes / agent_disk_size_bytes * 100 > 90
        annotations:
          summary: "Disk {{ $value | humanizePercentage }} full"
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDiskFull
        expr: agent_disk_used_bytes / agent_disk_size_bytes > 0.9
        annotations:
          summary: "Disk {{ $value | humanizePercentage }} full"
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if !r.IsAlert() || ast(r) == nil {
			return
		}
		if why := valueIsRatio(ast(r)); why != "" {
			reportRatioPrinted(p, r, why)
			return
		}
		if fn := perSecondValue(ast(r)); fn != "" {
			reportRatePrintedAsCount(p, r, fn)
		}
		if valueIsAge(ast(r)) {
			reportAgeAsTimestamp(p, r)
		}
		msg, fix := "", ""
		switch {
		case valueIsPercent(ast(r)):
			msg = "%q shows $value with humanizePercentage, but the expression already multiplied it by 100: 90 prints as 9000%%"
			fix = "use {{ $value | humanize }}% or drop the * 100 from the expression"
		case valueIsRate(ast(r)):
			msg = "%q shows $value with humanizePercentage, but the value is a rate of events, not a 0–1 ratio: 118 errors/s print as 11800%%"
			fix = "use {{ $value | humanize }}, or divide by the total to alert on a ratio"
		default:
			return
		}
		for _, kv := range r.Annotations {
			t := kv.Value.Value
			for _, a := range actions(t) {
				if i := percentOfValue(a.text); i >= 0 {
					reportInValue(p, r, kv, a.start+i, a.start+i+len("humanizePercentage"), fmt.Sprintf(msg, kv.Key.Value), fix)
				}
			}
		}
	},
}

// valueIsPercent reports whether an alert's value was multiplied by 100:
// the compared side of the top comparison is x * 100 or 100 * x.
func valueIsPercent(e parser.Expr) bool {
	side, ok := comparedSide(e)
	if !ok {
		return false
	}
	return percentValue(side)
}

// percentValue reports whether e holds 0–100: x * 100, 100 * x, 100 - x,
// or a series named as a percentage (cpu_used_percent, or
// instance:disk_used:percent by the recording-rule convention), through
// the aggregations and _over_time functions that keep the scale.
func percentValue(e parser.Expr) bool {
	// 100 * a / b parses as (100 * a) / b.
	if percentOfRatio(e) {
		return true
	}
	switch e := unwrap(e).(type) {
	case *parser.BinaryExpr:
		switch e.Op {
		case parser.MUL:
			if v, ok := scalarValue(e.RHS); ok && v == 100 {
				return true
			}
			v, ok := scalarValue(e.LHS)
			return ok && v == 100
		case parser.SUB:
			v, ok := scalarValue(e.LHS)
			return ok && v == 100 && !isScalar(e.RHS)
		}
	case *parser.VectorSelector:
		name := selectorName(e)
		return name != "" && (percentName.MatchString(name) || strings.Contains(name, ":") && strings.HasPrefix(baseName(name), "percent"))
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.AVG, parser.MIN, parser.MAX, parser.QUANTILE:
			return percentValue(e.Expr)
		}
	case *parser.Call:
		switch callName(e) {
		case "avg_over_time", "max_over_time", "min_over_time", "last_over_time", "quantile_over_time":
			if ms, ok := unwrap(e.Args[len(e.Args)-1]).(*parser.MatrixSelector); ok {
				return percentValue(ms.VectorSelector)
			}
		case "clamp", "clamp_min", "clamp_max", "round", "ceil", "floor", "abs":
			if len(e.Args) > 0 {
				return percentValue(e.Args[0])
			}
		}
	}
	return false
}

// valueIsRate reports whether an alert's value is the rate or increase of
// a counter that nothing divides: the compared side of the top comparison
// is rate(x_total[…]), possibly summed.
func valueIsRate(e parser.Expr) bool {
	side, ok := comparedSide(e)
	if !ok {
		return false
	}
	for {
		switch s := unwrap(side).(type) {
		case *parser.AggregateExpr:
			if s.Op != parser.SUM && s.Op != parser.MAX && s.Op != parser.MIN && s.Op != parser.AVG {
				return false
			}
			side = s.Expr
			continue
		case *parser.Call:
			if !counterFuncs[callName(s)] {
				return false
			}
			_, vs := matrixSelector(s.Args[0])
			if vs == nil {
				return false
			}
			name := selectorName(vs)
			return strings.HasSuffix(name, "_total") && !strings.HasSuffix(name, "_seconds_total") && !isRecordedName(name)
		}
		return false
	}
}

// valueIsRatio says why an alert's value is a 0–1 ratio, or returns "":
// the compared side of the top comparison (the left side of an and) is a
// fraction fractionOf recognises, or a division of two series (or 1 minus
// one) compared with a threshold between 0 and 1. An average (x_sum /
// x_count) is a division too, but of seconds or bytes, so it is left out,
// and so is a division with a * 100 on either side (100 * a / b).
func valueIsRatio(e parser.Expr) string {
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok {
		return ""
	}
	if b.Op == parser.LAND || b.Op == parser.LUNLESS {
		return valueIsRatio(b.LHS)
	}
	side, _, v, ok := comparedWithScalar(b)
	if !ok {
		return ""
	}
	if v <= 0 || v >= 1 {
		// A threshold above 1 says the value is not on a 0–1 scale
		// after all, whatever its name (promql/ratio-scale's case).
		return ""
	}
	if why := fractionOf(side, nil); why != "" {
		return why
	}
	d, ok := unwrap(side).(*parser.BinaryExpr)
	if ok && d.Op == parser.SUB {
		if one, isNum := scalarValue(d.LHS); isNum && one == 1 {
			d, ok = unwrap(d.RHS).(*parser.BinaryExpr)
		}
	}
	if !ok || d.Op != parser.DIV || isScalar(d.LHS) || isScalar(d.RHS) || averageOf(d) || scaledBy100(d.LHS) || scaledBy100(d.RHS) {
		return ""
	}
	return "a division compared with " + fmtNum(v)
}

// averageOf reports whether a division is a histogram's or summary's
// average (x_sum / x_count), a quantity in the observed unit.
func averageOf(d *parser.BinaryExpr) bool {
	ns, ds := selectors(d.LHS), selectors(d.RHS)
	return len(ns) == 1 && len(ds) == 1 &&
		strings.HasSuffix(selectorName(ns[0]), "_sum") && strings.HasSuffix(selectorName(ds[0]), "_count")
}

// printfZero matches a printf format that prints a number with no
// decimals.
var printfZero = regexp.MustCompile(`printf\s+"[^"]*%\.0f`)

// reportRatioPrinted reports the actions of r's annotations that print a
// 0–1 value as a percentage (a literal % after it, or %% in the printf
// format) or with no decimals, which rounds it to 0 or 1.
func reportRatioPrinted(p *lint.Pass, r *lint.Rule, why string) {
	for _, kv := range r.Annotations {
		t := kv.Value.Value
		for _, a := range actions(t) {
			if !strings.Contains(a.text, "$value") && !strings.Contains(a.text, ".Value") {
				continue
			}
			if strings.Contains(a.text, "humanizePercentage") || strings.HasPrefix(strings.TrimLeft(a.text[2:], "- "), "if") {
				continue
			}
			after := strings.TrimLeft(t[a.end:], " ")
			switch {
			case strings.HasPrefix(after, "%") || strings.Contains(a.text, "%%"):
				reportInValue(p, r, kv, a.start, a.end,
					fmt.Sprintf("%q prints $value as a percentage, but the value is a 0–1 ratio (%s): 35 %% free prints as 0.35%%", kv.Key.Value, why),
					"use {{ $value | humanizePercentage }}, or multiply the expression by 100 and compare with a percentage")
			case printfZero.MatchString(a.text):
				reportInValue(p, r, kv, a.start, a.end,
					fmt.Sprintf("%q prints $value with no decimals, but the value is a 0–1 ratio (%s): it prints as 0 or 1", kv.Key.Value, why),
					"use {{ $value | humanizePercentage }} and say what it is a share of")
			}
		}
	}
}

// perSecondValue returns rate or irate when the compared side of e is a
// per-second rate of a counter (possibly summed, averaged or maxed) with
// no factor that turns it into a count, or "".
func perSecondValue(e parser.Expr) string {
	side, ok := comparedSide(e)
	if !ok {
		return ""
	}
	for {
		switch s := unwrap(side).(type) {
		case *parser.AggregateExpr:
			if s.Op != parser.SUM && s.Op != parser.MAX && s.Op != parser.MIN && s.Op != parser.AVG {
				return ""
			}
			side = s.Expr
			continue
		case *parser.Call:
			if fn := callName(s); fn == "rate" || fn == "irate" {
				return fn
			}
		}
		return ""
	}
}

// valueIsAge reports whether the compared side of e is an age in seconds,
// time() minus a timestamp.
func valueIsAge(e parser.Expr) bool {
	side, ok := comparedSide(e)
	if !ok {
		return false
	}
	s, ok := unwrap(side).(*parser.BinaryExpr)
	return ok && s.Op == parser.SUB && callName(unwrap(s.LHS)) == "time"
}

// humanizeTimestampOfValue finds humanizeTimestamp applied to the value.
var humanizeTimestampOfValue = regexp.MustCompile(`(?:\$value|\.Value)\s*\|\s*humanizeTimestamp|humanizeTimestamp\s+(?:\$value|\.Value)`)

// reportAgeAsTimestamp reports humanizeTimestamp of an age: the seconds
// since the last success print as a date in January 1970.
func reportAgeAsTimestamp(p *lint.Pass, r *lint.Rule) {
	for _, kv := range r.Annotations {
		for _, a := range actions(kv.Value.Value) {
			if humanizeTimestampOfValue.MatchString(a.text) {
				reportInValue(p, r, kv, a.start, a.end,
					fmt.Sprintf("%q shows $value with humanizeTimestamp, but the value is an age in seconds (time() minus a timestamp): two days print as 1970-01-03", kv.Key.Value),
					"use {{ $value | humanizeDuration }} for an age")
			}
		}
	}
}

// countOverWindow finds a phrase after the value that reads it as a count
// over a period: "… leader changes within the last hour", "… per hour".
var countOverWindow = regexp.MustCompile(`(?i)^[^.{}]{0,60}?\b(?:(?:in|within|over|during) the (?:last|past)\b[^.{}]{0,20}|per (?:hour|minute|day|5 minutes)\b)`)

// reportRatePrintedAsCount reports $value, a per-second rate, printed as
// a count over a period: etcd's "has seen {{ $value }} leader changes
// within the last hour" over rate(…[15m]) > 3, which is per second
// (etcd-io/etcd's mixin, ho10).
func reportRatePrintedAsCount(p *lint.Pass, r *lint.Rule, fn string) {
	for _, kv := range r.Annotations {
		t := kv.Value.Value
		for _, a := range actions(t) {
			if !strings.Contains(a.text, "$value") && !strings.Contains(a.text, ".Value") {
				continue
			}
			m := countOverWindow.FindString(t[a.end:])
			if m == "" {
				continue
			}
			reportInValue(p, r, kv, a.start, a.end,
				fmt.Sprintf("%q prints $value as a count (\"… %s\"), but the value is a %s(), events per second", kv.Key.Value, strings.TrimSpace(m), fn),
				"alert on increase(x[1h]) to count events over a period, or say \"per second\" in the text")
		}
	}
}

var percentOfValueRe = regexp.MustCompile(`(?:\$value|\.Value)\s*\|\s*humanizePercentage|humanizePercentage\s+(?:\$value|\.Value)`)

// percentOfValue is the offset of humanizePercentage applied to the value
// in an action, or -1.
func percentOfValue(action string) int {
	loc := percentOfValueRe.FindStringIndex(action)
	if loc == nil {
		return -1
	}
	return loc[0] + strings.Index(action[loc[0]:], "humanizePercentage")
}

// comparedSide returns the side of e's top comparison that is compared
// with a number: the value the alert's $value holds.
func comparedSide(e parser.Expr) (parser.Expr, bool) {
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok {
		return nil, false
	}
	side, _, _, ok := comparedWithScalar(b)
	return side, ok
}
