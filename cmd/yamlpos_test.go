package cmd

import (
	"os"
	"path/filepath"
	"regexp"
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
