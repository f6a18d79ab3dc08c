package testgen

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"

	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/slo"
	"github.com/agentalerts/agentalerts/pkg/templates"
)

// Tests of SLO burn-rate alerts.
//
// All pairs of one SLO share the alert name and read the same series, so
// every case expects the whole set of pairs firing at its eval times. The
// set is not observed but simulated here: the input counters are chosen
// (constant traffic, errors in segments of constant rate), each
// window's rate is computed the way Prometheus 2.x (a closed range) and 3.x
// (a left-open range) extrapolate it, each pair's condition per 1m
// evaluation, and `for` on top. A case is written only where both
// versions agree on every alert and annotation and no value lies within
// float noise of a threshold, so the expectation holds in both runners.

// SLO case names, the last element of their test group names.
const (
	// SLOBurn: a constant error ratio 5 % over the pair's factor times the
	// budget: pending one interval before `for` has passed, then firing.
	SLOBurn = "burn"
	// SLOBelow: 5 % under it: the pair is silent.
	SLOBelow = "below_burn"
	// SLOSpike: twice the factor, but only for the short window plus `for`
	// after healthy traffic, so the long window does not confirm it: the
	// pair is silent (and would fire on the short window alone).
	SLOSpike = "spike"
	// SLOLowTraffic: a burn at twice the factor while the long window sees
	// 95 % of min_events: silent.
	SLOLowTraffic = "low_traffic"
	// SLOMinTraffic: the burn with 105 % of min_events in the long window
	// before `for` starts: firing.
	SLOMinTraffic = "min_traffic"
	// SLOCooled: a burn at three times the factor, then the short window
	// plus `for` at 90 % of it: the long window still burns, the short one
	// does not confirm: silent (a short window's factor lowered by a fifth
	// would fire).
	SLOCooled = "cooled"
	// SLOUnconfirmed: after a calm, a burn at 1.25 times the factor that
	// brings the long window to 90 % of it: the short window burns, the
	// long one does not confirm: silent (a long window's factor lowered by
	// a fifth would fire).
	SLOUnconfirmed = "unconfirmed"
	// SLOAtMinEvents: the long window reaches exactly min_events (whole
	// numbers, a float-exact count) and holds: firing, where a guard of >
	// would have started `for` a minute later.
	SLOAtMinEvents = "at_min_events"
	// SLOAtLong: a constant error ratio whose burn rate over the full
	// long window is the factor to the last bit in both runners, and
	// over the short one above it: silent, where a >= on the long window
	// would fire (slo_at.go).
	SLOAtLong = "at_long"
	// SLOAtShort: the same with the windows' parts swapped: the short
	// window exactly at the factor, the long one above it.
	SLOAtShort = "at_short"
)

// SLOGroupName is the test group name of one case of one pair.
func SLOGroupName(a *rules.Alert, c string) string {
	p := a.SLO.SLO.Pairs[a.SLO.Pair]
	return a.Service + "/" + a.Name + "/" + a.Tier.String() + "/" + templates.Duration(p.Long) + "-" + templates.Duration(p.Short) + "/" + c
}

// SLOCases are the cases of a burn-rate alert; the optional ones
// (SLOOptional) are written only where their scenario exists.
func SLOCases(a *rules.Alert) []string {
	cs := []string{SLOBurn, SLOBelow, SLOSpike, SLOCooled, SLOUnconfirmed, SLOAtLong, SLOAtShort}
	if a.SLO.SLO.MinEvents > 0 {
		cs = append(cs, SLOLowTraffic, SLOMinTraffic, SLOAtMinEvents)
	}
	return cs
}

// SLOOptional says whether case c is written only where a scenario exists
// that both versions agree on: all but burn and below_burn, which always
// exist. A spike the long window cannot miss, or a cooling whose budget
// spent reads differently in the two versions, has no case.
func SLOOptional(c string) bool { return c != SLOBurn && c != SLOBelow }

// SLOWant says whether the case expects its pair firing at each of its
// eval times.
func SLOWant(a *rules.Alert, c string) []bool {
	switch c {
	case SLOBurn:
		if a.For >= EvalInterval {
			return []bool{false, true}
		}
		return []bool{true}
	case SLOMinTraffic, SLOAtMinEvents:
		return []bool{true}
	}
	return []bool{false}
}

