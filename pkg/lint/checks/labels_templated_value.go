package checks

import (
	"fmt"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var labelsTemplatedValue = &lint.Check{
	ID:       "labels/templated-value",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "A label built from the alert's value, or from a label the expression drops",
		Text: `Alert labels are the alert's identity. A label built from $value (or
.Value) changes whenever the value does, so every evaluation that sees a
new value ends one alert and starts another: the for: timer restarts and
never completes, Alertmanager re-notifies and cannot group or silence it.
Put the value in an annotation, which may change freely.

$labels.x in a label is accepted when the series carry x: it is the same
for every evaluation of a series, so it does not change the alert's
identity. When the expression provably drops x (sum by (job) and then
$labels.instance), the label is always empty, and that is reported.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: ticket
          depth: "{{ $value }}"
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: ticket
        annotations:
          summary: "Agent queue holds {{ $value }} tasks"
`,
	},
	Rule: checkTemplatedLabelValue,
}

func checkTemplatedLabelValue(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() {
		return
	}
	var out *labelSet
	for _, kv := range r.Labels {
		if start, end, ok := valueRef(kv.Value.Value); ok {
			reportInValue(p, r, kv, start, end,
				fmt.Sprintf("label %q uses the alert's value: every new value makes a new alert, so for: never completes and notifications repeat", kv.Key.Value),
				fmt.Sprintf("move %q to an annotation", kv.Key.Value))
			continue
		}
		for _, ref := range labelRefs(kv.Value.Value) {
			if out == nil {
				if ast(r) == nil {
					break
				}
				s := outputLabels(ast(r))
				out = &s
			}
			if out.absent(ref.name) {
				reportInValue(p, r, kv, ref.start, ref.end,
					fmt.Sprintf("label %q uses $labels.%s, but the expression's result has no %s label: the label is always empty", kv.Key.Value, ref.name, ref.name),
					fmt.Sprintf("keep %s in the aggregation (by (…, %s)), or drop the label", ref.name, ref.name))
				break
			}
		}
	}
}
