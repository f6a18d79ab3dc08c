package checks

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// runRuleCheck runs one Rule check over src under cfg and returns its
// findings as "line:col: message".
func runRuleCheck(t *testing.T, c *lint.Check, cfg *lint.Config, src string) []string {
	t.Helper()
	f, _ := lint.ReadFile("rules.yaml", []byte(src))
	var got []string
	pass := lint.NewPass(c, cfg, f, func(d diag.Diagnostic) {
		got = append(got, fmt.Sprintf("%d:%d: %s", d.Pos.Line, d.Pos.Column, d.Message))
	})
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			for _, r := range g.Rules {
				c.Rule(pass, r)
			}
		}
	}
	return got
}

const configCases = `groups:
  - name: agent
    labels:
      service: agent
    rules:
      - alert: NoTeam
        expr: agent_queue_depth > 100
        labels:
          severity: log
      - alert: WithTeam
        expr: agent_queue_depth > 100
        labels:
          severity: ticket
          team: agents
      - alert: Templated
        expr: agent_queue_depth > 100
        labels:
          severity: "{{ $labels.tier }}"
      - record: job:queue:max
        expr: max by (job) (agent_queue_depth)
`

func TestRequiredAnnotationsFix(t *testing.T) {
	src := `groups:
  - name: g
    rules:
      - alert: Mixin
        expr: up == 0
        annotations:
          message: down
      - alert: Bare
        expr: up == 0
`
	f, _ := lint.ReadFile("r.yaml", []byte(src))
	var got []string
	pass := lint.NewPass(annotationsRequired, lint.DefaultConfig(), f, func(d diag.Diagnostic) { got = append(got, d.Fix) })
	for _, r := range f.Docs[0].Groups[0].Rules {
		annotationsRequired.Rule(pass, r)
	}
	want := []string{
		"rename the message annotation to description and add summary",
		"add summary and description under annotations:",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// The checks that report nothing under the default config (the harness
// runs every check with it) are tested here with the config that turns
// them on.
func TestConfiguredChecks(t *testing.T) {
	tests := []struct {
		name   string
		check  *lint.Check
		config func(*lint.Config)
		want   []string
	}{
		{
			name:  "required labels off by default",
			check: labelsRequired,
		},
		{
			name:   "required labels, group labels count",
			check:  labelsRequired,
			config: func(c *lint.Config) { c.RequiredLabels = []string{"team", "service"} },
			want: []string{
				`6:9: alert has no label "team"`,
				`15:9: alert has no label "team"`,
			},
		},
		{
			name:  "routes unknown by default",
			check: alertUnroutedSeverity,
		},
		{
			name:   "unrouted severity",
			check:  alertUnroutedSeverity,
			config: func(c *lint.Config) { c.RoutedSeverities = []string{"page", "ticket"} },
			want: []string{
				`9:21: no Alertmanager route matches severity="log" (routed: page, ticket), so it goes to the default receiver`,
			},
		},
		{
			name:   "a catch-all route handles everything",
			check:  alertUnroutedSeverity,
			config: func(c *lint.Config) { c.RoutedSeverities = []string{lint.RouteAll} },
		},
		{
			name:  "severity values are configurable",
			check: alertSeverity,
			config: func(c *lint.Config) {
				c.SeverityValues = []string{"critical", "warning", "info"}
			},
			want: []string{
				`9:21: severity "log" is not one of the allowed values (critical, warning, info)`,
				`13:21: severity "ticket" is not one of the allowed values (critical, warning, info)`,
			},
		},
		{
			name:  "page values are configurable",
			check: alertPageFor,
			config: func(c *lint.Config) {
				c.PageValues = []string{"ticket"}
			},
			want: []string{`10:9: page alert has no for:, so a single evaluation wakes someone up`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := lint.DefaultConfig()
			if tt.config != nil {
				tt.config(cfg)
			}
			got := runRuleCheck(t, tt.check, cfg, configCases)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
