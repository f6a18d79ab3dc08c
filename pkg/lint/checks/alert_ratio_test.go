package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

func TestRatioFix(t *testing.T) {
	tests := []struct{ expr, want string }{
		{
			`rate(agent_requests_total{status="error"}[5m]) > 0.1`,
			`divide by the total: sum(rate(agent_requests_total{status="error"}[5m])) / sum(rate(agent_requests_total[5m])) > 0.1`,
		},
		{
			`sum by (job) (increase(http_requests_total{code=~"5..",job="a"}[1h])) >= 5`,
			`divide by the total: sum by (job) (increase(http_requests_total{code=~"5..",job="a"}[1h])) / sum by (job) (increase(http_requests_total{job="a"}[1h])) >= 5`,
		},
		{
			// No outcome label to drop: the general hint.
			`rate(agent_errors_total[5m]) > 0.1`,
			`divide by the total, e.g. sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.1, or reword the alert`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			// "Ratio", not "Rate": a rate in the name over increase() is
			// a frequency, which the check leaves alone.
			src := "groups:\n  - name: g\n    rules:\n      - alert: HighErrorRatio\n        expr: '" + tt.expr + "'\n"
			f, _ := lint.ReadFile("r.yaml", []byte(src))
			var fixes []string
			pass := lint.NewPass(alertRatioWithoutDivision, lint.DefaultConfig(), f, func(d diag.Diagnostic) { fixes = append(fixes, d.Fix) })
			alertRatioWithoutDivision.Rule(pass, f.Docs[0].Groups[0].Rules[0])
			if diff := cmp.Diff([]string{tt.want}, fixes); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
