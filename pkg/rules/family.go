package rules

import (
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// Family names an alert family: the key of its block in the spec, the
// value of the family label on its alerts and the {{ .Family }} of
// runbook_url. The names are the spec's contract.
type Family string

// Kind distinguishes the rules of one family. A consumer that needs the
// shape of an alert's expression (pkg/testgen synthesises its input
// series) reads Family and Kind together: a forecast of the token budget
// and a forecast of spend are different expressions.
type Kind string

// The kinds of rule the families generate.
const (
	KindDown           Kind = "down"             // a 0/1 health series is 0
	KindAbsent         Kind = "absent"           // absent(series)
	KindAbsentOverTime Kind = "absent_over_time" // absent_over_time(series[window])
	KindRatio          Kind = "ratio"            // errors over requests, rates over a window
	KindQuantile       Kind = "quantile"         // histogram_quantile over a window
	KindUsedRatio      Kind = "used_ratio"       // used over limit, two gauges
	KindForecast       Kind = "forecast"         // predict_linear of a budget, or projected spend
	KindDepth          Kind = "depth"            // a gauge over a count
	KindSpend          Kind = "spend"            // a cost counter's rate per period
	// KindAbsentWhileUp is the ticket every scraped family gets when its
	// own metric is missing while the job is up (see builder.absences).
	KindAbsentWhileUp Kind = "absent_while_up"
	// KindBurn is an SLO's burn-rate alert on one window pair (slo.go):
	// not a threshold family, its pairs are tested together.
	KindBurn Kind = "burn"
)

// familyRules is everything this package knows about one family: its spec
// block, its defaults, the preset metrics it needs and the rules it
// builds. Each family implements it in its own file (family_*.go), so a
// new family is one file and one line in families.
type familyRules interface {
	info() familyInfo
	// served says whether preset p has the metrics the family reads.
	served(p *presets.Preset) bool
	// signal is the preset metric (metric key and metric) whose presence
	// proves the family's alerts can see anything: the absence ticket
	// (familyInfo.absence) fires when it is missing while the job is up.
	// "" and nil when the family has none (availability watches up).
	signal(p *presets.Preset) (key string, m *presets.Metric)
	// build adds the family's alerts for the service b builds; the
	// preset serves the family.
	build(b *builder, f *FamilySpec)
}

// familyInfo is what a family declares as data.
type familyInfo struct {
	name Family
	// keys are the spec keys its block takes besides the tier names;
	// forecastKeys those of its forecast block, nil when it has none.
	keys, forecastKeys []string
	// unit is what its thresholds are in, for messages and docs.
	unit     templates.Unit
	defaults familyDefault
	// absence names the alert that says the family's signal went missing
	// while the job is up; "" when it has no signal.
	absence string
}

// families are the implementations in the order rules are emitted.
var families = []familyRules{availability{}, errorRate{}, latency{}, tokenBudget{}, queueBacklog{}, cost{}}

// FamilyNames lists the families in the order rules are emitted.
var FamilyNames = func() []Family {
	out := make([]Family, len(families))
	for i, f := range families {
		out[i] = f.info().name
	}
	return out
}()

// familyOf returns the implementation of a family named in the spec; ok
// is false for a name that is not a family.
func familyOf(name Family) (familyRules, bool) {
	for _, f := range families {
		if f.info().name == name {
			return f, true
		}
	}
	return nil, false
}

// mustFamily is familyOf for names that came from FamilyNames or an Alert.
func mustFamily(name Family) familyRules {
	f, ok := familyOf(name)
	if !ok {
		panic("bug: no family " + string(name))
	}
	return f
}

// Unserved lists the families preset p has no metrics for, in output
// order: the first thing to know when choosing a preset.
func Unserved(p *presets.Preset) []Family {
	var out []Family
	for _, f := range families {
		if !f.served(p) {
			out = append(out, f.info().name)
		}
	}
	return out
}
