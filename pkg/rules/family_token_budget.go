package rules

import (
	"time"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// TokenBudget: the share of a token (or other) budget used, and its
// forecast exhaustion.
const TokenBudget Family = "token_budget"

type tokenBudget struct{}

func (tokenBudget) info() familyInfo {
	return familyInfo{
		name:         TokenBudget,
		keys:         []string{"forecast"},
		forecastKeys: []string{"horizon", "window", "tier", "for"},
		unit:         templates.Ratio,
		absence:      "AgentBudgetMetricAbsent",
		defaults: familyDefault{tiers: map[severity.Tier]tierDefault{
			severity.Ticket: {0.80, 5 * time.Minute},
			severity.Log:    {0.60, 15 * time.Minute},
		}},
	}
}

func (tokenBudget) served(p *presets.Preset) bool { return p.Budget != nil }

func (tokenBudget) signal(p *presets.Preset) (string, *presets.Metric) {
	if p.Budget != nil && p.Budget.Used != nil {
		return "budget_used", p.Budget.Used
	}
	if p.Budget != nil {
		return "budget_remaining", p.Budget.Remaining
	}
	return "", nil
}

func (tokenBudget) build(b *builder, f *FamilySpec) {
	bu := b.p.Budget
	usedLimit := bu.Used != nil
	var a, c templates.Selector
	var ain, cin MetricInput
	if usedLimit {
		a, ain = b.series(TokenBudget, "budget_used", bu.Used)
		c, cin = b.series(TokenBudget, "budget_limit", bu.Limit)
		ain.Role, cin.Role = "used", "limit"
	} else {
		a, ain = b.series(TokenBudget, "budget_remaining", bu.Remaining)
		c, cin = b.series(TokenBudget, "budget_max", bu.Max)
		ain.Role, cin.Role = "remaining", "max"
	}
	unitName := bu.Unit
	if unitName == "" {
		unitName = "token"
	}
	ratio := templates.UsedRatio(usedLimit, a.String(), c.String(), b.by)
	metrics := []MetricInput{ain, cin}
	tiers(f, func(t severity.Tier, tier *Tier) {
		facts := templates.Facts{Service: b.svc.Name.V, Threshold: tier.Threshold.V, Unit: templates.Ratio, For: tier.For.V, By: b.by, Unitname: unitName}
		b.add(&Alert{Name: "AgentTokenBudgetHigh", Family: TokenBudget, Kind: KindUsedRatio, Unit: "ratio", Threshold: tier.Threshold.V,
			Metrics: metrics, Expr: templates.Budget(ratio, tier.Threshold.V)},
			t, tier.For.V, tier.KeepFiringFor.V, templates.BudgetText(facts))
	})
	if fc := f.Forecast; fc != nil {
		pred := templates.PredictLinear(a, fc.Window.V, fc.Horizon.V)
		fratio := templates.UsedRatio(usedLimit, pred, c.String(), b.by)
		facts := templates.Facts{Service: b.svc.Name.V, Threshold: 1, Unit: templates.Ratio, For: fc.For.V, By: b.by,
			Window: fc.Window.V, Horizon: fc.Horizon.V, Unitname: unitName}
		b.add(&Alert{Name: "AgentTokenBudgetExhaustionForecast", Family: TokenBudget, Kind: KindForecast, Unit: "ratio", Threshold: 1,
			Window: fc.Window.V, Horizon: fc.Horizon.V, Metrics: metrics, Expr: templates.BudgetForecast(fratio)},
			fc.Tier.V, fc.For.V, 0, templates.BudgetForecastText(facts))
	}
}
