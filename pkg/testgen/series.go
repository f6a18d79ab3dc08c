package testgen

// This file synthesises input series: the labels that match an alert's
// selectors; the values come from each kind's shape (family_*.go).

import (
	"fmt"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// series is one input series: labels including __name__, and values in
// promtool's expanding notation (empty: the series does not exist).
type series struct {
	labels map[string]string
	values string
}

func (s series) key() string { return labels.FromMap(s.labels).String() }

// fill is the value of a label the expression keeps but the spec does not
// pin, e.g. model_name for one alert per model.
func fill(label string) string {
	if label == "instance" {
		return "agent-0:8080"
	}
	return "example"
}

// byLabels are the labels the expression's result keeps, with the values
// the input series carry.
func byLabels(a *rules.Alert, in rules.MetricInput) map[string]string {
	out := map[string]string{}
	for _, l := range a.By {
		if v, ok := in.Labels[l]; ok {
			out[l] = v
		} else {
			out[l] = fill(l)
		}
	}
	return out
}

// seriesLabels are the labels of a synthetic series of in: its selector
// labels plus the labels the expression aggregates by.
func seriesLabels(a *rules.Alert, in rules.MetricInput, name string) map[string]string {
	out := map[string]string{labels.MetricName: name}
	for k, v := range byLabels(a, in) {
		out[k] = v
	}
	for k, v := range in.Labels {
		out[k] = v
	}
	return out
}

func role(a *rules.Alert, r string) (rules.MetricInput, error) {
	for _, m := range a.Metrics {
		if m.Role == r {
			return m, nil
		}
	}
	return rules.MetricInput{}, fmt.Errorf("alert has no %s series (rules.Alert.Metrics lacks role %q)", r, r)
}

// inputs are the series a scenario writes for alert a over steps
// evaluation intervals.
func inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	return shapeOf(a).inputs(a, d, steps)
}

func selectors(expr string) ([]*parser.VectorSelector, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, fmt.Errorf("expression does not parse: %w", err)
	}
	var out []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out, nil
}

func matches(s *parser.VectorSelector, l map[string]string) bool {
	for _, m := range s.LabelMatchers {
		if !m.Matches(l[m.Name]) {
			return false
		}
	}
	return true
}
