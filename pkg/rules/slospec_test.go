package rules

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/templates"
)

// TestSLOSpecDecoded: defaults, a custom table by share and by factor (a
// factor is stored as the share it spends), and a fractional threshold.
func TestSLOSpecDecoded(t *testing.T) {
	type pair struct {
		Tier, Long, Short, Share, For, Factor string
	}
	tests := []struct {
		name, slo string
		period    time.Duration
		minEvents float64
		threshold float64
		pairs     []pair
	}{
		{
			name: "defaults", slo: `{availability: {objective: 99.9%}}`,
			period: 30 * 24 * time.Hour,
			pairs: []pair{
				{"page", "1h", "5m", "1/50", "2m", "14.4"},
				{"page", "6h", "30m", "1/20", "15m", "6"},
				{"ticket", "1d", "2h", "1/10", "1h", "3"},
				{"ticket", "3d", "6h", "1/10", "3h", "1"},
			},
		},
		{
			name: "custom", slo: `{period: 28d, min_events: 20, latency: {objective: 0.99, threshold: 2.5s},
  windows: [{long: 1h, short: 5m, factor: 14, tier: page, for: 2m}, {long: 1d, short: 2h, budget: 10%, tier: ticket}]}`,
			period: 28 * 24 * time.Hour, minEvents: 20, threshold: 2.5,
			pairs: []pair{
				{"page", "1h", "5m", "1/48", "2m", "14"},
				{"ticket", "1d", "2h", "1/10", "0s", "2.8"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := ParseSpec("spec.yaml", []byte("version: 1\nservices:\n  - name: api\n    job: api\n    slo: "+tc.slo+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			s := spec.Services[0].SLO
			var got []pair
			for _, p := range s.Pairs {
				got = append(got, pair{p.Tier.String(), templates.Duration(p.Long), templates.Duration(p.Short), p.Share.RatString(), templates.Duration(p.For), p.FactorText(s.Period.V)})
			}
			if d := cmp.Diff(tc.pairs, got); d != "" {
				t.Errorf("pairs (-want +got):\n%s", d)
			}
			if s.Period.V != tc.period || s.MinEvents.V != tc.minEvents {
				t.Errorf("period %s, min_events %v; want %s, %v", s.Period.V, s.MinEvents.V, tc.period, tc.minEvents)
			}
			if s.Latency != nil && s.Latency.Threshold.V != tc.threshold {
				t.Errorf("threshold %v, want %v", s.Latency.Threshold.V, tc.threshold)
			}
		})
	}
}
