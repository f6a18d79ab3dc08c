package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var ratioScale = &lint.Check{
	ID:       "promql/ratio-scale",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A 0–1 ratio compared with a percentage, a percentage with a fraction, or ×100 applied to the denominator",
		Text: `A fraction of one series by a subset of the same series
(errors / all requests of the same metric) lies between 0 and 1, and so
does a series named …_ratio (or recorded as level:metric:ratio_…), a
series that holds 0 or 1 (up, probe_success, …_up) and its average over
time or across series (an availability), and the rate of
node_cpu_seconds_total{mode=…}, one CPU's share of time in a mode. Compared with a number above 1 (> 90, meaning 90 %), the condition
is never true: the alert never fires; below one (< 10, meaning 10 %), it
is always true. Multiply by 100 first, or compare with 0.9.

A level divided by a series named as a capacity (…_size, …_limit(s),
…_capacity, …_max, …_total without being a counter, …_quota,
…_allocatable, or a maximum of something: pg_settings_max_connections,
process_max_fds; node_filesystem_avail_bytes / node_filesystem_size_bytes)
is a share of it too (the rate of a _seconds_total counter, CPU seconds
per second, counts as a level: … / …_cpu_limit), and so is the rate of
failed events over the rate of all events of the same exporter
(http_errors_total / http_requests_total, grpc_server_handled_total
{grpc_code!="OK"} / grpc_server_started_total), and 1 minus either.
So is the used part of a metric over its limit part
(kube_resourcequota{type="used"} / kube_resourcequota{type="hard"}).
Since usage can pass its request or limit a little, these are reported
only against a threshold of 5 or more, and not when a number inside
them (100 * a / b) makes them a percentage already.

Some exporters report a 0–1 fraction under a name that says percent
or usage: vLLM's …_cache_usage_perc ("1 means 100 percent usage") and
Micrometer's process_cpu_usage and system_cpu_usage (the JVM's load in
[0.0, 1.0]); others report percent under names that do not say so
(dcgm-exporter's DCGM_FI_DEV_GPU_UTIL, "GPU utilization (in %)"). The reverse mix-up is reported too: a known fraction times
100 (100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))))
compared with a fraction of at least 0.5, and a level over its capacity
times 100 (avail / size * 100 < 0.15) compared with one of at least
0.05 (a series recorded in the same file as such a share × 100
included). Any a / b * 100 is not enough for that: a share of dropped spans
above 0.5 % is a fair threshold.

x{code=~"5.."} / x, with no aggregation on either side, pairs every
5xx series with itself: the ratio is 1 whenever there is an error.

a / (b * 100) is the other half of the scale mix-up: the ×100 lands on the
denominator and the result is 10 000 times too small for a percentage.
Write a / b * 100 or 100 * a / b.

Findings point at what is wrong: the threshold of a comparison, the
denominator that holds the ×100, so a multi-line expression is reported
on the line that needs the fix.

The reverse mix-up: a series named …_percent (or _percentage, _pct),
or recorded in the same file from a ratio times 100 ((a / b) * 100,
100 * a / b), holds 0–100, so comparing it with 0.8 meant as 80 % fires
on 0.8 % (grafana/synthetic-monitoring-app#230, a success ratio recorded
× 100 and alerted on below 0.95).
Thresholds from 0.5 to 1 are reported, the ones that read as "most of
it"; a small one (error_percent > 0.1) may well mean a tenth of a
percent.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 2 findings
in 1 file, 0 judged certainly real: activemq_*_usage_ratio > 70, where
the exporter may publish a percentage under a _ratio name. Info.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrorRatioHigh
        expr: sum(rate(agent_requests_total{code=~"5.."}[5m])) / sum(rate(agent_requests_total[5m])) > 5
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrorRatioHigh
        expr: sum(rate(agent_requests_total{code=~"5.."}[5m])) / sum(rate(agent_requests_total[5m])) > 0.05
        for: 10m
`,
	},
	File: checkRatioScale,
}

