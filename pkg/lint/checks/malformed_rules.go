package checks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// The malformed checks that need the model: what rulefmt validates after
// decoding, replicated here from the nodes so each problem gets its own id
// and exact position, and no file is decoded a second time.

var groupDuplicateName = &lint.Check{
	ID:       "group/duplicate-name",
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "two groups with the same name in one file",
		Text: `Group names must be unique within a rule file; Prometheus refuses a file
that repeats one. Names set through a YAML alias count as written. Each
document of a multi-document PrometheusRule file is its own resource and
is checked on its own.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
  - name: agent
    rules:
      - alert: AgentSlow
        expr: agent:latency_seconds:p95 > 5
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
  - name: agent-latency
    rules:
      - alert: AgentSlow
        expr: agent:latency_seconds:p95 > 5
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		for _, d := range f.Docs {
			seen := map[string]*lint.Group{}
			for _, g := range d.Groups {
				if g.Name.Value == "" {
					continue // schema/missing-field
				}
				if first, ok := seen[g.Name.Value]; ok {
					p.Report(diag.Diagnostic{
						// The key, not the value: a value given by alias has
						// the position of its anchor.
						Pos:     lint.NodePos(f.Path, keyOr(g.Name)),
						Group:   g.Name.Value,
						Message: fmt.Sprintf("group name %q is already used at line %d", g.Name.Value, first.Name.Node.Line),
						Fix:     "give every group in the file its own name",
					})
					continue
				}
				seen[g.Name.Value] = g
			}
		}
	},
}

var promqlSyntax = &lint.Check{
	ID:       "promql/syntax",
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "the expression is not valid PromQL",
		Text: `The expression is parsed with Prometheus's own PromQL parser; Prometheus
refuses a rule file with an expression it cannot parse. The finding points
at the character where the parser gave up, also inside multi-line (| and >)
and quoted strings.

Experimental functions and syntax behind --enable-feature flags are not
enabled, as in a default Prometheus.

Under --dialect vmalert the expression is parsed with VictoriaMetrics' own
MetricsQL parser instead, as vmalert does: MetricsQL (such as rollup
functions PromQL lacks, or a range without [..]) is accepted there, and an
expression vmalert's parser refuses is reported. The PromQL-based checks
still run on every expression that is also PromQL. Elsewhere a MetricsQL
expression is an error whose hint names the vmalert dialect.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: sum(rate(agent_errors_total[5m]) > 1
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: sum(rate(agent_errors_total[5m])) > 1
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if r.Expr.Err == nil || lint.IsLimitError(r.Expr.Err) {
			return // over a limit: io/read said so
		}
		var mql *lint.MetricsQLError
		if errors.As(r.Expr.Err, &mql) {
			// MetricsQL's errors carry no position.
			p.ReportExpr(r, 0, 0, "MetricsQL (vmalert's parser): "+mql.Error(), "")
			return
		}
		start, end, msg := parseErrorRange(r.Expr.Err)
		fix := ""
		if r.Expr.MetricsQL {
			fix = "this is MetricsQL, which only VictoriaMetrics evaluates: if vmalert loads this file, lint it in that dialect (dialect: vmalert in the lint config)"
			// MetricsQL fills in a missing range, so rate(x) parses there:
			// for Prometheus the likelier story is a forgotten [5m].
			if strings.Contains(msg, "expected type range vector") {
				fix = "add the range the function reads (rate(x[5m])); only MetricsQL fills in a missing one, so if vmalert loads this file, lint it in that dialect (dialect: vmalert in the lint config)"
			}
		}
		p.ReportExpr(r, start, end, "PromQL: "+msg, fix)
	},
}

// parseErrorRange returns the byte range and message of the first PromQL
// parse error in err.
func parseErrorRange(err error) (start, end int, msg string) {
	var pe *parser.ParseErr
	var pes parser.ParseErrors
	switch {
	case errors.As(err, &pes) && len(pes) > 0:
		pe = &pes[0]
	case errors.As(err, &pe):
	default:
		return 0, 0, err.Error()
	}
	msg = err.Error()
	if pe.Err != nil {
		msg = pe.Err.Error()
	}
	return int(pe.PositionRange.Start), int(pe.PositionRange.End), msg
}

