package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// Evaluation-level pitfalls: rules that load and evaluate but whose
// results go stale, repeat, flap, or are always (or never) there.

var groupLongInterval = &lint.Check{
	ID:       "group/long-interval",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A group interval longer than 5m",
		Text: `PromQL looks back at most 5 minutes (the lookback delta) for a series'
latest sample. A group evaluated less often than that writes samples
that go stale between evaluations: queries and alerts that read the
recorded series see gaps, and alerts in the group resolve and fire
again between evaluations. Keep interval at 5m or less; for slow
aggregates, evaluate often and widen the range instead.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 3 findings
in 2 files, 1 judged a real problem (33 %): the series do go stale, but
one recording group is read only by alerts of the same group. Info.`,
		Bad: `groups:
  - name: agent-daily
    interval: 1h
    rules:
      - record: job:agent_requests:increase1d
        expr: sum by (job) (increase(agent_requests_total[1d]))
`,
		Good: `groups:
  - name: agent-daily
    interval: 5m
    rules:
      - record: job:agent_requests:increase1d
        expr: sum by (job) (increase(agent_requests_total[1d]))
`,
	},
	Group: func(p *lint.Pass, g *lint.Group) {
		if !g.Interval.Present() {
			return
		}
		d, err := model.ParseDuration(g.Interval.Value)
		if err != nil || time.Duration(d) <= 5*time.Minute {
			return
		}
		p.ReportAt(nil, g.Interval.Node,
			fmt.Sprintf("group %q is evaluated every %s, longer than PromQL's 5m lookback: its series go stale between evaluations", g.Name.Value, g.Interval.Value),
			"evaluate at most every 5m")
	},
}

