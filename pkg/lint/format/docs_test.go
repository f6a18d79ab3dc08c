package format

import (
	"sort"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
	"github.com/agentalerts/agentalerts/pkg/live"
)

const checkDocsDir = "../../../docs/checks"

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
