package alertmanager

import (
	"path/filepath"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/agentalerts/agentalerts/internal/golden"
	"github.com/agentalerts/agentalerts/pkg/rules"
)

func TestBuildFromSpec(t *testing.T) {
	tests := []struct {
		name, path string
		spec       []byte
	}{
		{name: "example", path: rules.ExamplePath, spec: rules.ExampleSpec()},
		{name: "spec-critical", path: "agents/spec.yaml", spec: []byte(`version: 1
defaults:
  severity: {label: severity, values: {page: critical, ticket: warning, log: info}}
services:
  - name: research-agent
    job: agent-service
    # No log tier anywhere: the log route must still exist for later rules.
    availability: {page: {for: 2m}}
    error_rate: {page: {threshold: 10%, for: 5m}, ticket: false, log: false}
    latency: false
    token_budget: false
    queue_backlog: false
`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := rules.ParseSpec(tc.path, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			res, err := rules.Generate(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Build(res, Options{})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.name+".golden.yaml")
			golden.Check(t, path, got)
		})
	}
}

// TestInhibitionKeepsSplitLabels: alerts split by a preset's aggregate_by
// (litellm: team; vllm: model_name) inhibit only within one value. With
// equal: [alertname, service] a page for one team muted another team's
// ticket.
func TestInhibitionKeepsSplitLabels(t *testing.T) {
	s, err := rules.ParseSpec("spec.yaml", []byte(`version: 1
services:
  - name: gateway
    job: litellm
    preset: litellm
  - name: inference
    job: vllm
    preset: vllm
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := rules.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Build(res, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadForTest(out)
	if err != nil {
		t.Fatal(err)
	}
	alert := func(sev, svc, label, value string) model.LabelSet {
		l := lset("severity", sev, svc, "AgentErrorRatioHigh")
		l[model.LabelName(label)] = model.LabelValue(value)
		return l
	}
	tests := []struct {
		name     string
		src, dst model.LabelSet
		want     bool
	}{
		{"same team", alert("page", "gateway", "team", "a"), alert("ticket", "gateway", "team", "a"), true},
		{"other team", alert("page", "gateway", "team", "a"), alert("ticket", "gateway", "team", "b"), false},
		{"other model", alert("page", "inference", "model_name", "llama"), alert("ticket", "inference", "model_name", "qwen"), false},
		{"other instance", alert("page", "inference", "instance", "a:8000"), alert("ticket", "inference", "instance", "b:8000"), false},
		{"no split label", lset("severity", "page", "inference", "AgentServiceDown"), lset("severity", "ticket", "inference", "AgentServiceDown"), true},
	}
	for _, tc := range tests {
		if got := inhibited(cfg, tc.src, tc.dst); got != tc.want {
			t.Errorf("%s: inhibited = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSLOPageMutesTicket: a page pair of an SLO burn-rate alert mutes the
// ticket pairs of the same SLO (same alert name, service and split
// labels), whatever their windows, and nothing else: not the other SLO of
// the service, not another team's ticket, and a ticket never a page.
func TestSLOPageMutesTicket(t *testing.T) {
	s, err := rules.ParseSpec("spec.yaml", []byte(`version: 1
services:
  - name: gateway
    job: litellm
    preset: litellm
    slo: {availability: {objective: 99.9%}}
  - name: api
    job: api
    slo: {availability: {objective: 99.9%}, latency: {objective: 99%, threshold: 2.5s}}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := rules.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Build(res, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadForTest(out)
	if err != nil {
		t.Fatal(err)
	}
	// The labels a firing burn-rate alert carries: its rule's and the
	// split labels of its series.
	alert := func(svc, name, long string, split ...string) model.LabelSet {
		for _, sr := range res.Services {
			for _, a := range sr.Alerts {
				if sr.Name != svc || a.Name != name || a.ResultLabels["long_window"] != long {
					continue
				}
				l := model.LabelSet{"alertname": model.LabelValue(a.Name)}
				for k, v := range a.ResultLabels {
					l[model.LabelName(k)] = model.LabelValue(v)
				}
				for i := 0; i+1 < len(split); i += 2 {
					l[model.LabelName(split[i])] = model.LabelValue(split[i+1])
				}
				return l
			}
		}
		t.Fatalf("no alert %s of %s with long_window %s", name, svc, long)
		return nil
	}
	const av, lat = "AgentAvailabilitySLOBurnRate", "AgentLatencySLOBurnRate"
	tests := []struct {
		name     string
		src, dst model.LabelSet
		want     bool
	}{
		{"page mutes ticket", alert("api", av, "1h"), alert("api", av, "3d"), true},
		{"second page pair too", alert("api", av, "6h"), alert("api", av, "1d"), true},
		{"not the page of another pair", alert("api", av, "1h"), alert("api", av, "6h"), false},
		{"ticket never mutes page", alert("api", av, "1d"), alert("api", av, "1h"), false},
		{"not the other SLO", alert("api", av, "1h"), alert("api", lat, "1d"), false},
		{"not another service", alert("gateway", av, "1h"), alert("api", av, "1d"), false},
		{"same team", alert("gateway", av, "1h", "team", "a"), alert("gateway", av, "1d", "team", "a"), true},
		{"other team", alert("gateway", av, "1h", "team", "a"), alert("gateway", av, "1d", "team", "b"), false},
	}
	for _, tc := range tests {
		if got := inhibited(cfg, tc.src, tc.dst); got != tc.want {
			t.Errorf("%s: inhibited = %v, want %v", tc.name, got, tc.want)
		}
	}
}
