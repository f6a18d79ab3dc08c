package lint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func TestDiscover(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"rules/agents.rules.yaml", "rules/nested/x.yml", "alerts/a.yaml",
		"monitoring/agents.rules.yaml", "k8s/agents-prometheusrule.yaml", "rules.yml",
		// Not rule files by name: left alone.
		"agentalerts.spec.yaml", ".agentalerts.yaml", ".pre-commit-config.yaml",
		"charts/values.yaml", ".github/workflows/rules/ci.yaml", "rules/README.md",
	} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i], _ = filepath.Rel(root, got[i])
		got[i] = filepath.ToSlash(got[i])
	}
	want := []string{"alerts/a.yaml", "k8s/agents-prometheusrule.yaml", "monitoring/agents.rules.yaml",
		"rules.yml", "rules/agents.rules.yaml", "rules/nested/x.yml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestDiscoverMatchesHook: lint with no PATH takes the files the
// agentalerts-lint pre-commit hook passes, no more, no fewer.
func TestDiscoverMatchesHook(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID    string `yaml:"id"`
		Files string `yaml:"files"`
	}
	if err := yaml.Unmarshal(b, &hooks); err != nil {
		t.Fatal(err)
	}
	for _, h := range hooks {
		if h.ID == "agentalerts-lint" {
			if diff := cmp.Diff(RuleFileNamePattern, h.Files); diff != "" {
				t.Errorf("hook files: pattern and lint's discovery differ (-lint +hook):\n%s", diff)
			}
			if ruleFileName.String() != RuleFileNamePattern {
				t.Error("ruleFileName is not compiled from RuleFileNamePattern")
			}
			return
		}
	}
	t.Fatal("no agentalerts-lint hook in .pre-commit-hooks.yaml")
}
