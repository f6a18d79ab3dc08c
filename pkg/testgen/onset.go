package testgen

import (
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// CaseOnset is an error ratio whose errors start after a healthy
// stretch, inside the first window: pending one interval before the
// breach can have held for `for`, firing once it has. The minute the
// ratio crosses the threshold depends on both windows of the ratio, so
// a halved or doubled range moves it and fails the case, which a steady
// breach (every window reads the same ratio of two lines) cannot do.
const CaseOnset = "onset"

// onsetMargin is how far the ratio sits from a threshold at every eval
// time, relative to it: far beyond float rounding, so both runners put
// each tier's crossing at the same minute.
const onsetMargin = 1e-6

// ratioOnset is the series of an onset case. Requests run at ok per
// second from time 0; errors at errs per second from start. With the
// total counting the error series too (included), the total is ok+errs.
//
// Every counter starts at 0 at time 0, and the error counter is 0 up to
// start, so neither runner extrapolates a window that holds a zero
// sample, and a window past start holds a line: the ratio at t is, in
// both runners up to rounding,
//
//	errs*m(t-start) / (ok*m(t) + [included]*errs*m(t-start)),  m(x) = clamp(x, 0, w)
//
// before and after the window fills alike.
type ratioOnset struct {
	ok, errs float64
	start    time.Duration
	included bool
	w        time.Duration
}

func (o ratioOnset) ratio(t time.Duration) float64 {
	m := func(x time.Duration) float64 { return math.Max(0, math.Min(x.Seconds(), o.w.Seconds())) }
	e := o.errs * m(t-o.start)
	total := o.ok * m(t)
	if o.included {
		total += e
	}
	if total == 0 {
		return math.NaN()
	}
	return e / total
}

// onsetFor lays out the onset case of error ratio a: errors from one
// interval in, at a rate that puts the crossing of a's threshold half an
// interval before onset, the last eval time inside the first window (the
// latest onset, where a halved denominator window, which is full by
// then, reads a lower ratio and crosses later). ok is false where no
// layout fits: a window under 4 intervals, or a threshold no ratio of
// this shape reaches.
func onsetFor(a *rules.Alert, included bool) (o ratioOnset, onset time.Duration, ok bool) {
	if a.Window < 4*EvalInterval || a.Threshold <= 0 || a.Threshold >= 1 {
		return ratioOnset{}, 0, false
	}
	onset = a.Window - EvalInterval
	o = ratioOnset{ok: scenarioData(a, CaseBreach).rate, start: EvalInterval, included: included, w: a.Window}
	// ratio(onset - interval/2) = threshold, solved for errs:
	// errs*x / (ok*y + [included]*errs*x) = thr.
	mid := onset - EvalInterval/2
	x, y := (mid - o.start).Seconds(), mid.Seconds()
	thr := a.Threshold
	if included {
		o.errs = thr * o.ok * y / (x * (1 - thr))
	} else {
		o.errs = thr * o.ok * y / x
		if o.errs > o.ok {
			return ratioOnset{}, 0, false
		}
	}
	// The rate the series is written with, to the digit.
	o.errs = round(o.errs*EvalInterval.Seconds()) / EvalInterval.Seconds()
	before, at := o.ratio(onset-EvalInterval), o.ratio(onset)
	if !(before < thr*(1-onsetMargin)) || !(at > thr*(1+onsetMargin)) {
		return ratioOnset{}, 0, false
	}
	return o, onset, true
}

// firstAbove is the first eval time at which o's ratio exceeds thr, and
// whether every eval time up to end is clear of thr by onsetMargin (the
// ratio only grows, so it holds from then on).
func (o ratioOnset) firstAbove(thr float64, end time.Duration) (time.Duration, bool) {
	first := time.Duration(-1)
	for t := EvalInterval; t <= end; t += EvalInterval {
		r := o.ratio(t)
		if math.IsNaN(r) {
			continue
		}
		if math.Abs(r-thr) <= thr*onsetMargin {
			return 0, false
		}
		if r > thr && first < 0 {
			first = t
		}
	}
	return first, true
}

// buildOnset writes the onset case of error ratio target.
func buildOnset(target *rules.Alert, all []*rules.Alert) (testGroup, error) {
	healthy := scenarioData(target, CaseBreach)
	peers, others, err := split(target, healthy, all)
	if err != nil {
		return testGroup{}, err
	}
	lab, err := ratioLabels(target)
	if err != nil {
		return testGroup{}, err
	}
	o, onset, ok := onsetFor(target, lab.included)
	if !ok {
		return testGroup{}, fmt.Errorf("no onset layout for a threshold of %g over %s", target.Threshold, target.Window)
	}
	checks := []time.Duration{onset + target.For - EvalInterval, onset + target.For}
	end := checks[1]
	steps := int(end / EvalInterval)
	startSteps := int(o.start / EvalInterval)
	per := EvalInterval.Seconds()
	errValues := fmt.Sprintf("0+0x%d %s+%sx%d", startSteps, num(o.errs*per), num(o.errs*per), steps-startSteps-1)
	in := []series{
		{labels: lab.ok, values: counter(o.ok*per, steps)},
		{labels: lab.errs, values: errValues},
	}
	dec, err := decoys(target, CaseBreach, steps, in, all)
	if err != nil {
		return testGroup{}, err
	}
	in = append(in, dec...)
	var tests []alertTest
	for _, at := range checks {
		t := alertTest{EvalTime: model.Duration(at).String(), Alertname: target.Name, ExpAlerts: []expAlert{}}
		for _, b := range peers {
			if b.Kind != rules.KindRatio || b.Window != target.Window || b.MinRequestRate > o.ok*EvalInterval.Seconds()/b.Window.Seconds() {
				return testGroup{}, fmt.Errorf("service %q reads the same series with another window or guard", b.Service)
			}
			first, ok := o.firstAbove(b.Threshold, end)
			if !ok {
				return testGroup{}, fmt.Errorf("the onset ratio passes %g too near an eval time", b.Threshold)
			}
			if first < 0 || at < first+b.For {
				continue
			}
			e, err := expected(b, data{value: o.ratio(at)}, at, in)
			if err != nil {
				return testGroup{}, err
			}
			t.ExpAlerts = append(t.ExpAlerts, e)
		}
		sortExpected(t.ExpAlerts)
		tests = append(tests, t)
	}
	return finishGroup(GroupName(target, CaseOnset), tests, in, others, steps)
}

// hasRatioOnset says whether error ratio a gets an onset case.
func hasRatioOnset(a *rules.Alert) bool {
	lab, err := ratioLabels(a)
	if err != nil {
		return false
	}
	_, _, ok := onsetFor(a, lab.included)
	return ok
}

// latencyOnset is the histogram of a latency onset case: fast requests
// (in the bucket under the target's threshold) at fast per second from
// time 0, slow ones (in the bucket over it) at slow per second from
// start. The quantile crosses the threshold once the slow share of the
// window passes 1-q; start sits so that this happens after the window is
// full, while the window still slides over start, so a halved window
// (which has dropped more of the fast start) crosses earlier and a
// doubled one (still reading from 0) later. There the two runners read
// the window differently (extrapolate.go): each tier's outcome is taken
// from both and the case is written only where they agree.
type latencyOnset struct {
	les        []float64
	fast, slow float64
	start      time.Duration
	// buckets are the per-minute samples of each le, then _count.
	buckets [][]float64
}

func (o *latencyOnset) fill(end time.Duration) {
	n := int(end / EvalInterval)
	per := EvalInterval.Seconds()
	fast, both := make([]float64, n), make([]float64, n)
	for i := range n {
		fast[i] = round(o.fast * per)
		both[i] = fast[i]
		if time.Duration(i)*EvalInterval >= o.start {
			both[i] = round(o.fast*per + o.slow*per)
		}
	}
	zero := counterValues(make([]float64, n))
	f, b := counterValues(fast), counterValues(both)
	o.buckets = [][]float64{zero, f, f, b, b, b}
}

// quantile is histogram_quantile(q) of the bucket rates at t: linear
// within the bucket that holds the rank, as Prometheus documents it.
func (o *latencyOnset) quantile(q float64, t, w time.Duration, v promVersion) float64 {
	val, _ := o.quantileClear(q, t, w, v)
	return val
}

// quantileClear is quantile, and whether the rank is clear of every
// bucket's count by onsetMargin: a rank at a bucket edge picks one
// bucket or the next by the last bits, which the runners round apart.
func (o *latencyOnset) quantileClear(q float64, t, w time.Duration, v promVersion) (float64, bool) {
	clear := true
	cum := make([]float64, len(o.les))
	for i := range o.les {
		cum[i] = rateAt(o.buckets[i], t, w, v)
	}
	total := cum[len(cum)-1]
	if !(total > 0) {
		return math.NaN(), true
	}
	rank := q * total
	for _, c := range cum {
		if c > 0 && math.Abs(c-rank) <= rank*onsetMargin {
			clear = false
		}
	}
	for i, c := range cum {
		if c < rank {
			continue
		}
		if math.IsInf(o.les[i], 1) {
			return o.les[i-1], clear
		}
		lower, below := 0.0, 0.0
		if i > 0 {
			lower, below = o.les[i-1], cum[i-1]
		}
		return lower + (o.les[i]-lower)*(rank-below)/(c-below), clear
	}
	return math.NaN(), clear
}

// holdsAt says whether latency alert b's condition holds at t in version
// v, and whether it is clear of its threshold and guard by onsetMargin.
func (o *latencyOnset) holdsAt(b *rules.Alert, t time.Duration, v promVersion) (holds, clear bool) {
	val, edgeClear := o.quantileClear(b.Quantile, t, b.Window, v)
	if math.IsNaN(val) {
		return false, true
	}
	clear = edgeClear && math.Abs(val-b.Threshold) > b.Threshold*onsetMargin
	holds = val > b.Threshold
	if b.MinRequestRate > 0 {
		r := rateAt(o.buckets[len(o.buckets)-1], t, b.Window, v)
		clear = clear && math.Abs(r-b.MinRequestRate) > b.MinRequestRate*onsetMargin
		holds = holds && r >= b.MinRequestRate
	}
	return holds, clear
}

// firingAt says whether b fires at eval time at, the same in both
// versions; ok is false where they differ or a value is too near a
// threshold.
func (o *latencyOnset) firingAt(b *rules.Alert, at time.Duration) (firing, ok bool) {
	for i, v := range promVersions {
		f := true
		for t := at - b.For; t <= at; t += EvalInterval {
			if t < 0 {
				f = false
				continue
			}
			h, clear := o.holdsAt(b, t, v)
			if !clear {
				return false, false
			}
			f = f && h
		}
		if i > 0 && f != firing {
			return false, false
		}
		firing = f
	}
	return firing, true
}

// latencyOnsetFor lays out the onset case of latency alert a.
func latencyOnsetFor(a *rules.Alert) (o *latencyOnset, onset time.Duration, ok bool) {
	if a.Window < 4*EvalInterval || a.Quantile <= 0 || a.Quantile >= 1 {
		return nil, 0, false
	}
	over, _ := overUnder(a)
	les, _, err := quantileBuckets(a, data{value: over})
	if err != nil {
		return nil, 0, false
	}
	fast := scenarioData(a, CaseBreach).rate
	// Slow requests start once the window is full, and the latest
	// onset that both runners agree on is taken: there a doubled window
	// holds the most fast requests more than the window does.
	start := a.Window
	w := a.Window.Seconds()
	for onset = start + a.Window - EvalInterval; onset > start; onset -= EvalInterval {
		// 2.x reads the window [t-w, t]: fast*w fast requests and
		// slow*(t-start) slow ones; the slow share passes 1-q half an
		// interval before onset.
		mid := (onset - EvalInterval/2 - start).Seconds()
		slow := round(fast * w * (1 - a.Quantile) / a.Quantile / mid)
		o = &latencyOnset{les: les, fast: fast, slow: slow, start: start}
		o.fill(onset + a.For + EvalInterval)
		pending, ok1 := o.firingAt(&rules.Alert{Quantile: a.Quantile, Threshold: a.Threshold, Window: a.Window, MinRequestRate: a.MinRequestRate}, onset-EvalInterval)
		firing, ok2 := o.firingAt(&rules.Alert{Quantile: a.Quantile, Threshold: a.Threshold, Window: a.Window, MinRequestRate: a.MinRequestRate}, onset)
		if ok1 && ok2 && !pending && firing {
			return o, onset, true
		}
	}
	return nil, 0, false
}

// buildLatencyOnset writes the onset case of latency alert target.
func buildLatencyOnset(target *rules.Alert, all []*rules.Alert) (testGroup, error) {
	peers, others, err := split(target, scenarioData(target, CaseBreach), all)
	if err != nil {
		return testGroup{}, err
	}
	o, onset, ok := latencyOnsetFor(target)
	if !ok {
		return testGroup{}, fmt.Errorf("no onset layout for a p%g over %s", 100*target.Quantile, target.Window)
	}
	checks := []time.Duration{onset + target.For - EvalInterval, onset + target.For}
	end := checks[1]
	o.fill(end + EvalInterval)
	steps := int(end / EvalInterval)
	h, err := role(target, "histogram")
	if err != nil {
		return testGroup{}, err
	}
	per := EvalInterval.Seconds()
	fastStep, bothStep := round(o.fast*per), round(o.fast*per+o.slow*per)
	startSteps := int(o.start / EvalInterval)
	kinked := fmt.Sprintf("0+%sx%d %s+%sx%d", num(fastStep), startSteps, num(fastStep*float64(startSteps)+bothStep), num(bothStep), steps-startSteps-1)
	var in []series
	for i, le := range o.les {
		l := seriesLabels(target, h, h.Metric+"_bucket")
		l["le"] = num(le)
		if math.IsInf(le, 1) {
			l["le"] = "+Inf"
		}
		v := counter(0, steps)
		switch {
		case i == 1 || i == 2:
			v = counter(fastStep, steps)
		case i >= 3:
			v = kinked
		}
		in = append(in, series{labels: l, values: v})
	}
	in = append(in, series{labels: seriesLabels(target, h, h.Metric+"_count"), values: kinked})
	dec, err := decoys(target, CaseBreach, steps, in, all)
	if err != nil {
		return testGroup{}, err
	}
	in = append(in, dec...)
	var tests []alertTest
	for _, at := range checks {
		t := alertTest{EvalTime: model.Duration(at).String(), Alertname: target.Name, ExpAlerts: []expAlert{}}
		for _, b := range peers {
			if b.Kind != rules.KindQuantile {
				return testGroup{}, fmt.Errorf("service %q reads the same histogram in another kind of alert", b.Service)
			}
			firing, ok := o.firingAt(b, at)
			if !ok {
				return testGroup{}, fmt.Errorf("tier %s of the onset case is in doubt at %s", b.Tier, at)
			}
			if !firing {
				continue
			}
			v2, v3 := o.quantile(b.Quantile, at, b.Window, prom2), o.quantile(b.Quantile, at, b.Window, prom3)
			e2, err := expected(b, data{value: v2}, at, in)
			if err != nil {
				return testGroup{}, err
			}
			e3, err := expected(b, data{value: v3}, at, in)
			if err != nil {
				return testGroup{}, err
			}
			if fmt.Sprint(e2) != fmt.Sprint(e3) {
				return testGroup{}, fmt.Errorf("tier %s of the onset case renders differently in the two runners at %s", b.Tier, at)
			}
			t.ExpAlerts = append(t.ExpAlerts, e2)
		}
		sortExpected(t.ExpAlerts)
		tests = append(tests, t)
	}
	return finishGroup(GroupName(target, CaseOnset), tests, in, others, steps)
}

// CaseStops is a pushed metric that reports, then stops: the
// absent_over_time alert holds once the last sample has left the window
// (a minute later in 2.x, whose closed range still holds a sample exactly
// w old), so it is checked silent one interval before the window plus
// `for` has passed since the last sample, and firing one interval after.
// A halved window fires at the first check, a doubled one is silent at
// the second.
const CaseStops = "stops"

// buildStops writes the stops case of absent_over_time alert target.
func buildStops(target *rules.Alert, all []*rules.Alert) (testGroup, error) {
	peers, others, err := split(target, data{}, all)
	if err != nil {
		return testGroup{}, err
	}
	if len(target.Metrics) == 0 {
		return testGroup{}, fmt.Errorf("alert has no metric to watch")
	}
	last := 2 * EvalInterval // the last sample
	checks := []time.Duration{last + target.Window + target.For - EvalInterval, last + target.Window + target.For + EvalInterval}
	end := checks[1]
	m := target.Metrics[0]
	lastSteps := int(last / EvalInterval)
	gone := int((end - last) / EvalInterval)
	in := []series{{labels: seriesLabels(target, m, m.Metric), values: fmt.Sprintf("%s _x%d", gauge(1, lastSteps), gone)}}
	var tests []alertTest
	for i, at := range checks {
		t := alertTest{EvalTime: model.Duration(at).String(), Alertname: target.Name, ExpAlerts: []expAlert{}}
		for _, b := range peers {
			if b.Kind != rules.KindAbsentOverTime || b.Window != target.Window {
				return testGroup{}, fmt.Errorf("service %q watches the same series over another window", b.Service)
			}
			// Holding from last+w (3.x) or last+w+1m (2.x).
			if i == 0 && at >= last+b.Window+b.For || i == 1 && at < last+b.Window+EvalInterval+b.For {
				return testGroup{}, fmt.Errorf("tier %s is in doubt in the stops case", b.Tier)
			}
			if i == 0 {
				continue
			}
			e, err := expected(b, data{breach: true}, at, in)
			if err != nil {
				return testGroup{}, err
			}
			t.ExpAlerts = append(t.ExpAlerts, e)
		}
		sortExpected(t.ExpAlerts)
		tests = append(tests, t)
	}
	return finishGroup(GroupName(target, CaseStops), tests, in, others, int(end/EvalInterval))
}
