package rules

import (
	"slices"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/slo"
	"github.com/agentalerts/agentalerts/pkg/templates"
)

// SLOFamily is the family of SLO alerts: the burn-rate alerts and the
// absence of an SLI's metric. It is not one of FamilyNames: SLOs are
// configured in their own `slo:` block, not as tiers of a family.
const SLOFamily Family = "slo"

// Record is one generated recording rule.
type Record struct {
	Name   string
	Expr   string
	Labels map[string]string
}

// SLOAlert is what a test generator needs of an SLO burn-rate alert
// beyond its rule: the whole SLO (every pair, since all pairs of one SLO
// share the alert name and fire on the same series) and which pair it is.
type SLOAlert struct {
	SLO  *slo.SLO
	Pair int // index in SLO.Pairs
	// Metrics are the series the SLI reads (requests and errors, or the
	// histogram), with labels that match its selectors.
	Metrics []MetricInput
}

// sloGroup adds the service's SLO rules as a group of their own, after
// its other groups: the records of every window first, then one burn-rate
// alert per window pair and SLO, then the absence alerts of SLI metrics
// no family alert watches already. A group of its own is evaluated
// concurrently with the family alerts, so the 3d windows do not delay
// them.
func (b *builder) sloGroup(sr *ServiceRules) {
	spec := b.svc.SLO
	if spec == nil {
		return
	}
	first := len(b.alerts)
	g := Group{Name: "agentalerts." + b.svc.Name.V + ".slo"}
	var absent []func()
	for _, kind := range []string{slo.Availability, slo.Latency} {
		o := spec.Availability
		if kind == slo.Latency {
			o = spec.Latency
		}
		if o == nil {
			continue
		}
		s, metrics, watch, ok := b.sloOf(kind, o, spec)
		if !ok {
			continue
		}
		for _, r := range s.Rules() {
			if r.Record != "" {
				g.Records = append(g.Records, &Record{Name: r.Record, Expr: r.Expr, Labels: r.Labels})
				continue
			}
			idx := slices.IndexFunc(s.Pairs, func(p slo.Pair) bool { return p == *r.Pair })
			b.sloAlert(s, idx, r, metrics)
		}
		if watch != nil {
			absent = append(absent, watch)
		}
	}
	for _, f := range absent {
		f()
	}
	g.Alerts = slices.Clone(b.alerts[first:])
	if len(g.Records) == 0 && len(g.Alerts) == 0 {
		return
	}
	for _, a := range g.Alerts {
		a.Group = g.Name
	}
	// A service with nothing but SLOs has no use for an empty group.
	if len(sr.Groups) == 1 && len(sr.Groups[0].Alerts) == 0 && len(sr.Groups[0].Records) == 0 {
		sr.Groups = nil
	}
	sr.Groups = append(sr.Groups, g)
	sr.Alerts = append(slices.Clip(sr.Alerts), g.Alerts...)
}

// sloOf builds the SLO of one kind from the preset's metrics, the series
// it reads, and (unless a family alert watches the same metric or the
// metrics are pushed) a function adding the alert on its absence.
func (b *builder) sloOf(kind string, o *SLOObjective, spec *SLOSpec) (*slo.SLO, []MetricInput, func(), bool) {
	s := &slo.SLO{Service: b.svc.Name.V, Objective: o.Objective, Period: spec.Period.V, Pairs: spec.Pairs,
		MinEvents: spec.MinEvents.V, Scale: b.svc.Severity}
	var metrics []MetricInput
	var watched templates.Selector
	var watchedIn MetricInput
	switch kind {
	case slo.Availability:
		rq := b.p.Requests
		if rq == nil {
			return nil, nil, nil, false // reported by ParseSpec
		}
		total, errs, ms, disjoint := b.requestSeries(SLOFamily, rq)
		s.SLI = slo.SLI{Kind: slo.Availability, Total: total, Errors: errs, Disjoint: disjoint}
		s.By = b.familyBy(ErrorRate)
		metrics = ms
		watched, watchedIn = total, ms[0]
	case slo.Latency:
		if b.p.Latency == nil {
			return nil, nil, nil, false
		}
		h, in := b.series(SLOFamily, "latency_histogram", b.p.Latency.Histogram)
		in.Role, in.Type = "histogram", "histogram"
		s.SLI = slo.SLI{Kind: slo.Latency, Histogram: h, Threshold: o.Threshold.V}
		s.By = b.by
		metrics = []MetricInput{in}
		watched = h.Suffixed("_count")
		watchedIn = MetricInput{Role: "series", Metric: in.Metric + "_count", Type: "counter", Labels: in.Labels}
	}
	if s.By == nil {
		s.By = []string{}
	}
	if b.p.Availability.Mode == "absent" || b.watched(watched.Name) {
		return s, metrics, nil, true
	}
	watchedIn.Role = "series"
	return s, metrics, func() { b.sloAbsence(kind, watched, watchedIn) }, true
}

// watched says whether a family's absence alert already watches metric.
func (b *builder) watched(metric string) bool {
	for _, a := range b.alerts {
		if a.Kind == KindAbsentWhileUp {
			for _, m := range a.Metrics {
				if m.Role == "series" && m.Metric == metric {
					return true
				}
			}
		}
	}
	return false
}

// sloAbsenceNames are the alerts on a missing SLI metric, one per kind:
// without the metric the burn-rate alerts see no events and stay silent.
var sloAbsenceNames = map[string]string{
	slo.Availability: "AgentAvailabilitySLOMetricAbsent",
	slo.Latency:      "AgentLatencySLOMetricAbsent",
}

func (b *builder) sloAbsence(kind string, sel templates.Selector, in MetricInput) {
	up := templates.Selector{Name: "up", Matchers: []templates.Matcher{{Name: "job", Op: "=", Value: b.svc.Job.V}}}
	upIn := MetricInput{Role: "up", Metric: "up", Type: "gauge", Labels: map[string]string{"job": b.svc.Job.V}}
	facts := templates.Facts{Service: b.svc.Name.V, Job: b.svc.Job.V, For: absenceFor, Metric: sel.Name}
	b.add(&Alert{Name: sloAbsenceNames[kind], Family: SLOFamily, Kind: KindAbsentWhileUp, Expr: templates.AbsentWhileUp(sel, up),
		Metrics: []MetricInput{in, upIn}, By: []string{}}, severity.Ticket, absenceFor, 0, templates.MetricAbsentText(facts, kind+" SLO"))
}

// sloAlert adds the burn-rate alert of one pair. The labels are those of
// every alert (the spec's, service, family, severity) and the SLO's own:
// slo, long_window, short_window.
func (b *builder) sloAlert(s *slo.SLO, pair int, r slo.Rule, metrics []MetricInput) {
	a := &Alert{Name: r.Alert, Family: SLOFamily, Kind: KindBurn, Expr: r.Expr, By: s.By, Metrics: metrics,
		SLO: &SLOAlert{SLO: s, Pair: pair, Metrics: metrics}}
	before := len(b.alerts)
	b.add(a, s.Pairs[pair].Tier, r.For, 0, templates.Text{Summary: r.Annotations["summary"], Description: r.Annotations["description"]})
	if len(b.alerts) == before {
		return // a broken runbook_url, reported once
	}
	for _, k := range sloLabels {
		a.ResultLabels[k] = r.Labels[k]
		a.Labels[k] = templates.Escape(r.Labels[k])
	}
}
