package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var absentLabels = &lint.Check{
	ID:       "promql/absent-labels",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "absent() of an expression that is not a selector, which drops the selector's labels",
		Text: `absent(up{job="kubelet"}) returns one sample labelled job="kubelet" when
no such series exists: absent() takes the labels of the equality
matchers of a bare selector. Given anything else, a comparison
(absent(up{job="kubelet"} == 1)), an aggregation or a function, it
returns a sample with no labels at all, so the alert arrives without
job, cluster or namespace: it cannot be routed or told apart
(kubernetes-sigs/kubernetes-mixin#1112, KubeletDown).

Reported when absent() or absent_over_time() is given an expression that
is not a plain selector and holds a selector with equality matchers,
whose labels are then lost. Write absent() of the selector itself, and,
where a value was tested too, alert on both: up{job="kubelet"} == 0 or
absent(up{job="kubelet"}).

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 2
findings, both this pattern (coredns-mixin's CoreDNSDown, gluster-mixin's
GlusterExporterDown lose job), judged debatable: the alert arrives
without the label, but its name still says which job it is for. Info.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: absent(up{job="agent"} == 1)
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0 or absent(up{job="agent"})
        for: 5m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		e := ast(r)
		if e == nil || !strings.Contains(r.Expr.Value.Value, "absent") {
			return
		}
		walk(e, func(n parser.Node, _ []parser.Node) bool {
			c, ok := n.(*parser.Call)
			if !ok || (c.Func.Name != "absent" && c.Func.Name != "absent_over_time") || len(c.Args) != 1 {
				return true
			}
			arg := unwrap(c.Args[0])
			if ms, ok := arg.(*parser.MatrixSelector); ok {
				arg = ms.VectorSelector
			}
			if _, ok := arg.(*parser.VectorSelector); ok {
				return false
			}
			var lost []string
			var sel *parser.VectorSelector
			walk(arg, func(n parser.Node, _ []parser.Node) bool {
				vs, ok := n.(*parser.VectorSelector)
				if !ok {
					return true
				}
				for _, m := range vs.LabelMatchers {
					if m.Type == labels.MatchEqual && m.Name != labels.MetricName && m.Value != "" {
						lost = append(lost, fmt.Sprintf("%s=%q", m.Name, m.Value))
						if sel == nil {
							sel = vs
						}
					}
				}
				return true
			})
			if sel == nil {
				return false
			}
			start, end := nodeRange(c)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s() of an expression that is not a selector returns a sample with no labels: %s is lost, so the alert cannot be routed or told apart by it", c.Func.Name, strings.Join(lost, ", ")),
				fmt.Sprintf("take %s() of the selector itself (absent(%s)), and test its value in a second branch joined with or", c.Func.Name, sel))
			return false
		})
	},
}
