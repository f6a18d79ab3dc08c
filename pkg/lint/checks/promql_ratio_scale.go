package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var ratioScale = &lint.Check{
	ID:       "promql/ratio-scale",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A 0–1 ratio compared with a percentage, or ×100 applied to the denominator",
		Text: `A fraction of one series by a subset of the same series
(errors / all requests of the same metric) lies between 0 and 1, and so
does a series named …_ratio. Compared with a number above 1 (> 90,
meaning 90 %), the condition is never true: the alert never fires.
Multiply by 100 first, or compare with 0.9.

a / (b * 100) is the other half of the mix-up: the ×100 lands on the
denominator and the result is 10 000 times too small for a percentage.
Write a / b * 100 or 100 * a / b.`,
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
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			b, ok := n.(*parser.BinaryExpr)
			if !ok {
				return true
			}
			if b.Op == parser.DIV {
				if m, ok := unwrap(b.RHS).(*parser.BinaryExpr); ok && m.Op == parser.MUL && !isScalar(m) {
					if v, ok := scalarValue(m.RHS); (ok && v == 100) || func() bool { v, ok := scalarValue(m.LHS); return ok && v == 100 }() {
						start, end := nodeRange(b)
						p.ReportExpr(r, start, end,
							"×100 is applied to the denominator: the result is 10 000 times smaller than the percentage meant",
							"multiply the quotient: (a / b) * 100")
					}
				}
				return true
			}
			side, op, v, ok := comparedWithScalar(b)
			if !ok || v <= 1 || (op != parser.GTR && op != parser.GTE && op != parser.EQLC) {
				return true
			}
			if why := fractionOf(side); why != "" {
				start, end := nodeRange(b)
				p.ReportExpr(r, start, end,
					fmt.Sprintf("%s, between 0 and 1, is compared with %s: the condition is never true", why, fmtNum(v)),
					fmt.Sprintf("compare with %s, or multiply the ratio by 100", fmtNum(v/100)))
			}
			return true
		})
	},
}

func fmtNum(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", v), ".0") }

// ratioName matches names of series that hold a 0–1 ratio.
var ratioName = regexp.MustCompile(`_ratio$`)

// fractionOf says why e lies in [0,1], or returns "".
func fractionOf(e parser.Expr) string {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		if name := selectorName(e); name != "" && !strings.Contains(name, ":") && ratioName.MatchString(name) {
			return name
		}
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.MAX, parser.MIN, parser.AVG:
			return fractionOf(e.Expr)
		}
	case *parser.Call:
		switch callName(e) {
		case "avg_over_time", "max_over_time", "min_over_time", "last_over_time", "quantile_over_time":
			if ms, ok := unwrap(e.Args[len(e.Args)-1]).(*parser.MatrixSelector); ok {
				return fractionOf(ms.VectorSelector)
			}
		}
	case *parser.BinaryExpr:
		if e.Op == parser.DIV && subsetOfSame(e.LHS, e.RHS) {
			return "the ratio of a subset of " + selectorName(selectors(e.RHS)[0]) + " to all of it"
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
