package rules

import (
	"time"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// Availability: the service is down or its health series is gone.
const Availability Family = "availability"

type availability struct{}

func (availability) info() familyInfo {
	return familyInfo{
		name:     Availability,
		unit:     templates.Count,
		defaults: familyDefault{tiers: map[severity.Tier]tierDefault{severity.Page: {hold: time.Minute}}},
	}
}

func (availability) served(*presets.Preset) bool                      { return true }
func (availability) signal(*presets.Preset) (string, *presets.Metric) { return "", nil }

func (availability) build(b *builder, f *FamilySpec) {
	av := b.p.Availability
	tiers(f, func(t severity.Tier, tier *Tier) {
		facts := templates.Facts{Service: b.svc.Name.V, Job: b.svc.Job.V, For: tier.For.V}
		if av.Mode == "absent" {
			w, _ := time.ParseDuration(av.Window)
			sel, in := b.series(Availability, "availability_metric", av.Metric)
			in.Role = "series"
			facts.Metric, facts.Window = sel.Name, w
			a := &Alert{Name: "AgentMetricsAbsent", Family: Availability, Kind: KindAbsentOverTime, Window: w,
				Expr: templates.AbsentOverTime(sel, w), Metrics: []MetricInput{in}, By: []string{}}
			b.add(a, t, tier.For.V, tier.KeepFiringFor.V, templates.AbsentOverTimeText(facts))
			return
		}
		if av.Mode == "gauge" && av.Aggregation != "" {
			sel, in := b.series(Availability, "availability_metric", av.Metric)
			in.Role = "up"
			facts.Metric, facts.Instance = sel.Name, av.InstanceLabel
			b.add(&Alert{Name: "AgentServiceDown", Family: Availability, Kind: KindDown, Aggregation: av.Aggregation,
				Expr: templates.AllDown(av.Aggregation, sel), Metrics: []MetricInput{in}, By: []string{"job"}},
				t, tier.For.V, tier.KeepFiringFor.V, templates.GaugeAllDownText(facts))
			b.add(&Alert{Name: "AgentServiceAbsent", Family: Availability, Kind: KindAbsent, Expr: templates.Absent(sel),
				Metrics: []MetricInput{in}, By: []string{"job"}}, t, tier.For.V, tier.KeepFiringFor.V, templates.GaugeAbsentText(facts))
			return
		}
		if av.Mode == "gauge" {
			sel, in := b.series(Availability, "availability_metric", av.Metric)
			in.Role = "up" // a 0/1 health series, read exactly like up
			facts.Metric, facts.Instance = sel.Name, av.InstanceLabel
			b.add(&Alert{Name: "AgentServiceDown", Family: Availability, Kind: KindDown, Expr: templates.Down(sel),
				Metrics: []MetricInput{in}, By: []string{av.InstanceLabel}}, t, tier.For.V, tier.KeepFiringFor.V, templates.GaugeDownText(facts))
			b.add(&Alert{Name: "AgentServiceAbsent", Family: Availability, Kind: KindAbsent, Expr: templates.Absent(sel),
				Metrics: []MetricInput{in}, By: []string{"job"}}, t, tier.For.V, tier.KeepFiringFor.V, templates.GaugeAbsentText(facts))
			return
		}
		up := templates.Selector{Name: "up", Matchers: []templates.Matcher{{Name: "job", Op: "=", Value: b.svc.Job.V}}}
		in := MetricInput{Role: "up", Metric: "up", Type: "gauge", Labels: map[string]string{"job": b.svc.Job.V}}
		b.add(&Alert{Name: "AgentServiceDown", Family: Availability, Kind: KindDown, Expr: templates.Down(up),
			Metrics: []MetricInput{in}, By: []string{"instance", "job"}}, t, tier.For.V, tier.KeepFiringFor.V, templates.DownText(facts))
		b.add(&Alert{Name: "AgentServiceAbsent", Family: Availability, Kind: KindAbsent, Expr: templates.Absent(up),
			Metrics: []MetricInput{in}, By: []string{"job"}}, t, tier.For.V, tier.KeepFiringFor.V, templates.AbsentText(facts))
	})
}
