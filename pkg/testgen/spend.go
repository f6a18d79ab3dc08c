package testgen

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// CaseSpent is a spend forecast whose budget is reached only through
// what was already spent in the period (a burst long over, then a
// trickle whose run rate over the whole period stays far under the
// budget): it fires while the burst lies in the period's past and is
// resolved once the burst has left it.
const CaseSpent = "spent"

// The spend forecast (kind forecast, family cost) projects the spend of
// the rolling period P that ends h from now: the counter's increase over
// the last L = P-h plus its rate over the window w times h. Its cases
// write a cost counter that starts at 0 at time 0, so that while the
// eval time t is under L the increase is the counter's value and, while
// t is under w, the rate is c(t)/w: both runners include the zero sample
// then and neither extrapolates, so the value is known to the last bits.
//
//   - breach: a constant rate r whose projection r*(min(t,L) + h*min(t,w)/w)
//     crosses the budget half a minute before an eval time t* inside
//     the window: pending at t*+for-1m, firing at t*+for. A halved or
//     doubled w, a budget or horizon changed by a quarter, all move t*.
//   - below: a constant rate whose projection is 95 % of the budget at
//     w+for: silent, although that rate kept up for a whole period
//     (the old run-rate rule) is well over the budget.
//   - spent: see CaseSpent. Checked where L/2 no longer holds the burst
//     (firing: pins a halved L) and where L no longer does but 2L would
//     (silent: pins a doubled L).
//   - at: the counter steps to the budget at 1m and stays: once the step
//     has left the rate window the value is the budget to the last bit
//     (the increase of a counter from 0 is not extrapolated, and a flat
//     rate is 0), so `>` is silent where `>=` fires.

// spendCheck is one eval time of a spend forecast case and the value the
// rule has then, or firing false for a silent check.
type spendCheck struct {
	at     time.Duration
	firing bool
	value  float64
}

// spendPlan is a spend forecast case: the counter's per-minute increments
// in segments, and the checks.
type spendPlan struct {
	segs   []segment
	checks []spendCheck
}

// segment is a stretch of a counter growing by perStep each interval.
type segment struct {
	perStep float64
	steps   int
}

// spendForecast is the value of a spend forecast whose counter grows at
// rate per second since time 0, at t: exact (see above) while t < w
// and t < L, and what both runners compute up to rounding afterwards.
func spendForecast(a *rules.Alert, rate float64, t time.Duration) float64 {
	l := a.Per - a.Horizon
	spent := rate * math.Min(t.Seconds(), l.Seconds())
	return spent + rate*math.Min(t.Seconds(), a.Window.Seconds())/a.Window.Seconds()*a.Horizon.Seconds()
}

func minutes(d time.Duration) int { return int(d / EvalInterval) }

// ceilMinute rounds d up to the next eval time.
func ceilMinute(d time.Duration) time.Duration {
	return time.Duration(math.Ceil(float64(d)/float64(EvalInterval))) * EvalInterval
}

// spendPlanFor lays out case c of spend forecast a.
func spendPlanFor(a *rules.Alert, c string) (spendPlan, error) {
	b := a.Threshold
	l := a.Per - a.Horizon
	switch c {
	case CaseBreach:
		// The onset halfway into the window (two minutes at least),
		// before L, so the counter is read exactly up to it.
		onset := max(ceilMinute(a.Window/2), 2*EvalInterval)
		if onset >= l {
			onset = max(l-EvalInterval, EvalInterval)
		}
		rate := b / spendForecast(a, 1, onset-EvalInterval/2)
		steps := minutes(onset + a.For)
		p := spendPlan{segs: []segment{{rate * EvalInterval.Seconds(), steps}}}
		if a.For >= EvalInterval {
			p.checks = append(p.checks, spendCheck{at: onset + a.For - EvalInterval})
		} else {
			p.checks = append(p.checks, spendCheck{at: onset - EvalInterval})
		}
		p.checks = append(p.checks, spendCheck{at: onset + a.For, firing: true, value: spendForecast(a, rate, onset+a.For)})
		return p, nil
	case CaseBelow:
		at := a.Window + a.For + EvalInterval
		rate := b * (1 - Margin) / spendForecast(a, 1, at)
		return spendPlan{segs: []segment{{rate * EvalInterval.Seconds(), minutes(at)}},
			checks: []spendCheck{{at: at}}}, nil
	case CaseSpent:
		first, second, ok := spentTimes(a)
		if !ok {
			return spendPlan{}, fmt.Errorf("period %s and horizon %s leave no room for a burst that leaves the period", a.Per, a.Horizon)
		}
		// What was spent up to first, burst and trickle, plus h at the
		// trickle, is Margin over the budget.
		trickle := b / 2 / a.Per.Seconds()
		after := trickle * (first - spentBurst + a.Horizon).Seconds()
		spent := b*(1+Margin) - after
		p := spendPlan{checks: []spendCheck{{at: first, firing: true, value: spent + after}}}
		last := first
		if second > 0 {
			p.checks = append(p.checks, spendCheck{at: second})
			last = second
		}
		p.segs = []segment{{spent / float64(minutes(spentBurst)), minutes(spentBurst)}, {trickle * EvalInterval.Seconds(), minutes(last - spentBurst)}}
		return p, nil
	case CaseAt:
		at := a.Window + 2*EvalInterval + a.For
		return spendPlan{segs: []segment{{b, 1}, {0, minutes(at) - 1}}, checks: []spendCheck{{at: at}}}, nil
	}
	return spendPlan{}, fmt.Errorf("no spend forecast case %q", c)
}

