package rules

import (
	"slices"
	"testing"

	"github.com/agentalerts/agentalerts/presets"
)

// TestUnserved: a preset without a family's metrics says so, in the
// spec's family order, and one with every metric lists nothing;
// availability needs no preset metric (it can watch up).
func TestUnserved(t *testing.T) {
	full := &presets.Preset{Requests: &presets.Requests{}, Latency: &presets.Latency{}, Budget: &presets.Budget{}, Queue: &presets.Queue{}, Cost: &presets.Cost{}}
	if got := Unserved(full); len(got) != 0 {
		t.Errorf("a preset with every family's metrics: Unserved() = %v, want none", got)
	}
	want := []Family{ErrorRate, Latency, TokenBudget, QueueBacklog, Cost}
	if got := Unserved(&presets.Preset{}); !slices.Equal(got, want) {
		t.Errorf("an empty preset: Unserved() = %v, want %v", got, want)
	}
}

// TestFamilyRegistry: every family is listed once, under the name its
// constant gives, and every one but availability has the absence alert
// the generator adds when its metric goes missing.
func TestFamilyRegistry(t *testing.T) {
	seen := map[Family]bool{}
	for _, f := range families {
		if seen[f.info().name] {
			t.Errorf("family %s listed twice", f.info().name)
		}
		seen[f.info().name] = true
		if got, ok := familyOf(f.info().name); !ok || got.info().name != f.info().name {
			t.Errorf("familyOf(%s) = %v, %v", f.info().name, got, ok)
		}
		if (f.info().absence == "") != (f.info().name == Availability) {
			t.Errorf("family %s: absence alert %q", f.info().name, f.info().absence)
		}
	}
	if _, ok := familyOf("slo"); ok {
		t.Errorf("familyOf accepts a name that is no family")
	}
}
