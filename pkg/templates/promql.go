// Package templates owns the text agentalerts generates: the PromQL
// expression of each alert family and the summary/description annotations
// around it. It only builds strings from resolved values; choosing metrics
// (presets) and validating the result (pkg/rules) happen elsewhere.
package templates

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Matcher is one label matcher, Op one of = != =~ !~.
type Matcher struct {
	Name, Op, Value string
}

// String renders the matcher with the value quoted as a PromQL string
// (PromQL strings use Go escapes, so any value round-trips).
func (m Matcher) String() string {
	return m.Name + m.Op + strconv.Quote(m.Value)
}

// Selector is a metric name with matchers; an empty Name with a __name__
// matcher selects several metrics.
type Selector struct {
	Name     string
	Matchers []Matcher
}

// With returns a copy of s with extra matchers.
func (s Selector) With(ms ...Matcher) Selector {
	out := Selector{Name: s.Name, Matchers: append(append([]Matcher(nil), s.Matchers...), ms...)}
	return out
}

// Suffixed returns a copy of s for the series name+suffix (e.g. _bucket).
func (s Selector) Suffixed(suffix string) Selector {
	out := s.With()
	out.Name += suffix
	return out
}

// String renders name{m1,m2}; the job matcher comes first, the rest keep
// their order so output stays stable.
func (s Selector) String() string {
	if len(s.Matchers) == 0 {
		return s.Name
	}
	parts := make([]string, len(s.Matchers))
	for i, m := range s.Matchers {
		parts[i] = m.String()
	}
	return s.Name + "{" + strings.Join(parts, ",") + "}"
}

// Duration formats d the Prometheus way (5m, 1h30m, 250ms).
func Duration(d time.Duration) string { return model.Duration(d).String() }

// Number formats a threshold without exponent noise (0.1, 5, 0.05).
func Number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Agg renders `op by (labels) (inner)`, or `op(inner)` without labels.
func Agg(op string, by []string, inner string) string {
	if len(by) == 0 {
		return op + "(" + inner + ")"
	}
	return op + " by (" + strings.Join(by, ", ") + ") (" + inner + ")"
}

// Rate renders rate(selector[w]).
func Rate(s Selector, w time.Duration) string {
	return "rate(" + s.String() + "[" + Duration(w) + "])"
}

// RequestRate is the per-second request rate summed over the given
// selectors (one selector normally; two when errors are counted apart from
// successes and the total is their sum).
func RequestRate(total Selector, by []string, w time.Duration) string {
	return Agg("sum", by, Rate(total, w))
}

// ErrorRatio is errors/total over the window, compared with threshold and
// silenced below minRate requests per second. The `and` joins on the same
// `by` labels on both sides, so each group is guarded by its own traffic.
func ErrorRatio(errors, total Selector, by []string, w time.Duration, threshold, minRate float64) string {
	errs := Agg("sum", by, Rate(errors, w))
	all := RequestRate(total, by, w)
	expr := "(\n  " + errs + "\n/\n  " + all + "\n) > " + Number(threshold)
	if minRate > 0 {
		expr += "\nand\n" + all + " >= " + Number(minRate)
	}
	return expr
}

// LatencyQuantile is histogram_quantile over the bucket rate, keeping le
// and the by labels. With minRate > 0 it stays silent while fewer requests
// per second were observed: a quantile of three requests is noise.
func LatencyQuantile(q float64, hist Selector, by []string, w time.Duration, threshold, minRate float64) string {
	keep := append([]string{"le"}, by...)
	expr := "histogram_quantile(" + Number(q) + ", " + Agg("sum", keep, Rate(hist.Suffixed("_bucket"), w)) + ") > " + Number(threshold)
	if minRate > 0 {
		expr += "\nand\n" + Agg("sum", by, Rate(hist.Suffixed("_count"), w)) + " >= " + Number(minRate)
	}
	return expr
}

// Down is the scrape-health rule: one alert per failing target.
func Down(up Selector) string { return up.String() + " == 0" }