var recordDuplicate = &lint.Check{
	ID:       "record/duplicate",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "The same recording rule twice, or one name recorded from two expressions that collide",
		Text: `Two recording rules with the same name, the same expression and the
same labels write the same series twice per evaluation cycle, from two
groups that may run at different moments: the samples interleave, the
second is rejected as out of order or a duplicate, and the rule
manager logs errors every cycle. Keep one.

Expressions are compared as Prometheus prints them, so spacing and
line breaks do not hide a copy; labels are compared as sets.

Two rules that record one name with the same labels: but different
expressions collide the same way wherever both return a series with the
same labels: ifInRate from ifInOctets and from ifOutOctets
(prometheus#2314), or namespace:…:sum_rate by (namespace) and by
(namespace, label_name), equal for every pod without a name label
(kubernetes-mixin#230). Recording disjoint parts under one name is fine
and not reported when the rules show they are disjoint: a label both
keep is selected with values that cannot meet (code=~"2.." and
code=~"5..", job="a" and job="b"), or one keeps it with a value that is
never empty while the other drops it. Different metric names do not
keep series apart: the recorded series takes the rule's name.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 7 findings
in 4 files, 7 judged real (100 %): exact copies in promtool's and pint's
test data. The six same-name pairs with different expressions there
(kubernetes-mixin's code_verb:apiserver_request_total:increase1h, one
rule per code class) are disjoint and not reported. Warning.`,
		Bad: `groups:
  - name: agent
    rules:
      - record: job:agent_requests:rate5m
        expr: sum by (job) (rate(agent_requests_total[5m]))
  - name: agent-copy
    rules:
      - record: job:agent_requests:rate5m
        expr: sum by (job)(rate(agent_requests_total[5m]))
`,
		Good: `groups:
  - name: agent
    rules:
      - record: job:agent_requests:rate5m
        expr: sum by (job) (rate(agent_requests_total[5m]))
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		// One file only: which files one Prometheus loads together is not
		// known here, and repositories keep alternative copies side by side.
		// Printing an expression costs more than the rest of the check,
		// so only names recorded twice are compared that way.
		count := map[string]int{}
		forEachRule(f, func(r *lint.Rule) {
			if r.Record.Value != "" && ast(r) != nil {
				count[r.Record.Value]++
			}
		})
		first := map[string]diag.Pos{}
		// Earlier rules of each name and label set with another
		// expression, to tell a conflicting one from a copy.
		seen := map[string][]*lint.Rule{}
		forEachRule(f, func(r *lint.Rule) {
			if count[r.Record.Value] < 2 || ast(r) == nil {
				return
			}
			ls := make([]string, 0, len(r.Labels))
			for _, kv := range r.Labels {
				ls = append(ls, kv.Key.Value+"="+kv.Value.Value)
			}
			sort.Strings(ls)
			named := r.Record.Value + "\x00" + strings.Join(ls, "\x00")
			key := named + "\x00" + ast(r).String()
			at, ok := first[key]
			if ok {
				p.ReportAt(r, r.Record.Key,
					fmt.Sprintf("recording rule %s repeats the one on line %d (same expression and labels): the series is written twice", r.Record.Value, at.Line),
					"delete one of the copies")
				return
			}
			first[key] = lint.NodePos(f.Path, r.Record.Key)
			for _, o := range seen[named] {
				if !disjointOutputs(ast(o), ast(r)) {
					p.ReportAt(r, r.Record.Key,
						fmt.Sprintf("recording rule %s records the same name and labels as the one on line %d from another expression, and nothing keeps their series apart: where both return the same labels, one series gets two values each cycle (\"duplicate sample for timestamp\") and the name means two things", r.Record.Value, lint.NodePos(f.Path, o.Record.Key).Line),
						"give each expression its own name, or a label under labels: that tells them apart")
					break
				}
			}
			seen[named] = append(seen[named], r)
		})
	},
}

// disjointOutputs reports whether two expressions certainly return series
// with different label sets: some label they both keep is selected with
// values that cannot meet (code=~"2.." and code=~"5..", job="a" and
// job="b"), or one keeps it with a value that is never empty while the
// other drops it. Different metric names do not count: a recording rule
// replaces __name__.
func disjointOutputs(a, b parser.Expr) bool {
	am, bm := keptMatchers(a), keptMatchers(b)
	ao, bo := outputLabels(a), outputLabels(b)
	names := map[string]bool{}
	for n := range am {
		names[n] = true
	}
	for n := range bm {
		names[n] = true
	}
	for n := range names {
		ax, bx := am[n], bm[n]
		if ao.absent(n) {
			ax = []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, n, "")}
		}
		if bo.absent(n) {
			bx = []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, n, "")}
		}
		if matchersExclude(ax, bx) {
			return true
		}
	}
	return false
}

// matchersExclude reports whether no label value can satisfy every matcher
// of a and every matcher of b. It only proves what it can: the literal
// values the matchers name, and regular expressions whose alternatives
// start with literal text no alternative of the other side shares.
func matchersExclude(a, b []*labels.Matcher) bool {
	all := append(append([]*labels.Matcher(nil), a...), b...)
	pinnedOne := false
	for _, m := range all {
		if m.Type != labels.MatchEqual {
			continue
		}
		// The side that pins m has no other value: the two meet only
		// if every matcher admits it.
		pinnedOne = true
		for _, o := range all {
			if !o.Matches(m.Value) {
				return true
			}
		}
	}
	if pinnedOne {
		return false
	}
	ap, bp := positivePrefixes(a), positivePrefixes(b)
	if ap == nil || bp == nil {
		return false
	}
	for _, x := range ap {
		for _, y := range bp {
			if strings.HasPrefix(x, y) || strings.HasPrefix(y, x) {
				return false
			}
		}
	}
	return true
}

// positivePrefixes is the literal text each alternative of a side's =~
// matcher starts with ("2.." gives "2", "GET|LIST" gives "GET" and
// "LIST"), or nil when the side has none or an alternative starts with a
// pattern.
func positivePrefixes(ms []*labels.Matcher) []string {
	for _, m := range ms {
		if m.Type != labels.MatchRegexp {
			continue
		}
		var out []string
		for _, alt := range strings.Split(m.Value, "|") {
			i := strings.IndexAny(alt, `.*+?()[]{}^$\`)
			if i < 0 {
				i = len(alt)
			}
			if i == 0 {
				return nil
			}
			out = append(out, alt[:i])
		}
		if strings.ContainsAny(m.Value, "()") {
			return nil // alternatives inside a group: not split here
		}
		return out
	}
	return nil
}

// keptMatchers maps each label to the matchers that selected it, for the
// labels an expression's output keeps as selected (through rates,
// aggregations that keep the label, scaling and filters).
func keptMatchers(e parser.Expr) map[string][]*labels.Matcher {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		out := map[string][]*labels.Matcher{}
		for _, m := range e.LabelMatchers {
			if m.Name != labels.MetricName {
				out[m.Name] = append(out[m.Name], m)
			}
		}
		return out
	case *parser.MatrixSelector:
		return keptMatchers(e.VectorSelector)
	case *parser.SubqueryExpr:
		return keptMatchers(e.Expr)
	case *parser.UnaryExpr:
		return keptMatchers(e.Expr)
	case *parser.AggregateExpr:
		if e.Op == parser.COUNT_VALUES {
			return nil
		}
		in := keptMatchers(e.Expr)
		out := map[string][]*labels.Matcher{}
		kept := outputLabels(e)
		for n, ms := range in {
			if !kept.absent(n) {
				out[n] = ms
			}
		}
		return out
	case *parser.Call:
		if callName(e) == "label_replace" || callName(e) == "label_join" {
			return nil
		}
		for _, a := range e.Args {
			if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
				return keptMatchers(a)
			}
		}
	case *parser.BinaryExpr:
		switch {
		case isScalar(e.RHS):
			return keptMatchers(e.LHS)
		case isScalar(e.LHS):
			return keptMatchers(e.RHS)
		case e.Op == parser.LAND || e.Op == parser.LUNLESS:
			return keptMatchers(e.LHS)
		case e.VectorMatching != nil && e.VectorMatching.Card == parser.CardOneToOne && !e.VectorMatching.On && len(e.VectorMatching.MatchingLabels) == 0:
			// One to one on every label: both sides agree on each, so
			// the matchers of both apply.
			out := keptMatchers(e.LHS)
			for n, ms := range keptMatchers(e.RHS) {
				out[n] = append(out[n], ms...)
			}
			return out
		case e.VectorMatching != nil && e.VectorMatching.Card == parser.CardManyToOne:
			return keptMatchers(e.LHS)
		case e.VectorMatching != nil && e.VectorMatching.Card == parser.CardOneToMany:
			return keptMatchers(e.RHS)
		}
	}
	return nil
}

var alertTopk = &lint.Check{
	ID:       "alert/topk",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "topk() or bottomk() in an alerting rule",
		Text: `topk and bottomk pick series by rank at each evaluation. When two series
trade places, one alert resolves and another starts, so for: restarts
for both and the alert may never fire, or fires and resolves in a loop.
Alert on the condition of every series (x > threshold) and let
Alertmanager group them.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 1 finding,
judged real (pint's test of the pattern); topk by (…) (1, …)
de-duplication is not reported. Info: one finding is no measurement.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentBusiest
        expr: topk(3, rate(agent_requests_total[5m])) > 100
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentBusy
        expr: rate(agent_requests_total[5m]) > 100
        for: 10m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil || !r.IsAlert() {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			// topk by (all its labels) (1, x) keeps one series per
			// identity: a de-duplication, not a ranking.
			if a, ok := n.(*parser.AggregateExpr); ok && (a.Op == parser.TOPK || a.Op == parser.BOTTOMK) && !dedup(a) {
				pr := a.PositionRange()
				p.ReportExpr(r, int(pr.Start), int(pr.Start)+len(a.Op.String()),
					fmt.Sprintf("%s() in an alert picks series by rank: when ranks change, alerts resolve and restart and for: never completes", a.Op),
					"alert on a threshold for every series instead")
			}
			return true
		})
	},
}

