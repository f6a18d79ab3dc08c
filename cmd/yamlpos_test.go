package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
