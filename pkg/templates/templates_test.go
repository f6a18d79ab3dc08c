package templates

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/promql/parser"
)

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"research-agent":  "research-agent",
		`a "quoted" name`: `a "quoted" name`,
		"a{{b":            `{{ "a{{b" }}`,
		"x}":              `{{ "x}" }}`,
		`q"{`:             `{{ "q\"{" }}`,
	}
	for in, want := range tests {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatThreshold(t *testing.T) {
	tests := []struct {
		u    Unit
		v    float64
		want string
	}{
		{Ratio, 0.1, "10%"},
		{Ratio, 0.055, "5.5%"},
		{Seconds, 5, "5s"},
		{Seconds, 0.25, "250ms"},
		{Seconds, 90, "1m30s"},
		{Count, 100, "100"},
		{USD, 12.5, "$12.5"},
	}
	for _, tt := range tests {
		if got := FormatThreshold(tt.u, tt.v); got != tt.want {
			t.Errorf("FormatThreshold(%v, %v) = %q, want %q", tt.u, tt.v, got, tt.want)
		}
	}
}

// TestExpressionsParse checks each builder's output with the PromQL parser,
// including values that need quoting.
func TestExpressionsParse(t *testing.T) {
	sel := Selector{Name: "agent_requests_total", Matchers: []Matcher{{"job", "=", `a "b" \c`}}}
	errs := sel.With(Matcher{"status", "=~", "error|timeout"})
	multi := Selector{Matchers: []Matcher{{"__name__", "=~", "a_total|b_total"}, {"job", "=", "j"}}}
	exprs := map[string]string{
		"ratio":          ErrorRatio(errs, sel, []string{"model"}, 5*time.Minute, 0.1, 0.05),
		"ratio no guard": ErrorRatio(errs, multi, nil, 5*time.Minute, 0.1, 0),
		"quantile":       LatencyQuantile(0.95, sel, []string{"model"}, 5*time.Minute, 5, 0),
		"guarded":        LatencyQuantile(0.95, sel, []string{"model"}, 5*time.Minute, 5, 0.1),
		"down":           Down(sel),
		"absent":         Absent(sel),
		"absent over":    AbsentOverTime(sel, 10*time.Minute),
		"budget":         Budget(UsedRatio(true, sel.String(), sel.String(), nil), 0.8),
		"remaining":      Budget(UsedRatio(false, sel.String(), sel.String(), []string{"team"}), 0.8),
		"forecast":       BudgetForecast(UsedRatio(true, PredictLinear(sel, time.Hour, 6*time.Hour), sel.String(), nil)),
		"gauge":          Gauge("max", sel, []string{"queue"}, 100),
		"spend":          Spend(SpendRate(sel, nil, time.Hour, time.Hour), 50),
	}
	p := parser.NewParser(parser.Options{})
	for name, e := range exprs {
		if _, err := p.ParseExpr(e); err != nil {
			t.Errorf("%s: %q does not parse: %v", name, e, err)
		}
	}
	want := `(
  sum(rate(agent_requests_total{job="a \"b\" \\c",status=~"error|timeout"}[5m]))
/
  sum(rate({__name__=~"a_total|b_total",job="j"}[5m]))
) > 0.1`
	if diff := cmp.Diff(want, exprs["ratio no guard"]); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestLabelsSuffix(t *testing.T) {
	if got := LabelsSuffix(nil); got != "" {
		t.Errorf("LabelsSuffix(nil) = %q, want empty", got)
	}
	want := " (model={{ $labels.model }}, team={{ $labels.team }})"
	if got := LabelsSuffix([]string{"model", "team"}); got != want {
		t.Errorf("LabelsSuffix = %q, want %q", got, want)
	}
}