func checkRatioScale(p *lint.Pass, f *lint.File) {
	// Recording rules of the file that record a 0–1 fraction, so an
	// alert on the recorded series is judged like one on the expression.
	// Those that record a ratio times 100 record a percentage.
	fractions := map[string]string{}
	var percents, capacityPercents map[string]bool
	forEachRule(f, func(r *lint.Rule) {
		if r.Record.Value != "" && ast(r) != nil {
			if why := fractionOf(ast(r), nil); why != "" {
				fractions[r.Record.Value] = why
			}
			if capacityPercent(ast(r)) {
				if capacityPercents == nil {
					capacityPercents = map[string]bool{}
				}
				capacityPercents[r.Record.Value] = true
			}
			if percentOfRatio(ast(r)) {
				if percents == nil {
					percents = map[string]bool{}
				}
				percents[r.Record.Value] = true
			}
		}
	})
	forEachRule(f, func(r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			b, ok := n.(*parser.BinaryExpr)
			if !ok {
				return true
			}
			if b.Op == parser.DIV {
				if name := selfDivision(b); name != "" {
					start, end := nodeRange(b)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("each series of %s is divided by itself (the part keeps every label of the whole, so they match one to one): the ratio is always 1", name),
						"aggregate the label that tells the part from the whole away on both sides, e.g. sum without (code) (…) / sum without (code) (…)")
					return true
				}
				if scaledBy100(b.RHS) {
					// At the denominator, where the ×100 is.
					start, end := nodeRange(b.RHS)
					p.ReportExpr(r, start, end,
						"×100 is applied to the denominator: the result is 10 000 times smaller than the percentage meant",
						"multiply the quotient: (a / b) * 100")
				}
				return true
			}
			side, op, v, ok := comparedWithScalar(b)
			// Reported at the threshold, whose scale is wrong.
			threshold := parser.Node(b.RHS)
			if side == b.RHS {
				threshold = b.LHS
			}
			// A recorded share of a capacity × 100 is not meant below
			// 1 % either: instance:…_avail:percent < 0.05 meant 5 %.
			minFraction := 0.5
			if vs := spineSelector(side); vs != nil && capacityPercents[selectorName(vs)] {
				minFraction = 0.05
			}
			if ok && v >= minFraction && v < 1 && op != parser.EQLC && op != parser.NEQ {
				if name := percentSelector(side, percents); name != "" {
					how := "is named a percentage (0–100)"
					if exporterPercents[name] {
						how = "is reported in percent (0–100) by its exporter"
					}
					if percents[name] {
						how = "is recorded in this file as a ratio × 100, a percentage (0–100),"
					}
					start, end := nodeRange(threshold)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s %s but compared with %s, a fraction: if %s means %s %%, the alert fires almost always (or never)", name, how, fmtNum(v), fmtNum(v), fmtNum(v*100)),
						fmt.Sprintf("compare with %s", fmtNum(v*100)))
					return true
				}
			}
			if ok && v > 0 && v < 1 && op != parser.EQLC && op != parser.NEQ {
				if why := timesHundred(side, fractions, v); why != "" {
					start, end := nodeRange(threshold)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s is a percentage (0–100) but compared with %s, a fraction: if %s means %s %%, the condition holds almost always (or never)", why, fmtNum(v), fmtNum(v), fmtNum(v*100)),
						fmt.Sprintf("compare with %s, or drop the × 100", fmtNum(v*100)))
					return true
				}
			}
			if !ok || v <= 1 || op == parser.NEQ {
				return true
			}
			why := fractionOf(side, fractions)
			if why == "" && v >= 5 {
				// A level over its capacity may pass 1 a little (usage
				// over requests); a threshold of 5 or more is a percentage.
				why = capacityFraction(side)
				if why == "" {
					why = failureShare(side)
				}
			}
			if why != "" {
				never := "never true"
				if op == parser.LSS || op == parser.LTE {
					never = "always true"
				}
				start, end := nodeRange(threshold)
				p.ReportExpr(r, start, end,
					fmt.Sprintf("%s, between 0 and 1, is compared with %s: the condition is %s", why, fmtNum(v), never),
					fmt.Sprintf("compare with %s, or multiply the ratio by 100", fmtNum(v/100)))
			}
			return true
		})
	})
}

// forEachRule calls fn for every rule of the file.
func forEachRule(f *lint.File, fn func(r *lint.Rule)) {
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			for _, r := range g.Rules {
				fn(r)
			}
		}
	}
}

