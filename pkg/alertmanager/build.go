package alertmanager

import (
	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/severity"
)

// Build renders the skeleton for a generation result. Every tier of every
// service's severity mapping gets its route, even a tier no alert uses yet,
// so that adding a log-level rule later needs no Alertmanager change.
func Build(res *rules.Result, opts Options) ([]byte, error) {
	var sevs []Severity
	if res.Spec != nil {
		if opts.Source == "" && res.Spec.Path != rules.ExamplePath {
			opts.Source = res.Spec.Path
		}
		for _, svc := range res.Spec.Services {
			for _, t := range severity.All {
				sevs = append(sevs, Severity{Tier: t, Label: svc.Severity.Label, Value: svc.Severity.Value(t)})
			}
		}
	}
	for _, svc := range res.Services {
		for _, a := range svc.Alerts {
			sevs = append(sevs, Severity{Tier: a.Tier, Label: a.SeverityLabel, Value: a.SeverityValue})
			opts.SplitBy = append(opts.SplitBy, a.By...)
		}
	}
	return BuildSeverities(sevs, opts)
}
