package testgen

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

func isSpendForecast(a *rules.Alert) bool {
	_, ok := shapeOf(a).(projectedSpend)
	return ok
}

func isBudgetForecast(a *rules.Alert) bool {
	_, ok := shapeOf(a).(budgetForecast)
	return ok
}

// Build is BuildFiles for one rule file, as most tests write it.
func Build(res *rules.Result, ruleFile string) ([]byte, error) {
	return BuildFiles(res, []string{ruleFile})
}

// TestEveryKindHasAShape: every alert the presets generate, the spend
// forecast included, has a shape, and one of its family: the registry in
// shape.go is complete without building a single test.
func TestEveryKindHasAShape(t *testing.T) {
	specs := presetSpecs(t)
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "generate", "cost-forecast.spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	specs["cost-forecast"] = src
	if specs["slo"], err = os.ReadFile(filepath.Join("..", "..", "testdata", "generate", "slo.spec.yaml")); err != nil {
		t.Fatal(err)
	}
	seen := map[rules.Family]map[rules.Kind]bool{}
	for name, src := range specs {
		parsed, err := rules.ParseSpec(name+".spec.yaml", src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res, err := rules.Generate(parsed)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range res.Services {
			for _, a := range s.Alerts {
				if a.Kind == rules.KindBurn {
					continue // sloGroups, not a shape
				}
				if _, err := lookup(a); err != nil {
					t.Errorf("%s: %s: %v", name, a.Name, err)
				}
				if seen[a.Family] == nil {
					seen[a.Family] = map[rules.Kind]bool{}
				}
				seen[a.Family][a.Kind] = true
			}
		}
	}
	for fam, kinds := range shapes {
		for kind := range kinds {
			if !seen[fam][kind] {
				t.Errorf("shape for %s/%s, which no preset generates", fam, kind)
			}
		}
	}
}