// scaledBy100 reports whether e is x * 100, possibly inside the
// aggregation that sums the denominator (sum(rate(x[5m]) * 100)).
func scaledBy100(e parser.Expr) bool {
	switch e := unwrap(e).(type) {
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.AVG, parser.MAX, parser.MIN:
			return scaledBy100(e.Expr)
		}
	case *parser.BinaryExpr:
		if e.Op != parser.MUL || isScalar(e) {
			return false
		}
		if v, ok := scalarValue(e.RHS); ok && v == 100 {
			return true
		}
		v, ok := scalarValue(e.LHS)
		return ok && v == 100
	}
	return false
}

func fmtNum(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", v), ".0") }

// exporterPercents are gauges an exporter reports in percent (0–100)
// although their names do not say so, with the source that says so.
var exporterPercents = map[string]bool{
	// NVIDIA/dcgm-exporter, etc/default-counters.csv: "GPU utilization
	// (in %)", "Memory utilization (in %)", "Encoder utilization (in
	// %)", "Decoder utilization (in %)".
	"DCGM_FI_DEV_GPU_UTIL": true, "DCGM_FI_DEV_MEM_COPY_UTIL": true,
	"DCGM_FI_DEV_ENC_UTIL": true, "DCGM_FI_DEV_DEC_UTIL": true,
}

// percentName matches names of series that hold a 0–100 percentage.
var percentName = regexp.MustCompile(`_(percent|percentage|pct)$`)

// percentSelector returns the name of the raw series e compares when its
// name says it is a percentage, through aggregations and functions that
// keep the scale.
func percentSelector(e parser.Expr, recorded map[string]bool) string {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		name := selectorName(e)
		if name != "" && (recorded[name] || exporterPercents[name] || !strings.Contains(name, ":") && percentName.MatchString(name)) {
			return name
		}
	case *parser.AggregateExpr:
		// A sum of percentages is no percentage any more.
		switch e.Op {
		case parser.AVG, parser.MIN, parser.MAX, parser.QUANTILE:
			return percentSelector(e.Expr, recorded)
		}
	case *parser.Call:
		if strings.HasSuffix(callName(e), "_over_time") && callName(e) != "count_over_time" && callName(e) != "sum_over_time" && len(e.Args) > 0 {
			if m, ok := unwrap(e.Args[len(e.Args)-1]).(*parser.MatrixSelector); ok {
				return percentSelector(m.VectorSelector, recorded)
			}
		}
	}
	return ""
}

// percentOfRatio reports whether e is a ratio of two series times 100
// ((a / b) * 100, 100 * sum(a) / sum(b)): what it records is a percentage.
func percentOfRatio(e parser.Expr) bool {
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if ok && b.Op == parser.DIV && !isScalar(b.RHS) {
		// 100 * a / b parses as (100 * a) / b.
		m, ok := unwrap(b.LHS).(*parser.BinaryExpr)
		if !ok || m.Op != parser.MUL || isScalar(m) {
			return false
		}
		l, lok := scalarValue(m.LHS)
		r, rok := scalarValue(m.RHS)
		return lok && l == 100 || rok && r == 100
	}
	if !ok || b.Op != parser.MUL {
		return false
	}
	x := b.LHS
	if v, ok := scalarValue(b.RHS); !ok || v != 100 {
		if v, ok := scalarValue(b.LHS); !ok || v != 100 {
			return false
		}
		x = b.RHS
	}
	d, ok := unwrap(x).(*parser.BinaryExpr)
	return ok && d.Op == parser.DIV && !isScalar(d.LHS) && !isScalar(d.RHS)
}

// ratioName matches names of series that hold a 0–1 ratio.
var ratioName = regexp.MustCompile(`_ratio$`)

// exporterFractions are gauges an exporter reports as a 0–1 fraction
// although their names say percent, with the source that says so.
var exporterFractions = map[string]string{
	// vllm-project/vllm, vllm/v1/metrics/loggers.py and, before v1,
	// vllm/engine/metrics.py: "KV-cache usage. 1 means 100 percent usage."
	"vllm:kv_cache_usage_perc":  "vLLM reports 1 for 100 percent",
	"vllm:gpu_cache_usage_perc": "vLLM reports 1 for 100 percent",
	"vllm:cpu_cache_usage_perc": "vLLM reports 1 for 100 percent",
	// micrometer-metrics/micrometer, ProcessorMetrics: process.cpu.usage
	// and system.cpu.usage read OperatingSystemMXBean's getProcessCpuLoad()
	// and getSystemCpuLoad(), "a double value in the [0.0,1.0] interval"
	// (the JDK's com.sun.management.OperatingSystemMXBean).
	"process_cpu_usage": "Micrometer's, a JVM load in [0, 1]",
	"system_cpu_usage":  "Micrometer's, a JVM load in [0, 1]",
}

