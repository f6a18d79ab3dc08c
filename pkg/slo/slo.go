// Package slo turns a service level objective (an SLI, an objective, a
// period) into multi-window, multi-burn-rate rules: recording rules for the
// SLI's error ratio over each window the alerts use, the error budget left
// over the period, and one alerting rule per window pair.
//
// The arithmetic is done on exact rationals and written so that Prometheus
// computes what is not a short decimal: a factor of 0.1 × 28d / 3d is
// written as (0.1 * 672 / 72), never as 0.9333333333333333, and the error
// budget as (1 - 0.999), never as 0.0010000000000000009.
package slo

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
)

// Kinds of SLI. Availability counts failed requests as bad; latency counts
// requests slower than a bucket boundary as bad.
const (
	Availability = "availability"
	Latency      = "latency"
)

// Pair is one row of a window table: the tier alerts when the error budget
// burns fast enough to spend Share of the period's budget within Long, and
// the Short window confirms the burn is still going on (so the alert ends
// soon after the burn does).
type Pair struct {
	Tier  severity.Tier
	Long  time.Duration
	Short time.Duration
	// Share is the fraction of the period's budget, exact (2 % is 1/50).
	Share *big.Rat
	// For is how long both windows must agree before the alert fires.
	For time.Duration
}

// Google is the table of the Google SRE Workbook (chapter "Alerting on
// SLOs", multiwindow multi-burn-rate alerts) for a 30-day period: page on
// 2 % of the budget in 1h or 5 % in 6h, ticket on 10 % in 1d or in 3d; each
// short window is a twelfth of its long window. For other periods the
// shares stay and the factors follow (Factor).
func Google() []Pair {
	return []Pair{
		{Tier: severity.Page, Long: time.Hour, Short: 5 * time.Minute, Share: big.NewRat(2, 100), For: 2 * time.Minute},
		{Tier: severity.Page, Long: 6 * time.Hour, Short: 30 * time.Minute, Share: big.NewRat(5, 100), For: 15 * time.Minute},
		{Tier: severity.Ticket, Long: 24 * time.Hour, Short: 2 * time.Hour, Share: big.NewRat(10, 100), For: time.Hour},
		{Tier: severity.Ticket, Long: 72 * time.Hour, Short: 6 * time.Hour, Share: big.NewRat(10, 100), For: 3 * time.Hour},
	}
}

// Factor is the burn rate at which the pair's share of the budget is spent
// within its long window: share × period / long. For 30 days this is the
// workbook's 14.4, 6, 3 and 1; for 28 days 13.44, 5.6, 2.8 and 14/15.
func (p Pair) Factor(period time.Duration) *big.Rat {
	f := new(big.Rat).Mul(p.Share, big.NewRat(int64(period/time.Second), 1))
	return f.Quo(f, big.NewRat(int64(p.Long/time.Second), 1))
}

// FactorExpr writes Factor for PromQL: a short decimal when it has one,
// else the product Prometheus computes from the share and the two durations
// in hours (or minutes, or seconds: the largest unit that divides both).
func (p Pair) FactorExpr(period time.Duration) string {
	f := p.Factor(period)
	if s, ok := shortDecimal(f); ok {
		return s
	}
	share, _ := shortDecimal(p.Share)
	unit := time.Hour
	for _, u := range []time.Duration{time.Hour, time.Minute, time.Second} {
		if period%u == 0 && p.Long%u == 0 {
			unit = u
			break
		}
	}
	return fmt.Sprintf("(%s * %d / %d)", share, period/unit, p.Long/unit)
}

// FactorText is Factor for people: exact when short, else to two decimals.
func (p Pair) FactorText(period time.Duration) string {
	f := p.Factor(period)
	if s, ok := shortDecimal(f); ok {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(f.FloatString(2), "0"), ".")
}

// shortDecimal writes r as a decimal of at most six fractional digits, if
// it is one exactly.
func shortDecimal(r *big.Rat) (string, bool) {
	for digits := 0; digits <= 6; digits++ {
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)))
		if scaled.IsInt() {
			return r.FloatString(digits), true
		}
	}
	return "", false
}

// Objective is a target share of good events, exact: 99.9 % is 999/1000.
type Objective struct {
	R *big.Rat
	// Text is the objective as a decimal fraction (0.999), as written in
	// the rules: (1 - 0.999) is the error budget.
	Text string
}

// ParseObjective reads 99.9% or 0.999. An objective must be above 0 and
// below 100 %: at 100 % there is no budget to burn.
func ParseObjective(s string) (Objective, error) {
	t := strings.TrimSpace(s)
	percent := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	r, ok := new(big.Rat).SetString(t)
	if !ok || strings.ContainsAny(t, "/eE") {
		return Objective{}, fmt.Errorf("objective %q: want a percentage such as 99.9%% or a fraction such as 0.999", s)
	}
	if percent {
		r.Quo(r, big.NewRat(100, 1))
	}
	if r.Sign() <= 0 || r.Cmp(big.NewRat(1, 1)) >= 0 {
		return Objective{}, fmt.Errorf("objective %q: want more than 0 and less than 100%%", s)
	}
	text, ok := shortDecimal(r)
	if !ok {
		// Every decimal the user can type has a finite decimal form;
		// more than six digits (99.99999 %) is beyond any real SLO.
		return Objective{}, fmt.Errorf("objective %q: at most four decimals of a percentage (99.9999%%)", s)
	}
	return Objective{R: r, Text: text}, nil
}

