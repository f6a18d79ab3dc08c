package testgen

import (
	"fmt"
	"time"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// shape is how the tests of one kind of rule are made: which cases it
// gets, the series that put its expression at a chosen value, when its
// condition holds and what its result looks like. Each family implements
// its kinds in its own file (family_*.go); the planner in scenario.go and
// the case builders ask the shape and never switch on a kind, so a new
// family is one file and one entry in shapes.
type shape interface {
	// cases are the cases a gets besides breach and below, in the order
	// they are written.
	cases(a *rules.Alert) []string
	// build writes case c where the shape has its own builder (an exact
	// value, an onset); handled is false where the generic planner does.
	build(a *rules.Alert, c string, all []*rules.Alert) (g testGroup, handled bool, err error)
	// optional says whether case c is written only where a's peers allow.
	optional(c string) bool
	// inputs are the series a scenario writes over steps intervals.
	inputs(a *rules.Alert, d data, steps int) ([]series, error)
	// plan completes the data of a case that scenarioData chose.
	plan(a *rules.Alert, d data) data
	// withTime fills in values that depend on the eval time.
	withTime(a *rules.Alert, d data, at time.Duration) data
	// holds says whether a's condition is true on d (a limit of 0 has
	// been ruled out).
	holds(a *rules.Alert, d data) bool
	// activation bounds when the condition first holds with series that
	// start at time 0; steady is the first eval time at which the value
	// is the closed form data.value describes.
	activation(a *rules.Alert, d data) (earliest, latest time.Duration)
	steady(a *rules.Alert) time.Duration
	// resultLabels are the labels of the expression's result sample on
	// the series in, which the alert keeps and its templates see.
	resultLabels(a *rules.Alert, in []series) (map[string]string, error)
	// value is the $value a's annotations see at eval time at.
	value(a *rules.Alert, d data, at time.Duration) float64
}

// shapes are the shapes of every family, by the kinds it generates; the
// absence ticket every scraped family gets is the same shape in each.
var shapes = map[rules.Family]map[rules.Kind]shape{
	rules.Availability: {rules.KindDown: down{}, rules.KindAbsent: absent{}, rules.KindAbsentOverTime: absentOverTime{}},
	rules.ErrorRate:    {rules.KindRatio: ratio{}, rules.KindAbsentWhileUp: absentWhileUp{}},
	rules.Latency:      {rules.KindQuantile: quantile{}, rules.KindAbsentWhileUp: absentWhileUp{}},
	rules.TokenBudget:  {rules.KindUsedRatio: usedRatio{}, rules.KindForecast: budgetForecast{}, rules.KindAbsentWhileUp: absentWhileUp{}},
	rules.QueueBacklog: {rules.KindDepth: depth{}, rules.KindAbsentWhileUp: absentWhileUp{}},
	rules.Cost:         {rules.KindSpend: spend{}, rules.KindForecast: projectedSpend{}, rules.KindAbsentWhileUp: absentWhileUp{}},
	// An SLO's burn-rate alerts (KindBurn) are tested by sloGroups, every
	// pair of an SLO at once; its SLI metrics get the absence ticket.
	rules.SLOFamily: {rules.KindAbsentWhileUp: absentWhileUp{}},
}

// lookup returns the shape of a, or an error for a kind this package
// cannot test.
func lookup(a *rules.Alert) (shape, error) {
	if s, ok := shapes[a.Family][a.Kind]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("no test scenario for alert kind %q of family %q", a.Kind, a.Family)
}

// shapeOf is lookup for alerts BuildFiles has checked.
func shapeOf(a *rules.Alert) shape {
	s, err := lookup(a)
	if err != nil {
		panic("bug: " + err.Error())
	}
	return s
}

// gaugeShape is the default of every method: a value read from gauges,
// true from the first evaluation, that fires over its threshold; shapes
// embed it and override what differs.
type gaugeShape struct{}

func (gaugeShape) cases(*rules.Alert) []string { return nil }

func (gaugeShape) build(*rules.Alert, string, []*rules.Alert) (testGroup, bool, error) {
	return testGroup{}, false, nil
}

// optional: the onset and exact cases of rates, whose other tiers must
// be certain at their eval times too.
func (gaugeShape) optional(c string) bool {
	return c == CaseOnset || c == CaseMinAt || c == CaseStops
}

func (gaugeShape) plan(_ *rules.Alert, d data) data { return d }

func (gaugeShape) withTime(_ *rules.Alert, d data, _ time.Duration) data { return d }

func (gaugeShape) holds(a *rules.Alert, d data) bool { return d.value > a.Threshold }

func (gaugeShape) activation(*rules.Alert, data) (time.Duration, time.Duration) { return 0, 0 }

func (gaugeShape) steady(*rules.Alert) time.Duration { return 0 }

func (gaugeShape) resultLabels(a *rules.Alert, _ []series) (map[string]string, error) {
	if len(a.Metrics) == 0 {
		return nil, fmt.Errorf("alert lists no metrics")
	}
	return byLabels(a, a.Metrics[0]), nil
}

func (gaugeShape) value(_ *rules.Alert, d data, _ time.Duration) float64 { return d.value }

// recovery is the recovery case of a rule whose condition turns false at
// the first healthy sample. Only then is the moment keep_firing_for
// starts, and the value the annotations keep, certain; a rate recovers
// gradually over its window.
func recovery(a *rules.Alert) []string {
	if a.KeepFiringFor >= EvalInterval {
		return []string{CaseRecovery}
	}
	return nil
}

// guardedRates is what the error ratio and the latency quantile share: a
// ratio of two rates, exact from the second sample on because both are
// extrapolated alike, whose value counts only at min_request_rate or
// more. Their exact at cases are written only where the peers allow.
type guardedRates struct{ gaugeShape }

func (guardedRates) optional(c string) bool { return c == CaseAt || gaugeShape{}.optional(c) }

func (guardedRates) holds(a *rules.Alert, d data) bool {
	return d.value > a.Threshold && d.rate >= a.MinRequestRate
}

// activation: near the guard, the guard is a lone rate that reads low
// until its window is full, so it may hold late.
func (guardedRates) activation(a *rules.Alert, d data) (time.Duration, time.Duration) {
	if d.slowGuard && a.MinRequestRate > 0 {
		if t, ok := loneRateOnset(a.Window, a.MinRequestRate/d.rate); ok {
			return t, t
		}
		return EvalInterval, a.Window + EvalInterval
	}
	return EvalInterval, EvalInterval
}

func (guardedRates) steady(a *rules.Alert) time.Duration { return a.Window + EvalInterval }

// guardCases are a breach just under and just over min_request_rate.
func guardCases(a *rules.Alert) []string {
	if guarded(a) {
		return []string{CaseLowTraffic, CaseTraffic}
	}
	return nil
}

// forecast is what the forecasts share: a trend needs a second sample,
// and is the closed form from then on; their at cases are written only
// where the peers allow.
type forecast struct{ gaugeShape }

func (forecast) optional(c string) bool { return c == CaseAt || gaugeShape{}.optional(c) }

func (forecast) activation(*rules.Alert, data) (time.Duration, time.Duration) {
	return EvalInterval, EvalInterval
}

func (forecast) steady(*rules.Alert) time.Duration { return 2 * EvalInterval }

// wholeThreshold says whether a's threshold is positive and survives
// being written as a sample (10 significant digits) unchanged: the first
// condition of an exact at case.
func wholeThreshold(a *rules.Alert) bool {
	return a.Threshold > 0 && round(a.Threshold) == a.Threshold
}
