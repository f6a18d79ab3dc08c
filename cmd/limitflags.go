package cmd

import (
	"errors"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/live"
	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/unittest"
)

// limitFlags say how the CLI raises each limit a library reports a
// problem over (diag.Diagnostic.Limit). The libraries name the limit and
// its value; the flag is the command's, so it is added here.
var limitFlags = map[diag.Limit]string{
	rules.LimitServices:         "--max-services to raise",
	rules.LimitLabels:           "--max-labels to raise",
	lint.LimitDocuments:         "--max-documents to raise",
	lint.LimitRegexSize:         "--max-regex-size to raise",
	unittest.LimitFileSize:      "--max-file-size",
	unittest.LimitRuleFiles:     "--max-rule-files",
	unittest.LimitSeriesSamples: "--max-series-samples",
	unittest.LimitSamples:       "--max-samples",
	unittest.LimitEvalSteps:     "--max-eval-steps",
	unittest.LimitGroups:        "--max-groups",
	unittest.LimitCases:         "--max-cases",
	unittest.LimitSubquerySteps: "--max-subquery-steps",
	unittest.LimitLabelSize:     "--max-label-size",
	live.LimitRequests:          "raise --prometheus-max-requests",
	live.LimitResponseSize:      "raise --prometheus-max-response-size",
	live.LimitTimeout:           "--prometheus-timeout",
}

// withFlag names, in d's message, the flag that raises the limit d is
// over, if any.
func withFlag(d diag.Diagnostic) diag.Diagnostic {
	if f, ok := limitFlags[d.Limit]; ok {
		d.Message += " (" + f + ")"
	}
	return d
}

// withFlags is withFlag for each of ds, in place.
func withFlags(ds []diag.Diagnostic) []diag.Diagnostic {
	for i := range ds {
		ds[i] = withFlag(ds[i])
	}
	return ds
}

// withLimitFlag appends, to the text of err, the flag that raises the
// limit err is over (a diag.LimitError anywhere in its chain), if any.
func withLimitFlag(err error) string {
	msg := err.Error()
	var le *diag.LimitError
	if errors.As(err, &le) {
		if f, ok := limitFlags[le.Limit]; ok {
			msg += " (" + f + ")"
		}
	}
	return msg
}