// Budget is the error budget as PromQL computes it: (1 - 0.999).
func (o Objective) Budget() string { return "(1 - " + o.Text + ")" }

// SLI says which events are good and which bad.
type SLI struct {
	Kind string // Availability or Latency
	// Availability: Errors counts failed requests, Total all requests;
	// with Disjoint, Total counts successes only and all requests are
	// Total + Errors.
	Errors   templates.Selector
	Total    templates.Selector
	Disjoint bool
	// Latency: Histogram is the base name of a histogram (with its
	// selectors); a request is good when it took at most Threshold.
	Histogram templates.Selector
	Threshold float64
}

// SLO is one objective of one service.
type SLO struct {
	Service   string
	SLI       SLI
	Objective Objective
	Period    time.Duration
	Pairs     []Pair
	// MinEvents is the low-traffic guard: with fewer events than this in
	// a pair's long window, the pair stays silent (one failure in three
	// requests is not an outage).
	MinEvents float64
	// By are the labels the SLI is split by (one SLO per value).
	By []string
	// Scale names the tiers in the severity label.
	Scale severity.Scale
	// Labels are static labels every alert carries (the spec's labels).
	Labels map[string]string
	// RunbookURL is the alerts' runbook_url annotation.
	RunbookURL string
}

// Rule is one generated rule: exactly one of Record and Alert is set.
type Rule struct {
	Record      string
	Alert       string
	Expr        string
	For         time.Duration
	Labels      map[string]string
	Annotations map[string]string
	// Pair is the window pair of an alerting rule.
	Pair *Pair
}

// Record names follow level:metric:operations: the level is what the
// series keep (the service and the SLO), the metric the SLI's bad events,
// all events or their ratio, the operation the window.
func errorsRecord(w time.Duration) string {
	return "service_slo:sli_errors:rate" + templates.Duration(w)
}
func eventsRecord(w time.Duration) string {
	return "service_slo:sli_events:rate" + templates.Duration(w)
}
func ratioRecord(w time.Duration) string {
	return "service_slo:sli_error:ratio_rate" + templates.Duration(w)
}

// budgetRecord is the share of the period's error budget still left.
const budgetRecord = "service_slo:error_budget:remaining_ratio"

// budgetWindow is the window of the rates the period's budget is summed
// from: the shortest of the workbook's table, recorded anyway.
const budgetWindow = 5 * time.Minute

// AlertName is the alert of an SLO kind: one name per SLI, its window
// pairs told apart by the long_window and short_window labels.
func AlertName(kind string) string {
	if kind == Latency {
		return "AgentLatencySLOBurnRate"
	}
	return "AgentAvailabilitySLOBurnRate"
}

