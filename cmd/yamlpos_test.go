package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSameYAMLErrorPosition: one broken YAML file is reported at the same
// file:line:col by lint (as a rule file), generate (as a spec), test (as a
// test file) and test again (as a rule file a test file names), since all
// four read it through the one front end (internal/yamlx).
func TestSameYAMLErrorPosition(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"dedented out of a list": {"groups:\n  - name: g\n   rules: []\n", "bad.yaml:3:4"},
		"tab indentation":        {"groups:\n  - name: g\n\trules: []\n", "bad.yaml:3:1"},
		"a key at a bad column":  {"groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: up\n     bad: [\n", "bad.yaml:6:6"},
		"unclosed flow list":     {"groups:\n  - name: g\n    rules: [\n", "bad.yaml:3:5"},
		"control character":      {"groups:\n  - name: \"g\x07\"\n", "bad.yaml:2:13"},
	}
	pos := regexp.MustCompile(`bad\.yaml:\d+:\d+`)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			bad := filepath.Join(dir, "bad.yaml")
			tests := filepath.Join(dir, "uses.test.yaml")
			if err := os.WriteFile(bad, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tests, []byte("rule_files: [bad.yaml]\ntests:\n  - input_series: []\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"lint", bad},
				{"generate", bad},
				{"test", bad},
				{"test", tests},
			} {
				_, stdout, stderr := runCLI(t, "", args...)
				got := pos.FindString(stdout + stderr)
				if got != tc.want {
					t.Errorf("%v: position %q, want %q; output:\n%s%s", args, got, tc.want, stdout, stderr)
				}
			}
		})
	}
}

// TestSameRuleFieldPosition: a rule file problem that rulefmt words
// without a column, or without a position at all, is placed by test where
// lint places it: the unknown key, the rule that lacks expr.
func TestSameRuleFieldPosition(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		// rulefmt stops at an unknown field, so the missing expr is in a
		// file of its own.
		"r1.yaml":     "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        sumary: x\n",
		"r2.yaml":     "groups:\n  - name: h\n    rules:\n      - alert: A\n        expr: up\n      - alert: B\n        for: 5m\n",
		"r.test.yaml": "rule_files: [r1.yaml, r2.yaml]\ntests:\n  - input_series: []\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, lintOut, _ := runCLI(t, "", "lint", filepath.Join(dir, "r1.yaml"), filepath.Join(dir, "r2.yaml"))
	_, _, testErr := runCLI(t, "", "test", filepath.Join(dir, "r.test.yaml"))
	for _, want := range []string{"r1.yaml:6:9: error: ", "r2.yaml:6:9: error: "} {
		if !strings.Contains(lintOut, want) {
			t.Errorf("lint has no %q:\n%s", want, lintOut)
		}
		if !strings.Contains(testErr, want) {
			t.Errorf("test has no %q:\n%s", want, testErr)
		}
	}
}

