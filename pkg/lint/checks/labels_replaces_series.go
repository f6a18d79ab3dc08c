package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var labelsReplacesSeries = &lint.Check{
	ID:       "labels/replaces-series-label",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "A static alert label with the name of a label the expression groups by",
		Text: `Prometheus applies an alerting rule's labels after evaluating its
expression, replacing series labels of the same name. When the expression
keeps a label to tell its results apart (sum by (team) (...)), a static
label of that name gives every result the same value: with two teams
breaching at once, the rule produces two alerts with identical labels and
its evaluation fails ("vector contains metrics with the same labelset after
applying alert labels"), so nothing fires; with one team breaching, the
alert names the wrong team, and Alertmanager groups, routes and inhibits
on it.

Reported only when the result certainly carries the label (the outermost
aggregation keeps it with by, or on/group_left keep it) and the value is
static. A value built from $labels of the same name, and a value equal to
the one every selector pins the label to, replace nothing and are
accepted. Rename the static label (owner_team) or drop the label from the
aggregation.`,
		Bad: `groups:
  - name: gateway
    rules:
      - alert: TeamErrorRatioHigh
        expr: sum by (team) (rate(llm_errors_total[5m])) / sum by (team) (rate(llm_requests_total[5m])) > 0.1
        for: 5m
        labels:
          severity: page
          team: platform
`,
		Good: `groups:
  - name: gateway
    rules:
      - alert: TeamErrorRatioHigh
        expr: sum by (team) (rate(llm_errors_total[5m])) / sum by (team) (rate(llm_requests_total[5m])) > 0.1
        for: 5m
        labels:
          severity: page
          owner_team: platform
`,
	},
	Rule: checkReplacesSeriesLabel,
}

func checkReplacesSeriesLabel(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || len(r.Labels) == 0 {
		return
	}
	e := ast(r)
	if e == nil {
		return
	}
	out := outputLabels(e)
	if !out.exact {
		return // a raw selector's labels are unknown: no claim
	}
	for _, kv := range r.Labels {
		name, value := kv.Key.Value, kv.Value.Value
		if !out.only[name] || strings.Contains(value, "{{") {
			continue
		}
		if pinnedTo(e, name) == value {
			continue
		}
		p.ReportAt(r, kv.Key.Node,
			fmt.Sprintf("label %q replaces the %s label the expression keeps (by %s): results for two values of %s get the same labels and the rule fails to evaluate, and one alone is named %q", name, name, name, name, value),
			fmt.Sprintf("rename the label (e.g. owner_%s), or drop %s from the aggregation", name, name))
	}
}

// pinnedTo is the value every vector selector of e fixes name to with =,
// or "" when some selector does not (the label can then take any value).
func pinnedTo(e parser.Expr, name string) string {
	value, all := "", true
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return true
		}
		v, found := "", false
		for _, m := range vs.LabelMatchers {
			if m.Name == name && m.Type == labels.MatchEqual {
				v, found = m.Value, true
			}
		}
		if !found || value != "" && v != value {
			all = false
		}
		value = v
		return true
	})
	if !all {
		return ""
	}
	return value
}
