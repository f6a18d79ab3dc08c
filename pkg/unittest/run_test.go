package unittest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRunFile pins which cases fail in the testdata files, by position,
// whatever order the parallel groups finish in.
func TestRunFile(t *testing.T) {
	type failure struct {
		Group, Pos, Alert, Expr string
		At                      time.Duration
	}
	tests := []struct {
		file string
		opts Options
		want []failure
	}{
		{file: "pass.test.yaml"},
		{file: "pass.test.yaml", opts: Options{Parallel: 1}},
		{file: "fail.test.yaml", want: []failure{
			{"wrong expectations", "../../testdata/unittest/fail.test.yaml:15:9", "ChatErrorRateHigh", "", 10 * time.Minute},
			{"wrong expectations", "../../testdata/unittest/fail.test.yaml:24:9", "ChatQueueStuck", "", 10 * time.Minute},
			{"wrong expectations", "../../testdata/unittest/fail.test.yaml:31:9", "", "sum(llm_queue_depth)", 5 * time.Minute},
		}},
		{file: "fail.test.yaml", opts: Options{Run: []string{"^passing"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := RunFile("../../testdata/unittest/"+tt.file, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []failure
			for _, g := range res.Groups {
				for _, f := range g.Failures {
					got = append(got, failure{g.Name, f.Pos.String(), f.Alertname, f.Expr, f.EvalTime})
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("failures mismatch (-want +got):\n%s", diff)
			}
			if got, want := res.Failed(), len(tt.want) > 0; got != want {
				t.Errorf("Failed() = %v, want %v", got, want)
			}
		})
	}
}

// TestRuleFileMatchedTwice: a rule file that two rule_files patterns
// match is loaded once, as promtool loads it, so its alert fires once.
func TestRuleFileMatchedTwice(t *testing.T) {
	dir := t.TempDir()
	rules := "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n"
	test := "rule_files: [r.yaml, 'r*.yaml', ./r.yaml]\ntests:\n  - input_series: [{series: up, values: '0'}]\n    alert_rule_test: [{eval_time: 0, alertname: Down, exp_alerts: [{}]}]\n"
	for name, content := range map[string]string{"r.yaml": rules, "t.test.yaml": test} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := RunFile(filepath.Join(dir, "t.test.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	WriteText(&b, res)
	if res.Failed() {
		t.Errorf("the alert did not fire exactly once:\n%s", b.String())
	}
}
