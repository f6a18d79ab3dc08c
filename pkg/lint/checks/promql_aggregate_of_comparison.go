package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var aggregateOfComparison = &lint.Check{
	ID:       "promql/aggregate-of-comparison",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title:     "sum(), avg(), min() or max() of series filtered to == 0: the aggregate is always 0",
		Precision: "2/2 true",
		Text: `x == 0 keeps the series whose value is 0, with their value: 0.
sum(x == 0), avg, min or max of them is therefore 0 whenever any series
is 0, and absent otherwise. Compared with > 0 (sum by (job)
(…_last_reload_successful == 0) > 0), the condition can never hold and
the alert never fires. Without a comparison the alert fires when any
one series is 0, and $value is always 0; where "all of them are 0" was
meant (thanos-io/thanos#2819: sum(increase(uploads[2h]) == 0) fired
when any one receiver was idle), the comparison belongs after the sum:
sum(…) == 0. To count the series at 0, use count(x == 0). The same
holds for any other number under avg, min and max: avg by (cluster)
(up == 1) < 0.5 averages ones, so it is 1 whatever share of the
targets is up, and the alert never fires (count the ones, or average
up itself).

Reported for an aggregation with sum, avg, min or max whose argument is
a filter comparison with 0 (== 0, no bool): as a warning when the
aggregate is then compared so that 0 fails (> 0, >= 1, != 0), and, for
sum and avg only, as info when the alert has no such comparison (min
and max of the zeros are the usual way to keep one series per group).

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 2
warnings, both real (tempo-mixin's and cortex-mixin's runtime-config
alerts, sum by (job) (…_last_reload_successful == 0) > 0, which can
never fire): 2/2. Warning for those. The info form found one min()
on the corpus (prometheus-operator-mixin's readiness alert, a one per
group idiom), hence sum and avg only; no finding since.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentBadRuntimeConfig
        expr: sum by (job) (agent_config_last_reload_successful == 0) > 0
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentBadRuntimeConfig
        expr: count by (job) (agent_config_last_reload_successful == 0) > 0
        for: 5m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		e := ast(r)
		if e == nil || !strings.Contains(r.Expr.Value.Value, "==") {
			return
		}
		reported := map[*parser.AggregateExpr]bool{}
		walk(e, func(n parser.Node, _ []parser.Node) bool {
			// The outer comparison first: it decides the severity.
			if b, ok := n.(*parser.BinaryExpr); ok {
				side, op, v, ok := comparedWithScalar(b)
				a := zeroAggregate(side)
				if ok && a != nil {
					reported[a] = true // compared: not the info's case
				}
				if ok && a != nil && !b.ReturnBool && zeroFails(op, v) {
					start, end := nodeRange(b)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s() of series filtered to == 0 is always 0, so %s %s never holds: the rule never fires", a.Op, op, fmtNum(v)),
						fmt.Sprintf("aggregate first and compare after (%s(…) == 0), or count the series at 0 (count(… == 0) > 0)", a.Op))
				} else if a, c := constAggregate(side); ok && a != nil && !b.ReturnBool && zeroFails(op, v-c) {
					// avg by (cluster) (up == 1) < 0.5: the average of
					// ones is 1, whatever share of the targets is up.
					start, end := nodeRange(b)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s() of series filtered to == %s is always %s, so %s %s never holds: the rule never fires", a.Op, fmtNum(c), fmtNum(c), op, fmtNum(v)),
						fmt.Sprintf("aggregate the unfiltered series (%s(x) %s %s), or count the series that pass (count(x == %s))", a.Op, op, fmtNum(v), fmtNum(c)))
				}
				return true
			}
			// min or max of the zeros is the usual way to keep one series
			// per group (min by (controller) (ready == 0)): only sum and
			// avg, which suggest a total, get the info.
			a, ok := n.(*parser.AggregateExpr)
			if !ok || reported[a] || zeroAggregate(a) == nil || !r.IsAlert() || a.Op == parser.MIN || a.Op == parser.MAX {
				return true
			}
			start, end := nodeRange(a)
			p.ReportExprSeverity(infoUnlessConfigured(p), r, start, end,
				fmt.Sprintf("%s() of series filtered to == 0 is 0 whenever any one series is 0: the alert fires for any of them, with $value 0", a.Op),
				fmt.Sprintf("if all of them at 0 was meant, compare after the aggregation (%s(…) == 0); to count them, count(… == 0)", a.Op))
			return true
		})
	},
}

// zeroAggregate returns e when it is sum, avg, min or max of a filter
// comparison with 0.
func zeroAggregate(e parser.Expr) *parser.AggregateExpr {
	a, ok := unwrap(e).(*parser.AggregateExpr)
	if !ok || (a.Op != parser.SUM && a.Op != parser.AVG && a.Op != parser.MIN && a.Op != parser.MAX) {
		return nil
	}
	b, ok := unwrap(a.Expr).(*parser.BinaryExpr)
	if !ok || b.Op != parser.EQLC || b.ReturnBool {
		return nil
	}
	if v, ok := scalarValue(b.RHS); ok && v == 0 && !isScalar(b.LHS) {
		return a
	}
	if v, ok := scalarValue(b.LHS); ok && v == 0 && !isScalar(b.RHS) {
		return a
	}
	return nil
}

// zeroFails reports whether 0 op v is false.
func zeroFails(op parser.ItemType, v float64) bool {
	switch op {
	case parser.GTR:
		return !(0 > v)
	case parser.GTE:
		return !(0 >= v)
	case parser.LSS:
		return !(0 < v)
	case parser.LTE:
		return !(0 <= v)
	case parser.NEQ:
		return v == 0
	case parser.EQLC:
		return v != 0
	}
	return false
}

// constAggregate returns e and c when e is avg, min or max of a filter
// comparison with a number c other than 0 (avg(up == 1)): every series
// it keeps has the value c, and so has the aggregation.
func constAggregate(e parser.Expr) (*parser.AggregateExpr, float64) {
	a, ok := unwrap(e).(*parser.AggregateExpr)
	if !ok || (a.Op != parser.AVG && a.Op != parser.MIN && a.Op != parser.MAX) {
		return nil, 0
	}
	b, ok := unwrap(a.Expr).(*parser.BinaryExpr)
	if !ok || b.Op != parser.EQLC || b.ReturnBool {
		return nil, 0
	}
	if v, ok := scalarValue(b.RHS); ok && v != 0 && !isScalar(b.LHS) {
		return a, v
	}
	if v, ok := scalarValue(b.LHS); ok && v != 0 && !isScalar(b.RHS) {
		return a, v
	}
	return nil, 0
}
