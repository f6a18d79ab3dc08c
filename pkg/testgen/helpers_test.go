package testgen

import "github.com/agentalerts/agentalerts/pkg/rules"

func isSpendForecast(a *rules.Alert) bool {
	_, ok := shapeOf(a).(projectedSpend)
	return ok
}

func isBudgetForecast(a *rules.Alert) bool {
	_, ok := shapeOf(a).(budgetForecast)
	return ok
}

// Build is BuildFiles for one rule file, as most tests write it.
func Build(res *rules.Result, ruleFile string) ([]byte, error) {
	return BuildFiles(res, []string{ruleFile})
}
