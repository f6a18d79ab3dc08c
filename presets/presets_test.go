package presets

import (
	"strings"
	"testing"
)

func TestLoadAll(t *testing.T) {
	names := Names()
	if len(names) == 0 || names[0] != "default" {
		t.Fatalf("Names() = %v, want default first", names)
	}
	for _, n := range names {
		if _, err := Load(n); err != nil {
			t.Errorf("Load(%s): %v", n, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "name: x\navailability: {mode: up}\nbogus: 1\n", "field bogus not found"},
		{"name mismatch", "name: y\navailability: {mode: up}\n", "must match the file name"},
		{"bad mode", "name: x\navailability: {mode: ping}\n", "expected up, gauge or absent"},
		{"errors both", "name: x\navailability: {mode: up}\nrequests: {total: {name: a}, errors: {selector: 'a=\"b\"', metric: {name: c}}}\n", "exactly one of selector and metric"},
		{"budget half", "name: x\navailability: {mode: up}\nbudget: {used: {name: a}}\n", "used+limit or remaining+max"},
		{"queue aggregation", "name: x\navailability: {mode: up}\nqueue: {depth: {name: a}, aggregation: avg}\n", "expected sum or max"},
		{"absent without window", "name: x\navailability: {mode: absent, metric: {name: a}}\n", "needs metric and window"},
		{"gauge aggregation", "name: x\navailability: {mode: gauge, metric: {name: a}, instance_label: h, aggregation: sum}\n", "expected max or nothing"},
		{"buckets not increasing", "name: x\navailability: {mode: up}\nlatency: {histogram: {name: h}, buckets: [1, 0.5]}\n", "positive and increasing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestUnknownPreset(t *testing.T) {
	if _, err := Load("../default"); err == nil {
		t.Errorf("Load(../default) succeeded")
	}
	if _, err := Raw("nope"); err == nil || !strings.Contains(err.Error(), "known: default") {
		t.Errorf("Raw(nope) = %v, want the known names listed", err)
	}
}

// TestEvidence: every preset but our own default cites where its claims
// about the upstream system were checked, with a file and a release or
// commit (docs/presets.md prints them).
func TestEvidence(t *testing.T) {
	for _, n := range Names() {
		p, err := Load(n)
		if err != nil {
			t.Fatal(err)
		}
		if n == "default" {
			continue
		}
		if len(p.Evidence) == 0 {
			t.Errorf("preset %s cites no upstream evidence", n)
		}
		for _, e := range p.Evidence {
			if e.Claim == "" || e.Source == "" {
				t.Errorf("preset %s: evidence %+v lacks a claim or a source", n, e)
			}
		}
	}
}