var ruleInvalidDuration = &lint.Check{
	ID:       "rule/invalid-duration",
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a for, keep_firing_for, interval or query_offset that is not a Prometheus duration",
		Text: `Durations are a number with a unit (ms, s, m, h, d, w, y), units from
largest to smallest with no spaces: 90s, 1m30s, 2h. Prometheus refuses a
file with anything else, such as "5 minutes", "1.5m", "-5m" or a bare number
other than 0.`,
		Bad: `groups:
  - name: agent
    interval: 30
    rules:
      - alert: AgentDown
        expr: up == 0
        for: 5 minutes
`,
		Good: `groups:
  - name: agent
    interval: 30s
    rules:
      - alert: AgentDown
        expr: up == 0
        for: 5m
`,
	},
	Group: func(p *lint.Pass, g *lint.Group) {
		checkDuration(p, nil, "interval", g.Interval)
		checkDuration(p, nil, "query_offset", g.QueryOffset)
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		checkDuration(p, r, "for", r.For)
		checkDuration(p, r, "keep_firing_for", r.KeepFiringFor)
	},
}

func checkDuration(p *lint.Pass, r *lint.Rule, field string, v lint.Value) {
	if v.Node == nil || v.Value == "" {
		return
	}
	if _, err := model.ParseDuration(v.Value); err != nil {
		fix := "write a duration such as 30s, 5m or 1h30m"
		if d, ok := suggestDuration(v.Value); ok {
			fix = fmt.Sprintf("did you mean %s?", d)
		}
		p.ReportAt(r, v.Node, fmt.Sprintf("%s: %q is not a valid duration", field, v.Value), fix)
	}
}

var (
	bareNumber   = regexp.MustCompile(`^\d+$`)
	wordDuration = regexp.MustCompile(`^(\d+)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?|hrs?|d|days?|w|weeks?|y|years?)$`)
)

// suggestDuration turns the common wrong spellings into a duration.
func suggestDuration(s string) (string, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	if bareNumber.MatchString(s) {
		return s + "s", true
	}
	m := wordDuration.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	unit := m[2]
	switch {
	case strings.HasPrefix(unit, "ms"), strings.HasPrefix(unit, "milli"):
		unit = "ms"
	default:
		unit = unit[:1]
	}
	if _, err := model.ParseDuration(m[1] + unit); err != nil {
		return "", false
	}
	return m[1] + unit, true
}

var labelsInvalidName = &lint.Check{
	ID:       "labels/invalid-name",
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a label or annotation name that is not a valid Prometheus label name",
		Text: `Label and annotation names must match [a-zA-Z_][a-zA-Z0-9_]*, and __name__
cannot be set by a rule. Prometheus 2 (and Prometheus 3 with legacy name
validation) refuses a file with any other name; Prometheus 3 by default
accepts any UTF-8 name, but Alertmanager matchers, receivers and most
tooling downstream still expect classic names, so a hyphen or a dot in a
name is a latent break.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        labels:
          on-call: agents
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        labels:
          on_call: agents
`,
	},
	Group: func(p *lint.Pass, g *lint.Group) {
		checkLabelNames(p, nil, "group label", g.Labels, true)
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		checkLabelNames(p, r, "label", r.Labels, true)
		checkLabelNames(p, r, "annotation", r.Annotations, false)
	},
}

func checkLabelNames(p *lint.Pass, r *lint.Rule, what string, kvs []lint.KV, label bool) {
	for _, kv := range kvs {
		name := kv.Key.Value
		switch {
		case label && name == model.MetricNameLabel:
			p.ReportAt(r, kv.Key.Node, fmt.Sprintf("%s %q cannot be set by a rule", what, name), "use record: to name a recorded series")
		case !model.LegacyValidation.IsValidLabelName(name):
			p.ReportAt(r, kv.Key.Node,
				fmt.Sprintf("%s name %q is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)", what, name),
				fmt.Sprintf("rename it to %q", sanitizeName(name)))
		}
	}
}