// fractionOf says why e lies in [0,1], or returns "". recorded maps the
// names of series recorded from fractions to the reason.
func fractionOf(e parser.Expr, recorded map[string]string) string {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		name := selectorName(e)
		if why, ok := recorded[name]; ok {
			return name + " (recorded from " + why + ")"
		}
		if why, ok := exporterFractions[name]; ok {
			return name + " (" + why + ")"
		}
		if name != "" && !strings.Contains(name, ":") && ratioName.MatchString(name) {
			return name
		}
		// level:metric:ratio_rate5m, the recording-rule convention.
		if name != "" && strings.Contains(name, ":") && strings.HasPrefix(baseName(name), "ratio") {
			return name
		}
		// up, probe_success, …_up hold 0 or 1, and so does their
		// average over time or across series: an availability, not a
		// percentage (avg_over_time(probe_success[1h]) < 99).
		if name != "" && binaryName(name) {
			return name + " (0 or 1)"
		}
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.MAX, parser.MIN, parser.AVG:
			return fractionOf(e.Expr, recorded)
		}
	case *parser.Call:
		switch callName(e) {
		case "avg_over_time", "max_over_time", "min_over_time", "last_over_time", "quantile_over_time":
			if ms, ok := unwrap(e.Args[len(e.Args)-1]).(*parser.MatrixSelector); ok {
				return fractionOf(ms.VectorSelector, recorded)
			}
		case "rate", "irate":
			// node_cpu_seconds_total has one series per CPU and mode:
			// its rate is the share of one CPU's time in that mode.
			if ms, ok := unwrap(e.Args[0]).(*parser.MatrixSelector); ok {
				if vs, ok := ms.VectorSelector.(*parser.VectorSelector); ok && selectorName(vs) == "node_cpu_seconds_total" {
					for _, m := range vs.LabelMatchers {
						if m.Name == "mode" {
							return "the rate of node_cpu_seconds_total (the share of one CPU's time)"
						}
					}
				}
			}
		}
	case *parser.BinaryExpr:
		if e.Op == parser.DIV && subsetOfSame(e.LHS, e.RHS) {
			return "the ratio of a subset of " + selectorName(selectors(e.RHS)[0]) + " to all of it"
		}
		if e.Op == parser.DIV && bucketOverCount(e.LHS, e.RHS) {
			return "the share of observations in one bucket"
		}
		// 1 - ratio is a ratio too.
		if v, ok := scalarValue(e.LHS); ok && v == 1 && e.Op == parser.SUB {
			if why := fractionOf(e.RHS, recorded); why != "" {
				return "1 minus " + why
			}
		}
	}
	return ""
}

