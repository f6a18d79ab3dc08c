package testgen

import "github.com/agentalerts/agentalerts/pkg/rules"

// depth is a queue gauge over a count.
type depth struct{ gaugeShape }

// cases: one gauge at a whole threshold is the threshold to the last bit
// in both runners, so the at case pins > against >=.
func (depth) cases(a *rules.Alert) []string {
	var cs []string
	if wholeThreshold(a) {
		cs = append(cs, CaseAt)
	}
	return append(cs, recovery(a)...)
}

func (depth) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	q, err := role(a, "queue")
	if err != nil {
		return nil, err
	}
	return []series{{labels: seriesLabels(a, q, q.Metric), values: gauge(d.value, steps)}}, nil
}