// sloGroups are the SLO test groups of every burn-rate alert of res.
func sloGroups(all []*rules.Alert) ([]testGroup, error) {
	var out []testGroup
	for _, a := range all {
		if a.Kind != rules.KindBurn || a.SLO == nil {
			continue
		}
		sc, err := newSLOScenes(a, all)
		if err != nil {
			return nil, fmt.Errorf("service %q, alert %s (%s): %w", a.Service, a.Name, a.Tier, err)
		}
		if sc == nil {
			continue // another service reads the same series
		}
		for _, c := range SLOCases(a) {
			g, ok, err := sc.build(c)
			if err != nil {
				return nil, fmt.Errorf("service %q, alert %s (%s): %w", a.Service, a.Name, a.Tier, err)
			}
			if ok {
				out = append(out, g)
			}
		}
	}
	return out, nil
}

// sloScenes builds the cases of one pair.
type sloScenes struct {
	target *rules.Alert
	s      *slo.SLO
	pair   int
	// alerts are the SLO's alerts, one per pair, in pair order.
	alerts  []*rules.Alert
	budget  float64
	factors []float64 // per pair
	// Series labels. Availability: ok counts requests that are not
	// errors, errs the errors; with included the events selector reads
	// both (so ok grows by events less errors), else ok alone is all
	// events. Latency: count, the threshold's bucket and +Inf.
	ok, errs           map[string]string
	included           bool
	count, bucket, inf map[string]string
	latency            bool
	byValues           map[string]string
}

func newSLOScenes(a *rules.Alert, all []*rules.Alert) (*sloScenes, error) {
	sc, err := sloScenesOf(a, all)
	if err != nil {
		return nil, err
	}
	// Another service's SLO of the same kind on the very same series
	// would fire with this one; its series are its own unless the two
	// share a job and metric, which this package does not untangle.
	mine := baseKeys(sc.series(sloScenario{{steps: 1, events: 1}}))
	for _, b := range all {
		if b.Kind != rules.KindBurn || b.SLO == nil || b.SLO.SLO == sc.s || b.Name != a.Name || b.SLO.Pair != 0 {
			continue
		}
		other, err := sloScenesOf(b, all)
		if err != nil {
			return nil, err
		}
		for k := range baseKeys(other.series(sloScenario{{steps: 1, events: 1}})) {
			if mine[k] {
				return nil, nil
			}
		}
	}
	return sc, nil
}

func sloScenesOf(a *rules.Alert, all []*rules.Alert) (*sloScenes, error) {
	s := a.SLO.SLO
	sc := &sloScenes{target: a, s: s, pair: a.SLO.Pair, latency: s.SLI.Kind == slo.Latency}
	// The budget and factors as PromQL computes them from the rule's
	// literals: (1 - 0.999), (0.1 * 672 / 72).
	obj, err := strconv.ParseFloat(s.Objective.Text, 64)
	if err != nil {
		return nil, err
	}
	sc.budget = 1 - obj
	for _, p := range s.Pairs {
		f, err := scalarValue(p.FactorExpr(s.Period))
		if err != nil {
			return nil, err
		}
		sc.factors = append(sc.factors, f)
	}
	for _, b := range all {
		if b.Kind == rules.KindBurn && b.SLO != nil && b.SLO.SLO == s {
			sc.alerts = append(sc.alerts, b)
		}
	}
	if len(sc.alerts) != len(s.Pairs) {
		return nil, fmt.Errorf("%d alerts for %d window pairs", len(sc.alerts), len(s.Pairs))
	}
	fake := &rules.Alert{Kind: "ratio", By: a.By, Metrics: a.SLO.Metrics}
	if sc.latency {
		h, err := role(fake, "histogram")
		if err != nil {
			return nil, err
		}
		sc.count = seriesLabels(fake, h, h.Metric+"_count")
		sc.bucket = seriesLabels(fake, h, h.Metric+"_bucket")
		sc.bucket["le"] = templates.Number(s.SLI.Threshold)
		sc.inf = seriesLabels(fake, h, h.Metric+"_bucket")
		sc.inf["le"] = "+Inf"
		sc.byValues = byLabels(fake, h)
	} else {
		fake.Expr = s.SLI.Total.String() + " / " + s.SLI.Errors.String()
		lab, err := ratioLabels(fake)
		if err != nil {
			return nil, err
		}
		sc.ok, sc.errs, sc.included = lab.ok, lab.errs, lab.included || s.SLI.Disjoint
		rq, err := role(fake, "requests")
		if err != nil {
			return nil, err
		}
		sc.byValues = byLabels(fake, rq)
	}
	return sc, nil
}

