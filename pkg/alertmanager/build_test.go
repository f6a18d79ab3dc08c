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
