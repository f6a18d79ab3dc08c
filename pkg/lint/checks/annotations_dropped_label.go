package checks

import (
	"fmt"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var annotationsDroppedLabel = &lint.Check{
	ID:       "annotations/dropped-label",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Precision: "23/23 true",
		Title:     "An annotation uses a label the expression aggregates away",
		Text: `$labels in an annotation holds the labels of the series the expression
returned, nothing else. After sum by (agent_type), only agent_type is
left, so {{ $labels.instance }} expands to an empty string and the page
says "instance  is down". The alert's own labels: are not in $labels
either.

The check follows by/without, on/ignoring, group_left/group_right,
label_replace, absent() and the set operators to compute which labels
the result can carry. Where it cannot tell (e.g. info()), it stays quiet.
Nor does it report when another annotation of the alert prints the whole
label set ({{ $labels }}, as awesome-prometheus-alerts' descriptions do):
the responder then sees every label the result has, and the empty
placeholder costs nothing but looks.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: HighAgentErrorRate
        expr: sum by (agent_type) (rate(agent_requests_total{status="error"}[5m])) > 1
        for: 5m
        annotations:
          summary: "{{ $labels.instance }} fails requests"
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: HighAgentErrorRate
        expr: sum by (agent_type, instance) (rate(agent_requests_total{status="error"}[5m])) > 1
        for: 5m
        annotations:
          summary: "{{ $labels.instance }} fails requests"
`,
	},
	Rule: checkDroppedLabel,
}

func checkDroppedLabel(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || ast(r) == nil || printsAllLabels(r) {
		return
	}
	var out *labelSet
	for _, kv := range r.Annotations {
		for _, ref := range labelRefs(kv.Value.Value) {
			if out == nil {
				s := outputLabels(ast(r))
				out = &s
			}
			if !out.absent(ref.name) {
				continue
			}
			msg := fmt.Sprintf("annotation %q uses $labels.%s, but the expression's result has no %s label", kv.Key.Value, ref.name, ref.name)
			if out.exact {
				if k := out.known(); len(k) > 0 {
					msg += fmt.Sprintf(" (it carries only %s)", strings.Join(k, ", "))
				} else {
					msg += " (it carries no labels)"
				}
			}
			if _, ok := ruleLabel(r, ref.name); ok {
				msg += "; labels the rule or its group sets are not part of $labels"
			}
			reportInValue(p, r, kv, ref.start, ref.end, msg+": it expands to an empty string",
				fmt.Sprintf("keep %s in the aggregation (by (…, %s)), or stop using it", ref.name, ref.name))
		}
	}
}

// printsAllLabels reports whether an annotation of r prints the whole
// $labels map ({{ $labels }}, {{ range $labels }}, {{ $labels | … }}).
func printsAllLabels(r *lint.Rule) bool {
	for _, kv := range r.Annotations {
		v := kv.Value.Value
		for i := strings.Index(v, "$labels"); i >= 0; {
			rest := strings.TrimLeft(v[i+len("$labels"):], " \t")
			if rest == "" || strings.ContainsRune("}|)", rune(rest[0])) {
				return true
			}
			j := strings.Index(v[i+1:], "$labels")
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return false
}
