package checks

import "github.com/agentalerts/agentalerts/pkg/lint"

// malformed are the error-level checks: Prometheus would refuse the file.
var malformed = []*lint.Check{}
