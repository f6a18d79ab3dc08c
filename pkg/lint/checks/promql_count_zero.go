package checks

import (
	"fmt"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var countZero = &lint.Check{
	ID:       "promql/count-zero",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title:     "count() compared with 0: count never returns 0",
		Precision: "3/3 true",
		Text: `count() counts the series that exist, whatever their values, and returns
nothing at all when there are none: it is never 0. count(x) == 0 (or
< 1) is therefore never true and the alert never fires. Usually the
series hold 0 or 1 (up, …_up, probe_success) and sum() was meant: sum
of a 0/1 series counts the ones that are 1. To alert when no series
exists, use absent(x).

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 3
findings in 3 files, 3 judged real (100 %): count(traefik_…_server_up)
by (…) == 0 and a Kafka "no brokers online" alert built on count(…)
== 0, none of which can ever fire. Warning.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentBackendAllDown
        expr: count by (backend) (agent_backend_up) == 0
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentBackendAllDown
        expr: sum by (backend) (agent_backend_up) == 0
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			b, ok := n.(*parser.BinaryExpr)
			if !ok || b.ReturnBool {
				return true
			}
			side, op, v, ok := comparedWithScalar(b)
			if !ok {
				return true
			}
			a, ok := unwrap(side).(*parser.AggregateExpr)
			if !ok || a.Op != parser.COUNT {
				return true
			}
			// Only conditions no count ≥ 1 can meet.
			never := (op == parser.EQLC && v < 1) || (op == parser.LSS && v <= 1) || (op == parser.LTE && v < 1)
			if !never {
				return true
			}
			fix := "use absent(…) to alert when no series exists"
			if vs, ok := unwrap(a.Expr).(*parser.VectorSelector); ok && binaryName(selectorName(vs)) {
				fix = fmt.Sprintf("sum(%s) counts the series that are 1; use it, or absent(…) to alert when none exists", selectorName(vs))
			}
			start, end := nodeRange(b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("count() is never %s %s: it counts existing series and returns nothing when there are none, so the condition is never true", op, fmtNum(v)),
				fix)
			return true
		})
	},
}

// binaryName reports whether a metric name says its series hold 0 or 1.
func binaryName(name string) bool {
	switch {
	case name == "up", name == "probe_success":
		return true
	}
	return gaugeWord(name) == "up"
}
