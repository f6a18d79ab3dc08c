package rules

import (
	"time"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// Latency: a quantile of the request duration histogram.
const Latency Family = "latency"

type latency struct{}

func (latency) info() familyInfo {
	return familyInfo{
		name:    Latency,
		keys:    []string{"quantile", "window", "min_request_rate"},
		unit:    templates.Seconds,
		absence: "AgentLatencyMetricAbsent",
		defaults: familyDefault{window: 5 * time.Minute, quantile: 0.95, tiers: map[severity.Tier]tierDefault{
			severity.Ticket: {5, 10 * time.Minute},
			severity.Log:    {2, 30 * time.Minute},
		}},
	}
}

func (latency) served(p *presets.Preset) bool { return p.Latency != nil }

func (latency) signal(p *presets.Preset) (string, *presets.Metric) {
	if p.Latency != nil {
		return "latency_histogram", p.Latency.Histogram
	}
	return "", nil
}

func (latency) build(b *builder, f *FamilySpec) {
	h, in := b.series(Latency, "latency_histogram", b.p.Latency.Histogram)
	in.Role, in.Type = "histogram", "histogram"
	tiers(f, func(t severity.Tier, tier *Tier) {
		facts := templates.Facts{Service: b.svc.Name.V, Threshold: tier.Threshold.V, Unit: templates.Seconds, For: tier.For.V,
			Window: f.Window.V, By: b.by, Quantile: f.Quantile.V, MinRate: f.MinRequestRate.V}
		b.add(&Alert{Name: "AgentLatencyHigh", Family: Latency, Kind: KindQuantile, Unit: "seconds", Threshold: tier.Threshold.V,
			Window: f.Window.V, Quantile: f.Quantile.V, MinRequestRate: f.MinRequestRate.V, Metrics: []MetricInput{in},
			Expr: templates.LatencyQuantile(f.Quantile.V, h, b.by, f.Window.V, tier.Threshold.V, f.MinRequestRate.V)},
			t, tier.For.V, tier.KeepFiringFor.V, templates.LatencyText(facts))
	})
}