// dedup reports whether a topk/bottomk keeps one series per group.
func dedup(a *parser.AggregateExpr) bool {
	v, ok := scalarValue(a.Param)
	return ok && v == 1 && len(a.Grouping) > 0 && !a.Without
}

var upWithoutJob = &lint.Check{
	ID:       "promql/up-without-job",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "up == 0, or a metric every target exports, without a job matcher",
		Text: `up{} == 0 alerts for every target of every job, including the ones
other teams own and the ones deliberately down, and the alert's labels
say little about what is broken. Select the job the alert is about
(up{job="agent"} == 0), or aggregate by job. An aggregation that leaves
job out (sum by (instance) (up) == 0) covers every job's targets alike,
as does avg_over_time(up[5m]) == 0, a matcher that admits every value
(up{job=~".+"}) and one that names only where targets run
(up{namespace="payments"} holds the namespace's exporters and sidecars
too).

The same holds for the metrics that unrelated programs export under one
name: go_* (every Go program), process_* (every process a client library
instruments) and prometheus_engine_* (Prometheus, and Thanos, Cortex and
Mimir, which embed its engine). An alert reading them with no matcher
that names targets covers all of them: a "Cortex querier at capacity"
alert on prometheus_engine_queries fires for Prometheus too
(cortex-jsonnet#91). A selector without a job is left alone when another
selector of the expression names targets, since the matching then keeps
only theirs.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 43
findings in 29 files. For up, the alert does fire for every job in all
of them, but most are deliberate catch-all TargetDown alerts; of the 15
on shared metrics, two name one product and cover every process
(InfluxDB's heap alert on go_memstats_*, CouchDB's file descriptors),
and the rest are awesome-prometheus-alerts' generic Go, JVM and Python
runtime alerts, which mean to cover every program. Info.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: TargetDown
        expr: up == 0
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
        for: 5m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil || !r.IsAlert() {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			b, ok := n.(*parser.BinaryExpr)
			if !ok {
				return true
			}
			side, op, v, ok := comparedWithScalar(b)
			// avg_over_time(up[10m]) < 0.9 is a flapping target of any
			// job, as up == 0 is a down one.
			if !ok || !((op == parser.EQLC && v == 0) || (op == parser.LSS && v > 0 && v <= 1)) {
				return true
			}
			vs, ok := upUnderAggregation(side)
			if !ok {
				return true
			}
			for _, m := range vs.LabelMatchers {
				if m.Name != labels.MetricName && !matchesAnyValue(m) && !scopeLabels[m.Name] {
					return true
				}
			}
			start, end := nodeRange(vs)
			p.ReportExpr(r, start, end,
				"up without a job matcher alerts for every target of every job",
				`select the job: up{job="…"} == 0`)
			return true
		})
		// One finding per alert, on its first such selector, and none
		// when another selector names targets: the matching then keeps
		// only theirs (process_open_fds{job="a"} / process_max_fds).
		var shared *parser.VectorSelector
		who := ""
		named := false
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return !named
			}
			if namesTarget(vs) {
				named = true
			} else if w := sharedBy(selectorName(vs)); w != "" && shared == nil {
				shared, who = vs, w
			}
			return !named
		})
		if shared == nil || named {
			return
		}
		start, end := nodeRange(shared)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s is exported by %s, and with no job matcher the alert covers all of them, whoever owns them", selectorName(shared), who),
			fmt.Sprintf(`select the job: %s{job="…"}`, selectorName(shared)))
	},
}

// sharedBy says which programs export name under the same name, when many
// unrelated ones do: the runtime metrics of every Go program and every
// process, and the query engine's metrics of Prometheus and of each
// project built on its engine (Thanos, Cortex, Mimir). "" otherwise.
func sharedBy(name string) string {
	switch {
	case strings.HasPrefix(name, "go_"):
		return "every Go program scraped"
	case strings.HasPrefix(name, "process_"):
		return "every process a client library instruments"
	case strings.HasPrefix(name, "prometheus_engine_"):
		return "Prometheus and every server built on its query engine (Thanos, Cortex, Mimir)"
	}
	return ""
}

// namesTarget reports whether one of vs's matchers picks targets: any
// label but the name, a scope label (namespace, cluster …) or a
// matcher that admits every value.
func namesTarget(vs *parser.VectorSelector) bool {
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName && !matchesAnyValue(m) && !scopeLabels[m.Name] {
			return true
		}
	}
	return false
}

// scopeLabels say where a target runs, not which target it is: a
// matcher on them alone still selects every job there (an exporter, a
// sidecar, a probe beside the service the alert is about).
var scopeLabels = map[string]bool{
	"namespace": true, "cluster": true, "env": true, "environment": true,
	"region": true, "zone": true, "datacenter": true, "dc": true, "tenant": true,
}

// matchesAnyValue reports whether a matcher selects every series that
// has the label, and so names no target: job=~".*", job=~".+",
// job!="". Scrape labels are never empty.
func matchesAnyValue(m *labels.Matcher) bool {
	switch m.Type {
	case labels.MatchRegexp:
		return m.Value == ".*" || m.Value == ".+"
	case labels.MatchNotEqual, labels.MatchNotRegexp:
		return m.Value == ""
	}
	return false
}

// upUnderAggregation returns the up selector e compares, through
// sum, min, max and avg that leave job out (sum by (instance) (up) == 0
// still covers every job's targets) and through avg_over_time and its
// kin over a range of up (avg_over_time(up[5m]) == 0 smooths a flapping
// target, it still covers every job); by (job) says which job is down.
func upUnderAggregation(e parser.Expr) (*parser.VectorSelector, bool) {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		return e, selectorName(e) == "up"
	case *parser.Call:
		switch callName(e) {
		case "avg_over_time", "min_over_time", "max_over_time", "last_over_time":
		default:
			return nil, false
		}
		if len(e.Args) != 1 {
			return nil, false
		}
		_, vs := matrixSelector(e.Args[0])
		if vs == nil {
			return nil, false
		}
		return vs, selectorName(vs) == "up"
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.MIN, parser.MAX, parser.AVG:
		default:
			return nil, false
		}
		keepsJob := false
		for _, g := range e.Grouping {
			if g == "job" {
				keepsJob = true
			}
		}
		if keepsJob != e.Without {
			return nil, false
		}
		return upUnderAggregation(e.Expr)
	}
	return nil, false
}

var floatEquality = &lint.Check{
	ID:       "promql/float-equality",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A rate or increase compared for equality with a non-zero number",
		Text: `rate(), increase() and the other range functions extrapolate to the
edges of their window, so increase(restarts_total[5m]) is 1.0344… and
not 1 after a single restart. An equality test (== 1, != 3) against such
a value is almost never true. Compare with a range (> 0.5, >= 1).
Equality with 0 is exact and not reported. So is a difference with
time() (probe_ssl_earliest_cert_expiry - time() == 86400 * 7): time()
advances by the evaluation interval, and the difference steps past the
number between two evaluations.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentRestarted
        expr: increase(agent_restarts_total[15m]) == 1
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentRestarted
        expr: increase(agent_restarts_total[15m]) >= 1
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			b, ok := n.(*parser.BinaryExpr)
			if !ok || (b.Op != parser.EQLC && b.Op != parser.NEQ) {
				return true
			}
			side, _, v, ok := comparedWithScalar(b)
			if !ok || v == 0 {
				return true
			}
			fn := extrapolated(side)
			if fn == "" && readsTime(side) {
				// expiry - time() == 86400 * 7: time() moves by the
				// evaluation interval, so the difference passes the
				// value between two evaluations and is never equal.
				fn = "time"
			}
			if fn == "" {
				return true
			}
			start, end := thresholdRange(r, b)
			p.ReportExpr(r, start, end,
				floatEqualityMessage(fn, b.Op, v),
				"compare with a range, e.g. >= or > half the value")
			return true
		})
	},
}

