package checks

import (
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// runCrossFile runs c's cross-file phase over files the way the engine
// does: Collect on each file and Reduce over the non-nil results in file
// order.
func runCrossFile(c *lint.Check, cfg *lint.Config, files []*lint.File, report func(diag.Diagnostic)) {
	if c.Collect == nil || c.Reduce == nil {
		return
	}
	var facts []any
	for _, f := range files {
		if ft := c.Collect(lint.NewPass(c, cfg, f, report), f); ft != nil {
			facts = append(facts, ft)
		}
	}
	c.Reduce(lint.NewPass(c, cfg, nil, report), facts)
}
