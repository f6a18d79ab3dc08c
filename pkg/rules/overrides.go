package rules

import (
	"fmt"
	"sort"

	"github.com/agentalerts/agentalerts/presets"
)

// withOverrides returns the preset as the service sees it: a family the
// preset cannot serve becomes served when the spec's metrics: block names
// its metrics (vLLM plus your own cost counter), and an override that fits
// no slot of the preset is a problem (budget_used on a preset that
// measures remaining/max), reported per key.
func withOverrides(p *presets.Preset, m map[string]string) (*presets.Preset, map[string]string) {
	q := *p
	problems := map[string]string{}
	has := func(k string) bool { _, ok := m[k]; return ok }
	slot := func(t string) *presets.Metric { return &presets.Metric{Type: t} }

	if q.Requests == nil && has("requests_total") {
		switch {
		case has("errors_total"):
			q.Requests = &presets.Requests{Total: slot("counter"), Errors: presets.Errors{Metric: slot("counter")}}
		case has("errors_selector"):
			q.Requests = &presets.Requests{Total: slot("counter"), Errors: presets.Errors{Selector: m["errors_selector"]}}
		default:
			problems["requests_total"] = fmt.Sprintf("preset %s has no request metrics: give errors_total or errors_selector too", p.Name)
		}
	}
	if q.Requests == nil {
		for _, k := range []string{"errors_total", "errors_selector"} {
			if has(k) && !has("requests_total") {
				problems[k] = fmt.Sprintf("preset %s has no request counter: give requests_total too", p.Name)
			}
		}
	}
	if q.Latency == nil && has("latency_histogram") {
		q.Latency = &presets.Latency{Histogram: slot("histogram")}
	}
	if q.Queue == nil && has("queue_depth") {
		q.Queue = &presets.Queue{Depth: slot("gauge"), Aggregation: "sum"}
	}
	if q.Cost == nil && has("cost_total") {
		q.Cost = &presets.Cost{Counter: slot("counter")}
	}
	usedLimit := has("budget_used") || has("budget_limit")
	remMax := has("budget_remaining") || has("budget_max")
	switch {
	case q.Budget == nil && usedLimit && remMax:
		problems["budget_used"] = "give either budget_used and budget_limit, or budget_remaining and budget_max"
	case q.Budget == nil && usedLimit:
		if has("budget_used") && has("budget_limit") {
			q.Budget = &presets.Budget{Used: slot("gauge"), Limit: slot("gauge"), Unit: "token"}
		} else {
			problems[pick(m, "budget_used", "budget_limit")] = "give both budget_used and budget_limit"
		}
	case q.Budget == nil && remMax:
		if has("budget_remaining") && has("budget_max") {
			q.Budget = &presets.Budget{Remaining: slot("gauge"), Max: slot("gauge"), Unit: "token"}
		} else {
			problems[pick(m, "budget_remaining", "budget_max")] = "give both budget_remaining and budget_max"
		}
	case q.Budget != nil && q.Budget.Used != nil && remMax:
		problems[pick(m, "budget_remaining", "budget_max")] = fmt.Sprintf("preset %s measures the budget as used/limit: override budget_used and budget_limit", p.Name)
	case q.Budget != nil && q.Budget.Remaining != nil && usedLimit:
		problems[pick(m, "budget_used", "budget_limit")] = fmt.Sprintf("preset %s measures the budget as 1 - remaining/max: override budget_remaining and budget_max", p.Name)
	}
	if has("availability_metric") && q.Availability.Mode == "up" {
		problems["availability_metric"] = fmt.Sprintf("preset %s watches up{job}; availability_metric applies to presets with a health gauge or pushed metrics", p.Name)
	}
	return &q, problems
}

// pick returns the first of keys present in m.
func pick(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return k
		}
	}
	return keys[0]
}

func sortedProblemKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
