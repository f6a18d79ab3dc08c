package testgen

import (
	"testing"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// TestSpendForecastCasesTellARunRateFromAForecast: the spend forecast's
// below case runs at a rate that, kept up for a whole period, is over the
// budget (a run-rate rule fires on it), and the spent case's trickle, kept
// up for a whole period, is under it (a run-rate rule misses the spent
// budget). Both generated tests pass under both runners
// (TestGeneratedTestsPass), so the rule is a forecast, not a run rate.
func TestSpendForecastCasesTellARunRateFromAForecast(t *testing.T) {
	src := []byte(`version: 1
services:
  - name: planner
    job: planner
    cost:
      ticket: {threshold: 25}
      forecast: {budget: 500}
`)
	spec, err := rules.ParseSpec("cost.spec.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rules.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	var a *rules.Alert
	for _, x := range res.Services[0].Alerts {
		if isSpendForecast(x) {
			a = x
		}
	}
	if a == nil {
		t.Fatal("no spend forecast generated")
	}
	runRate := func(s segment) float64 { return s.perStep / EvalInterval.Seconds() * a.Per.Seconds() }

	below, err := spendPlanFor(a, CaseBelow)
	if err != nil {
		t.Fatal(err)
	}
	if got := runRate(below.segs[0]); got <= a.Budget {
		t.Errorf("below case: run rate over the period is $%g, want over the budget $%g", got, a.Budget)
	}
	if below.checks[0].firing {
		t.Errorf("below case expects the forecast to fire")
	}

	spent, err := spendPlanFor(a, CaseSpent)
	if err != nil {
		t.Fatal(err)
	}
	if len(spent.segs) != 2 || len(spent.checks) != 2 {
		t.Fatalf("spent case: %d segments and %d checks, want a burst, a trickle and two checks", len(spent.segs), len(spent.checks))
	}
	if got := runRate(spent.segs[1]); got >= a.Budget {
		t.Errorf("spent case: the trickle's run rate over the period is $%g, want under the budget $%g", got, a.Budget)
	}
	if !spent.checks[0].firing || spent.checks[1].firing {
		t.Errorf("spent case: want firing while the burst is in the period, then silent, got %+v", spent.checks)
	}
	// The first check is past half the period's spent range after the
	// burst (a halved range no longer holds it), the second past the
	// whole range (only a doubled one would).
	l := a.Per - a.Horizon
	if first := spent.checks[0].at; first < l/2+spentBurst || first >= l {
		t.Errorf("spent case: first check at %s, want in [%s, %s)", first, l/2+spentBurst, l)
	}
	if second := spent.checks[1].at; second <= l+spentBurst || second >= 2*l {
		t.Errorf("spent case: second check at %s, want in (%s, %s)", second, l+spentBurst, 2*l)
	}
}
