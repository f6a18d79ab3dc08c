package format

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
	"github.com/agentalerts/agentalerts/pkg/live"
)

const checkDocsDir = "../../../docs/checks"

// TestCheckDocs fails when docs/checks differs from what the registered
// checks' Doc renders: a page is stale, missing, or belongs to a check
// that is gone. Regenerate with `make docs` (which runs this test with
// -update) or `go run . docs`.
func TestCheckDocs(t *testing.T) {
	want := CheckDocs(live.Documented())
	if *update {
		if err := os.RemoveAll(checkDocsDir); err != nil {
			t.Fatal(err)
		}
		for name, data := range want {
			path := filepath.Join(checkDocsDir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := map[string][]byte{}
	err := filepath.WalkDir(checkDocsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(checkDocsDir, path)
		data, err := os.ReadFile(path)
		got[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatalf("%v (regenerate with: make docs)", err)
	}
	if diff := cmp.Diff(stringMap(want), stringMap(got)); diff != "" {
		t.Errorf("docs/checks is stale; regenerate with `make docs` or `go run . docs`; mismatch (-want +got):\n%s", diff)
	}
}

// TestCheckDocComplete holds every registered check to what its page
// promises: a title, an explanation, and a bad and a good example, under
// an id of the form area/topic.
func TestCheckDocComplete(t *testing.T) {
	for _, c := range live.Documented() {
		var missing []string
		for name, v := range map[string]string{"Title": c.Doc.Title, "Text": c.Doc.Text, "Bad": c.Doc.Bad, "Good": c.Doc.Good} {
			if strings.TrimSpace(v) == "" {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("check %s: Doc has no %s", c.ID, strings.Join(missing, ", "))
		}
		if area, topic, ok := strings.Cut(c.ID, "/"); !ok || area == "" || topic == "" || strings.Contains(topic, "/") {
			t.Errorf("check id %q is not of the form area/topic", c.ID)
		}
	}
}

func TestCheckPageShape(t *testing.T) {
	c := &lint.Check{ID: "promql/example", Severity: 2, Doc: lint.Doc{Title: "An example", Text: "Why.", Bad: "a: 1\n", Good: "a: 2\n"}}
	page := string(CheckPage(c))
	for _, want := range []string{"# promql/example\n", "**warning**", "## Bad\n\n```yaml\na: 1\n```", "## Good\n\n```yaml\na: 2\n```", "disable=promql/example"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	index := string(CheckIndex([]*lint.Check{c}))
	if !strings.Contains(index, "| [`promql/example`](promql/example.md) | warning | An example |") {
		t.Errorf("index lacks the check's row:\n%s", index)
	}
}

func stringMap(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

// TestLintGuideConfig parses the config example of docs/checks/README.md
// with the real loader, and checks every check id it names exists.
func TestLintGuideConfig(t *testing.T) {
	_, rest, ok := strings.Cut(lintGuide, "## Configuration")
	if !ok {
		t.Fatal("the guide has no Configuration section")
	}
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("the Configuration section has no yaml example")
	}
	cfg, err := lint.ParseConfig("README.md", []byte(example))
	if err != nil {
		t.Fatalf("config example does not load:\n%v\n%s", err, example)
	}
	if err := cfg.Validate(checks.All()); err != nil {
		t.Errorf("config example names unknown checks: %v", err)
	}
	if cfg.ScrapeInterval.String() != "30s" || !cfg.IsPage("critical") {
		t.Errorf("config example read as scrape_interval %v, page %v", cfg.ScrapeInterval, cfg.PageValues)
	}
}
