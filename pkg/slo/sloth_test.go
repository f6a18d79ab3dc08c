package slo

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/templates"
)

// slothSpec is the same SLO as availabilitySLO in sloth's own format
// (prometheus/v1, sloth v0.16.0): 99.9 % over sloth's default 30 days, the
// SLI split by tenant like ours.
const slothSpec = `version: "prometheus/v1"
service: "api"
slos:
  - name: "availability"
    objective: 99.9
    sli:
      events:
        error_query: sum by (tenant) (rate(errors_total{job="api"}[{{.window}}]))
        total_query: sum by (tenant) (rate(requests_total{job="api"}[{{.window}}]))
    alerting:
      name: SlothAvailability
      page_alert:
        labels: {severity: page}
      ticket_alert:
        labels: {severity: ticket}
`

// TestSlothAgrees generates the same SLO with sloth (a test tool: .ci/run
// installs github.com/slok/sloth/cmd/sloth@v0.16.0 from the Go module
// proxy; the binary never links it), loads both rule files into one
// promtool test and feeds them the same series: constant error ratios on
// both sides of every factor. After three days both page and both ticket
// for exactly the same tenants. agentalerts has one alert per window pair
// and a for on each (sloth has one alert per tier), so the comparison is by
// tenant and severity, not by alert.
func TestSlothAgrees(t *testing.T) {
	sloth := testtool.Need(t, "sloth")
	promtool := testtool.Need(t, "promtool")
	dir := t.TempDir()
	ours := ruleFile(t, dir, availabilitySLO(30*24*time.Hour), false)
	spec := filepath.Join(dir, "sloth.spec.yaml")
	if err := os.WriteFile(spec, []byte(slothSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(dir, "sloth.yaml")
	cmd := exec.Command(sloth, "generate", "--no-log", "-i", spec, "-o", theirs)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sloth generate: %v\n%s", err, out)
	}

	// Burns just above and below each factor (14.4 is covered by 20: the
	// 6h pair pages from 6 up, so 14.4 decides no page on its own).
	burns := []struct {
		burn         float64
		page, ticket bool
		comment      string
	}{
		{20, true, true, "every pair"},
		{6.1, true, true, "6h/30m pages"},
		{5.9, false, true, "below every page factor, above 3"},
		{3.1, false, true, "1d/2h tickets"},
		{2.9, false, true, "only 3d/6h tickets"},
		{1.1, false, true, "3d/6h tickets"},
		{0.9, false, false, "under the budget's pace"},
		{0.5, false, false, "well under it"},
	}
	const perMinute = 600
	var series strings.Builder
	var want = map[string][]string{"page": nil, "ticket": nil}
	for i, b := range burns {
		tenant := fmt.Sprintf("t%d", i)
		fmt.Fprintf(&series, "      - series: 'requests_total{job=\"api\",tenant=%q}'\n        values: '0+%dx4320'\n", tenant, perMinute)
		fmt.Fprintf(&series, "      - series: 'errors_total{job=\"api\",tenant=%q}'\n        values: '0+%sx4320'\n", tenant, templates.Number(perMinute*b.burn*0.001))
		if b.page {
			want["page"] = append(want["page"], tenant)
		}
		if b.ticket {
			want["ticket"] = append(want["ticket"], tenant)
		}
	}
	var cases strings.Builder
	for _, alert := range []string{AlertName(Availability), "SlothAvailability"} {
		fmt.Fprintf(&cases, "      - expr: group by (tenant, severity) (ALERTS{alertname=%q,alertstate=\"firing\"})\n        eval_time: 3d\n        exp_samples:\n", alert)
		for _, sev := range []string{"page", "ticket"} {
			for _, tenant := range want[sev] {
				fmt.Fprintf(&cases, "          - {labels: '{severity=%q,tenant=%q}', value: 1}\n", sev, tenant)
			}
		}
	}
	test := fmt.Sprintf(`rule_files: [%s, %s]
evaluation_interval: 5m
tests:
  - interval: 1m
    input_series:
%s    promql_expr_test:
%s`, ours, theirs, series.String(), cases.String())
	tf := filepath.Join(dir, "sloth.test.yaml")
	if err := os.WriteFile(tf, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "test", "rules", tf).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}
