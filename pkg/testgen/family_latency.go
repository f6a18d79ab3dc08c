package testgen

import (
	"fmt"
	"math"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// quantile is a latency quantile of a histogram's bucket rates, guarded
// by the rate of its _count.
type quantile struct{ guardedRates }

func (quantile) cases(a *rules.Alert) []string {
	cs := guardCases(a)
	if _, _, ok := latencyOnsetFor(a); ok {
		cs = append(cs, CaseOnset)
	}
	if _, ok := exactQuantileFor(a); ok {
		cs = append(cs, CaseAt)
	}
	return cs
}

func (quantile) build(a *rules.Alert, c string, all []*rules.Alert) (testGroup, bool, error) {
	switch c {
	case CaseOnset:
		g, err := buildLatencyOnset(a, all)
		return g, true, err
	case CaseAt:
		g, err := buildExactQuantile(a, all)
		return g, true, err
	}
	return testGroup{}, false, nil
}

func (quantile) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	h, err := role(a, "histogram")
	if err != nil {
		return nil, err
	}
	les, lo, err := quantileBuckets(a, d)
	if err != nil {
		return nil, err
	}
	perStep := d.rate * EvalInterval.Seconds()
	var out []series
	for i, le := range les {
		l := seriesLabels(a, h, h.Metric+"_bucket")
		l["le"] = num(le)
		if math.IsInf(le, 1) {
			l["le"] = "+Inf"
		}
		v := 0.0
		if lo >= 0 && float64(i) > lo {
			v = perStep
		}
		out = append(out, series{labels: l, values: counter(v, steps)})
	}
	// _count is what a min_request_rate guard reads: every observation.
	count := 0.0
	if lo >= 0 {
		count = perStep
	}
	out = append(out, series{labels: seriesLabels(a, h, h.Metric+"_count"), values: counter(count, steps)})
	return out, nil
}

// quantileBuckets lay out a histogram whose q-quantile is d.value: two
// buckets of width w, (over-qw, over-(q-1)w] and the same under the
// threshold, so that histogram_quantile, interpolating linearly within
// the bucket that holds every observation, gives exactly the breach or
// the below value. Observations land in (les[lo], les[lo+1]]; lo is -1
// for a healthy histogram without observations (the quantile is NaN).
// The layout depends on the threshold only, so series of every case
// (and decoys) share their le labels.
func quantileBuckets(a *rules.Alert, d data) (les []float64, lo float64, err error) {
	over, under := overUnder(a)
	w := 0.02 * a.Threshold
	q := a.Quantile
	les = []float64{under - q*w, under + (1-q)*w, over - q*w, over + (1-q)*w, math.Inf(1)}
	switch d.value {
	case 0:
		return les, -1, nil
	case under:
		return les, 0, nil
	case over:
		return les, 2, nil
	}
	return nil, 0, fmt.Errorf("no histogram for a p%g of %g (only %g or %g)", 100*q, d.value, under, over)
}
