package rules

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// ErrorRate: the share of failed requests, guarded by a request rate.
const ErrorRate Family = "error_rate"

type errorRate struct{}

func (errorRate) info() familyInfo {
	return familyInfo{
		name:    ErrorRate,
		keys:    []string{"window", "min_request_rate"},
		unit:    templates.Ratio,
		absence: "AgentRequestMetricAbsent",
		defaults: familyDefault{window: 5 * time.Minute, minRate: 0.05, tiers: map[severity.Tier]tierDefault{
			severity.Page:   {0.10, 5 * time.Minute},
			severity.Ticket: {0.05, 15 * time.Minute},
			severity.Log:    {0.01, 30 * time.Minute},
		}},
	}
}

func (errorRate) served(p *presets.Preset) bool { return p.Requests != nil }

func (errorRate) signal(p *presets.Preset) (string, *presets.Metric) {
	if p.Requests != nil {
		return "requests_total", p.Requests.Total
	}
	return "", nil
}

func (errorRate) build(b *builder, f *FamilySpec) {
	total, errs, metrics, disjoint := b.requestSeries(ErrorRate, b.p.Requests)
	if disjoint {
		// The total counts successes only: requests are both counters,
		// selected together by name so a group with only failures
		// still has a denominator.
		names := regexp.QuoteMeta(total.Name) + "|" + regexp.QuoteMeta(errs.Name)
		total = total.With()
		total.Matchers = append([]templates.Matcher{{Name: "__name__", Op: "=~", Value: names}}, total.Matchers...)
		total.Name = ""
	}
	by := b.familyBy(ErrorRate)
	tiers(f, func(t severity.Tier, tier *Tier) {
		facts := templates.Facts{Service: b.svc.Name.V, Threshold: tier.Threshold.V, Unit: templates.Ratio, For: tier.For.V,
			Window: f.Window.V, By: by, MinRate: f.MinRequestRate.V}
		b.add(&Alert{Name: "AgentErrorRatioHigh", Family: ErrorRate, Kind: KindRatio, Unit: "ratio", Threshold: tier.Threshold.V,
			Window: f.Window.V, MinRequestRate: f.MinRequestRate.V, Metrics: metrics, ErrorsDisjoint: disjoint, By: by,
			Expr: templates.ErrorRatio(errs, total, by, f.Window.V, tier.Threshold.V, f.MinRequestRate.V)},
			t, tier.For.V, tier.KeepFiringFor.V, templates.ErrorRateText(facts))
	})
}

// matchers parses PromQL matchers such as status="error" and derives label
// values that satisfy them, for synthetic test series.
func (b *builder) matchers(sel string, example map[string]string) ([]templates.Matcher, map[string]string) {
	parsed, err := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + sel + "}")
	if err != nil {
		// Presets are tested and spec selectors validated at parse time.
		panic(fmt.Sprintf("bug: errors selector %q: %v", sel, err))
	}
	out := make([]templates.Matcher, 0, len(parsed))
	ex := map[string]string{}
	for _, m := range parsed {
		out = append(out, templates.Matcher{Name: m.Name, Op: m.Type.String(), Value: m.Value})
		if v, ok := example[m.Name]; ok {
			ex[m.Name] = v
			continue
		}
		switch m.Type.String() {
		case "=":
			ex[m.Name] = m.Value
		case "=~":
			if v, ok := firstLiteral(m.Value); ok {
				ex[m.Name] = v
			}
		case "!=", "!~":
			ex[m.Name] = "agentalerts_example_error"
		}
	}
	return out, ex
}

// firstLiteral returns the first alternative of a regexp like abort|error.
func firstLiteral(re string) (string, bool) {
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return "", false
	}
	r = r.Simplify()
	if r.Op == syntax.OpAlternate && len(r.Sub) > 0 {
		r = r.Sub[0]
	}
	if r.Op == syntax.OpLiteral {
		return string(r.Rune), true
	}
	return "", false
}

// requestSeries resolves the request and error counters as the error
// ratio family does: the errors are a separate counter or the requests
// counter with the errors selector; with a disjoint error counter (Celery)
// total counts successes only and disjoint is true: the error ratio selects
// both counters by name for its denominator, pkg/slo adds the two itself.
func (b *builder) requestSeries(family Family, rq *presets.Requests) (total, errs templates.Selector, metrics []MetricInput, disjoint bool) {
	total, tin := b.series(family, "requests_total", rq.Total)
	tin.Role = "requests"
	sel := rq.Errors.Selector
	if v, ok := b.names["errors_selector"]; ok {
		sel = v
	}
	if v, ok := b.svc.Metrics["errors_selector"]; ok {
		sel = v
	}
	_, separate := b.svc.Metrics["errors_total"]
	separate = separate || rq.Errors.Metric != nil && b.svc.Metrics["errors_selector"] == "" && b.names["errors_selector"] == ""
	var ein MetricInput
	if separate {
		m := rq.Errors.Metric
		if m == nil {
			m = &presets.Metric{Type: "counter", Labels: rq.Total.Labels}
		}
		errs, ein = b.series(family, "errors_total", m)
		ein.Role = "errors"
		if _, overridden := b.svc.Metrics["errors_total"]; !overridden {
			// A failure counter carries labels the success counter lacks
			// (TGI's err, Celery's exception): a synthetic series without
			// them would collide with the success series once rate()
			// drops the names.
			for k, v := range rq.Errors.Example {
				ein.Labels[k] = v
			}
		}
		disjoint = rq.Errors.Disjoint && rq.Errors.Metric != nil
		return total, errs, []MetricInput{tin, ein}, disjoint
	}
	ms, example := b.matchers(sel, rq.Errors.Example)
	errs = total.With(ms...)
	ein = MetricInput{Role: "errors", Metric: total.Name, Type: tin.Type, Labels: map[string]string{}}
	for k, v := range tin.Labels {
		ein.Labels[k] = v
	}
	for k, v := range example {
		ein.Labels[k] = v
	}
	return total, errs, []MetricInput{tin, ein}, false
}
