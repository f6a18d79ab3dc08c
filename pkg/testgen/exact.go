package testgen

import (
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// CaseMinAt is an error ratio over every threshold at exactly
// min_request_rate: the guard's >= holds, so it fires; a > would not.
const CaseMinAt = "min_at"

// An error ratio or a request rate is exactly a literal only where both
// runners compute it to the last bit. With counters that grow by a whole
// number every interval, and a window of whole intervals that is full,
// each runner reads the same increase at every eval time: 2.x the whole
// window, k*w with nothing to extrapolate; 3.x one interval less,
// stretched by w/(w-1m). Both fold the division by the range into that
// factor before multiplying (promtool 2.42 computes 190*(1/300), not
// 190/300). fullRate repeats those float operations in their order, so a
// case is written only when the value is the literal in both.
func fullRate(k float64, w time.Duration, v promVersion) float64 {
	n := float64(w / EvalInterval)
	if v == prom2 {
		return deltaRate(k*n, w, v)
	}
	return deltaRate(k*(n-1), w, v)
}

// deltaRate is rate() over a full window in which the counter rose by
// delta, a whole number (2.x: from the sample at the window's start,
// 3.x: from the first sample after it, at least two intervals' worth of
// the window's average above 0).
func deltaRate(delta float64, w time.Duration, v promVersion) float64 {
	ws := w.Seconds()
	if v == prom2 {
		factor := ws / ws
		factor /= ws
		return delta * factor
	}
	sampled := ws - EvalInterval.Seconds()
	factor := (sampled + EvalInterval.Seconds() + 0) / sampled
	factor /= ws
	return delta * factor
}

// sum2 is sum() of two samples: plain in 2.x, compensated in 3.x.
func sum2(a, b float64, v promVersion) float64 {
	t := a + b
	if v == prom2 {
		return t
	}
	var c float64
	if math.Abs(a) >= math.Abs(b) {
		c = (a - t) + b
	} else {
		c = (b - t) + a
	}
	return t + c
}

// exactRatio is an error ratio case with whole-number counters: requests
// (or, where the total counts the error series too, successes) grow by ok
// and errors by errs every interval.
type exactRatio struct {
	ok, errs float64
	included bool
}

// values are the ratio and the total request rate of r over w, the same
// in both runners; ok is false where they differ in a bit.
func (r exactRatio) values(w time.Duration) (ratio, total float64, ok bool) {
	for i, v := range promVersions {
		e := fullRate(r.errs, w, v)
		t := fullRate(r.ok, w, v)
		if r.included {
			t = sum2(t, e, v)
		}
		q := e / t
		if i > 0 && (q != ratio || t != total) {
			return 0, 0, false
		}
		ratio, total = q, t
	}
	return ratio, total, true
}

// exactRatioFor finds whole-number counters for case c of error ratio a:
// a ratio of exactly the threshold at ample traffic (at), or a ratio of
// 1 at exactly min_request_rate (min_at).
func exactRatioFor(a *rules.Alert, c string) (exactRatio, bool) {
	if a.Window < 2*EvalInterval || a.Window%EvalInterval != 0 || a.Threshold <= 0 || a.Threshold >= 1 {
		return exactRatio{}, false
	}
	lab, err := ratioLabels(a)
	if err != nil {
		return exactRatio{}, false
	}
	per := EvalInterval.Seconds()
	switch c {
	case CaseAt:
		// Ample traffic: the guard holds from the first minute, when the
		// rate reads one interval of the window.
		lo := math.Ceil(2 * a.MinRequestRate * a.Window.Seconds())
		lo = math.Max(lo, 1)
		for total := lo; total < lo+5000; total++ {
			errs := a.Threshold * total
			if errs != math.Round(errs) || errs == 0 {
				continue
			}
			r := exactRatio{ok: total, errs: errs, included: lab.included}
			if lab.included {
				r.ok = total - errs
			}
			if q, _, ok := r.values(a.Window); ok && q == a.Threshold {
				return r, true
			}
		}
	case CaseMinAt:
		if a.MinRequestRate <= 0 {
			return exactRatio{}, false
		}
		k := a.MinRequestRate * per
		if k != math.Round(k) || k == 0 {
			return exactRatio{}, false
		}
		r := exactRatio{ok: k, errs: k, included: lab.included}
		if lab.included {
			r.ok = 0
		}
		if _, t, ok := r.values(a.Window); ok && t == a.MinRequestRate {
			return r, true
		}
	}
	return exactRatio{}, false
}

// buildExactRatio writes case at or min_at of error ratio target. Until
// the window is full the values differ from the literal, so the checks
// come once it is: at at window+for+1m (silent, while a >= would have
// held since the window filled), min_at pending one interval before
// window+for and firing then.
func buildExactRatio(target *rules.Alert, c string, all []*rules.Alert) (testGroup, error) {
	r, ok := exactRatioFor(target, c)
	if !ok {
		return testGroup{}, fmt.Errorf("no whole-number counters give the %s case", c)
	}
	peers, others, err := split(target, scenarioData(target, CaseBreach), all)
	if err != nil {
		return testGroup{}, err
	}
	ratio, total, _ := r.values(target.Window)
	lab, err := ratioLabels(target)
	if err != nil {
		return testGroup{}, err
	}
	w := target.Window
	checks := []time.Duration{w + target.For + EvalInterval}
	if c == CaseMinAt {
		checks = []time.Duration{w + target.For - EvalInterval, w + target.For}
	}
	end := checks[len(checks)-1]
	steps := int(end / EvalInterval)
	in := []series{
		{labels: lab.ok, values: counter(r.ok, steps)},
		{labels: lab.errs, values: counter(r.errs, steps)},
	}
	decoyCase := CaseBreach
	if c == CaseAt {
		decoyCase = CaseAt
	}
	dec, err := decoys(target, decoyCase, steps, in, all)
	if err != nil {
		return testGroup{}, err
	}
	in = append(in, dec...)
	var tests []alertTest
	for _, at := range checks {
		t := alertTest{EvalTime: model.Duration(at).String(), Alertname: target.Name, ExpAlerts: []expAlert{}}
		for _, b := range peers {
			if b.Kind != rules.KindRatio || b.Window != w || b.MinRequestRate != target.MinRequestRate {
				return testGroup{}, fmt.Errorf("service %q reads the same series with another window or guard", b.Service)
			}
			// The ratio is r's from the first minute on (up to the last
			// bits, which only the target's own threshold sees) and the
			// guard holds from the first minute at ample traffic, from
			// the full window at exactly the guard.
			from := EvalInterval
			if c == CaseMinAt {
				from = w
			}
			holds := ratio > b.Threshold
			if b.Threshold == target.Threshold && c == CaseAt {
				holds = false
			} else if math.Abs(ratio-b.Threshold) <= b.Threshold*onsetMargin {
				return testGroup{}, fmt.Errorf("tier %s sits at the ratio of the %s case", b.Tier, c)
			}
			if c == CaseAt && total*float64(EvalInterval)/float64(w) < b.MinRequestRate {
				return testGroup{}, fmt.Errorf("tier %s: the at case's traffic is under its guard", b.Tier)
			}
			if !holds || at < from+b.For {
				continue
			}
			e, err := expected(b, data{value: ratio}, at, in)
			if err != nil {
				return testGroup{}, err
			}
			t.ExpAlerts = append(t.ExpAlerts, e)
		}
		sortExpected(t.ExpAlerts)
		tests = append(tests, t)
	}
	return finishGroup(GroupName(target, c), tests, in, others, steps)
}

// exactQuantile is a latency at case: a histogram whose lowest bucket
// ends at the threshold and holds exactly the share q of the requests
// (k of every n per interval), the rest in a bucket above. The rank
// q*total then equals the lowest bucket's count, and histogram_quantile
// returns 0 + threshold*(rank/count), the threshold to the last bit,
// where the two bucket rates come out so in both runners (fullRate).
type exactQuantile struct {
	k, n float64
}

func exactQuantileFor(a *rules.Alert) (exactQuantile, bool) {
	if a.Kind != rules.KindQuantile || a.Window < 2*EvalInterval || a.Window%EvalInterval != 0 ||
		a.Threshold <= 0 || round(a.Threshold) != a.Threshold || round(2*a.Threshold) != 2*a.Threshold ||
		a.Quantile <= 0 || a.Quantile >= 1 {
		return exactQuantile{}, false
	}
	lo := math.Max(1, math.Ceil(2*a.MinRequestRate*a.Window.Seconds()))
	for n := lo; n < lo+5000; n++ {
		k := a.Quantile * n
		if k != math.Round(k) || k == 0 || k == n {
			continue
		}
		ok := true
		for _, v := range promVersions {
			if a.Quantile*fullRate(n, a.Window, v) != fullRate(k, a.Window, v) {
				ok = false
			}
		}
		if ok {
			return exactQuantile{k: k, n: n}, true
		}
	}
	return exactQuantile{}, false
}

// buildExactQuantile writes the at case of latency alert target: silent
// at window+for+1m, where a >= would have held since the window filled.
func buildExactQuantile(target *rules.Alert, all []*rules.Alert) (testGroup, error) {
	x, ok := exactQuantileFor(target)
	if !ok {
		return testGroup{}, fmt.Errorf("no whole-number histogram puts the quantile at %g", target.Threshold)
	}
	peers, others, err := split(target, scenarioData(target, CaseBreach), all)
	if err != nil {
		return testGroup{}, err
	}
	h, err := role(target, "histogram")
	if err != nil {
		return testGroup{}, err
	}
	w := target.Window
	at := w + target.For + EvalInterval
	steps := int(at / EvalInterval)
	var in []series
	for _, b := range []struct {
		le    string
		count float64
	}{{num(target.Threshold), x.k}, {num(2 * target.Threshold), x.n}, {"+Inf", x.n}} {
		l := seriesLabels(target, h, h.Metric+"_bucket")
		l["le"] = b.le
		in = append(in, series{labels: l, values: counter(b.count, steps)})
	}
	in = append(in, series{labels: seriesLabels(target, h, h.Metric+"_count"), values: counter(x.n, steps)})
	dec, err := decoys(target, CaseAt, steps, in, all)
	if err != nil {
		return testGroup{}, err
	}
	in = append(in, dec...)
	t := alertTest{EvalTime: model.Duration(at).String(), Alertname: target.Name, ExpAlerts: []expAlert{}}
	for _, b := range peers {
		if b.Kind != rules.KindQuantile || b.Quantile != target.Quantile || b.Window != w {
			return testGroup{}, fmt.Errorf("service %q reads the same histogram with another quantile or window", b.Service)
		}
		// The quantile is the target's threshold from the full window
		// on and within rounding of it from the first minute.
		if b.Threshold >= target.Threshold {
			continue
		}
		if target.Threshold-b.Threshold <= b.Threshold*onsetMargin || x.n/w.Seconds() < b.MinRequestRate || at < EvalInterval+b.For {
			if at < EvalInterval+b.For {
				continue
			}
			return testGroup{}, fmt.Errorf("tier %s is in doubt in the at case", b.Tier)
		}
		e, err := expected(b, data{value: target.Threshold}, at, in)
		if err != nil {
			return testGroup{}, err
		}
		t.ExpAlerts = append(t.ExpAlerts, e)
	}
	sortExpected(t.ExpAlerts)
	return finishGroup(GroupName(target, CaseAt), []alertTest{t}, in, others, steps)
}

// buildForecastAt writes the at case of a token budget forecast: usage
// flat at exactly the whole budget (used = limit, or remaining = 0).
// predict_linear of a constant series is that constant in both runners
// (they return it without a fit), so the forecast ratio is 1 to the last
// bit and `>= 1` fires where `> 1` would not: pending one interval before
// `for` has passed since the first fit, firing once it has.
func buildForecastAt(target *rules.Alert, all []*rules.Alert) (testGroup, error) {
	peers, others, err := split(target, data{}, all)
	if err != nil {
		return testGroup{}, err
	}
	if len(peers) != 1 {
		return testGroup{}, fmt.Errorf("%d budget forecasts read the same series", len(peers))
	}
	checks := []time.Duration{target.For, target.For + EvalInterval}
	steps := int(checks[1] / EvalInterval)
	in, err := budgetInputs(target, data{value: 1}, steps)
	if err != nil {
		return testGroup{}, err
	}
	dec, err := decoys(target, CaseBreach, steps, in, all)
	if err != nil {
		return testGroup{}, err
	}
	in = append(in, dec...)
	var tests []alertTest
	for i, at := range checks {
		t := alertTest{EvalTime: model.Duration(at).String(), Alertname: target.Name, ExpAlerts: []expAlert{}}
		if i == 1 {
			e, err := expected(target, data{value: 1}, at, in)
			if err != nil {
				return testGroup{}, err
			}
			t.ExpAlerts = append(t.ExpAlerts, e)
		}
		tests = append(tests, t)
	}
	return finishGroup(GroupName(target, CaseAt), tests, in, others, steps)
}
