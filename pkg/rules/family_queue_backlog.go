package rules

import (
	"time"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// QueueBacklog: the depth of a work queue.
const QueueBacklog Family = "queue_backlog"

type queueBacklog struct{}

func (queueBacklog) info() familyInfo {
	return familyInfo{
		name:    QueueBacklog,
		unit:    templates.Count,
		absence: "AgentQueueMetricAbsent",
		defaults: familyDefault{tiers: map[severity.Tier]tierDefault{
			severity.Ticket: {100, 15 * time.Minute},
			severity.Log:    {50, 30 * time.Minute},
		}},
	}
}

func (queueBacklog) served(p *presets.Preset) bool { return p.Queue != nil }

func (queueBacklog) signal(p *presets.Preset) (string, *presets.Metric) {
	if p.Queue != nil {
		return "queue_depth", p.Queue.Depth
	}
	return "", nil
}

func (queueBacklog) build(b *builder, f *FamilySpec) {
	q := b.p.Queue
	sel, in := b.series(QueueBacklog, "queue_depth", q.Depth)
	in.Role = "queue"
	tiers(f, func(t severity.Tier, tier *Tier) {
		facts := templates.Facts{Service: b.svc.Name.V, Threshold: tier.Threshold.V, Unit: templates.Count, For: tier.For.V, By: b.by}
		b.add(&Alert{Name: "AgentQueueBacklogHigh", Family: QueueBacklog, Kind: KindDepth, Unit: "count", Threshold: tier.Threshold.V,
			Aggregation: q.Aggregation, Metrics: []MetricInput{in}, Expr: templates.Gauge(q.Aggregation, sel, b.by, tier.Threshold.V)},
			t, tier.For.V, tier.KeepFiringFor.V, templates.QueueText(facts))
	})
}