// scalarValue evaluates a number expression as PromQL does: literals and
// + - * / in the order the parser nests them.
func scalarValue(expr string) (float64, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return 0, err
	}
	var eval func(parser.Expr) (float64, error)
	eval = func(e parser.Expr) (float64, error) {
		switch n := e.(type) {
		case *parser.NumberLiteral:
			return n.Val, nil
		case *parser.ParenExpr:
			return eval(n.Expr)
		case *parser.BinaryExpr:
			l, err := eval(n.LHS)
			if err != nil {
				return 0, err
			}
			r, err := eval(n.RHS)
			if err != nil {
				return 0, err
			}
			switch n.Op {
			case parser.ADD:
				return l + r, nil
			case parser.SUB:
				return l - r, nil
			case parser.MUL:
				return l * r, nil
			case parser.DIV:
				return l / r, nil
			}
		}
		return 0, fmt.Errorf("not a number expression: %s", e)
	}
	return eval(e)
}

// sloScenario is one case's input: segments of steps with constant
// increments per 1m step, from 0 at time 0.
type sloScenario []sloSegment

type sloSegment struct {
	steps        int
	events, errs float64 // per step
}

func (sc sloScenario) steps() int {
	n := 0
	for _, g := range sc {
		n += g.steps
	}
	return n
}

// sloCounters are the cumulative values of the input series at each
// step, as promtool's a+bxn notation accumulates them: ok and errs for
// availability (ok counts events less errors when the events selector
// reads both), count and bucket (the threshold's) for latency.
type sloCounters struct {
	ok, errs, count, bucket []float64
}

func (sc sloScenario) counters(included bool) sloCounters {
	c := sloCounters{ok: []float64{0}, errs: []float64{0}, count: []float64{0}, bucket: []float64{0}}
	add := func(xs []float64, d float64) []float64 { return append(xs, xs[len(xs)-1]+d) }
	for _, g := range sc {
		for range g.steps {
			n, e := whole(g.events), whole(g.errs)
			ok := n
			if included {
				ok = n - e
			}
			c.ok, c.errs = add(c.ok, ok), add(c.errs, e)
			c.count, c.bucket = add(c.count, n), add(c.bucket, n-e)
		}
	}
	return c
}

// values writes one counter whose increment in a segment is inc(segment):
// a+bxn per segment.
func (sc sloScenario) values(inc func(sloSegment) float64) string {
	var parts []string
	v := 0.0
	for i, g := range sc {
		d := whole(inc(g))
		if i == 0 {
			parts = append(parts, fmt.Sprintf("0+%sx%d", numWhole(d), g.steps))
			v = float64(g.steps) * d
			continue
		}
		start := v + d
		if g.steps == 1 {
			parts = append(parts, numWhole(start))
		} else {
			parts = append(parts, fmt.Sprintf("%s+%sx%d", numWhole(start), numWhole(d), g.steps-1))
		}
		v = start + float64(g.steps-1)*d
	}
	return strings.Join(parts, " ")
}

// series are the scenario's input series.
func (sc *sloScenes) series(in sloScenario) []series {
	errs := func(g sloSegment) float64 { return g.errs }
	all := func(g sloSegment) float64 { return g.events }
	good := func(g sloSegment) float64 { return whole(g.events) - whole(g.errs) }
	if sc.latency {
		return []series{
			{labels: sc.count, values: in.values(all)},
			{labels: sc.bucket, values: in.values(good)},
			{labels: sc.inf, values: in.values(all)},
		}
	}
	ok := all
	if sc.included {
		ok = good
	}
	return []series{{labels: sc.ok, values: in.values(ok)}, {labels: sc.errs, values: in.values(errs)}}
}

// increase is increaseAt on whole steps, false with fewer than two
// samples in the window.
func increase(c []float64, t, w int, v promVersion) (float64, bool) {
	x := increaseAt(c, time.Duration(t)*EvalInterval, time.Duration(w)*EvalInterval, v)
	return x, !math.IsNaN(x)
}