// sanitizeName maps a name onto the legacy character set.
func sanitizeName(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

var templateSyntax = &lint.Check{
	ID:       "template/syntax",
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a label or annotation template that Prometheus cannot parse",
		Text: `Alert labels and annotations are Go templates, expanded with Prometheus's
template functions (humanize, humanizeDuration, query, ...) and the
variables $labels, $externalLabels, $externalURL and $value. Prometheus
parses every template when it loads the file and refuses the file when one
does not parse: an unclosed {{, an unknown function, an undefined variable.
The template is parsed here the same way, never executed.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentSlow
        expr: agent:latency_seconds:p95 > 5
        annotations:
          summary: "p95 latency is {{ $value | humanise }}s on {{ $labels.instance }"
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentSlow
        expr: agent:latency_seconds:p95 > 5
        annotations:
          summary: "p95 latency is {{ $value | humanize }}s on {{ $labels.instance }}"
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if !r.IsAlert() {
			return // Prometheus expands templates only in alerting rules
		}
		for _, kv := range r.Labels {
			checkTemplate(p, r, "label", kv)
		}
		for _, kv := range r.Annotations {
			checkTemplate(p, r, "annotation", kv)
		}
	},
}

// templateDefs are the variables Prometheus defines before an alert's
// template text; they are joined on the template's first line, so the
// template's line numbers are the value's.
const templateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

var (
	templateData   = template.AlertTemplateData(map[string]string{}, map[string]string{}, "", promql.Sample{})
	templateErrPos = regexp.MustCompile(`^template: [^:]*:(\d+):(?:(\d+):)? ?(.*)$`)
	quotedName     = regexp.MustCompile(`"([^"]+)"`)
)

func checkTemplate(p *lint.Pass, r *lint.Rule, what string, kv lint.KV) {
	text := kv.Value.Value
	if !strings.Contains(text, "{{") && !strings.Contains(text, "}}") {
		return // no actions: nothing to parse
	}
	err := parseTemplate(text)
	if err == nil {
		return
	}
	msg := err.Error()
	off := 0
	if m := templateErrPos.FindStringSubmatch(msg); m != nil {
		msg = m[3]
		line, _ := strconv.Atoi(m[1])
		off = lineOffset(text, line)
		// Point at a name the message quotes (an unknown function or
		// variable) when the text holds it.
		if q := quotedName.FindStringSubmatch(msg); q != nil {
			if i := strings.Index(text[off:], q[1]); i >= 0 {
				off += i
			}
		}
	}
	pos := lint.NodePos(p.File.Path, kv.Value.Node)
	if kv.Value.Node != nil {
		pos = p.File.ScalarPos(kv.Value.Node, off)
	}
	p.Report(diag.Diagnostic{
		Pos: pos, Rule: r.Name(), Group: r.Group.Name.Value,
		Message: fmt.Sprintf("%s %q: template: %s", what, kv.Key.Value, msg),
		Fix:     "fix the {{ }} template; functions are Go template builtins plus Prometheus's (humanize, humanizeDuration, query, ...)",
	})
}

// templateCache remembers parse results by text: building Prometheus's
// function map for every parse costs as much as the parse, and the same
// annotation texts recur across rules and files.
var (
	templateCache     sync.Map // string -> error (nil stored as noError)
	templateCacheSize atomic.Int64
	noError           = errors.New("")
)

const templateCacheMax = 1 << 16

func parseTemplate(text string) error {
	if simpleTemplate(text) {
		return nil
	}
	if v, ok := templateCache.Load(text); ok {
		if v == noError {
			return nil
		}
		return v.(error)
	}
	err := template.NewTemplateExpander(context.Background(), templateDefs+text, "__alert", templateData, 0, nil, nil, nil).ParseTest()
	if templateCacheSize.Load() < templateCacheMax {
		templateCacheSize.Add(1)
		if err == nil {
			templateCache.Store(text, noError)
		} else {
			templateCache.Store(text, err)
		}
	}
	return err
}

// simpleAction reports whether a is the action most templates consist
// of, a variable the template defines or a field of one, which always
// parses: `$value`, `$externalURL`, `$labels.name` or
// `$externalLabels.name`, with optional space and trim markers (`- ` and
// ` -`). Written by hand rather than as a regular expression: it runs on
// every action of every label and annotation, and the regexp was 2 % of
// lint's CPU time on the 20x corpus.
func simpleAction(a string) bool {
	if strings.HasPrefix(a, "-") {
		if len(a) < 2 || !templateSpace(a[1]) {
			return false
		}
		a = a[1:]
	}
	a = strings.TrimLeft(a, " \t\n\f\r")
	var ok bool
	if a, ok = strings.CutPrefix(a, "$"); !ok {
		return false
	}
	switch {
	case strings.HasPrefix(a, "labels."):
		a = identPrefix(a[len("labels."):])
	case strings.HasPrefix(a, "externalLabels."):
		a = identPrefix(a[len("externalLabels."):])
	case strings.HasPrefix(a, "value"):
		a = a[len("value"):]
	case strings.HasPrefix(a, "externalURL"):
		a = a[len("externalURL"):]
	default:
		return false
	}
	if a == "\x00" {
		return false // identPrefix found no name
	}
	rest := strings.TrimLeft(a, " \t\n\f\r")
	return rest == "" || rest == "-" && len(rest) < len(a)
}

