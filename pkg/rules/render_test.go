package rules

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/template"

	"github.com/agentalerts/agentalerts/pkg/templates"
)

func mustGenerate(t testing.TB, path string, src []byte) *Result {
	t.Helper()
	spec, err := ParseSpec(path, src)
	if err != nil {
		t.Fatalf("ParseSpec: %v", err)
	}
	res, err := Generate(spec)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return res
}

// expand runs a label or annotation through Prometheus's alert template
// engine, the way the rule manager does when the alert fires.
func expand(t *testing.T, alert, text string, labels map[string]string, value float64) string {
	t.Helper()
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(labels, nil, "", promql.Sample{F: value})
	exp := template.NewTemplateExpander(context.Background(), defs+text, "__alert_"+alert, data, model.Now(), nil, nil, nil)
	out, err := exp.Expand()
	if err != nil {
		t.Fatalf("expanding %q: %v", text, err)
	}
	return out
}

// TestEscapingRoundTrip checks that names with braces and quotes reach
// Alertmanager unchanged after Prometheus expands the templates.
func TestEscapingRoundTrip(t *testing.T) {
	const name = `we{{ird}} "agent" {{ .Labels }}`
	src := []byte(`version: 1
defaults:
  labels: {owner: 'ops {{ on call }}'}
services:
  - name: '` + strings.ReplaceAll(name, "'", "''") + `'
    job: 'a "job" {x}'
`)
	res := mustGenerate(t, "spec.yaml", src)
	if _, err := Render(res, "spec.yaml", false); err != nil {
		t.Fatalf("Render: %v", err)
	}
	for _, a := range res.Services[0].Alerts {
		got := map[string]string{}
		for k, v := range a.Labels {
			got[k] = expand(t, a.Name, v, map[string]string{"instance": "host:9090"}, 0.25)
		}
		if diff := cmp.Diff(a.ResultLabels, got); diff != "" {
			t.Errorf("%s: expanded labels mismatch (-want +got):\n%s", a.Name, diff)
		}
		summary := expand(t, a.Name, a.Annotations["summary"], map[string]string{"instance": "host:9090"}, 0.25)
		if !strings.Contains(summary, name) {
			t.Errorf("%s: summary %q does not contain the service name %q", a.Name, summary, name)
		}
	}
}

func TestDescriptionHumanizesValue(t *testing.T) {
	res := mustGenerate(t, "spec.yaml", []byte("version: 1\nservices: [{name: s, job: j}]\n"))
	want := map[string]string{
		"AgentErrorRatioHigh": "12.5%",
		"AgentLatencyHigh":    "7.5s",
	}
	for _, a := range res.Services[0].Alerts {
		w, ok := want[a.Name]
		if !ok {
			continue
		}
		value := map[string]float64{"AgentErrorRatioHigh": 0.125, "AgentLatencyHigh": 7.5}[a.Name]
		d := expand(t, a.Name, a.Annotations["description"], nil, value)
		if !strings.Contains(d, w) {
			t.Errorf("%s: description %q does not show $value as %s", a.Name, d, w)
		}
		if !strings.Contains(d, formatThreshold(a)) {
			t.Errorf("%s: description %q does not name the threshold %s", a.Name, d, formatThreshold(a))
		}
	}
}

func formatThreshold(a *Alert) string {
	if a.Unit == "ratio" {
		return templates.FormatThreshold(templates.Ratio, a.Threshold)
	}
	return templates.FormatThreshold(templates.Seconds, a.Threshold)
}

