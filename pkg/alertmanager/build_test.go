package alertmanager

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

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
			golden := filepath.Join("testdata", tc.name+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/alertmanager -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
