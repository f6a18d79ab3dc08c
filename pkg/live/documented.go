package live

import (
	"sort"

	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
)

// Documented returns checks.All and the checks that run only when asked:
// the live checks of `lint --prometheus`, which need a server and so are
// not in checks.All (the offline harness could never see them fire).
// Explain, docs/checks and config validation know them all. It lives here,
// not in package checks, because this package imports pkg/rules (for
// generate --verify), whose tests import checks.
func Documented() []*lint.Check {
	all := append(checks.All(), Checks(nil)...)
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
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
