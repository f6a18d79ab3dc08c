package unittest

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

func TestParse(t *testing.T) {
	const path = "t.yaml"
	pos := func(l, c int) diag.Pos { return diag.Pos{File: path, Line: l, Column: c} }
	tests := []struct {
		name    string
		src     string
		want    *File
		wantErr []string
	}{
		{
			name: "empty file has no tests",
			src:  "",
			want: &File{Path: path, EvaluationInterval: time.Minute},
		},
		{
			name: "scalars are read as promtool reads them",
			src: `rule_files: [r.yaml]
evaluation_interval: 30s
fuzzy_compare: true
tests:
  - name: g
    interval: 1m
    start_timestamp: 60
    external_labels: {code: 500}
    input_series:
      - series: up
        values: 1
    alert_rule_test:
      - eval_time: 0
        alertname: A
        exp_alerts:
          - exp_labels: {code: 500}
    promql_expr_test:
      - expr: up
        eval_time: 1h5m
        exp_samples:
          - value: .inf
`,
			want: &File{
				Path:               path,
				RuleFiles:          []Str{{pos(1, 14), "r.yaml"}},
				EvaluationInterval: 30 * time.Second,
				FuzzyCompare:       true,
				Tests: []*Group{{
					Pos: pos(5, 5), Name: "g", Interval: time.Minute,
					StartTimestamp: time.Unix(60, 0).UTC(),
					ExternalLabels: map[string]string{"code": "500"},
					InputSeries:    []Series{{Pos: pos(10, 9), Series: "up", Values: "1"}},
					AlertTests: []AlertTest{{Pos: pos(13, 9), Alertname: "A",
						ExpAlerts: []ExpAlert{{Labels: map[string]string{"code": "500"}}}}},
					ExprTests: []ExprTest{{Pos: pos(18, 9), Expr: "up", EvalTime: time.Hour + 5*time.Minute,
						ExpSamples: []ExpSample{{Pos: pos(21, 13), Value: inf}}}},
				}},
			},
		},
		{
			name:    "not YAML",
			src:     "tests: [\n",
			wantErr: []string{"t.yaml:1:1: error: invalid YAML: did not find expected node content (unittest/yaml)"},
		},
		{
			name: "every problem at once",
			src: `evaluation_intreval: 1m
group_eval_order: [a, b, a]
tests:
  - name: x
    interval: often
    alert_rule_test:
      - eval_time: 1m
    promql_expr_test:
      - expr: up
        exp_samples:
          - value: "1"
            value: 2
  - 7
`,
			wantErr: []string{
				`t.yaml:1:1: error: unknown field "evaluation_intreval" in test file, did you mean "evaluation_interval"? (unittest/field)`,
				`t.yaml:2:26: error: group "a" is repeated in group_eval_order (unittest/field)`,
				`t.yaml:5:15: error: invalid duration "often": expected a Prometheus duration such as 30s, 5m or 1h30m (unittest/value)`,
				`t.yaml:7:9: error: alert_rule_test entry at eval_time 1m in test group "x" has no alertname (unittest/field)`,
				`t.yaml:11:20: error: expected a number, got quoted string "1" (unittest/value)`,
				`t.yaml:12:13: error: field "value" is already set in this expected sample (unittest/field)`,
				`t.yaml:13:5: error: test group must be a mapping, got "7" (unittest/yaml)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(path, []byte(tt.src))
			var gotErr []string
			if err != nil {
				for _, d := range err.(diag.List) {
					gotErr = append(gotErr, d.String())
				}
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				return
			}
			// Text positions are tested through the errors they place.
			ignore := cmp.Options{cmpopts.IgnoreFields(Series{}, "SeriesAt", "ValuesAt"), cmpopts.IgnoreFields(ExpSample{}, "LabelsAt")}
			if diff := cmp.Diff(tt.want, got, ignore); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

var inf = math.Inf(1)
