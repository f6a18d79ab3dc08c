package checks

import (
	"fmt"
	"regexp"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// Naming policies are conventions, not bugs: they are off until the
// config enables them (lint.checks.<id>.enabled: true).

var namingRecordingRule = &lint.Check{
	ID:       "naming/recording-rule",
	Severity: diag.Info,
	Off:      true,
	Doc: lint.Doc{
		Title: "A recording rule not named level:metric:operations (opt-in)",
		Text: `Prometheus's naming practice for recorded series is
level:metric:operations: the labels kept (job), the metric, and what was
done to it (rate5m, ratio). The name then tells a reader what the series
holds without opening the rule, and name-based checks can tell a rate
from a raw counter. Off by default; enable it with

    lint:
      checks:
        naming/recording-rule: {enabled: true}

Measured on ../shared/corpus/valid (353 files, 12 646 rules): opt-in. 10
144 findings in 70 files when enabled (10 000 of them in one generated
promtool test file).`,
		Bad: `groups:
  - name: agent
    rules:
      - record: agent_request_rate
        expr: sum by (job) (rate(agent_requests_total[5m]))
`,
		Good: `groups:
  - name: agent
    rules:
      - record: job:agent_requests:rate5m
        expr: sum by (job) (rate(agent_requests_total[5m]))
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if r.Record.Value == "" || recordingName.MatchString(r.Record.Value) {
			return
		}
		p.ReportAt(r, r.Record.Node,
			fmt.Sprintf("recording rule %s is not named level:metric:operations", r.Record.Value),
			"name it after the labels it keeps, the metric and the operations, e.g. job:agent_requests:rate5m")
	},
}

var recordingName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$`)

var namingAlertName = &lint.Check{
	ID:       "naming/alert-name",
	Severity: diag.Info,
	Off:      true,
	Doc: lint.Doc{
		Title: "An alert name not in CamelCase (opt-in)",
		Text: `Prometheus's own rules and most mixins name alerts in CamelCase
(KubePodCrashLooping). One convention keeps routes, silences and
inhibition rules, which match alert names, simple to write. Off by
default; enable it with

    lint:
      checks:
        naming/alert-name: {enabled: true}

Measured on ../shared/corpus/valid (353 files, 12 646 rules): opt-in.
169 findings in 67 files when enabled.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: agent_down
        expr: up{job="agent"} == 0
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if !r.IsAlert() || camelCase.MatchString(r.Alert.Value) {
			return
		}
		p.ReportAt(r, r.Alert.Node,
			fmt.Sprintf("alert name %q is not CamelCase", r.Alert.Value),
			"name it like AgentDown: words capitalised, no separators")
	},
}

var camelCase = regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)
