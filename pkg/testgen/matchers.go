package testgen

import (
	"fmt"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// errorCandidates are label values tried, in order, for a failed request
// whose errors selector is a regexp or a negative matcher the rule
// generator could not read a value from (status=~"5..", code!~"2..").
// The matcher itself decides which one fits, so any selector whose
// failures look like one of these is served.
var errorCandidates = []string{
	"500", "503", "502", "504", "5xx", "error", "ERROR", "Error", "failed", "failure", "FAILURE",
	"timeout", "exception", "400", "429", "4xx", "false", "1", "true", "agentalerts_example_error",
}

// matchErrorSelector sets labels of the error series errL so that it
// matches the errors selector: of the selectors that read metric, the one
// with the most label matchers (the requests selector plus the errors
// matchers). Each matcher errL fails is satisfied with the first
// candidate value the matcher's own Matches accepts.
func matchErrorSelector(sels []*parser.VectorSelector, metric string, errL map[string]string) error {
	var best *parser.VectorSelector
	for _, s := range sels {
		if !namesMetric(s, metric) {
			continue
		}
		if best == nil || len(s.LabelMatchers) > len(best.LabelMatchers) {
			best = s
		}
	}
	if best == nil {
		return nil
	}
	for _, m := range best.LabelMatchers {
		if m.Name == labels.MetricName || m.Matches(errL[m.Name]) {
			continue
		}
		cands := append([]string{}, errorCandidates...)
		if m.Type == labels.MatchRegexp {
			// The regexp's own alternatives first, in its order.
			cands = append(m.SetMatches(), cands...)
		}
		v, ok := firstValue(cands, func(v string) bool { return v != "" && m.Matches(v) })
		if !ok {
			return fmt.Errorf("no label value of %s matches the errors selector %s", m.Name, m)
		}
		errL[m.Name] = v
	}
	return nil
}

// namesMetric says whether s selects series named metric.
func namesMetric(s *parser.VectorSelector, metric string) bool {
	for _, m := range s.LabelMatchers {
		if m.Name == labels.MetricName {
			return m.Matches(metric)
		}
	}
	return s.Name == metric
}

// firstValue is the first of cands that ok accepts.
func firstValue(cands []string, ok func(string) bool) (string, bool) {
	for _, v := range cands {
		if ok(v) {
			return v, true
		}
	}
	return "", false
}
