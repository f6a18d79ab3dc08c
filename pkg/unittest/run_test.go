package unittest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
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

// TestFailFast: with FailFast no group starts after one has failed, the
// file still fails, and only the groups that ran are in the result.
func TestFailFast(t *testing.T) {
	dir := t.TempDir()
	rules := "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n"
	group := func(name, value string) string {
		return "  - name: " + name + "\n    input_series: [{series: up, values: '" + value + "'}]\n" +
			"    alert_rule_test: [{eval_time: 0, alertname: Down, exp_alerts: [{}]}]\n"
	}
	test := "rule_files: [r.yaml]\ntests:\n" + group("passes", "0") + group("fails", "1") + group("fails too", "1") + group("would pass", "0")
	for name, content := range map[string]string{"r.yaml": rules, "t.test.yaml": test} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, ff := range []bool{false, true} {
		res, err := RunFile(filepath.Join(dir, "t.test.yaml"), Options{Parallel: 1, FailFast: ff})
		if err != nil {
			t.Fatal(err)
		}
		var ran []string
		for _, g := range res.Groups {
			ran = append(ran, g.Name)
		}
		want := []string{"passes", "fails", "fails too", "would pass"}
		if ff {
			want = want[:2]
		}
		if diff := cmp.Diff(want, ran); diff != "" || !res.Failed() {
			t.Errorf("FailFast %v: Failed() = %v, groups that ran (-want +got):\n%s", ff, res.Failed(), diff)
		}
	}
}

// TestRuleFileLoadErrors: rulefmt decides whether a rule file loads;
// RuleFileChecker only explains one it refuses, and without a checker, or
// when the checker finds no error, rulefmt's own error is reported, at
// the rule or the line its structured error or its text gives.
func TestRuleFileLoadErrors(t *testing.T) {
	const head = "groups:\n  - name: g\n    rules:\n      - alert: A\n"
	explain := func(string, []byte, RuleFileFormat) []diag.Diagnostic {
		return []diag.Diagnostic{
			{Pos: diag.Pos{File: "r.yaml", Line: 1, Column: 1}, Check: "x/warning", Severity: diag.Warning, Message: "not a load error"},
			{Pos: diag.Pos{File: "r.yaml", Line: 5, Column: 9}, Check: "x/error", Severity: diag.Error, Message: "explained"},
		}
	}
	warnOnly := func(p string, b []byte, f RuleFileFormat) []diag.Diagnostic { return explain(p, b, f)[:1] }
	tests := []struct {
		name    string
		rules   string
		checker func(string, []byte, RuleFileFormat) []diag.Diagnostic
		want    []string
	}{
		{"loads, though the checker objects", head + "        expr: up\n", explain, nil},
		{"explained by the checker", head + "        expr: sum(up\n", explain,
			[]string{"r.yaml:5:9: error: explained (x/error)"}},
		// The checker explains rule 1 only: rule 2 keeps rulefmt's words.
		{"a rule the checker finds nothing in", head + "        expr: sum(up\n      - alert: B\n", explain,
			[]string{"r.yaml:5:9: error: explained (x/error)",
				`r.yaml:6:9: error: rule file does not load: group "g", rule 2, "B": field 'expr' must be set in rule (unittest/rule-file)`}},
		{"rule error without a checker", head + "        expr: sum(up\n", nil,
			[]string{`r.yaml:4:9: error: rule file does not load: group "g", rule 1, "A": could not parse expression: 1:7: parse error: unclosed left parenthesis (unittest/rule-file)`}},
		{"the checker finds only a warning", head + "        expr: sum(up\n", warnOnly,
			[]string{`r.yaml:4:9: error: rule file does not load: group "g", rule 1, "A": could not parse expression: 1:7: parse error: unclosed left parenthesis (unittest/rule-file)`}},
		{"unknown field, once though rulefmt decodes twice", head + "        expr: up\n        sumary: x\n", nil,
			[]string{"r.yaml:6: error: rule file does not load: field sumary not found in type rulefmt.Rule (unittest/rule-file)"}},
		// rulefmt's text says "0:0: " here: it has no node for a group.
		{"group error, from its text", "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n", nil,
			[]string{`r.yaml: error: rule file does not load: groupname: "g" is repeated in the same file (unittest/rule-file)`}},
		{"YAML syntax", "groups:\n  - name: g\n    rules: [\n", nil,
			[]string{"r.yaml:3:5: error: rule file does not load: invalid YAML: did not find expected node content (unittest/rule-file)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			for name, content := range map[string]string{"r.yaml": tt.rules, "t.test.yaml": "rule_files: [r.yaml]\ntests:\n  - input_series: []\n"} {
				if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := RunFile("t.test.yaml", Options{RuleFileChecker: tt.checker})
			var got []string
			if l, ok := err.(diag.List); ok {
				for _, d := range l {
					got = append(got, d.String())
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
