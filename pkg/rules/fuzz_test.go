package rules

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// FuzzGenerate feeds arbitrary specs through the whole pipeline: bad input
// must come back as diagnostics, never a panic, and a spec that parses
// must always generate rules Prometheus accepts (a BugError is a failure).
func FuzzGenerate(f *testing.F) {
	f.Add(ExampleSpec())
	specs, _ := filepath.Glob(filepath.Join(goldenDir, "*.spec.yaml"))
	for _, p := range specs {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		spec, err := ParseSpec("spec.yaml", src)
		if err != nil {
			var l diag.List
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("ParseSpec error is not a non-empty diag.List: %T %v", err, err)
			}
			for _, d := range l {
				if d.Pos.File != "spec.yaml" || d.Message == "" {
					t.Fatalf("diagnostic without file or message: %+v", d)
				}
			}
			return
		}
		res, err := Generate(spec)
		if err != nil {
			var l diag.List
			if !errors.As(err, &l) {
				t.Fatalf("Generate error is not a diag.List: %T %v", err, err)
			}
			return
		}
		for _, per := range []bool{false, true} {
			if _, err := Render(res, "spec.yaml", per); err != nil {
				var bug *BugError
				if errors.As(err, &bug) {
					t.Fatalf("generated invalid rules from a valid spec:\n%s\n%v", src, err)
				}
			}
		}
	})
}