// subsetOfSame reports whether num and den are the same rate of one
// metric, num with more matchers: a part divided by its whole.
func subsetOfSame(num, den parser.Expr) bool {
	ns, ds := selectors(num), selectors(den)
	if len(ns) != 1 || len(ds) != 1 {
		return false
	}
	nn, dn := selectorName(ns[0]), selectorName(ds[0])
	if nn == "" || nn != dn || len(ns[0].LabelMatchers) <= len(ds[0].LabelMatchers) {
		return false
	}
	// Every matcher of the whole must be on the part too.
	for _, dm := range ds[0].LabelMatchers {
		found := false
		for _, nm := range ns[0].LabelMatchers {
			if nm.String() == dm.String() {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	// The same shape around the selectors (rate vs rate, sum vs sum).
	return shape(num) == shape(den)
}

// shape is an expression with its selectors' matchers removed.
func shape(e parser.Expr) string {
	s := e.String()
	for _, vs := range selectors(e) {
		s = strings.Replace(s, vs.String(), selectorName(vs), 1)
	}
	return s
}

// bucketOverCount reports whether num / den is one bucket of a histogram
// over all its observations: x_bucket{le="…"} / x_count (or / the +Inf
// bucket), the same rate of each.
func bucketOverCount(num, den parser.Expr) bool {
	ns, ds := selectors(num), selectors(den)
	if len(ns) != 1 || len(ds) != 1 {
		return false
	}
	nn, dn := selectorName(ns[0]), selectorName(ds[0])
	base, ok := strings.CutSuffix(nn, "_bucket")
	if !ok || nn == "" {
		return false
	}
	hasLe := false
	for _, m := range ns[0].LabelMatchers {
		if m.Name == "le" && m.Type == labels.MatchEqual {
			hasLe = true
		}
	}
	if !hasLe {
		return false
	}
	if dn != base+"_count" && dn != nn {
		return false
	}
	return callShape(num) == callShape(den)
}

// callShape is the chain of functions and aggregations around an
// expression's selectors, e.g. "sum(rate(" — enough to tell that a
// numerator and a denominator are the same kind of quantity.
func callShape(e parser.Expr) string {
	var b strings.Builder
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		switch n := n.(type) {
		case *parser.Call:
			b.WriteString(n.Func.Name + "(")
		case *parser.AggregateExpr:
			b.WriteString(n.Op.String() + "(")
		}
		return true
	})
	return b.String()
}

// selfDivision returns the metric name when b divides a selection of a
// metric by a wider selection of the same metric with nothing
// aggregated, so that one to one matching pairs each series with itself.
func selfDivision(b *parser.BinaryExpr) string {
	if b.VectorMatching != nil && (b.VectorMatching.On || len(b.VectorMatching.MatchingLabels) > 0) {
		return ""
	}
	num, nf := bareSeries(b.LHS)
	den, df := bareSeries(b.RHS)
	if num == nil || den == nil || nf != df {
		return ""
	}
	name := selectorName(num)
	if name == "" || name != selectorName(den) || len(num.LabelMatchers) <= len(den.LabelMatchers) {
		return ""
	}
	for _, dm := range den.LabelMatchers {
		found := false
		for _, nm := range num.LabelMatchers {
			if nm.String() == dm.String() {
				found = true
			}
		}
		if !found {
			return ""
		}
	}
	return name
}

// bareSeries returns the selector of an expression that keeps every
// label of its series — a selector, optionally under one rate-like
// function and scaled by numbers — and the function's name.
func bareSeries(e parser.Expr) (*parser.VectorSelector, string) {
	for {
		switch x := unwrap(e).(type) {
		case *parser.BinaryExpr:
			switch {
			case isScalar(x.RHS) && !isScalar(x.LHS):
				e = x.LHS
			case isScalar(x.LHS) && !isScalar(x.RHS):
				e = x.RHS
			default:
				return nil, ""
			}
		case *parser.VectorSelector:
			return x, ""
		case *parser.Call:
			if !windowFuncs[callName(x)] {
				return nil, ""
			}
			_, vs := matrixSelector(x.Args[0])
			return vs, callName(x)
		default:
			return nil, ""
		}
	}
}

// capacityWords end the names of series that hold a capacity: a level
// divided by one of them is a share of it.
var capacityWords = map[string]bool{
	"size": true, "capacity": true, "limit": true, "limits": true, "max": true, "total": true,
	"allocatable": true, "quota": true,
}

// capacityFraction says why e, a level divided by a capacity
// (node_filesystem_avail_bytes / node_filesystem_size_bytes,
// …_working_set_bytes / …_resource_limits), lies about between 0 and 1,
// or returns "". Rates are left out: the shares of counters are
// fractionOf's, by their matchers.
func capacityFraction(e parser.Expr) string {
	if b, ok := unwrap(e).(*parser.BinaryExpr); ok && b.Op == parser.SUB {
		// 1 - avail / size: the used share.
		if v, ok := scalarValue(b.LHS); ok && v == 1 {
			if why := capacityFraction(b.RHS); why != "" {
				return "1 minus " + why
			}
		}
		return ""
	}
	if a, ok := unwrap(e).(*parser.AggregateExpr); ok {
		// An average, minimum or maximum of shares is a share.
		switch a.Op {
		case parser.AVG, parser.MIN, parser.MAX, parser.QUANTILE:
			return capacityFraction(a.Expr)
		}
		return ""
	}
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok || b.Op != parser.DIV {
		return ""
	}
	ds := selectors(b.RHS)
	if len(ds) != 1 || len(selectors(b.LHS)) == 0 {
		return ""
	}
	if why := usedOverHard(b); why != "" {
		return why
	}
	for _, x := range []parser.Expr{b.LHS, b.RHS} {
		rated := false
		walk(x, func(n parser.Node, _ []parser.Node) bool {
			// The rate of a _seconds_total counter is a level too: the
			// CPU seconds used per second (cores), over a CPU limit.
			if c, ok := n.(*parser.Call); ok && (counterFuncs[c.Func.Name] || c.Func.Name == "deriv" || c.Func.Name == "delta") &&
				!(c.Func.Name == "rate" && secondsCounter(c)) {
				rated = true
			}
			// 100 * avail / size is a percentage already.
			if _, ok := n.(*parser.NumberLiteral); ok {
				rated = true
			}
			return !rated
		})
		if rated {
			return ""
		}
	}
	den := selectorName(ds[0])
	if den == "" || strings.Contains(den, ":") || isCounterName(den) {
		return ""
	}
	words := strings.Fields(splitWords(den))
	last := len(words) - 1
	if last > 0 && unitWords[words[last]] {
		last--
	}
	// …_max_connections, process_max_fds: a maximum of what follows;
	// etcd_server_quota_backend_bytes: a quota of what follows.
	maxOf := last >= 2 && (words[last-1] == "max" || words[last-1] == "maximum" || words[last-1] == "quota" || words[last-1] == "limit")
	if last < 1 || !capacityWords[words[last]] && !maxOf {
		return ""
	}
	return "a level divided by " + den
}

// secondsCounter reports whether a rate() reads a _seconds_total counter,
// whose rate is seconds per second.
func secondsCounter(c *parser.Call) bool {
	_, vs := matrixSelector(c.Args[0])
	return vs != nil && strings.HasSuffix(selectorName(vs), "_seconds_total")
}

// failureWords in a counter's name say it counts failed attempts.
var failureWords = map[string]bool{
	"error": true, "errors": true, "errs": true, "failed": true, "failure": true, "failures": true,
	"fail": true, "fails": true, "rejected": true, "dropped": true, "timeouts": true, "timeout": true,
	"throttled": true,
}

// failureShare says why e, the rate of failed attempts over the rate of
// all attempts of one exporter (http_errors_total / http_requests_total,
// grpc_server_handled_total{grpc_code!="OK"} / grpc_server_started_total),
// lies between 0 and 1, or returns "".
func failureShare(e parser.Expr) string {
	switch x := unwrap(e).(type) {
	case *parser.AggregateExpr:
		switch x.Op {
		case parser.AVG, parser.MIN, parser.MAX:
			return failureShare(x.Expr)
		}
		return ""
	case *parser.BinaryExpr:
		if x.Op == parser.SUB {
			if v, ok := scalarValue(x.LHS); ok && v == 1 {
				if why := failureShare(x.RHS); why != "" {
					return "1 minus " + why
				}
			}
			return ""
		}
		if x.Op != parser.DIV {
			return ""
		}
		num, den := rateUnder(x.LHS), rateUnder(x.RHS)
		if num == nil || den == nil || callName(num) != callName(den) || holdsNumber(x.LHS) || holdsNumber(x.RHS) {
			// 100 * errors / requests is a percentage already.
			return ""
		}
		_, nv := matrixSelector(num.Args[0])
		_, dv := matrixSelector(den.Args[0])
		if nv == nil || dv == nil {
			return ""
		}
		nn, dn := selectorName(nv), selectorName(dv)
		nw, dw := strings.Fields(splitWords(nn)), strings.Fields(splitWords(dn))
		if nn == "" || dn == "" || isRecordedName(nn) || isRecordedName(dn) || len(nw) < 2 || len(dw) < 2 || nw[0] != dw[0] {
			return ""
		}
		for _, w := range dw {
			if failureWords[w] {
				return ""
			}
		}
		failed := false
		for _, w := range nw {
			failed = failed || failureWords[w]
		}
		// Or the same kind of counter, narrowed to failures by a
		// matcher the whole lacks (grpc_code!="OK", code=~"5..").
		if !failed && len(nv.LabelMatchers) > len(dv.LabelMatchers) {
			for _, m := range nv.LabelMatchers {
				if m.Name != labels.MetricName && (m.Type == labels.MatchNotEqual || strings.HasPrefix(m.Value, "5") || failureWords[strings.ToLower(m.Value)]) {
					failed = true
				}
			}
		}
		if failed {
			return fmt.Sprintf("the share of failed events (%s over %s)", nn, dn)
		}
	}
	return ""
}

// holdsNumber reports whether e holds a number literal outside its
// range selectors (a scaling such as 100 * x).
func holdsNumber(e parser.Expr) bool {
	found := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if _, ok := n.(*parser.NumberLiteral); ok {
			found = true
		}
		return !found
	})
	return found
}