// readsTime reports whether e is arithmetic on time() and a series
// (probe_ssl_earliest_cert_expiry - time()).
func readsTime(e parser.Expr) bool {
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok || (b.Op != parser.SUB && b.Op != parser.ADD) {
		return false
	}
	return callName(unwrap(b.LHS)) == "time" && !isScalar(b.RHS) || callName(unwrap(b.RHS)) == "time" && !isScalar(b.LHS)
}

// extrapolated returns the extrapolating function whose result e is, through
// sums and scaling, or "".
func extrapolated(e parser.Expr) string {
	switch e := unwrap(e).(type) {
	case *parser.Call:
		switch n := callName(e); n {
		case "rate", "increase", "delta", "deriv", "predict_linear":
			return n
		}
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.MAX, parser.MIN, parser.AVG:
			return extrapolated(e.Expr)
		}
	case *parser.BinaryExpr:
		// rate(x[5m]) * 60 == 2: scaled by a number, still a fraction.
		switch {
		case (e.Op == parser.MUL || e.Op == parser.DIV) && isScalar(e.RHS) && !isScalar(e.LHS):
			return extrapolated(e.LHS)
		case e.Op == parser.MUL && isScalar(e.LHS) && !isScalar(e.RHS):
			return extrapolated(e.RHS)
		}
	}
	return ""
}

