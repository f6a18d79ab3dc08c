package testgen

import (
	"time"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// spend is a cost counter's rate, per period: a lone rate that reads low
// until its window is full.
type spend struct{ gaugeShape }

func (spend) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	return costInputs(a, d, steps)
}

// activation: where the onset of the lone rate is certain (see
// loneRateOnset) both bounds are that onset, so the breach's firing and
// pending checks sit on it and pin the window as well as `for`.
func (spend) activation(a *rules.Alert, d data) (time.Duration, time.Duration) {
	if d.value > 0 {
		if t, ok := loneRateOnset(a.Window, a.Threshold/d.value); ok {
			return t, t
		}
	}
	return EvalInterval, a.Window + EvalInterval
}

func (spend) steady(a *rules.Alert) time.Duration { return a.Window + EvalInterval }

// projectedSpend is the spend forecast: the projected spend of a rolling period against a
// budget; spend.go plans and builds all its cases.
type projectedSpend struct{ forecast }

func (projectedSpend) cases(a *rules.Alert) []string {
	var cs []string
	if _, _, ok := spentTimes(a); ok {
		cs = append(cs, CaseSpent)
	}
	if wholeThreshold(a) {
		cs = append(cs, CaseAt)
	}
	return cs
}

func (projectedSpend) build(a *rules.Alert, c string, all []*rules.Alert) (testGroup, bool, error) {
	g, err := buildSpendForecast(a, c, all)
	return g, true, err
}

func (projectedSpend) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	return costInputs(a, d, steps)
}

func costInputs(a *rules.Alert, d data, steps int) ([]series, error) {
	c, err := role(a, "cost")
	if err != nil {
		return nil, err
	}
	if len(d.segs) > 0 {
		return []series{{labels: seriesLabels(a, c, c.Metric), values: segmentValues(d.segs)}}, nil
	}
	// value = rate * Per seconds, so the counter grows value/Per per second.
	rate := d.value / a.Per.Seconds()
	return []series{{labels: seriesLabels(a, c, c.Metric), values: counter(rate*EvalInterval.Seconds(), steps)}}, nil
}
