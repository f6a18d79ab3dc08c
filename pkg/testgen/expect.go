package testgen

// This file computes what a firing alert looks like: its labels and its
// annotations rendered by Prometheus's template engine.

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/template"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// expected is the alert b fires on d: its result labels plus the rule's
// labels, and its annotations rendered by Prometheus's template engine
// with the value d predicts.
func expected(b *rules.Alert, d data, at time.Duration, in []series) (expAlert, error) {
	sh := shapeOf(b)
	res, err := sh.resultLabels(b, in)
	if err != nil {
		return expAlert{}, err
	}
	e := expAlert{ExpLabels: map[string]string{}, ExpAnnotations: map[string]string{}}
	for k, v := range res {
		if k != labels.MetricName {
			e.ExpLabels[k] = v
		}
	}
	for k, v := range b.ResultLabels {
		e.ExpLabels[k] = v
	}
	value := sh.value(b, d, at)
	for k, text := range b.Annotations {
		out, err := expand(b.Name, text, res, value)
		if err != nil {
			return expAlert{}, fmt.Errorf("annotation %s: %w", k, err)
		}
		e.ExpAnnotations[k] = out
	}
	if len(e.ExpAnnotations) == 0 {
		e.ExpAnnotations = nil
	}
	return e, nil
}

// expand renders one annotation the way the rule manager does, with no
// external labels or URL (the test sets none).
func expand(name, text string, lbls map[string]string, value float64) (string, error) {
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(lbls, map[string]string{}, "", promql.Sample{F: value})
	noQuery := func(context.Context, string, time.Time) (promql.Vector, error) {
		return nil, fmt.Errorf("generated tests cannot predict query results in templates")
	}
	ex := template.NewTemplateExpander(context.Background(), defs+text, "__alert_"+name, data, 0, noQuery, &url.URL{}, nil)
	return ex.Expand()
}
