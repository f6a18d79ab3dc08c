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
	cfg := lint.DefaultConfig()
	cfg.AnnotationStandIns = nil // as when required_annotations is configured
	pass := lint.NewPass(annotationsRequired, cfg, f, func(d diag.Diagnostic) { got = append(got, d.Fix) })
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

// With no config, summary, description and message stand in for each
// other: only an alert with none of them is reported.
func TestAnnotationStandIns(t *testing.T) {
	src := `groups:
  - name: g
    rules:
      - alert: Mixin
        expr: up == 0
        annotations:
          message: down
      - alert: SummaryOnly
        expr: up == 0
        annotations:
          summary: down
      - alert: Bare
        expr: up == 0
      - alert: Blank
        expr: up == 0
        annotations:
          description: " "
`
	got := runRuleCheck(t, annotationsRequired, lint.DefaultConfig(), src)
	want := []string{
		`12:9: alert has no annotations "summary" and "description"`,
		`14:9: alert has no annotations "summary" and "description"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// With no severity values configured, both known vocabularies pass and
// only a missing label is reported; critical and page both page.
func TestSeverityDefaults(t *testing.T) {
	src := `groups:
  - name: g
    rules:
      - alert: Mixin
        expr: up == 0
        labels:
          severity: critical
      - alert: Tiers
        expr: up == 0
        labels:
          severity: ticket
      - alert: Custom
        expr: up == 0
        labels:
          severity: pageteam
      - alert: None
        expr: up == 0
`
	cfg := lint.DefaultConfig()
	got := runRuleCheck(t, alertSeverity, cfg, src)
	want := []string{`16:9: alert has no severity label, so no route knows how urgent it is`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("severity: mismatch (-want +got):\n%s", diff)
	}
	got = runRuleCheck(t, alertPageFor, cfg, src)
	want = []string{`4:9: page alert has no for:, so a single evaluation wakes someone up`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("page-for: mismatch (-want +got):\n%s", diff)
	}
}

// With no scrape interval configured, [1m] passes and only windows too
// short for a 15s scrape are reported.
func TestRateWindowDefault(t *testing.T) {
	src := `groups:
  - name: g
    rules:
      - alert: OneMinute
        expr: rate(x_total[1m]) > 0
      - alert: Twenty
        expr: rate(x_total[20s]) > 0
`
	got := runRuleCheck(t, rateWindow, lint.DefaultConfig(), src)
	want := []string{`7:27: rate() window [20s] is shorter than twice the shortest common scrape interval (15s): it often holds fewer than the two samples rate() needs`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// page-for is a warning once the team lists its severity values, info
// while lint only guesses that critical pages.
func TestPageForSeverity(t *testing.T) {
	src := "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n        labels:\n          severity: critical\n"
	tests := []struct {
		name   string
		values []string
		want   []diag.Severity
	}{
		{name: "no config", want: []diag.Severity{diag.Info}},
		{name: "mixin values", values: []string{"critical", "warning", "info"}, want: []diag.Severity{diag.Warning}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := lint.DefaultConfig()
			cfg.SeverityValues = tt.values
			f, _ := lint.ReadFile("r.yaml", []byte(src))
			var got []diag.Severity
			pass := lint.NewPass(alertPageFor, cfg, f, func(d diag.Diagnostic) {
				if d.Severity == 0 {
					d.Severity = cfg.SeverityOf(alertPageFor)
				}
				got = append(got, d.Severity)
			})
			alertPageFor.Rule(pass, f.Docs[0].Groups[0].Rules[0])
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// With no routes and no allowed values, alert/unrouted-severity reports
// only a misspelling of a well-known severity; short words and values
// with a meaning of their own are left alone.
func TestMisspeltSeverityWithoutRoutes(t *testing.T) {
	src := `groups:
  - name: g
    rules:
      - alert: Typo
        expr: up == 0
        labels:
          severity: critcal
      - alert: Warnig
        expr: up == 0
        labels:
          severity: warnig
      - alert: Pager
        expr: up == 0
        labels:
          severity: pager
      - alert: Team
        expr: up == 0
        labels:
          severity: pageteam
      - alert: Crit
        expr: up == 0
        labels:
          severity: crit
`
	cfg := lint.DefaultConfig()
	got := runRuleCheck(t, alertUnroutedSeverity, cfg, src)
	want := []string{
		`7:21: severity "critcal" is not a severity routes are written for, and 1 letter away from "critical": no route for "critical" matches it, so the alert goes to the default receiver`,
		`11:21: severity "warnig" is not a severity routes are written for, and 1 letter away from "warning": no route for "warning" matches it, so the alert goes to the default receiver`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unrouted-severity: mismatch (-want +got):\n%s", diff)
	}
}
