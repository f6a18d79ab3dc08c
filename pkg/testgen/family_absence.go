package testgen

import "github.com/agentalerts/agentalerts/pkg/rules"

// absentWhileUp is the ticket every scraped family gets: its own metric
// missing while the job's up is 1. The target-down case pins the "while
// up" half.
type absentWhileUp struct{ absence }

func (absentWhileUp) cases(*rules.Alert) []string { return []string{CaseTargetDown} }

func (absentWhileUp) holds(_ *rules.Alert, d data) bool { return d.breach && !d.targetDown }

// inputs: the job is up throughout (down in the target-down case); the
// watched metric exists unless the scenario is the breach.
func (absentWhileUp) inputs(a *rules.Alert, d data, steps int) ([]series, error) {
	m, err := role(a, "series")
	if err != nil {
		return nil, err
	}
	up, err := role(a, "up")
	if err != nil {
		return nil, err
	}
	upValue := 1.0
	if d.targetDown {
		upValue = 0
	}
	return []series{
		{labels: seriesLabels(a, up, up.Metric), values: gauge(upValue, steps)},
		presentUnless(d.breach, seriesLabels(a, m, m.Metric), steps),
	}, nil
}
