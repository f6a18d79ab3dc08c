package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var sumOfRatio = &lint.Check{
	ID:       "promql/sum-of-ratio",
	Severity: diag.Info, // judged 4/8 true on the public rule sets, see Doc.Text
	Doc: lint.Doc{
		Title: "A division inside sum(), avg() or stddev() whose denominator can be 0",
		Text: `sum(a / b) divides series by series first. Where one b is 0 (a rate
over an idle window), that quotient is NaN or ±Inf, and one NaN makes the whole sum NaN: every comparison with NaN is
false, so the alert goes silent exactly when one instance is idle. Sum
first and divide the sums (sum(a) / sum(b)), or keep the denominator
away from 0 (clamp_min(b, 1), b > 0). max() and min() skip NaN and are
not reported; stddev() and stdvar() are, as they turn NaN the same way.
Nor are denominators that are not rates, increases or quotas (a capacity
or a size is 0 only by accident, while a ResourceQuota's hard: 0 forbids
a resource on purpose). The finding points at the
denominator.

Info, not warning: whether one NaN hides another series depends on the
labels the metric carries, which no rule file shows. On the maintained
public rule sets (testdata/lint/precision) 4 of its 8 findings were
judged true (Tomcat connectors, Ceph bdevs, WildFly listeners: an idle
one silences the rest), 1 debatable and 3 false: CouchDB's latency and
postgres's per-database cache ratio keep one series per group, so the
sum is the quotient itself and NaN only when nothing happened, when
silence is right. 4/8 is under the 80 % a warning needs. A draft that
judged every denominator, not only rates, was worse still (17 findings
on the whole corpus, 10 real).`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrorRatioHigh
        expr: sum by (job) (rate(agent_errors_total[5m]) / rate(agent_requests_total[5m])) > 0.05
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrorRatioHigh
        expr: sum by (job) (rate(agent_errors_total[5m])) / sum by (job) (rate(agent_requests_total[5m])) > 0.05
        for: 10m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			a, ok := n.(*parser.AggregateExpr)
			if !ok || (a.Op != parser.SUM && a.Op != parser.AVG && a.Op != parser.STDDEV && a.Op != parser.STDVAR) {
				return true
			}
			b, ok := unwrap(a.Expr).(*parser.BinaryExpr)
			// Only rates and increases are judged: they are 0 whenever
			// nothing happens, while a denominator such as a capacity or
			// a size is 0 only by accident.
			if !ok || b.Op != parser.DIV || isScalar(b.LHS) || isScalar(b.RHS) || nonZero(b.RHS) || (!hasCall(b.RHS, windowFuncs) && !isQuota(b.RHS)) {
				return true
			}
			// At the denominator, which can be 0.
			start, end := nodeRange(b.RHS)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s() of a division: where a denominator is 0 the quotient is NaN and the whole %s is NaN, so comparisons with it are false", a.Op, a.Op),
				fmt.Sprintf("divide the sums (%s(a) / %s(b)), or keep the denominator above 0 with clamp_min(b, 1)", a.Op, a.Op))
			return true
		})
	},
}

// nonZero reports whether a denominator is kept away from 0: clamp_min,
// or a filter that drops zeros (b > 0, b != 0).
func nonZero(e parser.Expr) bool {
	switch e := unwrap(e).(type) {
	case *parser.Call:
		return callName(e) == "clamp_min" || callName(e) == "clamp"
	case *parser.BinaryExpr:
		if _, op, v, ok := comparedWithScalar(e); ok && !e.ReturnBool {
			return (op == parser.GTR && v >= 0) || (op == parser.NEQ && v == 0) || (op == parser.GTE && v > 0)
		}
	}
	return false
}

// isQuota reports whether e is a quota's hard limit, which is 0 by
// design where a resource is forbidden (a Kubernetes ResourceQuota with
// hard: 0, as its documentation shows for forbidding a resource).
func isQuota(e parser.Expr) bool {
	vs := spineSelector(e)
	return vs != nil && strings.Contains(selectorName(vs), "quota")
}