// sloState is what one version computes for the SLO at one step.
type sloState struct {
	// cond per pair: 1 true, 0 false, -1 within float noise.
	cond []int
	// value per pair: the long window's burn rate, the alert's value.
	value []float64
	// err5m and events5m are the 5m records (per second); ok5m says they
	// exist.
	err5m, events5m float64
	ok5m            bool
}

// noise is how close to a threshold a simulated value may come: rates of
// the same counters differ in the last bits between the versions and
// between this arithmetic and theirs.
const noise = 1e-6

func compare(x, threshold float64, strict bool) int {
	if threshold != 0 && math.Abs(x/threshold-1) < noise || threshold == 0 && math.Abs(x) < noise {
		return -1
	}
	if strict && x > threshold || !strict && x >= threshold {
		return 1
	}
	return 0
}

// sloVariant changes the rules the simulation evaluates, to show a case
// is not vacuous: it fails a rule without the long window's condition,
// with the short window's factor lowered, with a guard of >, or with a
// window's burn rate compared by >=. exact is not a change of the
// rules but of the simulation: windows of whole-number counters are
// computed to the last bit where they can be (exactRates), as the at_long
// and at_short cases need.
type sloVariant struct {
	dropLong        bool
	shortScale      float64 // 0 means 1
	longScale       float64 // 0 means 1
	guardGT         bool
	longGE, shortGE bool
	exact           bool
}

// rates are the SLO's errors and events records over w at step t, per
// second, as the rules compute them from the series; exact says the
// window reaches back to the first sample (0), where both versions take
// the increase as it is and the arithmetic here is Prometheus's own.
func (sc *sloScenes) rates(c sloCounters, t int, w time.Duration, v promVersion, full bool) (er, ev float64, ok, exact bool) {
	if full {
		if er, ev, ok := sc.exactRates(c, t, w, v); ok {
			return er, ev, true, true
		}
	}
	steps := int(w / EvalInterval)
	secs := w.Seconds()
	exact = t < steps
	if sc.latency {
		n, ok1 := increase(c.count, t, steps, v)
		b, ok2 := increase(c.bucket, t, steps, v)
		ev = n / secs
		return ev - b/secs, ev, ok1 && ok2, exact
	}
	o, ok1 := increase(c.ok, t, steps, v)
	e, ok2 := increase(c.errs, t, steps, v)
	er, ev = e/secs, o/secs
	if sc.included {
		// sum over the ok and error series: 3.x adds with Kahan's
		// compensation, 2.x plainly; exact only when the two agree.
		ev = o/secs + e/secs
		exact = exact && kahan(o/secs, e/secs) == ev
	}
	return er, ev, ok1 && ok2, exact
}

func kahan(a, b float64) float64 {
	sum, c := a, 0.0
	t := sum + b
	if math.Abs(sum) >= math.Abs(b) {
		c += (sum - t) + b
	} else {
		c += (b - t) + sum
	}
	return t + c
}

func (sc *sloScenes) state(c sloCounters, t int, v promVersion, va sloVariant) sloState {
	st := sloState{cond: make([]int, len(sc.s.Pairs)), value: make([]float64, len(sc.s.Pairs))}
	if er, ev, ok, _ := sc.rates(c, t, 5*time.Minute, v, va.exact); ok && ev > 0 {
		st.err5m, st.events5m, st.ok5m = er, ev, true
	}
	cmp := func(x, threshold float64, strict, exact bool) int {
		if exact {
			if strict && x > threshold || !strict && x >= threshold {
				return 1
			}
			return 0
		}
		return compare(x, threshold, strict)
	}
	for i, p := range sc.s.Pairs {
		factor := sc.factors[i]
		ler, lev, ok1, lexact := sc.rates(c, t, p.Long, v, va.exact)
		ser, sev, ok2, sexact := sc.rates(c, t, p.Short, v, va.exact)
		if !ok1 || !ok2 || lev == 0 || sev == 0 {
			continue
		}
		long, short := ler/lev/sc.budget, ser/sev/sc.budget
		st.value[i] = long
		shortFactor := factor
		if va.shortScale != 0 {
			shortFactor, sexact = factor*va.shortScale, false
		}
		longFactor := factor
		if va.longScale != 0 {
			longFactor, lexact = factor*va.longScale, false
		}
		conds := []int{cmp(short, shortFactor, !va.shortGE, sexact)}
		if !va.dropLong {
			conds = append(conds, cmp(long, longFactor, !va.longGE, lexact))
		}
		if sc.s.MinEvents > 0 {
			conds = append(conds, cmp(lev*p.Long.Seconds(), sc.s.MinEvents, va.guardGT, lexact))
		}
		st.cond[i] = 1
		for _, c := range conds {
			if c == -1 {
				st.cond[i] = -1
				break
			}
			if c == 0 {
				st.cond[i] = 0
			}
		}
	}
	return st
}