// TestRuleFileErrorsAsLint: for each broken rule file, test reports its
// errors at exactly the positions lint reports for the same file (with
// lint's check ids and words), since test explains a rule file that does
// not load through lint's reader and error-level checks. The alias bomb
// keeps test's own check id, which names test's flag for the budget, at
// lint's position.
func TestRuleFileErrorsAsLint(t *testing.T) {
	bomb := func() string {
		var b strings.Builder
		b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
		for i := 1; i < 12; i++ {
			fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
		}
		return b.String() + "groups: *a11\n"
	}
	const head = "groups:\n  - name: g\n    rules:\n      - alert: A\n"
	cases := []struct {
		name, src string
		sameWords bool     // lint's check id and message too, not only its position
		lintArgs  []string // how lint is told the file's format, when it cannot see it
	}{
		{"PromQL syntax", head + "        expr: sum(rate(foo[5m])\n", true, nil},
		{"PromQL syntax in a block scalar", head + "        expr: |\n          sum by (job) (\n            rate(foo[5m]\n          )\n", true, nil},
		{"missing expr", head + "        for: 5m\n      - alert: B\n        expr: up\n", true, nil},
		{"unknown field", head + "        expr: up\n        sumary: x\n", true, nil},
		{"bad template", head + "        expr: up\n        annotations:\n          summary: '{{ $labels.job '\n", true, nil},
		{"duplicate label name", head + "        expr: up\n        labels:\n          team: a\n          team: b\n", true, nil},
		// Prometheus 3 takes any UTF-8 name ("0team", "a b"), so these are
		// the names it still refuses.
		{"invalid label name", head + "        expr: up\n        labels:\n          __name__: a\n", true, nil},
		{"recording rule name with braces", "groups:\n  - name: g\n    rules:\n      - record: 'foo{job=\"a\"}'\n        expr: up\n", true, nil},
		{"duplicate group", "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n", true, nil},
		{"YAML syntax error", "groups:\n  - name: g\n    rules: [\n", true, nil},
		{"alias bomb", bomb(), false, nil},
		{"PrometheusRule", "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: x\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: sum(up\n", true, nil},
		// generate --format mimir writes these; lint reads them as mimir's.
		{"mimir namespace", "namespace: agents\ngroups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(up\n      - alert: B\n        expr: up\n        sumary: x\n", true, []string{"--dialect", "mimir"}},
	}
	type finding struct {
		Pos           string
		Check, Detail string
	}
	errorsOf := func(out string, sameWords bool) []finding {
		var fs []finding
		for _, l := range strings.Split(out, "\n") {
			l = strings.TrimPrefix(l, errPrefix)
			pos, rest, ok := strings.Cut(l, ": error: ")
			if !ok || !strings.HasPrefix(pos, "bad.yaml:") {
				continue
			}
			f := finding{Pos: pos}
			if sameWords {
				f.Detail = rest
			}
			fs = append(fs, f)
		}
		return fs
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if err := os.WriteFile("bad.yaml", []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile("bad.test.yaml", []byte("rule_files: [bad.yaml]\ntests:\n  - input_series: []\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, lintOut, lintErr := runCLI(t, "", append(append([]string{"lint", "--format", "text"}, tc.lintArgs...), "bad.yaml")...)
			_, testOut, testErr := runCLI(t, "", "test", "bad.test.yaml")
			want := errorsOf(lintOut+lintErr, tc.sameWords)
			got := errorsOf(testOut+testErr, tc.sameWords)
			if len(want) == 0 {
				t.Fatalf("lint found no error in this file:\n%s%s", lintOut, lintErr)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("test's errors differ from lint's (-lint +test):\n%s\nlint:\n%s%s\ntest:\n%s%s", diff, lintOut, lintErr, testOut, testErr)
			}
		})
	}
}

// TestRuleFileIgnoreUnknownFields: under --ignore-unknown-fields
// Prometheus loads a rule with an unknown field, so lint's unknown-field
// error is not among the reasons test gives for a file that still does
// not load; without the flag it is.
func TestRuleFileIgnoreUnknownFields(t *testing.T) {
	t.Chdir(t.TempDir())
	files := map[string]string{
		"bad.yaml":      "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        sumary: x\n      - alert: B\n",
		"bad.test.yaml": "rule_files: [bad.yaml]\ntests:\n  - input_series: []\n",
	}
	for name, src := range files {
		if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const unknown = `bad.yaml:6:9: error: unknown field "sumary" in rule (schema/unknown-field)`
	const noExpr = "bad.yaml:7:9: error: a rule needs a non-empty expr: (schema/missing-field)"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "bad.test.yaml"}, errPrefix + unknown + "\n" + errPrefix + noExpr + "\n"},
		{[]string{"test", "--ignore-unknown-fields", "bad.test.yaml"}, errPrefix + noExpr + "\n"},
	} {
		code, _, stderr := runCLI(t, "", tc.args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, ExitUsage)
		}
		if diff := cmp.Diff(tc.want, stderr); diff != "" {
			t.Errorf("%v: stderr mismatch (-want +got):\n%s", tc.args, diff)
		}
	}
}
