package unittest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// FuzzParse feeds arbitrary bytes to the test-file decoder: it must never
// panic, and every problem it reports must carry the file name.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/unittest/*.test.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("tests: [{input_series: [{series: 'a{', values: '1x'}]}]"))
	f.Add([]byte("tests:\n  - &g {name: x}\n  - *g\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse("fuzz.yaml", b)
		if err == nil {
			// Validation and evaluation must not panic either; rule files
			// are dropped (no I/O) and long evaluations skipped (speed).
			file.RuleFiles = nil
			for _, g := range file.Tests {
				for _, a := range g.AlertTests {
					if a.EvalTime > 100*file.EvaluationInterval {
						return
					}
				}
				for _, e := range g.ExprTests {
					if e.EvalTime > 100*file.EvaluationInterval {
						return
					}
				}
			}
			_, _ = Run(file, Options{Parallel: 1})
			return
		}
		l, ok := err.(diag.List)
		if !ok {
			t.Fatalf("Parse returned %T, want diag.List: %v", err, err)
		}
		for _, d := range l {
			if d.Pos.File != "fuzz.yaml" {
				t.Errorf("diagnostic without the file name: %v", d)
			}
		}
	})
}