// spentBurst is how long the spent case's burst lasts.
const spentBurst = 10 * EvalInterval

// maxSpentSpan bounds how far the spent case looks: its checks past L/2
// and L pin the increase's range, but every minute simulated is an
// evaluation of every rule of the file, so a period of a week gets the
// firing check alone.
const maxSpentSpan = 25 * time.Hour

// spentTimes are the eval times of the spent case: first, firing, once
// the trickle alone fills the rate window, and past L/2 plus the burst
// where the period allows; second, silent, once the burst has left L
// (0 when that is beyond maxSpentSpan). ok is false when the period is
// too short for the burst to lie in it while the rate sees the trickle
// alone.
func spentTimes(a *rules.Alert) (first, second time.Duration, ok bool) {
	l := a.Per - a.Horizon
	first = spentBurst + a.Window + a.For + EvalInterval
	if first >= l-EvalInterval {
		return 0, 0, false
	}
	second = ceilMinute(l + spentBurst + 2*EvalInterval)
	if second > maxSpentSpan || second >= 2*l {
		return first, 0, true
	}
	if half := ceilMinute(l/2 + spentBurst + 2*EvalInterval); half > first && half < l-EvalInterval {
		first = half
	}
	return first, second, true
}

// segmentValues writes a counter from 0 in promtool's expanding notation,
// one a+bxn run per segment, each starting one step after the last.
func segmentValues(segs []segment) string {
	var parts []string
	v := 0.0
	for i, s := range segs {
		if i == 0 {
			parts = append(parts, fmt.Sprintf("0+%sx%d", num(s.perStep), s.steps))
			v = s.perStep * float64(s.steps)
			continue
		}
		if s.steps <= 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s+%sx%d", num(v+s.perStep), num(s.perStep), s.steps-1))
		v += s.perStep * float64(s.steps)
	}
	return strings.Join(parts, " ")
}

// buildSpendForecast writes one case of a spend forecast. The forecast
// is one tier per service; another service's forecast that reads the
// same counter would make the outcome depend on its own budget, so it is
// an error, as split reports for every kind.
func buildSpendForecast(target *rules.Alert, c string, all []*rules.Alert) (testGroup, error) {
	p, err := spendPlanFor(target, c)
	if err != nil {
		return testGroup{}, err
	}
	d := data{segs: p.segs}
	peers, others, err := split(target, d, all)
	if err != nil {
		return testGroup{}, err
	}
	if len(peers) != 1 {
		return testGroup{}, fmt.Errorf("%d spend forecasts read the same cost series; no case can breach one alone", len(peers))
	}
	last := p.checks[len(p.checks)-1].at
	steps := minutes(last)
	in, err := inputs(target, d, steps)
	if err != nil {
		return testGroup{}, err
	}
	// Decoys: the same counter under a changed pinned label at twice the
	// spend of the case, or the breach's beside a silent case, in the
	// opposite state where a rule reading them would change its outcome.
	var dd data
	switch c {
	case CaseBreach:
		dd = data{segs: []segment{{0, steps}}}
	default:
		bp, err := spendPlanFor(target, CaseBreach)
		if err != nil {
			return testGroup{}, err
		}
		seg := bp.segs[0]
		dd = data{segs: []segment{{seg.perStep * 2, steps}}}
	}
	dec, err := decoysOf(target, dd, steps, in, all)
	if err != nil {
		return testGroup{}, err
	}
	in = append(in, dec...)
	var tests []alertTest
	for _, ch := range p.checks {
		at := alertTest{EvalTime: model.Duration(ch.at).String(), Alertname: target.Name, ExpAlerts: []expAlert{}}
		if ch.firing {
			e, err := expected(target, data{value: ch.value}, ch.at, in)
			if err != nil {
				return testGroup{}, err
			}
			at.ExpAlerts = append(at.ExpAlerts, e)
		}
		tests = append(tests, at)
	}
	return finishGroup(GroupName(target, c), tests, in, others, steps)
}
