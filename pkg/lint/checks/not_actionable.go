package checks

import "github.com/agentalerts/agentalerts/pkg/lint"

// notActionable are checks for alerts nobody can act on.
var notActionable = []*lint.Check{}