// AllDown fires when the health gauges of a whole job are 0: for systems
// that leave a gauge at 0 for an instance that left on purpose, so only
// "none is healthy" is an outage.
func AllDown(op string, sel Selector) string { return Agg(op, []string{"job"}, sel.String()) + " == 0" }

// AbsentWhileUp fires when sel has no series although the job's targets
// are scraped: the metric was renamed or dropped, and the alerts reading
// it are blind. guard is the job's health series (up, or a preset's).
func AbsentWhileUp(sel, guard Selector) string {
	return "absent(" + sel.String() + ")\nand on ()\n" + Agg("max", nil, guard.String()) + " == 1"
}

// Absent fires when no series of sel exists at all.
func Absent(sel Selector) string { return "absent(" + sel.String() + ")" }

// AbsentOverTime fires when sel had no sample for the window, the
// availability signal of pushed metrics that have no `up`.
func AbsentOverTime(sel Selector, w time.Duration) string {
	return "absent_over_time(" + sel.String() + "[" + Duration(w) + "])"
}

// UsedRatio is the budget used fraction: used/limit, or 1-remaining/max
// when used is false. Limits of zero are dropped rather than dividing to
// +Inf.
//
// The ratio is taken per series (per replica, when several processes
// report the same budget) and the highest kept: summing gauges across
// replicas mixes a replica that saw the latest spend with one that did
// not, and reads as the average of a fresh and a stale value.
func UsedRatio(usedLimit bool, a, b string, by []string) string {
	ratio := "1 - " + a + " / (" + b + " > 0)"
	if usedLimit {
		ratio = a + " / (" + b + " > 0)"
	}
	return Agg("max", by, ratio)
}

// Budget compares the used ratio with the threshold.
func Budget(ratio string, threshold float64) string {
	return "(" + ratio + ") > " + Number(threshold)
}

// PredictLinear forecasts gauge sel horizon ahead from the slope over w.
func PredictLinear(sel Selector, w, horizon time.Duration) string {
	return "predict_linear(" + sel.String() + "[" + Duration(w) + "], " + strconv.FormatFloat(horizon.Seconds(), 'f', -1, 64) + ")"
}

// BudgetForecast fires when the forecast used ratio reaches the whole budget.
func BudgetForecast(ratio string) string { return "(" + ratio + ") >= 1" }

// Gauge compares an aggregated gauge with a threshold.
func Gauge(op string, sel Selector, by []string, threshold float64) string {
	return Agg(op, by, sel.String()) + " > " + Number(threshold)
}

// SpendRate is the USD spent per period (hour or day) at the current rate.
func SpendRate(counter Selector, by []string, w, per time.Duration) string {
	return Agg("sum", by, Rate(counter, w)) + " * " + strconv.FormatFloat(per.Seconds(), 'f', -1, 64)
}

// Spend compares the spend rate with a threshold.
func Spend(spend string, threshold float64) string { return spend + " > " + Number(threshold) }

// SpendForecast fires when the spend of the rolling period that ends
// horizon from now will exceed budget: what was spent in the part of the
// period already behind us (its last period-horizon) plus the rate of the
// last w kept up for the horizon. A run rate alone (rate * period) would
// page on a short burst the budget can absorb, and miss a budget already
// spent by a burst that has ended; both ranges are fixed, so the rule
// needs no recording rule or calendar arithmetic.
func SpendForecast(counter Selector, by []string, w, period, horizon time.Duration, budget float64) string {
	spent := Agg("sum", by, "increase("+counter.String()+"["+Duration(period-horizon)+"])")
	return spent + "\n+\n" + Agg("sum", by, Rate(counter, w)) + " * " + strconv.FormatFloat(horizon.Seconds(), 'f', -1, 64) + "\n> " + Number(budget)
}

// SortedKeys returns m's keys sorted, the one order every output uses.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Matchers turns a label map into equality matchers in key order.
func Matchers(labels map[string]string) []Matcher {
	out := make([]Matcher, 0, len(labels))
	for _, k := range SortedKeys(labels) {
		out = append(out, Matcher{Name: k, Op: "=", Value: labels[k]})
	}
	return out
}
