package checks

import "github.com/agentalerts/agentalerts/pkg/lint"

// wrongResults are warning-level checks: the file loads but the rule gives
// wrong results.
var wrongResults = []*lint.Check{
	histogramQuantile,
	rateNonCounter,
	rawCounter,
	rateWindow,
	alertNoCondition,
	alertRatioWithoutDivision,
	labelsTemplatedValue,
	labelsReplacesSeries,
	annotationsDroppedLabel,
	alertDuplicate,
}
