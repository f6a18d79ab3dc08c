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
	// These two report nothing under the default config; their harness
	// cases turn them on in testdata/lint/<dir>/agentalerts.yml.
	labelsRequired,
	alertUnroutedSeverity,
}
