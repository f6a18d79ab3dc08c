package lint

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Values without page: keep the default paging values that are in the set.
func TestParseConfigPageFromValues(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"lint:\n  severity:\n    values: [page, ticket, log]\n", []string{"page"}},
		{"lint:\n  severity:\n    values: [critical, warning, info]\n", []string{"critical"}},
		{"lint:\n  severity:\n    values: [p1, p2]\n", nil},
		{"lint: {}\n", []string{"critical", "page"}},
	}
	for _, tt := range tests {
		cfg, err := ParseConfig("c.yaml", []byte(tt.src))
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if diff := cmp.Diff(tt.want, cfg.PageValues); diff != "" {
			t.Errorf("%q: mismatch (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestParseConfig(t *testing.T) {
	src := `# team defaults
lint:
  checks:
    alert/runbook: {enabled: false}
    promql/rate-window: {severity: info}
    alert/page-for: false
  severity:
    label: priority
    values: [critical, warning, info]
    page: [critical]
  required_labels: [team]
  required_annotations: [summary]
  scrape_interval: 15s
  min_page_for: 2m
  routed_severities: [critical, warning]
  servers:
    prod: [rules/common, rules/prod/*.yaml]
generate: {anything: goes}
`
	got, err := ParseConfig("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	off := false
	want := DefaultConfig()
	want.File = "c.yaml"
	want.Checks = map[string]CheckConfig{
		"alert/runbook":      {Enabled: &off},
		"promql/rate-window": {Severity: diag.Info},
		"alert/page-for":     {Enabled: &off},
	}
	want.SeverityLabel = "priority"
	want.SeverityValues = []string{"critical", "warning", "info"}
	want.PageValues = []string{"critical"}
	want.RequiredLabels = []string{"team"}
	want.RequiredAnnotations = []string{"summary"}
	want.AnnotationStandIns = nil
	want.Servers = map[string][]string{"prod": {"rules/common", "rules/prod/*.yaml"}}
	want.ScrapeInterval = 15 * time.Second
	want.MinPageFor = 2 * time.Minute
	want.RoutedSeverities = []string{"critical", "warning"}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Config{})); diff != "" {
		t.Errorf("config mismatch (-want +got):\n%s", diff)
	}
	rw := &Check{ID: "promql/rate-window", Severity: diag.Warning}
	if got.SeverityOf(rw) != diag.Info || !got.Enabled(rw) || got.Enabled(&Check{ID: "alert/runbook"}) {
		t.Error("overrides not applied")
	}
}

func TestParseConfigDefaults(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "lint:\n", "lint: {}\n"} {
		got, err := ParseConfig("c.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		want := DefaultConfig()
		want.File = "c.yaml"
		if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Config{})); diff != "" {
			t.Errorf("%q: config mismatch (-want +got):\n%s", src, diff)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"lnt: {}\n", []string{`c.yaml:1:1: error: unknown key "lnt", did you mean "lint"? (config/invalid)`}},
		{"lint:\n  scrape_interval: 30 seconds\n", []string{`c.yaml:2:20: error: "30 seconds" is not a positive duration such as 30s or 1m (config/invalid)`}},
		{"lint:\n  checks:\n    alert/runbook: {enabled: maybe}\n", []string{`c.yaml:3:30: error: enabled must be true or false (config/invalid)`}},
		{"lint:\n  checks:\n    alert/runbook: {severity: fatal}\n", []string{`c.yaml:3:31: error: severity must be error, warning or info, not the value "fatal" (config/invalid)`}},
		{"lint:\n  severity:\n    values: page\n", []string{`c.yaml:3:13: error: expected a list of strings, found the value "page" (config/invalid)`}},
		{"lint:\n  severity:\n    values: [a, b]\n    page: [c]\n", []string{`c.yaml:2:3: error: severity.page value "c" is not one of severity.values [a b] (config/invalid)`}},
		{"lint:\n  servers:\n    prod: [\"rules/[\"]\n", []string{`c.yaml:3:11: error: bad glob "rules/[" under servers.prod: syntax error in pattern (config/invalid)`}},
		{"lint:\n  required_labels: [team]\n  required_labels: [x]\n", []string{`c.yaml:3:3: error: "required_labels" is set twice (config/invalid)`}},
		{"lint: [\n", []string{`c.yaml:1:1: error: YAML syntax: did not find expected node content (config/invalid)`}},
	}
	for _, tt := range tests {
		_, err := ParseConfig("c.yaml", []byte(tt.src))
		var got []string
		if l, ok := err.(diag.List); ok {
			for _, d := range l {
				got = append(got, d.String())
			}
		} else if err != nil {
			got = []string{err.Error()}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q: errors mismatch (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("lint:\n  checks:\n    alert/runbok: false\n    alert/severity: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	known := []*Check{{ID: "alert/runbook"}, {ID: "alert/severity"}}
	err = cfg.Validate(known)
	want := `c.yaml:3:5: error: unknown check "alert/runbok" in checks:, did you mean "alert/runbook"? (config/invalid)`
	if err == nil || err.Error() != want {
		t.Errorf("Validate = %v, want %s", err, want)
	}
}

func TestFindConfig(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if p, ok := FindConfig(deep); ok && filepath.Dir(p) != "/" && hasPrefix(p, root) {
		t.Fatalf("found %s before any config was written", p)
	}
	for _, dir := range []string{root, filepath.Join(root, "a", "b")} {
		if err := os.WriteFile(filepath.Join(dir, ConfigFileName), []byte("lint: {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, ok := FindConfig(deep)
	if want := filepath.Join(root, "a", "b", ConfigFileName); !ok || got != want {
		t.Errorf("FindConfig = %q, %v; want the nearest, %q", got, ok, want)
	}
	got, ok = FindConfig(filepath.Join(root, "a"))
	if want := filepath.Join(root, ConfigFileName); !ok || got != want {
		t.Errorf("FindConfig = %q, %v; want %q", got, ok, want)
	}
}

func hasPrefix(p, root string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !filepath.IsAbs(rel) && (len(rel) < 2 || rel[:2] != "..")
}
