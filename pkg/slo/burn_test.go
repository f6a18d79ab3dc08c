package slo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/pkg/unittest"
)

// ruleFile writes the SLO's rules as one Prometheus rule group. Without
// annotations when bare is set: the burn-level test asserts which pairs
// fire, and the annotation texts have tests of their own.
func ruleFile(t *testing.T, dir string, s *SLO, bare bool) string {
	t.Helper()
	var rules []map[string]any
	for _, r := range s.Rules() {
		m := map[string]any{"expr": r.Expr}
		if r.Record != "" {
			m["record"] = r.Record
		} else {
			m["alert"] = r.Alert
			m["for"] = templates.Duration(r.For)
			if !bare {
				m["annotations"] = r.Annotations
			}
		}
		if len(r.Labels) > 0 {
			m["labels"] = r.Labels
		}
		rules = append(rules, m)
	}
	out, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "slo", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func availabilitySLO(period time.Duration) *SLO {
	obj, err := ParseObjective("99.9%")
	if err != nil {
		panic(err)
	}
	job := []templates.Matcher{{Name: "job", Op: "=", Value: "api"}}
	return &SLO{
		Service: "api",
		SLI: SLI{Kind: Availability,
			Errors: templates.Selector{Name: "errors_total", Matchers: job},
			Total:  templates.Selector{Name: "requests_total", Matchers: job}},
		Objective: obj, Period: period, Pairs: Google(), MinEvents: 50,
		By: []string{"tenant"}, Scale: severity.Default(), RunbookURL: "https://runbooks.example/slo",
	}
}

// runBoth runs a promtool test file with the in-process runner and with
// promtool, and fails the test with either's report.
func runBoth(t *testing.T, testFile string) {
	t.Helper()
	res, err := unittest.RunFile(testFile, unittest.Options{})
	if err != nil {
		t.Fatalf("agentalerts test: %v", err)
	}
	if res.Failed() {
		var b bytes.Buffer
		unittest.WriteText(&b, res)
		t.Errorf("agentalerts test failed:\n%s", b.String())
	}
	promtool := testtool.Need(t, "promtool")
	out, err := exec.Command(promtool, "test", "rules", testFile).CombinedOutput()
	if err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}

// The proof: a 99.9 % objective over 30 days, and constant error
// ratios of 20, 10, 4, 2 and 0.5 times the budget. After three days
// exactly the pairs whose factor (14.4, 6, 3, 1) the burn exceeds are
// firing, under both runners.
func TestBurnLevelsAfterThreeDays(t *testing.T) {
	dir := t.TempDir()
	s := availabilitySLO(30 * 24 * time.Hour)
	rules := ruleFile(t, dir, s, true)
	const perMinute = 600 // 10 requests a second
	// The pairs expected to fire, by their long window, written out from
	// the workbook's factors rather than computed by the code under test.
	burns := []struct {
		burn  float64
		longs []string
	}{
		{20, []string{"1h", "6h", "1d", "3d"}},
		{10, []string{"6h", "1d", "3d"}},
		{4, []string{"1d", "3d"}},
		{2, []string{"3d"}},
		{0.5, nil},
	}
	var series, alerts strings.Builder
	for i, b := range burns {
		burn := b.burn
		tenant := fmt.Sprintf("t%d", i)
		errs := perMinute * burn * 0.001
		fmt.Fprintf(&series, "      - series: 'requests_total{job=\"api\",tenant=%q}'\n        values: '0+%dx4320'\n", tenant, perMinute)
		fmt.Fprintf(&series, "      - series: 'errors_total{job=\"api\",tenant=%q}'\n        values: '0+%sx4320'\n", tenant, templates.Number(errs))
		for _, p := range s.Pairs {
			if !slices.Contains(b.longs, templates.Duration(p.Long)) {
				continue
			}
			fmt.Fprintf(&alerts, "          - exp_labels: {tenant: %s, service: api, slo: availability, severity: %s, long_window: %s, short_window: %s}\n",
				tenant, p.Tier, templates.Duration(p.Long), templates.Duration(p.Short))
		}
	}
	tf := alertTest(t, dir, "burn.test.yaml", rules, series.String(), "AgentAvailabilitySLOBurnRate", alerts.String())
	// Ten alerts: 4 pairs at 20x, 3 at 10x, 2 at 4x, 1 at 2x, none at 0.5x.
	if n := strings.Count(alerts.String(), "exp_labels"); n != 10 {
		t.Fatalf("expected %d firing pairs in the test, want 10", n)
	}
	runBoth(t, tf)
}

// A latency SLO counts requests over the threshold's bucket as bad, with
// the bucket matched whether it is exposed as 1 or 1.0. At 20 times the
// budget every pair fires, at half of it none; the annotations execute in
// both runners, the budget spent read back with query.
func TestLatencyBurnAndAnnotations(t *testing.T) {
	dir := t.TempDir()
	obj, err := ParseObjective("99%")
	if err != nil {
		t.Fatal(err)
	}
	job := []templates.Matcher{{Name: "job", Op: "=", Value: "api"}}
	s := &SLO{Service: "api", SLI: SLI{Kind: Latency, Histogram: templates.Selector{Name: "req_seconds", Matchers: job}, Threshold: 1},
		Objective: obj, Period: 30 * 24 * time.Hour, Pairs: Google(), MinEvents: 50, By: []string{"tenant"},
		Scale: severity.Default(), RunbookURL: "https://runbooks.example/slo"}
	rules := ruleFile(t, dir, s, false)
	var series strings.Builder
	// Tenant a: 20 % of requests over 1s (20 times the 1 % budget), its
	// bucket exposed as le="1"; tenant b: 0.5 %, exposed as le="1.0".
	for _, tc := range []struct {
		tenant, le    string
		slowPerMinute float64
	}{{"a", "1", 120}, {"b", "1.0", 3}} {
		fmt.Fprintf(&series, "      - series: 'req_seconds_count{job=\"api\",tenant=%q}'\n        values: '0+600x4320'\n", tc.tenant)
		fmt.Fprintf(&series, "      - series: 'req_seconds_bucket{job=\"api\",tenant=%q,le=\"+Inf\"}'\n        values: '0+600x4320'\n", tc.tenant)
		fmt.Fprintf(&series, "      - series: 'req_seconds_bucket{job=\"api\",tenant=%q,le=%q}'\n        values: '0+%sx4320'\n", tc.tenant, tc.le, templates.Number(600-tc.slowPerMinute))
	}
	var alerts strings.Builder
	for _, r := range s.Rules() {
		if r.Alert == "" {
			continue
		}
		desc := strings.Replace(r.Annotations["description"], `{{ $value | printf "%.1f" }}`, "20.0", 1)
		desc = desc[:strings.Index(desc, "{{ with")] + "2000%."
		fmt.Fprintf(&alerts, "          - exp_labels: {tenant: a, service: api, slo: latency, severity: %s, long_window: %s, short_window: %s}\n",
			r.Pair.Tier, templates.Duration(r.Pair.Long), templates.Duration(r.Pair.Short))
		fmt.Fprintf(&alerts, "            exp_annotations: {summary: %q, description: %q, runbook_url: %q}\n", r.Annotations["summary"], desc, r.Annotations["runbook_url"])
	}
	tf := alertTest(t, dir, "latency.test.yaml", rules, series.String(), "AgentLatencySLOBurnRate", alerts.String())
	runBoth(t, tf)
}

// alertTest writes a promtool test file: the series at 1m for three days,
// rules evaluated every 5m, and the alerts expected at 3d.
func alertTest(t *testing.T, dir, name, rules, series, alertname, alerts string) string {
	t.Helper()
	test := fmt.Sprintf(`rule_files: [%s]
evaluation_interval: 5m
tests:
  - interval: 1m
    input_series:
%s    alert_rule_test:
      - eval_time: 3d
        alertname: %s
        exp_alerts:
%s`, rules, series, alertname, alerts)
	tf := filepath.Join(dir, name)
	if err := os.WriteFile(tf, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	return tf
}
