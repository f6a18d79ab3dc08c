package rules

import (
	"time"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// Cost: spend per period from a cost counter, and a forecast of the
// spend of a rolling period against a budget.
const Cost Family = "cost"

type cost struct{}

// info: the defaults have no tier, as there is no sensible universal
// spend, so cost is generated only when the spec gives a threshold.
func (cost) info() familyInfo {
	return familyInfo{
		name:         Cost,
		keys:         []string{"window", "per", "forecast"},
		forecastKeys: []string{"budget", "period", "horizon", "tier", "for"},
		unit:         templates.USD,
		absence:      "AgentCostMetricAbsent",
		defaults:     familyDefault{window: time.Hour, per: time.Hour, tiers: map[severity.Tier]tierDefault{}},
	}
}

func (cost) served(p *presets.Preset) bool { return p.Cost != nil }

func (cost) signal(p *presets.Preset) (string, *presets.Metric) {
	if p.Cost != nil {
		return "cost_total", p.Cost.Counter
	}
	return "", nil
}

func (cost) build(b *builder, f *FamilySpec) {
	sel, in := b.series(Cost, "cost_total", b.p.Cost.Counter)
	in.Role = "cost"
	spend := templates.SpendRate(sel, b.by, f.Window.V, f.Per.V)
	tiers(f, func(t severity.Tier, tier *Tier) {
		facts := templates.Facts{Service: b.svc.Name.V, Threshold: tier.Threshold.V, Unit: templates.USD, For: tier.For.V,
			Window: f.Window.V, Per: f.Per.V, By: b.by}
		b.add(&Alert{Name: "AgentSpendHigh", Family: Cost, Kind: KindSpend, Unit: "usd", Threshold: tier.Threshold.V,
			Window: f.Window.V, Per: f.Per.V, Metrics: []MetricInput{in}, Expr: templates.Spend(spend, tier.Threshold.V)},
			t, tier.For.V, tier.KeepFiringFor.V, templates.SpendText(facts))
	})
	if fc := f.Forecast; fc != nil {
		facts := templates.Facts{Service: b.svc.Name.V, Unit: templates.USD, For: fc.For.V, Window: f.Window.V,
			Per: fc.Period.V, Horizon: fc.Horizon.V, Budget: fc.Budget.V, By: b.by}
		b.add(&Alert{Name: "AgentSpendBudgetForecast", Family: Cost, Kind: KindForecast, Unit: "usd", Threshold: fc.Budget.V,
			Window: f.Window.V, Per: fc.Period.V, Horizon: fc.Horizon.V, Budget: fc.Budget.V, Metrics: []MetricInput{in},
			Expr: templates.SpendForecast(sel, b.by, f.Window.V, fc.Period.V, fc.Horizon.V, fc.Budget.V)},
			fc.Tier.V, fc.For.V, 0, templates.SpendForecastText(facts))
	}
}
