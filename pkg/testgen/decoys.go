package testgen

import (
	"sort"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// decoyValue is the label value decoy series carry instead of the one a
// selector pins.
const decoyValue = "agentalerts-decoy"

// decoys are series that the alert's selectors must not read: copies of
// the case's series with one label the expression pins with = (job, a
// spec selector) changed, carrying the opposite state: a breach beside a
// "below" case, healthy traffic beside a breach, heavy traffic beside a
// low-traffic case. A rule that lost a label matcher reads them and
// changes its outcome, so the tests pin every matcher. The correct rule
// reads none of them: a decoy that any selector of an alert of the same
// name matches is left out.
func decoys(target *rules.Alert, c string, steps int, in []series, all []*rules.Alert) ([]series, error) {
	// Decoys differ from the case in size too (traffic, budget), so
	// that a negated matcher, which reads the decoy in place of the
	// case's series, changes a ratio's value as well.
	var dd data
	switch c {
	case CaseBelow, CaseAt:
		dd = scenarioData(target, CaseBreach)
		dd.rate, dd.scale = dd.rate/2, 0.5
	case CaseBreach, CaseTraffic, CaseSmallLimit:
		dd = healthyData(target)
		dd.rate, dd.scale = 2*scenarioData(target, c).rate, 2
	case CaseLowTraffic:
		dd = healthyData(target)
		dd.rate, dd.scale = 2*scenarioData(target, CaseBreach).rate, 2
	case CaseTargetDown:
		// Another job up, with its metric: a rule that reads its up
		// (a dropped or negated job matcher) fires on the down target.
		dd = healthyData(target)
	default:
		return nil, nil
	}
	return decoysOf(target, dd, steps, in, all)
}

// decoysOf are decoys carrying the series of dd.
func decoysOf(target *rules.Alert, dd data, steps int, in []series, all []*rules.Alert) ([]series, error) {
	src, err := inputs(target, dd, steps)
	if err != nil {
		return nil, err
	}
	own, err := selectors(target.Expr)
	if err != nil {
		return nil, err
	}
	var every []*parser.VectorSelector
	for _, b := range all {
		if b.Name != target.Name {
			continue
		}
		s, err := selectors(b.Expr)
		if err != nil {
			return nil, err
		}
		every = append(every, s...)
	}
	pinned := map[string]bool{}
	for _, s := range own {
		for _, m := range s.LabelMatchers {
			if m.Type == labels.MatchEqual && m.Name != labels.MetricName && m.Value != "" {
				pinned[m.Name] = true
			}
		}
	}
	names := make([]string, 0, len(pinned))
	for n := range pinned {
		names = append(names, n)
	}
	sort.Strings(names)
	keys := seriesKeys(in)
	var out []series
	for _, name := range names {
		for _, s := range src {
			if s.values == "" || s.labels[name] == "" {
				continue
			}
			l := make(map[string]string, len(s.labels))
			for k, v := range s.labels {
				l[k] = v
			}
			l[name] = decoyValue
			d := series{labels: l, values: s.values}
			if keys[d.key()] || matchesAny(every, l) {
				continue
			}
			keys[d.key()] = true
			out = append(out, d)
		}
	}
	return out, nil
}

func matchesAny(sels []*parser.VectorSelector, l map[string]string) bool {
	for _, s := range sels {
		if matches(s, l) {
			return true
		}
	}
	return false
}