// identPrefix returns a after a leading label name, or "\x00" when a
// does not start with one.
func identPrefix(a string) string {
	i := 0
	for i < len(a) && (a[i] == '_' || 'a' <= a[i]|0x20 && a[i]|0x20 <= 'z' || i > 0 && '0' <= a[i] && a[i] <= '9') {
		i++
	}
	if i == 0 {
		return "\x00"
	}
	return a[i:]
}

func templateSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// simpleTemplate reports whether every action of text is a simpleAction,
// so the text is known to parse without building a template.
func simpleTemplate(text string) bool {
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			return !strings.Contains(text, "}}")
		}
		if strings.Contains(text[:i], "}}") {
			return false
		}
		j := strings.Index(text[i+2:], "}}")
		if j < 0 || !simpleAction(text[i+2:i+2+j]) {
			return false
		}
		text = text[i+2+j+2:]
	}
}

// lineOffset returns the byte offset where 1-based line n of s starts.
func lineOffset(s string, n int) int {
	off := 0
	for ; n > 1; n-- {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return off
		}
		off += i + 1
	}
	return off
}

var recordInvalidName = &lint.Check{
	ID:       "record/invalid-name",
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a recording rule name that is not a valid metric name",
		Text: `record: names the series the rule writes, so it must be a valid metric
name: [a-zA-Z_:][a-zA-Z0-9_:]*. Prometheus refuses braces (a selector or an
expression pasted into record:) and, with legacy name validation as in
Prometheus 2, any other character. The convention is level:metric:operations,
e.g. job:agent_requests:rate5m.`,
		Bad: `groups:
  - name: agent
    rules:
      - record: agent-requests{job="agent"}
        expr: sum by (job) (rate(agent_requests_total[5m]))
`,
		Good: `groups:
  - name: agent
    rules:
      - record: job:agent_requests:rate5m
        expr: sum by (job) (rate(agent_requests_total[5m]))
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		name := r.Record.Value
		if !r.Record.Present() || name == "" || r.Alert.Value != "" {
			return
		}
		switch {
		case strings.ContainsAny(name, "{}"):
			p.ReportAt(r, r.Record.Node, fmt.Sprintf("recording rule name %q holds braces; should that part be in expr:?", name),
				"record: is only the name of the new series, e.g. job:agent_requests:rate5m")
		case !model.LegacyValidation.IsValidMetricName(name):
			p.ReportAt(r, r.Record.Node, fmt.Sprintf("recording rule name %q is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", name),
				fmt.Sprintf("rename it to %q", sanitizeMetric(name)))
		}
	},
}

func sanitizeMetric(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

var recordAlertOnlyField = &lint.Check{
	ID:       "record/alert-only-field",
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "for, keep_firing_for or annotations on a recording rule",
		Text: `for:, keep_firing_for: and annotations: only mean something for alerts.
Prometheus refuses a recording rule that sets them to a non-zero duration
or a non-empty mapping. Often the rule was meant to be an alert: check
whether record: should be alert:.`,
		Bad: `groups:
  - name: agent
    rules:
      - record: job:agent_errors:rate5m
        expr: sum by (job) (rate(agent_errors_total[5m]))
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - record: job:agent_errors:rate5m
        expr: sum by (job) (rate(agent_errors_total[5m]))
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if r.IsAlert() || !r.Record.Present() || r.Alert.Value != "" {
			return
		}
		for _, f := range []struct {
			name string
			v    lint.Value
		}{{"for", r.For}, {"keep_firing_for", r.KeepFiringFor}} {
			if f.v.Node == nil || f.v.Value == "" {
				continue
			}
			if d, err := model.ParseDuration(f.v.Value); err == nil && d == 0 {
				continue
			}
			p.ReportAt(r, keyOr(f.v), fmt.Sprintf("%s: on a recording rule; only alerts wait or keep firing", f.name),
				"remove it, or make the rule an alert (alert: instead of record:)")
		}
		if len(r.Annotations) > 0 {
			p.ReportAt(r, r.Annotations[0].Key.Node, "annotations: on a recording rule; only alerts carry annotations",
				"remove them, or make the rule an alert (alert: instead of record:)")
		}
	},
}

// keyOr is the node of a value's key, or of the value if it has none.
func keyOr(v lint.Value) *yaml.Node {
	if v.Key != nil {
		return v.Key
	}
	return v.Node
}
