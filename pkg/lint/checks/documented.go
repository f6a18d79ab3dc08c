package checks

import (
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/live"
)

// Documented returns All and the checks that run only when asked: the
// live checks of `lint --prometheus`, which need a server and so are not
// in All (the offline harness could never see them fire). Explain,
// docs/checks and config validation know them all.
func Documented() []*lint.Check {
	all := append(All(), live.Checks(nil)...)
	sortByID(all)
	return all
}

// DocumentedByID returns the documented check with this id, or nil.
func DocumentedByID(id string) *lint.Check {
	for _, c := range Documented() {
		if c.ID == id {
			return c
		}
	}
	return nil
}
