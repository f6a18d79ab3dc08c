package testgen

import (
	"fmt"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// down is a 0/1 health series (up, or a preset's gauge) at 0, per
// instance or aggregated over the job.
type down struct{ gaugeShape }

func (down) cases(a *rules.Alert) []string { return recovery(a) }

func (down) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	up, err := role(a, "up")
	if err != nil {
		return nil, err
	}
	l := seriesLabels(a, up, up.Metric)
	if _, ok := l["instance"]; !ok {
		l["instance"] = fill("instance")
	}
	s := series{labels: l, values: gauge(1, steps)}
	if d.breach {
		s.values = gauge(0, steps)
	}
	return []series{s}, nil
}

func (down) holds(_ *rules.Alert, d data) bool { return d.breach }

// resultLabels: the health series is `up` or a preset's gauge (Celery's
// celery_worker_up); aggregated over the job it keeps only By.
func (down) resultLabels(a *rules.Alert, in []series) (map[string]string, error) {
	up, err := role(a, "up")
	if err != nil {
		return nil, err
	}
	for _, s := range in {
		if s.labels[labels.MetricName] == up.Metric && s.values != "" {
			if a.Aggregation != "" {
				return byLabels(a, up), nil
			}
			return s.labels, nil
		}
	}
	return nil, fmt.Errorf("no %s series", up.Metric)
}

func (down) value(*rules.Alert, data, time.Duration) float64 { return 0 }

// absent is absent() of the health series: the breach writes it with no
// values.
type absent struct{ absence }

func (absent) cases(a *rules.Alert) []string { return recovery(a) }

func (absent) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	up, err := role(a, "up")
	if err != nil {
		return nil, err
	}
	return []series{presentUnless(d.breach, seriesLabels(a, up, up.Metric), steps)}, nil
}

// absentOverTime is a pushed metric gone for its window.
type absentOverTime struct{ absence }

func (absentOverTime) cases(a *rules.Alert) []string {
	cs := recovery(a)
	if a.Window >= 2*EvalInterval {
		cs = append(cs, CaseStops)
	}
	return cs
}

func (absentOverTime) build(a *rules.Alert, c string, all []*rules.Alert) (testGroup, bool, error) {
	if c == CaseStops {
		g, err := buildStops(a, all)
		return g, true, err
	}
	return testGroup{}, false, nil
}

func (absentOverTime) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	if len(a.Metrics) == 0 {
		return nil, fmt.Errorf("alert has no metric to watch")
	}
	m := a.Metrics[0]
	return []series{presentUnless(d.breach, seriesLabels(a, m, m.Metric), steps)}, nil
}

// absence is what the absent kinds share: the condition is the breach,
// the value 1, and the result keeps the labels the selector pins with =.
type absence struct{ gaugeShape }

func (absence) holds(_ *rules.Alert, d data) bool { return d.breach }

func (absence) value(*rules.Alert, data, time.Duration) float64 { return 1 }

func (absence) resultLabels(a *rules.Alert, _ []series) (map[string]string, error) {
	sels, err := selectors(a.Expr)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range sels {
		for _, m := range s.LabelMatchers {
			if m.Type == labels.MatchEqual && m.Name != labels.MetricName {
				out[m.Name] = m.Value
			}
		}
	}
	return out, nil
}

// presentUnless is a gauge at 1, or, when gone, a series with no values:
// written like that, another service on the same job is seen to share it.
func presentUnless(gone bool, l map[string]string, steps int) series {
	s := series{labels: l, values: gauge(1, steps)}
	if gone {
		s.values = ""
	}
	return s
}
