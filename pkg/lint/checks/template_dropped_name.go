package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var templateDroppedName = &lint.Check{
	ID:       "template/dropped-name",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A template prints $labels.__name__ after the expression dropped the metric name",
		Text: `$labels holds the labels of the series the alert's expression returned,
and PromQL removes the metric name from most results: every function
but a few (label_replace, label_join, sort, last_over_time), every
aggregation but topk, bottomk and limitk, arithmetic, and comparisons
with bool. After rate({__name__=~"dubbo_.*_fail_.*"}[5m]) > 0 the
series have no __name__, so {{ $labels.__name__ }} expands to an empty
string and the alert cannot say which metric fired
(alerta/prometheus-config#30). In a label it also makes every firing
series carry the same empty value.

The check follows the expression from its top down to where the name is
dropped (the function, aggregation or operator) and stays quiet where it
cannot tell, such as a function it does not know. Keep the name in a
label of its own before it is dropped (label_replace(…, "metric", "$1",
"__name__", "(.+)") around the selector, then rate() of that), or name
the metric in the template.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentFailures
        expr: rate({__name__=~"agent_.*_failures_total"}[5m]) > 0
        for: 5m
        annotations:
          summary: "{{ $labels.__name__ }} is increasing"
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentFailures
        expr: rate(label_replace({__name__=~"agent_.*_failures_total"}, "metric", "$1", "__name__", "(.+)")[5m:]) > 0
        for: 5m
        annotations:
          summary: "{{ $labels.metric }} is increasing"
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if !r.IsAlert() || ast(r) == nil {
			return
		}
		var dropper string
		for _, kvs := range [][]lint.KV{r.Labels, r.Annotations} {
			for _, kv := range kvs {
				// Only a template that names __name__ is of interest:
				// a substring test, so no annotation pays for a parse.
				if !strings.Contains(kv.Value.Value, "__name__") {
					continue
				}
				for _, ref := range labelRefs(kv.Value.Value) {
					if ref.name != "__name__" {
						continue
					}
					if dropper == "" {
						dropper = nameDropper(ast(r))
						if dropper == "" {
							return
						}
					}
					reportInValue(p, r, kv, ref.start, ref.end,
						fmt.Sprintf("%q uses $labels.__name__, but %s removes the metric name from the expression's result: it expands to an empty string", kv.Key.Value, dropper),
						"copy the name into a label of its own with label_replace before it is dropped, or write the metric's name")
				}
			}
		}
	},
}

// nameKeepingFuncs are the functions whose result keeps the metric name
// of their input series.
var nameKeepingFuncs = map[string]bool{
	"label_replace": true, "label_join": true, "sort": true, "sort_desc": true,
	"sort_by_label": true, "sort_by_label_desc": true, "last_over_time": true,
	"first_over_time": true,
}

// nameDroppingFuncs are the functions known to remove the metric name;
// a function in neither list leaves the answer open.
var nameDroppingFuncs = map[string]bool{
	"rate": true, "irate": true, "increase": true, "delta": true, "idelta": true,
	"deriv": true, "predict_linear": true, "holt_winters": true,
	"double_exponential_smoothing": true, "avg_over_time": true,
	"sum_over_time": true, "count_over_time": true, "min_over_time": true,
	"max_over_time": true, "stddev_over_time": true, "stdvar_over_time": true,
	"quantile_over_time": true, "changes": true, "resets": true,
	"histogram_quantile": true, "histogram_sum": true, "histogram_count": true,
	"histogram_avg": true, "histogram_fraction": true, "abs": true, "ceil": true,
	"floor": true, "round": true, "exp": true, "ln": true, "log2": true,
	"log10": true, "sqrt": true, "clamp": true, "clamp_min": true,
	"clamp_max": true, "sgn": true,
}

// nameDropper says what removes the metric name from every series of the
// expression's result ("rate()", "sum", "the / operation"), or "" when
// the result keeps it or the analysis cannot tell.
func nameDropper(e parser.Expr) string {
	switch e := unwrap(e).(type) {
	case *parser.Call:
		name := e.Func.Name
		if nameDroppingFuncs[name] {
			return name + "()"
		}
		if nameKeepingFuncs[name] && len(e.Args) > 0 {
			return nameDropper(e.Args[0])
		}
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
			return nameDropper(e.Expr)
		}
		return e.Op.String()
	case *parser.BinaryExpr:
		switch {
		case e.Op == parser.LAND || e.Op == parser.LUNLESS:
			return nameDropper(e.LHS)
		case e.Op == parser.LOR:
			l, r := nameDropper(e.LHS), nameDropper(e.RHS)
			if l == "" || r == "" {
				return ""
			}
			return l
		case e.Op.IsComparisonOperator() && !e.ReturnBool:
			if isScalar(e.LHS) {
				return nameDropper(e.RHS)
			}
			return nameDropper(e.LHS)
		case e.Op.IsComparisonOperator():
			return fmt.Sprintf("the %s bool comparison", e.Op)
		}
		if isScalar(e.LHS) && isScalar(e.RHS) {
			return ""
		}
		return fmt.Sprintf("the %s operation", e.Op)
	}
	return ""
}