// worlds are the ways a case may be evaluated: by either version, with a
// value within noise of its threshold read as under or over it. A case is
// written only when all four agree.
var worlds = []struct {
	v     promVersion
	doubt bool
}{{prom2, false}, {prom2, true}, {prom3, false}, {prom3, true}}

// sloOutcome is, per eval time, the pairs firing and their annotations'
// data.
type sloOutcome struct {
	firing [][]int
	states []sloState
	spent  [][]float64 // per eval time, per way of reading the budget
}

func (sc *sloScenes) simulate(in sloScenario, times []int, v promVersion, va sloVariant, doubt bool) (sloOutcome, bool) {
	counters := in.counters(sc.included)
	active := make([]int, len(sc.s.Pairs))
	for i := range active {
		active[i] = -1
	}
	var out sloOutcome
	var sumErr, sumEv []float64 // the 5m records' running sums, by step
	steps := in.steps()
	sumErr, sumEv = make([]float64, steps+1), make([]float64, steps+1)
	ti := 0
	for t := 0; t <= steps && ti < len(times); t++ {
		st := sc.state(counters, t, v, va)
		if t > 0 {
			sumErr[t], sumEv[t] = sumErr[t-1], sumEv[t-1]
		}
		if st.ok5m {
			sumErr[t] += st.err5m
			sumEv[t] += st.events5m
		}
		for i, c := range st.cond {
			if c == -1 && doubt {
				c = 1
			}
			switch c {
			case 1:
				if active[i] < 0 {
					active[i] = t
				}
			default:
				active[i] = -1
			}
		}
		if t != times[ti] {
			continue
		}
		var firing []int
		for i, p := range sc.s.Pairs {
			held := time.Duration(t-active[i]) * EvalInterval
			if active[i] >= 0 && held >= p.For {
				// `for` that ends within noise of an eval time is
				// not in doubt: both are whole minutes here.
				firing = append(firing, i)
			}
		}
		// The budget spent, read by the annotation's query over the
		// period ending now: the group's records of this very round are
		// committed before its alerts are evaluated, so they count.
		period := int(sc.s.Period / EvalInterval)
		var spent []float64
		e, n := sumErr[t], sumEv[t]
		if start := t - period; start >= 0 {
			e, n = e-sumErr[start], n-sumEv[start]
		}
		if n > 0 {
			spent = append(spent, e/n/sc.budget)
		}
		out.firing = append(out.firing, firing)
		out.states = append(out.states, st)
		out.spent = append(out.spent, spent)
		ti++
	}
	return out, ti == len(times)
}

// expected are the exp_alerts of one eval time of one outcome.
func (sc *sloScenes) expected(o sloOutcome, k int) ([]expAlert, bool) {
	out := []expAlert{}
	for _, i := range o.firing[k] {
		a := sc.alerts[i]
		e := expAlert{ExpLabels: map[string]string{}, ExpAnnotations: map[string]string{}}
		res := map[string]string{"service": sc.s.Service, "slo": sc.s.SLI.Kind}
		for k, v := range sc.byValues {
			res[k] = v
			e.ExpLabels[k] = v
		}
		for k, v := range a.ResultLabels {
			e.ExpLabels[k] = v
		}
		for name, text := range a.Annotations {
			var first string
			j := 0
			for _, spent := range o.spent[k] {
				for _, nudge := range []float64{1 - noise, 1, 1 + noise} {
					got, err := expandSLO(a.Name, text, res, o.states[k].value[i]*nudge, spent*nudge)
					if err != nil || j > 0 && got != first {
						return nil, false
					}
					first, j = got, j+1
				}
			}
			if len(o.spent[k]) == 0 {
				return nil, false
			}
			e.ExpAnnotations[name] = first
		}
		out = append(out, e)
	}
	sortExpected(out)
	return out, true
}

