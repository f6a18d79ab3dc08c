package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// seedDir holds the design notes whose "Good Alert Rules" example is the
// motivating case of the lint issue: a bare list of alerts with two
// subtle mistakes. It sits beside the repository and may be absent.
var seedDir = filepath.Join("..", "..", "..", "..", "shared", "seed")

// seedRules extracts the ```yaml block under the "Good Alert Rules"
// heading of a seed note, or "" when the note has none.
func seedRules(md string) string {
	_, after, ok := strings.Cut(md, "Good Alert Rules")
	if !ok {
		return ""
	}
	_, block, ok := strings.Cut(after, "```yaml\n")
	if !ok {
		return ""
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// wrapInGroups indents a bare list of rules into a one-group rule file.
func wrapInGroups(rules string) string {
	var b strings.Builder
	b.WriteString("groups:\n  - name: seed\n    rules:\n")
	for _, l := range strings.Split(strings.TrimRight(rules, "\n"), "\n") {
		if l != "" {
			b.WriteString("      ")
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func lintSource(t *testing.T, name, src string) []diag.Diagnostic {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := lint.Lint([]string{path}, nil, lint.Options{Checks: All()})
	if err != nil {
		t.Fatal(err)
	}
	return res.Diagnostics
}

// lineOf is the 1-based line of the first line of src containing s.
func lineOf(t *testing.T, src, s string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not in source", s)
	return 0
}

func TestSeedRules(t *testing.T) {
	notes, _ := filepath.Glob(filepath.Join(seedDir, "*.md"))
	if len(notes) == 0 {
		t.Skipf("no seed notes in %s", seedDir)
	}
	found := false
	for _, note := range notes {
		md, err := os.ReadFile(note)
		if err != nil {
			t.Fatal(err)
		}
		rules := seedRules(string(md))
		if rules == "" {
			continue
		}
		found = true
		t.Run(filepath.Base(note), func(t *testing.T) {
			t.Run("as written", func(t *testing.T) {
				var bare []string
				for _, d := range lintSource(t, "seed.yaml", rules) {
					if d.Check == lint.IDSchemaBareList {
						bare = append(bare, fmt.Sprintf("%s %s line>0:%v", d.Check, d.Severity, d.Pos.Line > 0))
					}
				}
				want := []string{lint.IDSchemaBareList + " error line>0:true"}
				if diff := cmp.Diff(want, bare); diff != "" {
					t.Errorf("mismatch (-want +got):\n%s", diff)
				}
			})
			t.Run("wrapped in groups", func(t *testing.T) {
				src := wrapInGroups(rules)
				// The two subtle mistakes, each at its expression.
				want := []string{
					fmt.Sprintf("%d alert/ratio-without-division HighAgentErrorRate", lineOf(t, src, "rate(agent_requests_total")),
					fmt.Sprintf("%d promql/histogram-quantile HighAgentLatency", lineOf(t, src, "histogram_quantile(")),
				}
				var got []string
				for _, d := range lintSource(t, "seed.yaml", src) {
					switch {
					case d.Severity == diag.Error && d.Check != lint.IDSchemaUnknownField:
						// severity: and description: beside expr: are the
						// only errors the seed's rules have.
						t.Errorf("unexpected error: %s", d)
					case d.Check == "promql/histogram-quantile" || d.Check == "alert/ratio-without-division":
						got = append(got, fmt.Sprintf("%d %s %s", d.Pos.Line, d.Check, d.Rule))
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
	if !found {
		t.Fatalf("no seed note in %s has a Good Alert Rules yaml block", seedDir)
	}
}