// timesHundred says what e is when it is a known fraction times 100 (100
// * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m])))), or returns
// "". Any a / b * 100 is not enough: a share of dropped spans above 0.5 %
// is a fair threshold (awesome-prometheus-alerts' Tempo rules), while a
// CPU or availability share is not meant below 1 %.
func timesHundred(e parser.Expr, recorded map[string]string, v float64) string {
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok || b.Op != parser.MUL {
		return ""
	}
	x := b.LHS
	if v, ok := scalarValue(b.RHS); !ok || v != 100 {
		if v, ok := scalarValue(b.LHS); !ok || v != 100 {
			return ""
		}
		x = b.RHS
	}
	if why := fractionOf(x, recorded); why != "" && v >= 0.5 {
		return "100 × " + why
	}
	// A level over its capacity: nobody alerts on disk space below
	// 0.15 % (elasticsearch avail / size * 100 < 0.15 meant 15 %).
	if why := capacityFraction(x); why != "" && v >= 0.05 {
		return "100 × " + why
	}
	return ""
}

// usedOverHard says why b, one series of a metric over another series of
// the same metric, is a share: the numerator's matcher picks a used
// amount and the denominator's its limit (kube_resourcequota{type="used"}
// / kube_resourcequota{type="hard"}, a filter such as > 0 on the limit
// aside); "" otherwise.
func usedOverHard(b *parser.BinaryExpr) string {
	num, den := spineSelector(stripFilter(b.LHS)), spineSelector(stripFilter(b.RHS))
	if num == nil || den == nil || selectorName(num) == "" || selectorName(num) != selectorName(den) {
		return ""
	}
	used, limit := false, false
	for _, m := range num.LabelMatchers {
		if m.Type == labels.MatchEqual && (m.Value == "used" || m.Value == "usage" || m.Value == "requested") {
			used = true
		}
	}
	for _, m := range den.LabelMatchers {
		if m.Type == labels.MatchEqual && (m.Value == "hard" || m.Value == "limit" || m.Value == "capacity" || m.Value == "allocatable" || m.Value == "total") {
			limit = true
		}
	}
	if used && limit {
		return "the used part of " + selectorName(num) + " over its limit"
	}
	return ""
}