// expandSLO renders an annotation as the rule manager does, its query
// answered with the budget spent.
func expandSLO(name, text string, lbls map[string]string, value, spent float64) (string, error) {
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(lbls, map[string]string{}, "", promql.Sample{F: value})
	query := func(_ context.Context, q string, ts time.Time) (promql.Vector, error) {
		if !strings.HasPrefix(q, "1 - service_slo:error_budget:remaining_ratio{") {
			return nil, fmt.Errorf("unexpected query %q", q)
		}
		return promql.Vector{{Metric: labels.FromMap(lbls), F: spent, T: ts.UnixMilli()}}, nil
	}
	ex := template.NewTemplateExpander(context.Background(), defs+text, "__alert_"+name, data, 0, query, &url.URL{}, nil)
	return ex.Expand()
}

// ratio is an error ratio of scale times the pair's factor times the
// budget, kept below 100 % errors (halfway there when it would not be).
func (sc *sloScenes) ratio(scale float64) float64 {
	r := sc.factors[sc.pair] * sc.budget * scale
	if r >= 1 {
		r = (1 + r/scale) / 2
	}
	return r
}

// busy is a traffic level whose first minute already passes the guard.
func (sc *sloScenes) busy() float64 {
	return math.Max(600, math.Ceil(2*sc.s.MinEvents))
}

// build writes one case, or ok false when no scenario all worlds agree
// on exists. Each case tries a few error ratios near its first choice: a
// burn of exactly 1.05 times the factor prints as 1.0 or 1.1 depending on
// the last bit, and twice one pair's factor may be another pair's.
func (sc *sloScenes) build(c string) (testGroup, bool, error) {
	scales := map[string][]float64{
		SLOBurn:  {1 + Margin, 1.06, 1.04, 1.08},
		SLOBelow: {1 - Margin, 0.94, 0.96, 0.92},
	}[c]
	switch c {
	case SLOAtMinEvents:
		return sc.buildAtMinEvents()
	case SLOAtLong, SLOAtShort:
		return sc.buildAtFactor(c)
	case SLOCooled:
		scales = []float64{3, 2.5, 4, 2}
	case SLOUnconfirmed:
		scales = []float64{1}
	}
	if c == SLOSpike {
		// Just over the factor: the short window alone confirms it late
		// enough, and the long window misses it over a short calm.
		scales = []float64{1.25, 1.3, 1.4, 1.6, 2}
	}
	if scales == nil {
		scales = []float64{2, 2.2, 1.8, 2.5}
	}
	for _, scale := range scales {
		g, ok, err := sc.buildAt(c, scale)
		if err != nil || ok {
			return g, ok, err
		}
	}
	if c == SLOCooled {
		for _, scale := range scales {
			g, ok, err := sc.buildCooled(sc.ratio(scale), true)
			if err != nil || ok {
				return g, ok, err
			}
		}
	}
	return testGroup{}, false, nil
}

// buildAt is build with an error ratio of scale times the pair's factor
// times the budget.
func (sc *sloScenes) buildAt(c string, scale float64) (testGroup, bool, error) {
	p := sc.s.Pairs[sc.pair]
	forSteps := int(p.For / EvalInterval)
	r := sc.ratio(scale)
	var in sloScenario
	var times []int
	switch c {
	case SLOBurn, SLOBelow:
		times = []int{forSteps + 2}
		if c == SLOBurn && forSteps >= 1 {
			times = []int{forSteps, forSteps + 2}
		}
		n := sc.busy()
		in = sloScenario{{steps: forSteps + 2, events: n, errs: n * r}}
	case SLOSpike:
		return sc.buildSpike(r)
	case SLOLowTraffic:
		// 90 % of min_events in the first minute, then a trickle that
		// keeps the long window under 95 % of it: silent, where a guard
		// lowered by a fifth would have held since the first minute.
		end := forSteps + 2
		burst, trickle := 0.9*sc.s.MinEvents, 0.02*sc.s.MinEvents/float64(end)
		in = sloScenario{{steps: 1, events: burst, errs: burst * r}, {steps: end - 1, events: trickle, errs: trickle * r}}
		times = []int{end}
	case SLOCooled:
		return sc.buildCooled(r, false)
	case SLOUnconfirmed:
		// A calm of 28 % of e, then the burn: the long window reads 90 %
		// of the factor at e, and over 80 % of it for the last 22 % of e,
		// which must hold `for`; the burn has run 0.8 of the short window
		// by then, so the short window confirms.
		e := max(int(math.Ceil(4.5*float64(forSteps+2))), int(math.Ceil(1.6*float64(p.Short/EvalInterval))))
		if e >= int(p.Long/EvalInterval) {
			return testGroup{}, false, nil
		}
		n := sc.busy()
		burn := int(math.Round(0.72 * float64(e)))
		in = sloScenario{{steps: e - burn, events: n}, {steps: burn, events: n, errs: n * sc.ratio(1.25)}}
		return sc.groupChecked(c, in, []int{e}, sloVariant{longScale: 0.8})
	case SLOMinTraffic:
		// 105 % of min_events reached at x, `for` before the eval time;
		// a guard raised by a quarter is reached too late.
		const x = 15
		n := 1.05 * sc.s.MinEvents / x
		times = []int{x + forSteps + 2}
		in = sloScenario{{steps: times[0], events: n, errs: n * r}}
	}
	return sc.group(c, in, times)
}

