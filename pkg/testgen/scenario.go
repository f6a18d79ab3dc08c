package testgen

// This file plans scenarios: the values a case puts into an alert's
// series, which alerts share them, and when each tier certainly fires.

import (
	"fmt"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// guarded says whether a's value only counts at min_request_rate or more
// (rules sets MinRequestRate only on the alerts it guards).
func guarded(a *rules.Alert) bool {
	return a.MinRequestRate > 0 && a.Window > 0
}

// data is what a scenario puts into the series an alert reads, in terms
// the alert's value follows from.
type data struct {
	breach bool    // down/absent kinds: the condition holds
	value  float64 // the expression's value at eval time
	rate   float64 // error ratio: total requests per second
	// scale multiplies the size of what is measured (the budget), not
	// the value: decoys differ from the case in size (0 means 1).
	scale float64
	// trend is the share of the budget a forecast's usage trend uses
	// per horizon (0 means 1).
	trend float64
	// noLimit: the budget limit is 0.
	noLimit bool
	// slowGuard: rate is near min_request_rate, so the guard, a lone
	// rate that reads low until its window is full, may hold late.
	slowGuard bool
	// targetDown: the job's up is 0 (absent_while_up kinds).
	targetDown bool
	// segs, when set, are a cost counter's increments (spend forecast).
	segs []segment
}

func (d data) trendShare() float64 {
	if d.trend == 0 {
		return 1
	}
	return d.trend
}

func (d data) volume() float64 {
	if d.scale == 0 {
		return 1
	}
	return d.scale
}

func seriesKeys(in []series) map[string]bool {
	keys := map[string]bool{}
	for _, s := range in {
		keys[s.key()] = true
	}
	return keys
}

// baseKeys identify series without their bucket bound: two services read
// the same histogram whatever buckets a scenario writes into it.
func baseKeys(in []series) map[string]bool {
	keys := map[string]bool{}
	for _, s := range in {
		l := labels.FromMap(s.labels)
		keys[labels.NewBuilder(l).Del("le").Labels().String()] = true
	}
	return keys
}

// split sorts the alerts named like target into peers, which read the
// target's series (its own tiers, and another service's alert when two
// services read the very same series), and others, which read none of
// them. An alert that reads some but not all of them makes the outcome
// depend on PromQL this package does not evaluate, so it is an error.
func split(target *rules.Alert, d data, all []*rules.Alert) (peers, others []*rules.Alert, err error) {
	in, err := inputs(target, d, 1)
	if err != nil {
		return nil, nil, err
	}
	targetKeys := baseKeys(in)
	for _, b := range all {
		if b.Name != target.Name {
			continue
		}
		if b.Service == target.Service {
			peers = append(peers, b)
			continue
		}
		theirs, err := inputs(b, healthyData(b), 1)
		if err != nil {
			return nil, nil, err
		}
		theirKeys := baseKeys(theirs)
		shared := 0
		for k := range theirKeys {
			if targetKeys[k] {
				shared++
			}
		}
		switch {
		case shared == 0:
			others = append(others, b)
		case shared == len(theirKeys) && shared == len(targetKeys) && b.Kind == target.Kind:
			peers = append(peers, b)
		default:
			return nil, nil, fmt.Errorf("service %q reads some of the same series, so no test can breach one service alone", b.Service)
		}
	}
	return peers, others, nil
}

// overUnder are the breach and below values of a: Margin over and under
// its threshold, so that the tests pin the threshold. A ratio stays a
// ratio: a threshold within Margin of 100% breaches halfway to it.
func overUnder(a *rules.Alert) (over, under float64) {
	thr := a.Threshold
	over = thr * (1 + Margin)
	if thr == 0 {
		over = 1
	}
	if a.Unit == "ratio" && a.Kind != rules.KindForecast && over > 1 {
		over = (1 + thr) / 2
	}
	return round(over), round(thr * (1 - Margin))
}

// scenarioData picks the value of one case: just over the threshold for
// a breach (tiers with a threshold under it breach too), just under it
// for "below", and traffic just under and just over min_request_rate.
func scenarioData(a *rules.Alert, c string) data {
	over, under := overUnder(a)
	// Twice the guard even for the first rate, which spans one minute of
	// the window and so reads EvalInterval/Window of the true rate.
	d := data{rate: 1}
	if guarded(a) {
		d.rate = round(math.Max(1, 2*a.MinRequestRate*float64(a.Window/EvalInterval)))
	}
	switch c {
	case CaseBreach:
		d.breach, d.value = true, over
	case CaseBelow:
		d.breach, d.value = false, under
	case CaseAt:
		d.breach, d.value = false, a.Threshold
	case CaseLowTraffic:
		d.breach, d.value, d.rate, d.slowGuard = true, over, round(a.MinRequestRate*(1-Margin)), true
	case CaseTraffic:
		d.breach, d.value, d.rate, d.slowGuard = true, over, round(a.MinRequestRate*(1+Margin)), true
	case CaseNoLimit:
		d.breach, d.value, d.noLimit = true, over, true
	case CaseSmallLimit:
		d.breach, d.value, d.scale = true, over, 1.0/budgetLimit
	case CaseTargetDown:
		d.breach, d.targetDown = true, true
	}
	return shapeOf(a).plan(a, d)
}

// healthyData is the state of another service's series while the target
// breaches: nothing of it may fire.
func healthyData(a *rules.Alert) data {
	return data{breach: false, value: 0, rate: math.Max(1, 2*a.MinRequestRate)}
}

// activation bounds when an alert's condition first holds, with series
// that start at time 0: gauges and absence hold at the first evaluation;
// a rate or a trend needs a second sample (see each shape).
func activation(a *rules.Alert, d data) (earliest, latest time.Duration) {
	return shapeOf(a).activation(a, d)
}

// loneRateOnset is the first eval time at which rate(c[w]) of a counter
// that starts at 0 at time 0 and grows at a constant rate r exceeds
// frac*r. Both runners read such a rate as
// r*t/w until the window is full (the first sample is 0, so neither
// extrapolates back from it) and r from then on. ok is false when
// frac*w falls within 1 % of an interval of a sample, where rounding
// could decide (and > against >= with it), or the rate never gets there.
func loneRateOnset(w time.Duration, frac float64) (time.Duration, bool) {
	if w <= 0 || frac <= 0 || frac >= 1 {
		return 0, false
	}
	steps := frac * float64(w) / float64(EvalInterval)
	if math.Abs(steps-math.Round(steps)) < 0.01 {
		return 0, false
	}
	n := math.Max(1, math.Ceil(steps))
	return time.Duration(n) * EvalInterval, true
}

// steady is the first eval time at which the value is the closed form
// data.value describes (a rate over a full window).
func steady(a *rules.Alert) time.Duration { return shapeOf(a).steady(a) }

// evalTime picks when to check: the first time the target breach has
// certainly held for `for`, so that a rule whose `for` is too long fails
// the test; later only if some tier of the same alert could still be
// pending then, so that the expected set of firing tiers is certain.
func evalTime(target *rules.Alert, d data, peers []*rules.Alert) (time.Duration, error) {
	_, late := activation(target, d)
	e := max(target.For+late, steady(target))
	limit := e + 48*time.Hour
	for ; e <= limit; e += EvalInterval {
		ok := true
		for _, b := range peers {
			if !holds(b, withTime(b, d, e)) {
				continue
			}
			early, late := activation(b, d)
			if e >= b.For+early && e < b.For+late {
				ok = false
				break
			}
		}
		if ok {
			return e, nil
		}
	}
	return 0, fmt.Errorf("no eval time within 48h leaves every tier of %s certainly firing or certainly silent", target.Name)
}

// pendingTime is when the pending case checks: one interval before the
// target's breach can first have held for `for`, so a rule whose `for`
// is too short fires there and fails the test. It moves earlier while a
// peer's outcome is in doubt, or a firing peer's value is not yet the
// steady one its annotations would show.
func pendingTime(target *rules.Alert, d data, peers []*rules.Alert) time.Duration {
	early, _ := activation(target, d)
	for e := target.For + early - EvalInterval; e > 0; e -= EvalInterval {
		ok := true
		for _, b := range peers {
			if !holds(b, withTime(b, d, e)) {
				continue
			}
			bEarly, bLate := activation(b, d)
			if (e >= b.For+bEarly && e < b.For+bLate) || (fires(b, d, e) && e < steady(b)) {
				ok = false
				break
			}
		}
		if ok {
			return e
		}
	}
	return 0
}

// withTime fills in values that depend on the eval time: the token budget
// forecast of a linear trend that exhausts the budget within the horizon.
func withTime(a *rules.Alert, d data, at time.Duration) data { return shapeOf(a).withTime(a, d, at) }

// holds reports whether b's condition is true on d.
func holds(b *rules.Alert, d data) bool {
	if d.noLimit {
		return false // the rule divides by no limit at all
	}
	return shapeOf(b).holds(b, d)
}

// fires reports whether b is firing at eval time at; evalTime has made
// sure it is not in doubt.
func fires(b *rules.Alert, d data, at time.Duration) bool {
	_, late := activation(b, d)
	return holds(b, withTime(b, d, at)) && at >= b.For+late
}
