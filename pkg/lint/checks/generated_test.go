package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/presets"
)

// generateSpecs are the generator's golden specs: every one that is
// meant to succeed must produce rules this catalogue finds nothing in.
var generateSpecs = filepath.Join("..", "..", "..", "testdata", "generate", "*.spec.yaml")

// TestGeneratedRulesLintClean lints, with every check, everything
// `agentalerts generate` produces for each spec. Services that share a
// severity scale are linted in one run, so the cross-file checks
// (alert/duplicate) see every tier and service side by side: the same
// alert name at several tiers and services must not count as a duplicate.
func TestGeneratedRulesLintClean(t *testing.T) {
	specs, err := filepath.Glob(generateSpecs)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range specs {
		if strings.HasPrefix(filepath.Base(path), "err-") {
			continue
		}
		n++
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lintGenerated(t, path, src)
		})
	}
	if n == 0 {
		t.Fatalf("no specs match %s", generateSpecs)
	}
	// Every preset with the families that need extra settings turned on,
	// so each preset's metric names meet the name-based checks.
	for _, name := range presets.Names() {
		t.Run("preset "+name, func(t *testing.T) {
			src := fmt.Sprintf(`version: 1
services:
  - name: %s
    job: test-job
    preset: %s
    token_budget: {forecast: {}}
    cost:
      ticket: {threshold: 5, for: 30m}
      forecast: {budget: 100, period: 1d}
`, name, name)
			lintGenerated(t, name+".spec.yaml", []byte(src))
		})
	}
}

func lintGenerated(t *testing.T, specPath string, src []byte) {
	spec, err := rules.ParseSpec(specPath, src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rules.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	files, err := rules.Render(res, specPath, true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// One lint run per severity scale: the config must know the scale.
	byScale := map[string][]string{}
	scales := map[string]severity.Scale{}
	for i, svc := range res.Services {
		name := rules.FileName(svc.Name)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, files[name], 0o600); err != nil {
			t.Fatal(err)
		}
		scale := spec.Services[i].Severity
		byScale[scale.String()] = append(byScale[scale.String()], path)
		scales[scale.String()] = scale
	}
	keys := make([]string, 0, len(byScale))
	for k := range byScale {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	alerts := 0
	for _, k := range keys {
		scale := scales[k]
		cfg := lint.DefaultConfig()
		cfg.SeverityLabel = scale.Label
		cfg.SeverityValues = scale.SortedValues()
		cfg.PageValues = []string{scale.Value(severity.Page)}
		lr, err := lint.Lint(byScale[k], nil, lint.Options{Config: cfg, Checks: All()})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range lr.Diagnostics {
			t.Errorf("%s (rule %s)", d, d.Rule)
		}
		alerts += lr.Rules
	}
	if alerts == 0 {
		t.Errorf("%s generated no rules to lint", specPath)
	}
}