// buildCooled writes the cooled case at burn ratio r: r for a while, then
// 90 % of the factor for the short window plus `for` and a little more.
//
// With tail, the last four minutes burn at r again. A pair that fires
// beside prints the budget spent, the sum of the 5m records' errors over
// their events, to four digits. In those sums the two versions weigh
// every minute five records' worth (2.x reads five increments per record,
// 3.x four stretched by 5/4), except the first four, which 3.x weighs
// 1, 0.75, 0.5 and 0.25 less (its records start reading from time 0 only
// until the fifth minute), and the last four, which it weighs 0.25 to 1
// more (no record after the eval time reads them). With the same ratio
// at both ends the two cancel, where a cooling end parts the readings by
// about a digit (the 1d/2h pair, beside the firing 3d pair). The short
// window then reads under the factor by some 3 % instead of 10 %.
func (sc *sloScenes) buildCooled(r float64, tail bool) (testGroup, bool, error) {
	p := sc.s.Pairs[sc.pair]
	d := int((p.Short+p.For)/EvalInterval) + 3
	n := sc.busy()
	cool := sc.ratio(1 - 2*Margin)
	// The burn need only outweigh the cooling in the long window;
	// shortest first, as every minute is an evaluation of every rule.
	for _, burn := range []int{max(2, d/8), d / 4, d / 2, d, 2 * d} {
		if burn < 1 {
			continue
		}
		in := sloScenario{{steps: burn, events: n, errs: n * r}, {steps: d, events: n, errs: n * cool}}
		if tail {
			in = sloScenario{{steps: burn, events: n, errs: n * r}, {steps: d - 4, events: n, errs: n * cool}, {steps: 4, events: n, errs: n * r}}
		}
		g, ok, err := sc.groupChecked(SLOCooled, in, []int{burn + d}, sloVariant{shortScale: 0.8})
		if err != nil || ok {
			return g, ok, err
		}
	}
	return testGroup{}, false, nil
}

// buildAtMinEvents: whole events per minute that add up to exactly
// min_events at minute k, with errors at a ratio well over every factor;
// the guard's count is then min_events to the last bit (the window holds
// the first sample, 0, so neither version extrapolates).
func (sc *sloScenes) buildAtMinEvents() (testGroup, bool, error) {
	p := sc.s.Pairs[sc.pair]
	forSteps := int(p.For / EvalInterval)
	for k := 2; k <= 30; k++ {
		n := sc.s.MinEvents / float64(k)
		if n != math.Trunc(n) || n < 2 || k+forSteps+1 >= int(p.Long/EvalInterval) {
			continue
		}
		// The guard reads rate × window, fl(fl(50 × fl(1/259200)) ×
		// 259200) over 3d: 50.00000000000001, where > holds too. The
		// simulation computes it so (exact); where the events are the
		// sum of the error and the other series, another split of the
		// same events may round to min_events.
		for e := math.Ceil(n * sc.ratio(2)); e < n; e++ {
			in := sloScenario{{steps: k + forSteps, events: n, errs: e}}
			g, ok, err := sc.groupChecked(SLOAtMinEvents, in, []int{k + forSteps}, sloVariant{guardGT: true, exact: true})
			if err != nil || ok {
				return g, ok, err
			}
			if !sc.included || sc.latency {
				break
			}
		}
	}
	return testGroup{}, false, nil
}