// TestAlertFacts pins the values other generators (promtool tests,
// Alertmanager config) read from an Alert instead of the PromQL.
func TestAlertFacts(t *testing.T) {
	res := mustGenerate(t, "spec.yaml", []byte(`version: 1
services:
  - name: s
    job: j
    selector: {agent_type: researcher}
    token_budget: false
    queue_backlog: false
    availability: false
    latency: {ticket: false, log: false, page: {threshold: 250ms, for: 2m}}
    error_rate: {ticket: false, log: false}
`))
	type fact struct {
		Name, Tier, Severity string
		For                  time.Duration
		Threshold            float64
		Window               time.Duration
		MinRequestRate       float64
		Metrics              []MetricInput
	}
	var got []fact
	for _, a := range res.Services[0].Alerts {
		if a.Kind == "absent_while_up" {
			continue // TestFamilyMetricAbsence
		}
		got = append(got, fact{a.Name, a.Tier.String(), a.SeverityValue, a.For, a.Threshold, a.Window, a.MinRequestRate, a.Metrics})
	}
	sel := map[string]string{"job": "j", "agent_type": "researcher"}
	want := []fact{
		{"AgentErrorRatioHigh", "page", "page", 5 * time.Minute, 0.1, 5 * time.Minute, 0.05, []MetricInput{
			{Role: "requests", Metric: "agent_requests_total", Type: "counter", Labels: sel},
			{Role: "errors", Metric: "agent_requests_total", Type: "counter", Labels: map[string]string{"job": "j", "agent_type": "researcher", "status": "error"}},
		}},
		{"AgentLatencyHigh", "page", "page", 2 * time.Minute, 0.25, 5 * time.Minute, 0, []MetricInput{
			{Role: "histogram", Metric: "agent_request_duration_seconds", Type: "histogram", Labels: sel},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateRejectsBrokenRules(t *testing.T) {
	err := Validate([]byte("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n"))
	var bug *BugError
	if !errors.As(err, &bug) {
		t.Fatalf("Validate = %v, want a BugError", err)
	}
	if !strings.Contains(err.Error(), "bug:") {
		t.Errorf("message %q does not say it is a bug", err)
	}
}

func TestFileName(t *testing.T) {
	tests := map[string]string{
		"research-agent":    "research-agent.rules.yaml",
		"writer/agent":      "writer_agent.rules.yaml",
		`we{{ird}} "agent"`: "we_ird_agent.rules.yaml",
		"..":                "service.rules.yaml",
	}
	for in, want := range tests {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkGenerate measures the whole pipeline (parse, generate, render
// with validation) for a spec of 50 services.
func BenchmarkGenerate(b *testing.B) {
	var spec strings.Builder
	spec.WriteString("version: 1\nservices:\n")
	for i := 0; i < 50; i++ {
		spec.WriteString("  - {name: svc-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + time.Duration(i).String() + ", job: j}\n")
	}
	src := []byte(spec.String())
	b.ReportAllocs()
	for b.Loop() {
		s, err := ParseSpec("spec.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		r, err := Generate(s)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(r, "spec.yaml", false); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLatencyGuard: with min_request_rate, a latency quantile is silent
// on low traffic, guarded by the histogram's own request count.
func TestLatencyGuard(t *testing.T) {
	res := mustGenerate(t, "spec.yaml", []byte(`version: 1
services:
  - name: s
    job: j
    availability: false
    error_rate: false
    token_budget: false
    queue_backlog: false
    latency: {min_request_rate: 0.2, log: false}
`))
	var alerts []*Alert
	for _, a := range res.Services[0].Alerts {
		if a.Kind != "absent_while_up" {
			alerts = append(alerts, a)
		}
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	want := `histogram_quantile(0.95, sum by (le) (rate(agent_request_duration_seconds_bucket{job="j"}[5m]))) > 5
and
sum(rate(agent_request_duration_seconds_count{job="j"}[5m])) >= 0.2`
	if diff := cmp.Diff(want, a.Expr); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if a.MinRequestRate != 0.2 {
		t.Errorf("MinRequestRate = %v, want 0.2", a.MinRequestRate)
	}
	if !strings.Contains(a.Annotations["description"], "at least 0.2 req/s") {
		t.Errorf("description %q does not mention the guard", a.Annotations["description"])
	}
}

func TestRenderPerServiceNameClash(t *testing.T) {
	res := mustGenerate(t, "spec.yaml", []byte("version: 1\nservices:\n  - {name: a/b, job: x}\n  - {name: a_b, job: y}\n"))
	_, err := Render(res, "spec.yaml", true)
	want := `services "a/b" and "a_b" both map to file a_b.rules.yaml; rename one`
	if err == nil || err.Error() != want {
		t.Errorf("Render error = %v, want %q", err, want)
	}
	if _, err := Render(res, "spec.yaml", false); err != nil {
		t.Errorf("one file holds both services, got %v", err)
	}
}

// TestParallelMatchesSequential: services are built, written and checked
// on every core; the files, and the errors of a spec with several bad
// services, are exactly those of one core.
func TestParallelMatchesSequential(t *testing.T) {
	var good, bad strings.Builder
	good.WriteString("version: 1\nservices:\n")
	bad.WriteString("version: 1\nservices:\n")
	for i := 0; i < 150; i++ {
		fmt.Fprintf(&good, "  - {name: svc-%03d, job: j%d, selector: {agent_type: a%d}}\n", i, i, i%7)
		rb := ""
		if i%40 == 3 {
			rb = ", runbook_url: 'relative/{{ .Alert }}'"
		}
		fmt.Fprintf(&bad, "  - {name: svc-%03d, job: j%d%s}\n", i, i, rb)
	}
	run := func(procs int) (map[string][]byte, map[string][]byte, string) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res := mustGenerate(t, "spec.yaml", []byte(good.String()))
		one, err := Render(res, "spec.yaml", false)
		if err != nil {
			t.Fatal(err)
		}
		each, err := Render(res, "spec.yaml", true)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := ParseSpec("spec.yaml", []byte(bad.String()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Generate(spec)
		if err == nil {
			t.Fatal("relative runbook URLs were accepted")
		}
		return one, each, err.Error()
	}
	one1, each1, err1 := run(1)
	oneN, eachN, errN := run(4)
	if diff := cmp.Diff(one1, oneN); diff != "" {
		t.Errorf("one file differs between 1 and 4 cores (-1 +4):\n%s", diff)
	}
	if diff := cmp.Diff(each1, eachN); diff != "" {
		t.Errorf("per-service files differ between 1 and 4 cores (-1 +4):\n%s", diff)
	}
	if err1 != errN {
		t.Errorf("errors differ between 1 and 4 cores:\n1: %s\n4: %s", err1, errN)
	}
	if n := strings.Count(err1, "runbook_url"); n != 4 {
		t.Errorf("want 4 runbook errors, one per bad service, got %d:\n%s", n, err1)
	}
}
