package checks

import (
	"fmt"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var alertTemplatedName = &lint.Check{
	ID:       "alert/templated-name",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "An alert name that holds a template",
		Text: `Prometheus expands templates in labels and annotations, never in
the alert: name. A name written as "{{ $labels.job }} has no new
batches" reaches Alertmanager as that literal text, in the alertname
label every route, silence and inhibition matches on, and every job's
alert carries the same name (blockscout/helm-charts#95). promtool
accepts it: any string is a valid alert name.

Put the varying part in the summary annotation and keep the name
constant.

Measured on ../shared/corpus/valid (2 408 rules of four sources): no
finding. Info until findings on public rules can be judged.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: '{{ $labels.job }} is down'
        expr: up{job="agent"} == 0
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
        for: 5m
        annotations:
          summary: '{{ $labels.job }} is down'
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if !r.IsAlert() || !strings.Contains(r.Alert.Value, "{{") {
			return
		}
		p.ReportAt(r, r.Alert.Node,
			fmt.Sprintf("the alert name %q holds a template, which Prometheus never expands in alert: names: notifications carry the literal text as alertname", r.Alert.Value),
			"give the alert a constant name and put the templated text in the summary annotation")
	},
}