// stripFilter returns the compared side of a filter comparison with a
// number (x > 0 is x, for the labels and the scale), else e.
func stripFilter(e parser.Expr) parser.Expr {
	if b, ok := unwrap(e).(*parser.BinaryExpr); ok && b.Op.IsComparisonOperator() && !b.ReturnBool {
		if side, _, _, ok := comparedWithScalar(b); ok {
			return side
		}
	}
	return e
}

// capacityPercent reports whether e is a level over its capacity times
// 100: 100 * avail / size, (avail / size) * 100.
func capacityPercent(e parser.Expr) bool {
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok {
		return false
	}
	switch b.Op {
	case parser.DIV:
		// 100 * a / b parses as (100 * a) / b.
		m, ok := unwrap(b.LHS).(*parser.BinaryExpr)
		if !ok || m.Op != parser.MUL {
			return false
		}
		a := m.RHS
		if v, ok := scalarValue(m.RHS); ok && v == 100 {
			a = m.LHS
		} else if v, ok := scalarValue(m.LHS); !ok || v != 100 {
			return false
		}
		return capacityFraction(&parser.BinaryExpr{Op: parser.DIV, LHS: a, RHS: b.RHS}) != ""
	case parser.MUL:
		x := b.LHS
		if v, ok := scalarValue(b.RHS); !ok || v != 100 {
			if v, ok := scalarValue(b.LHS); !ok || v != 100 {
				return false
			}
			x = b.RHS
		}
		return capacityFraction(x) != ""
	}
	return false
}
