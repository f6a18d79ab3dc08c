package testgen

import (
	"math"
	"math/big"
	"sort"
	"strconv"
	"time"
)

// The at_long and at_short cases pin `>` against `>=` on a burn rate. The
// two differ only where ratio / (1 - objective) is the factor literal to
// the last bit, so the case needs counters whose rates both runners
// compute exactly: whole numbers, read over a window that either reaches
// back past the first sample (0 at time 0: neither version extrapolates,
// both multiply the increase by 1/range) or is full (each version
// multiplies its increase by one factor, which fullRate repeats). The
// error ratio must then be a fraction errors/events within an ulp or so of
// factor × budget, which takes 1e14 events or more in the window (see
// nearFractions); such fractions exist by the thousand near the
// continued-fraction convergents of the target, and some of them round to
// the factor in both runners.
//
// A pair fires only when both windows burn, so one case cannot pin both
// comparisons. at_long: errors only in a burst at 1.5 times the factor
// after a calm, so that the long window (from time 0) burns over the
// factor and sinks to it; a last minute of traffic without errors brings
// it to the factor exactly, while the short window, mostly burst, stays
// over it. at_short: the same last minute on a burn just over the factor
// brings the short window, full, to the factor, while the long one still
// reads the excess of the minutes before (sloAtScenario).

// sloAtMaxSteps bounds the length of an at case (20h of evaluations):
// every mutant of an SLO's alert runs all of its cases. The workbook's 3d
// pair needs 11h17m (at_long).
const sloAtMaxSteps = 1200

// exactRates are the errors and events records over w at step t computed
// as Prometheus does, to the last bit, where the counters are whole
// numbers and the window either reaches past time 0 or is full; ok false
// elsewhere.
func (sc *sloScenes) exactRates(c sloCounters, t int, w time.Duration, v promVersion) (er, ev float64, ok bool) {
	steps := int(w / EvalInterval)
	if t < 1 || t >= len(c.ok) {
		return 0, 0, false
	}
	first := 0
	if t >= steps {
		first = t - steps
		if v == prom3 {
			first++ // a left-open range
		}
	}
	rate := func(xs []float64) (float64, bool) {
		d := xs[t] - xs[first]
		if xs[t] >= 1<<53 || xs[first] != math.Trunc(xs[first]) || d != math.Trunc(d) || d < 0 {
			return 0, false
		}
		if first == 0 && t < steps {
			return partialRate(d, w), true
		}
		// 3.x stretches the increase by the minute before its first
		// sample unless the counter would reach 0 within it: keep two
		// minutes' worth of the window's average above 0.
		if v == prom3 && d > 0 && xs[first]*float64(t-first) < 2*d {
			return 0, false
		}
		return deltaRate(d, w, v), true
	}
	if sc.latency {
		n, ok1 := rate(c.count)
		b, ok2 := rate(c.bucket)
		return n - b, n, ok1 && ok2
	}
	o, ok1 := rate(c.ok)
	e, ok2 := rate(c.errs)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	if !sc.included {
		return e, o, true
	}
	// sum() of the two series, or their sum by +: plain in 2.x,
	// compensated in 3.x's sum(); exact when the two agree.
	ev = sum2(o, e, v)
	if ev != sum2(o, e, prom2) || ev != sum2(o, e, prom3) {
		return 0, 0, false
	}
	return e, ev, true
}

// whole is round for the SLO's counters, except that it keeps whole
// numbers under 2^53 as they are: the at cases count events by the
// hundred trillion, past the ten digits round keeps.
func whole(x float64) float64 {
	if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		return x
	}
	return round(x)
}

