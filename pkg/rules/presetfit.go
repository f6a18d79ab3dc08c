package rules

import (
	"fmt"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// resolveBy is the aggregation every family of svc keeps, and whether the
// variant or the spec chose it (then it also wins over a family's own
// aggregation in the preset). p is the preset with the spec's overrides.
func resolveBy(p *presets.Preset, svc *Service) (by []string, chosen bool) {
	by = p.AggregateBy
	if svc.Variant.Set {
		if v := p.Variants[svc.Variant.V].AggregateBy; v != nil {
			by, chosen = v, true
		}
	}
	if svc.AggregateBy.Set {
		by, chosen = svc.AggregateBy.V, true
	}
	return by, chosen
}

// keptLabels are the series labels some alert of svc keeps in its result,
// each with why, so a static label of the same name would replace them:
// the aggregation labels, job (every absence alert pins it), the label
// naming a target in availability alerts, and selector labels (absence
// alerts pin them, with the selector's value).
func keptLabels(p *presets.Preset, svc *Service) map[string]string {
	kept := map[string]string{}
	by, chosen := resolveBy(p, svc)
	for _, l := range by {
		kept[l] = "aggregate_by"
	}
	if !chosen && p.Requests != nil && p.Requests.AggregateBy != nil {
		for _, l := range *p.Requests.AggregateBy {
			kept[l] = "the error ratio's aggregation"
		}
	}
	kept["job"] = "job"
	av := p.Availability
	switch {
	case av.Mode == "up":
		kept["instance"] = "AgentServiceDown (one alert per target)"
	case av.Mode == "gauge" && av.Aggregation == "":
		kept[av.InstanceLabel] = "AgentServiceDown (one alert per " + av.InstanceLabel + ")"
	}
	for k := range svc.Selector {
		if _, ok := kept[k]; !ok {
			kept[k] = "selector"
		}
	}
	return kept
}

// checkPresetFit reports what the spec asks that the service's preset
// makes wrong at evaluation time: a label that replaces one the alerts
// keep, and a latency threshold the preset's histogram can never report.
func (d *decoder) checkPresetFit(svc *Service) {
	p, err := presets.Load(svc.Preset.V)
	if err != nil {
		return // reported where the preset is named
	}
	p, _ = withOverrides(p, svc.Metrics)
	d.checkLabelCollisions(p, svc)
	d.checkLatencyBuckets(p, svc)
	d.checkSLO(p, svc)
}

// checkLabelCollisions refuses a spec label that has the name of a label
// an alert keeps from its series. Prometheus applies rule labels after
// evaluation: with `team` in aggregate_by and `labels: {team: x}`, two
// teams breaching at once become two alerts with the same labels, rule
// evaluation fails ("same labelset after applying alert labels") and
// nothing fires; with one team breaching, the alert names the wrong team.
func (d *decoder) checkLabelCollisions(p *presets.Preset, svc *Service) {
	kept := keptLabels(p, svc)
	names := templates.SortedKeys(svc.Labels)
	for _, k := range names {
		why, ok := kept[k]
		if !ok {
			continue
		}
		v := svc.Labels[k]
		switch why {
		case "job":
			if v == svc.Job.V {
				continue // the same value: nothing is replaced
			}
		case "selector":
			if v == svc.Selector[k] {
				continue
			}
		}
		what := fmt.Sprintf("alerts for two values of %s would get the same labels and fail to evaluate, and one alone would be named %q", k, v)
		if why == "job" || why == "selector" {
			what = fmt.Sprintf("its alerts would say %s %q where the series say %q", k, v, map[string]string{"job": svc.Job.V, "selector": svc.Selector[k]}[why])
		}
		d.diags = append(d.diags, diag.Diagnostic{Pos: orPos(svc.LabelPos[k], svc.Pos), Check: "spec/label-collision", Severity: diag.Error,
			Message: fmt.Sprintf("service %q: labels: %q replaces the %s label the alerts keep from their series (%s of preset %s): %s; rename the label (e.g. %q)%s",
				svc.Name.V, k, k, why, p.Name, what, "owner_"+k, collisionHint(why))})
	}
}

func collisionHint(why string) string {
	if why == "aggregate_by" {
		return " or set aggregate_by without it"
	}
	return ""
}

// checkLatencyBuckets refuses a latency threshold at or above the top
// finite bucket the preset's histogram has: histogram_quantile returns at
// most that bound (the +Inf bucket interpolates to it), so the alert could
// never fire. Naming the histogram in metrics.latency_histogram says the
// buckets are the spec's business and turns the check off.
func (d *decoder) checkLatencyBuckets(p *presets.Preset, svc *Service) {
	fam := svc.Families[Latency]
	if fam == nil || fam.Off || p.Latency == nil {
		return
	}
	if _, named := svc.Metrics["latency_histogram"]; named {
		return
	}
	top := p.Latency.TopBucket()
	if top == 0 {
		return
	}
	below := 0.0
	for _, b := range p.Latency.Buckets {
		if b < top {
			below = b
		}
	}
	for _, t := range severity.All {
		tier, ok := fam.Tiers[t]
		if !ok || tier.Threshold.V < top {
			continue
		}
		suggest := fmt.Sprintf("use a threshold below it, e.g. %s (the bucket under it)", templates.FormatThreshold(templates.Seconds, below))
		if !strings.Contains(p.Latency.BucketsNote, "not configurable") {
			suggest += ", or, if your deployment has other buckets, name the histogram in metrics.latency_histogram"
		}
		d.diags = append(d.diags, diag.Diagnostic{Pos: orPos(tier.Threshold.Pos, orPos(tier.Pos, orPos(fam.Pos, svc.Pos))), Check: "spec/value", Severity: diag.Error,
			Message: fmt.Sprintf("service %q: latency.%s threshold %s%s is at or above %s, the top finite bucket of %s (%s): the quantile can never exceed it, so the alert could never fire; %s",
				svc.Name.V, t, templates.FormatThreshold(templates.Seconds, tier.Threshold.V), origin(tier.Threshold), templates.FormatThreshold(templates.Seconds, top),
				p.Prefix+p.Latency.Histogram.Name, p.Latency.BucketsNote, suggest)})
	}
}
