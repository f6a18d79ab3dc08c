package checks

import "github.com/agentalerts/agentalerts/pkg/lint"

// notActionable are checks for alerts nobody can act on: the alert loads
// and may even be right, but it reaches no one, wakes someone for a blip
// or tells them nothing.
var notActionable = []*lint.Check{
	alertSeverity,
	alertPageFor,
	annotationsRequired,
	alertRunbook,
	alertAbsentFor,
	// labelsRequired and alertUnroutedSeverity report nothing under the
	// default config, so their harness cases need a per-directory config
	// (testdata/lint/<dir>/agentalerts.yml); they join this list once the
	// harness reads it. Until then alert_config_test.go tests them.
}