// Windows are the distinct windows the rules record, shortest first: every
// window of the pairs, and the budget's 5m.
func (s *SLO) Windows() []time.Duration {
	seen := map[time.Duration]bool{budgetWindow: true}
	ws := []time.Duration{budgetWindow}
	for _, p := range s.Pairs {
		for _, w := range []time.Duration{p.Short, p.Long} {
			if !seen[w] {
				seen[w] = true
				ws = append(ws, w)
			}
		}
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
	return ws
}

// idLabels are the labels every record of this SLO carries.
func (s *SLO) idLabels() map[string]string {
	return map[string]string{"service": s.Service, "slo": s.SLI.Kind}
}

func (s *SLO) idSelector(name string) string {
	return templates.Selector{Name: name, Matchers: []templates.Matcher{
		{Name: "service", Op: "=", Value: s.Service}, {Name: "slo", Op: "=", Value: s.SLI.Kind},
	}}.String()
}

func sumBy(by []string, inner string) string { return templates.Agg("sum", by, inner) }

// events is the per-second rate of all events over w, summed by the SLO's
// labels: the only expression besides errors that reads raw series.
func (s *SLO) events(w time.Duration) string {
	switch s.SLI.Kind {
	case Latency:
		return sumBy(s.By, templates.Rate(s.SLI.Histogram.Suffixed("_count"), w))
	default:
		if s.SLI.Disjoint {
			return sumBy(s.By, templates.Rate(s.SLI.Total, w)) + " + " + sumBy(s.By, templates.Rate(s.SLI.Errors, w))
		}
		return sumBy(s.By, templates.Rate(s.SLI.Total, w))
	}
}

// errors is the per-second rate of bad events over w. A slow request is
// one not in the threshold's bucket: all events (the record just written,
// so _count is read once per window) less the bucket's rate.
func (s *SLO) errors(w time.Duration) string {
	if s.SLI.Kind == Latency {
		good := s.SLI.Histogram.Suffixed("_bucket").With(leMatcher(s.SLI.Threshold))
		return s.idSelector(eventsRecord(w)) + "\n- ignoring (service, slo)\n" + sumBy(s.By, templates.Rate(good, w))
	}
	return sumBy(s.By, templates.Rate(s.SLI.Errors, w))
}

// leMatcher selects one bucket boundary whether the exposition wrote it as
// 10 or 10.0 (Prometheus 3 normalises classic histogram le values to the
// float form on scrape; 2.x stores them as exposed).
func leMatcher(threshold float64) templates.Matcher {
	v := templates.Number(threshold)
	if !strings.ContainsAny(v, ".eE") {
		return templates.Matcher{Name: "le", Op: "=~", Value: v + `(\.0+)?`}
	}
	return templates.Matcher{Name: "le", Op: "=~", Value: strings.ReplaceAll(v, ".", `\.`) + "0*"}
}

// Rules are the SLO's recording rules and one alerting rule per pair, in
// table order. Each window reads the raw series once: the events and the
// errors rates are recorded, and the ratio, the low-traffic guard and the
// period's budget are computed from those records. Rules of one group run
// in order and see the records written before them in the same round.
func (s *SLO) Rules() []Rule {
	id := s.idLabels()
	var out []Rule
	for _, w := range s.Windows() {
		out = append(out,
			Rule{Record: eventsRecord(w), Expr: s.events(w), Labels: id},
			Rule{Record: errorsRecord(w), Expr: s.errors(w), Labels: id},
			Rule{Record: ratioRecord(w), Expr: s.idSelector(errorsRecord(w)) + "\n/\n" + s.idSelector(eventsRecord(w)), Labels: id},
		)
	}
	period := templates.Duration(s.Period)
	out = append(out, Rule{Record: budgetRecord, Labels: id, Expr: "1 - (\n  sum_over_time(" + s.idSelector(errorsRecord(budgetWindow)) + "[" + period + "])\n  /\n  sum_over_time(" +
		s.idSelector(eventsRecord(budgetWindow)) + "[" + period + "])\n) / " + s.Objective.Budget()})
	for i := range s.Pairs {
		out = append(out, s.alert(&s.Pairs[i]))
	}
	return out
}

// spentQuery is a template that reads the budget spent for the alert's
// own series from the budget record (the alert's labels name it: service,
// slo and every By label).
func (s *SLO) spentQuery() string {
	format := budgetRecord + "{service=%q,slo=%q"
	args := " $labels.service $labels.slo"
	for _, l := range s.By {
		format += "," + l + "=%q"
		args += " $labels." + l
	}
	format += "}"
	return "{{ with printf \"1 - " + format + "\"" + args + " | query }}{{ . | first | value | humanizePercentage }}{{ else }}unknown{{ end }}"
}

// alert is one pair's rule. Its value is the long window's burn rate, so
// the description can print it; the short window and the guard only filter.
func (s *SLO) alert(p *Pair) Rule {
	factor := p.FactorExpr(s.Period)
	ftext := p.FactorText(s.Period)
	budget := s.Objective.Budget()
	expr := "(" + s.idSelector(ratioRecord(p.Long)) + " / " + budget + ") > " + factor +
		"\nand\n(" + s.idSelector(ratioRecord(p.Short)) + " / " + budget + ") > " + factor
	if s.MinEvents > 0 {
		expr += "\nand\n" + s.idSelector(eventsRecord(p.Long)) + " * " + strconv.FormatInt(int64(p.Long/time.Second), 10) + " >= " + templates.Number(s.MinEvents)
	}
	labels := map[string]string{}
	for k, v := range s.Labels {
		labels[k] = v
	}
	for k, v := range s.idLabels() {
		labels[k] = v
	}
	labels[s.Scale.Label] = s.Scale.Value(p.Tier)
	labels["long_window"] = templates.Duration(p.Long)
	labels["short_window"] = templates.Duration(p.Short)
	what := "error"
	if s.SLI.Kind == Latency {
		what = "slow-request (over " + templates.Number(s.SLI.Threshold) + "s)"
	}
	share, _ := shortDecimal(new(big.Rat).Mul(p.Share, big.NewRat(100, 1)))
	obj, _ := shortDecimal(new(big.Rat).Mul(s.Objective.R, big.NewRat(100, 1)))
	ann := map[string]string{
		"summary": fmt.Sprintf("%s burns its %s error budget over %sx too fast", s.Service, s.SLI.Kind, ftext),
		"description": fmt.Sprintf("The %s ratio of %s over the last %s is {{ $value | printf \"%%.1f\" }} times its budget "+
			"(objective %s%% over %s), and the last %s confirms it; at %s times, %s%% of the %s budget goes in %s. "+
			"Budget spent over the last %s: %s.",
			what, s.Service, templates.Duration(p.Long), obj, templates.Duration(s.Period), templates.Duration(p.Short),
			ftext, share, templates.Duration(s.Period), templates.Duration(p.Long), templates.Duration(s.Period), s.spentQuery()),
	}
	if s.RunbookURL != "" {
		ann["runbook_url"] = s.RunbookURL
	}
	return Rule{Alert: AlertName(s.SLI.Kind), Expr: expr, For: p.For, Labels: labels, Annotations: ann, Pair: p}
}
