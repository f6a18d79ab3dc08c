package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/presets"
)

func TestWithOverrides(t *testing.T) {
	tests := []struct {
		preset   string
		metrics  map[string]string
		served   []Family // families the result serves, besides availability
		problems map[string]string
	}{
		{"vllm", nil, []Family{ErrorRate, Latency, QueueBacklog}, map[string]string{}},
		{"vllm", map[string]string{"cost_total": "gpu_usd_total"}, []Family{ErrorRate, Latency, QueueBacklog, Cost}, map[string]string{}},
		{"tgi", map[string]string{"budget_used": "u", "budget_limit": "l"}, []Family{ErrorRate, Latency, TokenBudget, QueueBacklog}, map[string]string{}},
		{"tgi", map[string]string{"budget_remaining": "r"}, []Family{ErrorRate, Latency, QueueBacklog},
			map[string]string{"budget_remaining": "give both budget_remaining and budget_max"}},
		{"vllm", map[string]string{"budget_used": "u", "budget_max": "m"}, []Family{ErrorRate, Latency, QueueBacklog},
			map[string]string{"budget_used": "give either budget_used and budget_limit, or budget_remaining and budget_max"}},
		{"litellm", map[string]string{"budget_limit": "l"}, []Family{ErrorRate, Latency, TokenBudget, Cost},
			map[string]string{"budget_limit": "preset litellm measures the budget as 1 - remaining/max: override budget_remaining and budget_max"}},
		{"default", map[string]string{"budget_max": "m"}, []Family{ErrorRate, Latency, TokenBudget, QueueBacklog, Cost},
			map[string]string{"budget_max": "preset default measures the budget as used/limit: override budget_used and budget_limit"}},
		{"default", map[string]string{"availability_metric": "x"}, []Family{ErrorRate, Latency, TokenBudget, QueueBacklog, Cost},
			map[string]string{"availability_metric": "preset default watches up{job}; availability_metric applies to presets with a health gauge or pushed metrics"}},
		{"celery", map[string]string{"availability_metric": "x", "latency_histogram": "h"}, []Family{ErrorRate, Latency, QueueBacklog}, map[string]string{}},
	}
	for _, tt := range tests {
		p, err := presets.Load(tt.preset)
		if err != nil {
			t.Fatal(err)
		}
		got, problems := withOverrides(p, tt.metrics)
		var served []Family
		for _, f := range families {
			if f.info().name != Availability && f.served(got) {
				served = append(served, f.info().name)
			}
		}
		if diff := cmp.Diff(tt.served, served); diff != "" {
			t.Errorf("%s %v: served mismatch (-want +got):\n%s", tt.preset, tt.metrics, diff)
		}
		if diff := cmp.Diff(tt.problems, problems); diff != "" {
			t.Errorf("%s %v: problems mismatch (-want +got):\n%s", tt.preset, tt.metrics, diff)
		}
	}
	// The loaded preset itself is never modified.
	p, _ := presets.Load("vllm")
	withOverrides(p, map[string]string{"cost_total": "c"})
	if p.Cost != nil {
		t.Errorf("withOverrides modified the preset it was given")
	}
}
