package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
	"github.com/agentalerts/agentalerts/pkg/severity"
)

// TestGeneratedRulesLintClean runs our own lint catalogue over everything
// the golden specs and presets generate, configured with the spec's own
// severity scale: generated rules must never be something lint flags.
func TestGeneratedRulesLintClean(t *testing.T) {
	type input struct {
		name string
		src  []byte
	}
	var inputs []input
	inputs = append(inputs, input{"example", ExampleSpec()})
	for _, path := range cases(t) {
		if strings.HasPrefix(filepath.Base(path), "err-") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{filepath.Base(path), src})
	}
	for _, c := range presetCases(t) {
		inputs = append(inputs, input{c.name(), presetSpec(c)})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			res := mustGenerate(t, in.name, in.src)
			files, err := Render(res, in.name, true)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, svc := range res.Services {
				path := filepath.Join(dir, FileName(svc.Name))
				if err := os.WriteFile(path, files[FileName(svc.Name)], 0o644); err != nil {
					t.Fatal(err)
				}
				scale := res.Spec.Services[indexOf(res, svc)].Severity
				cfg := lint.DefaultConfig()
				cfg.SeverityLabel = scale.Label
				cfg.SeverityValues = scale.SortedValues()
				cfg.PageValues = []string{scale.Value(severity.Page)}
				lr, err := lint.Lint([]string{path}, nil, lint.Options{Config: cfg, Checks: checks.All(), Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range lr.Diagnostics {
					t.Errorf("%s: %s", svc.Name, d)
				}
			}
		})
	}
}

func indexOf(res *Result, svc *ServiceRules) int {
	for i, s := range res.Services {
		if s == svc {
			return i
		}
	}
	return -1
}