// groupChecked is group for a case that pins a detail of the rule: under
// variant va the pair's state at the last eval time must differ, in every
// world, or the case proves nothing and is not written.
func (sc *sloScenes) groupChecked(c string, in sloScenario, times []int, va sloVariant) (testGroup, bool, error) {
	want := SLOWant(sc.target, c)
	last := len(times) - 1
	for _, w := range worlds {
		o, ok := sc.simulate(in, times, w.v, va, w.doubt)
		if !ok || contains(o.firing[last], sc.pair) == want[last] {
			return testGroup{}, false, nil
		}
	}
	return sc.groupWith(c, in, times, sloVariant{exact: va.exact})
}

// buildSpike looks for a healthy stretch long enough that a spike at
// error ratio r, lasting long enough for the short window alone to page,
// is not confirmed by the long window.
func (sc *sloScenes) buildSpike(r float64) (testGroup, bool, error) {
	p := sc.s.Pairs[sc.pair]
	factor := sc.factors[sc.pair] * sc.budget
	// The short window's ratio passes the factor after short*factor/r of
	// the spike; then `for` must pass, and a little more.
	d := int(math.Ceil(float64(p.Short/EvalInterval)*factor/r)) + int(p.For/EvalInterval) + 3
	n := sc.busy()
	for _, mul := range []float64{1.4, 1.7, 2, 2.5, 3, 4, 6} {
		end := int(math.Ceil(mul * float64(d)))
		in := sloScenario{{steps: end - d, events: n}, {steps: d, events: n, errs: n * r}}
		// Non-vacuous: without the long window's condition the pair
		// fires in both versions.
		vacuous := false
		for _, w := range worlds {
			o, ok := sc.simulate(in, []int{end}, w.v, sloVariant{dropLong: true}, w.doubt)
			if !ok || !contains(o.firing[0], sc.pair) {
				vacuous = true
			}
		}
		if vacuous {
			continue
		}
		g, ok, err := sc.group(SLOSpike, in, []int{end})
		if err != nil || ok {
			return g, ok, err
		}
	}
	return testGroup{}, false, nil
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// group simulates the scenario in both versions and writes the group
// when they agree with each other and with what the case wants.
func (sc *sloScenes) group(c string, in sloScenario, times []int) (testGroup, bool, error) {
	return sc.groupWith(c, in, times, sloVariant{})
}

// groupWith is group with the simulation's variant base (exact or
// none: the rules as generated).
func (sc *sloScenes) groupWith(c string, in sloScenario, times []int, base sloVariant) (testGroup, bool, error) {
	var want []bool
	want = SLOWant(sc.target, c)
	if len(want) != len(times) {
		return testGroup{}, false, fmt.Errorf("case %s: %d eval times for %d expectations", c, len(times), len(want))
	}
	var tests []alertTest
	for k, t := range times {
		var exp [][]expAlert
		for _, w := range worlds {
			o, ok := sc.simulate(in, times, w.v, base, w.doubt)
			if !ok {
				return testGroup{}, false, nil
			}
			if contains(o.firing[k], sc.pair) != want[k] {
				return testGroup{}, false, nil
			}
			e, ok := sc.expected(o, k)
			if !ok {
				return testGroup{}, false, nil
			}
			exp = append(exp, e)
		}
		for _, e := range exp[1:] {
			if !sameExpected(exp[0], e) {
				return testGroup{}, false, nil
			}
		}
		tests = append(tests, alertTest{EvalTime: model.Duration(time.Duration(t) * EvalInterval).String(), Alertname: sc.target.Name, ExpAlerts: exp[0]})
	}
	g := testGroup{Name: SLOGroupName(sc.target, c), Interval: model.Duration(EvalInterval).String(), AlertRuleTest: tests}
	for _, s := range sc.series(in) {
		g.InputSeries = append(g.InputSeries, inSeries{Series: seriesString(s.labels), Values: s.values})
	}
	return g, true, nil
}

func sameExpected(a, b []expAlert) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if fmt.Sprint(sortedMap(a[i].ExpLabels), sortedMap(a[i].ExpAnnotations)) != fmt.Sprint(sortedMap(b[i].ExpLabels), sortedMap(b[i].ExpAnnotations)) {
			return false
		}
	}
	return true
}

func sortedMap(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
