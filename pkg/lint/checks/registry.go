// Package checks holds every lint check, one file per check (or per small
// family of closely related checks), and the registry that lists them.
package checks

import "github.com/agentalerts/agentalerts/pkg/lint"

// All returns every registered check in a stable order (by id). Each
// family file contributes its own slice so that adding a check never
// touches another family's file.
func All() []*lint.Check {
	var all []*lint.Check
	all = append(all, malformed...)
	all = append(all, wrongResults...)
	all = append(all, notActionable...)
	all = append(all, beyondPromtool...)
	all = append(all, catalogChecks...)
	all = append(all, unittestRuleFiles)
	sortByID(all)
	return all
}