var negativeOffset = &lint.Check{
	ID:       "promql/negative-offset",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A negative offset in a rule",
		Text: `offset -5m reads samples from the future of the evaluation time. A rule
is evaluated at the current time, where the future holds nothing yet,
so the selector returns nothing or stale data. Negative offsets are for
range queries over the past; a rule wants a positive offset.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 1 finding,
judged real (promtool's test of the pattern). Info: one finding is no
measurement.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentTrafficDropped
        expr: sum(rate(agent_requests_total[5m])) < 0.5 * sum(rate(agent_requests_total[5m] offset -1d))
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentTrafficDropped
        expr: sum(rate(agent_requests_total[5m])) < 0.5 * sum(rate(agent_requests_total[5m] offset 1d))
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			var off time.Duration
			switch n := n.(type) {
			case *parser.VectorSelector:
				off = n.OriginalOffset
			case *parser.SubqueryExpr:
				off = n.OriginalOffset
			}
			if off < 0 {
				start, end := nodeRange(n)
				p.ReportExpr(r, start, end,
					fmt.Sprintf("offset -%s reads samples from the future of the evaluation, which a rule never has", fmtDuration(-off)),
					"use a positive offset")
			}
			return true
		})
	},
}

var anchoredRegex = &lint.Check{
	ID:       "promql/anchored-regex",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A regex matcher with ^ or $ anchors",
		Text: `PromQL anchors every label regex at both ends: job=~"api" matches only
"api", never "api-v2". Writing ^…$ changes nothing and suggests the
author expects substring matching elsewhere, where job=~"api" then
silently matches less than meant. Drop the anchors; write .*api.* for a
substring match.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 13
findings in 5 files, all redundant anchors (style, never a wrong
result). Info.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job=~"^agent$"} == 0
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job=~"agent"} == 0
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return true
			}
			for _, m := range vs.LabelMatchers {
				if (m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp) &&
					(strings.HasPrefix(m.Value, "^") || (strings.HasSuffix(m.Value, "$") && !strings.HasSuffix(m.Value, `\$`))) {
					start, end := nodeRange(vs)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s=~%q: PromQL anchors regexes already, so ^ and $ are redundant", m.Name, m.Value),
						"drop the anchors")
					break
				}
			}
			return true
		})
	},
}

// floatEqualityMessage says why op v on a value of fn is almost never
// true.
func floatEqualityMessage(fn string, op parser.ItemType, v float64) string {
	if fn == "time" {
		return fmt.Sprintf("time() advances by the evaluation interval, so a value computed from it steps past %s between two evaluations: %s %s is almost never true", fmtNum(v), op, fmtNum(v))
	}
	return fmt.Sprintf("%s() extrapolates and rarely returns a whole number: %s %s is almost never true", fn, op, fmtNum(v))
}
