package testgen

import (
	"fmt"
	"time"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// usedRatio is the share of a budget used: used over limit, or one minus
// remaining over max, two gauges.
type usedRatio struct{ gaugeShape }

func (usedRatio) cases(a *rules.Alert) []string {
	var cs []string
	if usedRatioExactAt(a) {
		cs = append(cs, CaseAt)
	}
	cs = append(cs, CaseNoLimit, CaseSmallLimit)
	return append(cs, recovery(a)...)
}

func (usedRatio) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	return budgetInputs(a, d, steps)
}

// usedRatioExactAt says whether the ratio the rule computes at its
// threshold is the threshold to the last bit in both runners, so the at
// case pins > against >=: one division of gauges is correctly rounded, so
// 800/1000 is the literal 0.8, checked here with the same float64
// operations.
func usedRatioExactAt(a *rules.Alert) bool {
	thr := a.Threshold
	if !wholeThreshold(a) {
		return false
	}
	if _, err := role(a, "used"); err == nil {
		used := round(budgetLimit * thr)
		return used/budgetLimit == thr
	}
	remaining := round(budgetLimit * (1 - thr))
	return 1-remaining/budgetLimit == thr
}

// budgetForecast is predict_linear of the used (or remaining) gauge over
// the limit: the breach is a linear trend from half the budget, on which
// predict_linear is exact.
type budgetForecast struct{ forecast }

func (budgetForecast) cases(*rules.Alert) []string {
	return []string{CaseAt, CaseNoLimit, CaseSmallLimit}
}

func (budgetForecast) build(a *rules.Alert, c string, all []*rules.Alert) (testGroup, bool, error) {
	if c == CaseAt {
		g, err := buildForecastAt(a, all)
		return g, true, err
	}
	return testGroup{}, false, nil
}

func (budgetForecast) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	return budgetInputs(a, d, steps)
}

// plan: the value is filled in by withTime, as it grows with time. The
// trend reaches Margin over the whole budget at the first eval time the
// breach can fire, so it pins the threshold.
func (budgetForecast) plan(a *rules.Alert, d data) data {
	if d.breach {
		d.value = 0.5
		at := max(a.For+EvalInterval, 2*EvalInterval)
		d.trend = round((1 + Margin - 0.5) / (1 + at.Seconds()/a.Horizon.Seconds()))
	}
	return d
}

// withTime: used(t) = L/2 + kL*t/H, so predict_linear at t gives
// (L/2 + kL*(t+H)/H) / L.
func (budgetForecast) withTime(a *rules.Alert, d data, at time.Duration) data {
	if d.breach {
		d.value = 0.5 + d.trendShare()*(1+at.Seconds()/a.Horizon.Seconds())
	}
	return d
}

func (budgetForecast) holds(a *rules.Alert, d data) bool {
	return d.breach && d.value >= a.Threshold
}

func (s budgetForecast) value(a *rules.Alert, d data, at time.Duration) float64 {
	return s.withTime(a, d, at).value
}

const budgetLimit = 1000

func budgetInputs(a *rules.Alert, d data, steps int) ([]series, error) {
	used, usedErr := role(a, "used")
	limit, limitErr := role(a, "limit")
	remaining := usedErr != nil
	if remaining {
		var err error
		if used, err = role(a, "remaining"); err != nil {
			return nil, err
		}
		if limit, err = role(a, "max"); err != nil {
			return nil, err
		}
	} else if limitErr != nil {
		return nil, limitErr
	}
	lim := budgetLimit * d.volume()
	ls := series{labels: seriesLabels(a, limit, limit.Metric), values: gauge(lim, steps)}
	us := series{labels: seriesLabels(a, used, used.Metric)}
	usedAt := func(v float64) float64 {
		if remaining {
			return lim * (1 - v)
		}
		return lim * v
	}
	switch {
	case a.Kind == rules.KindForecast && d.breach:
		// A linear trend from half the budget that uses the whole budget
		// every horizon: predict_linear is exact on it.
		slope := d.trendShare() * lim / a.Horizon.Seconds() * EvalInterval.Seconds()
		if remaining {
			us.values = fmt.Sprintf("%s-%sx%d", num(lim/2), num(slope), steps)
		} else {
			us.values = fmt.Sprintf("%s+%sx%d", num(lim/2), num(slope), steps)
		}
	case a.Kind == rules.KindForecast:
		us.values = gauge(usedAt(d.value), steps)
	default:
		us.values = gauge(usedAt(d.value), steps)
	}
	if d.noLimit {
		ls.values = gauge(0, steps)
		if remaining && a.Kind == rules.KindUsedRatio {
			// Overspent: only a remaining under 0 divides to +Inf
			// against a maximum of 0 (a positive one gives -Inf, which
			// no threshold passes), so only then does the rule's
			// (max > 0) filter decide the outcome.
			us.values = gauge(-lim*d.value, steps)
		}
	}
	return []series{us, ls}, nil
}
