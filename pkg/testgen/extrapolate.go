package testgen

import (
	"math"
	"time"
)

// Where a window holds a change of slope, the two runners read a counter
// differently: Prometheus 2.x selects a closed range [t-w, t] and 3.x a
// left-open one (t-w, t], so at whole-minute eval times 2.x sees one
// sample more, and both stretch the increase they see towards the range
// edges, by rules that differ slightly (documented in
// https://prometheus.io/docs/prometheus/latest/querying/functions/#rate).
// A case whose outcome hangs on such a window is generated only when the
// increase each version computes, below, gives the same outcome.

// promVersion is the range semantics of one runner.
type promVersion int

const (
	prom2 promVersion = iota // promtool 2.42: closed ranges
	prom3                    // the in-process runner: left-open ranges
)

var promVersions = []promVersion{prom2, prom3}

// increaseAt is increase(c[w]) at eval time t for a counter without
// resets whose sample at minute i is values[i], as version v computes it.
func increaseAt(values []float64, t, w time.Duration, v promVersion) float64 {
	end := int(t / EvalInterval)
	if end >= len(values) {
		return math.NaN()
	}
	// The first sample in the range.
	from := t - w
	first := int(math.Ceil(float64(from) / float64(EvalInterval)))
	if v == prom3 && time.Duration(first)*EvalInterval == from {
		first++
	}
	first = max(first, 0)
	if end-first < 1 {
		return math.NaN()
	}
	delta := values[end] - values[first]
	sampled := float64(end-first) * EvalInterval.Seconds()
	toStart := (time.Duration(first)*EvalInterval - from).Seconds()
	toEnd := 0.0 // the last sample is at t
	avg := sampled / float64(end-first)
	limit := avg * 1.1
	// The start is stretched to the range edge when a sample is about
	// where one would be expected, by half an interval when not, and
	// never past where the counter would have been 0.
	zero := math.Inf(1)
	if delta > 0 && values[first] >= 0 {
		zero = sampled * (values[first] / delta)
	}
	switch v {
	case prom2:
		toStart = math.Min(toStart, zero)
		ext := sampled
		if toStart < limit {
			ext += toStart
		} else {
			ext += avg / 2
		}
		ext += toEnd
		return delta * (ext / sampled)
	default:
		if toStart >= limit {
			toStart = avg / 2
		}
		toStart = math.Min(toStart, zero)
		return delta * ((sampled + toStart + toEnd) / sampled)
	}
}

// rateAt is rate(c[w]) at t as version v computes it, up to the order
// of the last float operations: good for outcomes with a margin, not for
// a value to the last bit.
func rateAt(values []float64, t, w time.Duration, v promVersion) float64 {
	return increaseAt(values, t, w, v) / w.Seconds()
}

// counterValues are the samples of a counter from 0 at time 0 that grows
// by steps[i] between minute i and i+1.
func counterValues(steps []float64) []float64 {
	out := make([]float64, len(steps)+1)
	for i, s := range steps {
		out[i+1] = out[i] + s
	}
	return out
}