// numWhole is num for whole, digit for digit.
func numWhole(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1<<53 && round(x) != x {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return num(x)
}

// partialRate is rate() over a window that reaches past the first sample,
// 0 at time 0: both versions stretch the increase to where the counter
// was 0, that sample, and multiply by 1/range.
func partialRate(delta float64, w time.Duration) float64 {
	factor := 1.0
	factor /= w.Seconds()
	return delta * factor
}

// sloAtExcess are the at_short layouts tried for one fraction: the short
// window's burn over the factor before its last minute. Each moves the
// budget spent a little, which prints to four digits in the annotations:
// one may sit on a rounding boundary between the versions.
var sloAtExcess = []float64{0.001, 0.0013, 0.0007, 0.0017}

// sloAtScenario lays out case c for errors/events counts num/den of the
// long window (at_long) or errors/events per minute (at_short), with its
// eval time; ok false when the counts do not fit.
func (sc *sloScenes) sloAtScenario(c string, q fraction, layout int) (sloScenario, int, bool) {
	p := sc.s.Pairs[sc.pair]
	s, forSteps := int(p.Short/EvalInterval), int(p.For/EvalInterval)
	if c == SLOAtShort {
		// In minutes of n events from time 0: for+1 at 1.001 times the
		// factor; a minute without traffic, the first of the short
		// window at the eval time for 2.x (3.x does not read it), so
		// both read the same increase; s-2 more at 1.001 times; one of
		// nL events without errors that brings the short window to the
		// factor exactly. Until that minute the short window burns over
		// the factor, so a >= has held `for`; the long window keeps some
		// 1e-4 over it. The excess is small because 3.x weighs the last
		// minutes' 5m records a quarter more than 2.x in the budget spent
		// that the annotations of a pair firing beside print to four
		// digits: a last minute far below the average ratio would tip
		// them apart.
		if s < 3 {
			return nil, 0, false
		}
		n := math.Floor(q.den / ((1 + sloAtExcess[layout]) * float64(s-2)))
		nL := q.den - float64(s-2)*n
		e := math.Floor(q.num / float64(s-2))
		first := q.num - e*float64(s-3)
		if n < sc.busy() || nL < 1 || first >= n || e < 1 {
			return nil, 0, false
		}
		in := sloScenario{
			{steps: forSteps + 1, events: n, errs: e},
			{steps: 1},
			{steps: 1, events: n, errs: first},
		}
		if s > 3 {
			in = append(in, sloSegment{steps: s - 3, events: n, errs: e})
		}
		in = append(in, sloSegment{steps: 1, events: nL})
		return in, in.steps(), true
	}
	// at_long, in minutes of n events: a calm, a burst of s+for minutes
	// at 1.5 times the factor, then one minute of nL events without
	// errors, (s+for-2)/4 minutes' worth, which brings the long window
	// (all of it, from time 0) to the factor. Before that minute the
	// long window was over the factor by more than its last `for`
	// minutes of burst added, so a >= on it has held `for`; the short
	// window (s-2 minutes of burst and that minute) stays over it. Both
	// hold while the short window is longer than `for` plus two minutes.
	b := s + forSteps
	calm := (b + 2 + 3) / 4
	excess := 0.25 * float64(s+forSteps-2) // in minutes of n
	k := float64(calm+b) + excess
	n := math.Floor(q.den / k)
	nL := q.den - float64(calm+b)*n
	e := math.Floor(q.num / float64(b))
	first := q.num - e*float64(b-1)
	if n < sc.busy() || nL < 1 || first > n || e < 1 {
		return nil, 0, false
	}
	in := sloScenario{{steps: calm, events: n}, {steps: 1, events: n, errs: first}}
	if b > 1 {
		in = append(in, sloSegment{steps: b - 1, events: n, errs: e})
	}
	in = append(in, sloSegment{steps: 1, events: nL})
	return in, calm + b + 1, true
}

// buildAtFactor writes at_long or at_short for the first fractions whose
// window reads exactly the factor in both versions and that the
// simulation agrees on.
func (sc *sloScenes) buildAtFactor(c string) (testGroup, bool, error) {
	p := sc.s.Pairs[sc.pair]
	f := sc.factors[sc.pair]
	w := p.Short
	// den is the short window's events at the eval time, about 1.001*(s-2)
	// minutes' worth; the counters stay under 2^53, where floats hold
	// every whole number (checked below).
	s := float64(int(p.Short / EvalInterval))
	b := float64(int((p.Short+p.For)/EvalInterval) + 1)
	minDen, maxDen := 1.001*(s-2)*sc.busy(), float64(1<<53-1)
	if c == SLOAtLong {
		// den is all events up to the eval time: some b*1.5 minutes.
		w = p.Long
		minDen, maxDen = 1.5*b*sc.busy(), 1<<53-1
	}
	tries := 0
	for _, q := range nearFractions(f*sc.budget, minDen, maxDen) {
		in, end, ok := sc.sloAtScenario(c, q, 0)
		if !ok || end > sloAtMaxSteps || c == SLOAtLong && end >= int(p.Long/EvalInterval) {
			continue
		}
		counters := in.counters(sc.included)
		if counters.ok[end] >= 1<<53 || counters.count[end] >= 1<<53 {
			continue
		}
		hit := true
		for _, v := range promVersions {
			er, ev, ok := sc.exactRates(counters, end, w, v)
			if !ok || er/ev/sc.budget != f {
				hit = false
				break
			}
		}
		if !hit {
			continue
		}
		va := sloVariant{exact: true, longGE: c == SLOAtLong, shortGE: c == SLOAtShort}
		for layout := range sloAtExcess {
			if layout > 0 {
				if c == SLOAtLong {
					break
				}
				if in, end, ok = sc.sloAtScenario(c, q, layout); !ok {
					continue
				}
			}
			g, ok, err := sc.groupChecked(c, in, []int{end}, va)
			if err != nil || ok {
				return g, ok, err
			}
		}
		if tries++; tries == 3 {
			break
		}
	}
	return testGroup{}, false, nil
}

type fraction struct{ num, den float64 }

// nearFractions are fractions num/den with den in [minDen, maxDen] within
// a few ulps of x, smallest den first. Between two consecutive convergents
// h0/k0 and h1/k1 of x lie the fractions (a*h0 + j*h1)/(a*k0 + j*k1), whose
// error is (a*e0 + j*e1)/den for the convergents' errors e = x*k - h: with
// small j and any a, within e0's share of an ulp. A factor times a budget
// such as 14.4 * (1 - 0.999) lies some ulps off a fraction of small
// denominator (9/625), so its near fractions have denominators of 1e14 or
// more.
func nearFractions(x, minDen, maxDen float64) []fraction {
	target := new(big.Rat).SetFloat64(x)
	if target == nil || target.Sign() <= 0 || maxDen >= 1<<53 {
		return nil
	}
	limit := new(big.Int).SetInt64(int64(maxDen))
	var hs, ks []*big.Int
	h0, h1 := big.NewInt(0), big.NewInt(1)
	k0, k1 := big.NewInt(1), big.NewInt(0)
	rem := new(big.Rat).Set(target)
	for len(hs) < 64 {
		a := new(big.Int).Quo(rem.Num(), rem.Denom())
		h := new(big.Int).Add(new(big.Int).Mul(a, h1), h0)
		k := new(big.Int).Add(new(big.Int).Mul(a, k1), k0)
		if k.Cmp(limit) > 0 {
			break
		}
		hs, ks = append(hs, h), append(ks, k)
		h0, h1, k0, k1 = h1, h, k1, k
		frac := new(big.Rat).Sub(rem, new(big.Rat).SetInt(a))
		if frac.Sign() == 0 {
			break
		}
		rem = frac.Inv(frac)
	}
	// A few ulps of x: the rates round numerator and denominator apart.
	tol := new(big.Rat).SetFloat64(4 * (math.Nextafter(x, 2*x) - x))
	seen := map[fraction]bool{}
	var out []fraction
	add := func(num, den *big.Int) {
		if !num.IsInt64() || !den.IsInt64() {
			return
		}
		q := fraction{float64(num.Int64()), float64(den.Int64())}
		if q.den < minDen || q.den > maxDen || q.num <= 0 || q.num >= q.den || seen[q] {
			return
		}
		d := new(big.Rat).SetFrac(num, den)
		d.Sub(d, target)
		if d.Abs(d).Cmp(tol) > 0 {
			return
		}
		seen[q] = true
		out = append(out, q)
	}
	for i := 1; i < len(hs); i++ {
		k0, k1 := float64(ks[i-1].Int64()), float64(ks[i].Int64())
		for j := 1.0; j <= 4 && j*k1 <= maxDen; j++ {
			aMin := math.Max(0, math.Ceil((minDen-j*k1)/k0))
			aMax := math.Floor((maxDen - j*k1) / k0)
			step := math.Max(1, math.Floor((aMax-aMin)/1024))
			for a := aMin; a <= aMax; a += step {
				ab, jb := big.NewInt(int64(a)), big.NewInt(int64(j))
				num := new(big.Int).Add(new(big.Int).Mul(ab, hs[i-1]), new(big.Int).Mul(jb, hs[i]))
				den := new(big.Int).Add(new(big.Int).Mul(ab, ks[i-1]), new(big.Int).Mul(jb, ks[i]))
				add(num, den)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].den != out[j].den {
			return out[i].den < out[j].den
		}
		return out[i].num < out[j].num
	})
	return out
}
