package testgen

import (
	"fmt"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// ratio is an error ratio: errors over requests, two rates over a
// window, guarded by a request rate.
type ratio struct{ guardedRates }

func (ratio) cases(a *rules.Alert) []string {
	cs := guardCases(a)
	if hasRatioOnset(a) {
		cs = append(cs, CaseOnset)
	}
	for _, c := range []string{CaseAt, CaseMinAt} {
		if _, ok := exactRatioFor(a, c); ok {
			cs = append(cs, c)
		}
	}
	return cs
}

func (ratio) build(a *rules.Alert, c string, all []*rules.Alert) (testGroup, bool, error) {
	switch c {
	case CaseOnset:
		g, err := buildOnset(a, all)
		return g, true, err
	case CaseAt, CaseMinAt:
		g, err := buildExactRatio(a, c, all)
		return g, true, err
	}
	return testGroup{}, false, nil
}

func (ratio) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	return ratioInputs(a, d, steps)
}

// ratioInputs writes failed and other requests so that errors/total is
// d.value at d.rate requests per second. Whether the total selector also
// counts the error series (one counter with a status label, or a regexp
// over two names) is read from the expression, not assumed.
func ratioInputs(a *rules.Alert, d data, steps int) ([]series, error) {
	lab, err := ratioLabels(a)
	if err != nil {
		return nil, err
	}
	per := EvalInterval.Seconds()
	errRate := d.value * d.rate
	okRate := d.rate
	if lab.included {
		okRate = d.rate - errRate
	}
	return []series{
		{labels: lab.ok, values: counter(okRate*per, steps)},
		{labels: lab.errs, values: counter(errRate*per, steps)},
	}, nil
}

// ratioSeries are the labels of an error ratio's two input series, and
// whether the total selector counts the error series too.
type ratioSeries struct {
	ok, errs map[string]string
	included bool
}

func ratioLabels(a *rules.Alert) (ratioSeries, error) {
	rq, err := role(a, "requests")
	if err != nil {
		return ratioSeries{}, err
	}
	er, err := role(a, "errors")
	if err != nil {
		return ratioSeries{}, err
	}
	sels, err := selectors(a.Expr)
	if err != nil {
		return ratioSeries{}, err
	}
	errL := seriesLabels(a, er, er.Metric)
	okL := seriesLabels(a, rq, rq.Metric)
	if err := matchErrorSelector(sels, er.Metric, errL); err != nil {
		return ratioSeries{}, err
	}
	if err := avoidErrorSelector(sels, errL, okL); err != nil {
		return ratioSeries{}, err
	}
	included := false
	for _, s := range sels {
		if matches(s, okL) && matches(s, errL) {
			included = true
		}
	}
	return ratioSeries{ok: okL, errs: errL, included: included}, nil
}

// okCandidates are label values tried to keep a non-error series out of a
// negative errors selector such as status!="ok" or code!~"2..".
var okCandidates = []string{"ok", "success", "200", "2xx", "completed", "stop", "true", "false", "0"}

// avoidErrorSelector changes okL so that no selector that matches the
// error series but not the request series alone picks it up: a request
// series without a status label matches status!="ok".
func avoidErrorSelector(sels []*parser.VectorSelector, errL, okL map[string]string) error {
	for _, s := range sels {
		if !matches(s, errL) || !matches(s, okL) {
			continue
		}
		// s matches both. It is the total selector unless it has matchers
		// okL satisfies only by lacking a label the error series has.
		for _, m := range s.LabelMatchers {
			if m.Name == labels.MetricName || okL[m.Name] != "" {
				continue
			}
			if m.Type == labels.MatchNotEqual || m.Type == labels.MatchNotRegexp {
				v, ok := firstValue(okCandidates, func(v string) bool { return !m.Matches(v) })
				if !ok {
					return fmt.Errorf("no label value of %s keeps a request out of the errors selector %s", m.Name, m)
				}
				okL[m.Name] = v
			}
		}
	}
	return nil
}
