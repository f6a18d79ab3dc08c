package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// testChecks are small checks of each kind, so engine tests do not depend
// on the real catalogue.
func testChecks() []*Check {
	return []*Check{
		{ID: "test/rule", Severity: diag.Warning, Rule: func(p *Pass, r *Rule) {
			if strings.Contains(r.Expr.Value.Value, "bad") {
				p.ReportExpr(r, strings.Index(r.Expr.Value.Value, "bad"), 0, "rule says bad", "")
			}
		}},
		{ID: "test/group", Severity: diag.Info, Group: func(p *Pass, g *Group) {
			if g.Name.Value == "flagged" {
				p.ReportAt(nil, g.Name.Node, "group flagged", "")
			}
		}},
		{ID: "test/cross-file", Severity: diag.Warning, Collect: func(p *Pass, f *File) any {
			var names []crossFileName
			for _, d := range f.Docs {
				for _, g := range d.Groups {
					for _, r := range g.Rules {
						names = append(names, crossFileName{r.Name(), NodePos(f.Path, r.Alert.Key)})
					}
				}
			}
			return names
		}, Reduce: func(p *Pass, facts []any) {
			seen := map[string]bool{}
			for _, fact := range facts {
				for _, n := range fact.([]crossFileName) {
					if seen[n.name] {
						p.Report(diag.Diagnostic{Pos: n.pos, Message: "seen before: " + n.name})
					}
					seen[n.name] = true
				}
			}
		}},
		{ID: IDSchemaUnknownField, Severity: diag.Error},
		{ID: IDDirectiveUnknownCheck, Severity: diag.Warning},
		{ID: IDDirectiveUnused, Severity: diag.Info},
	}
}

// crossFileName is what test/cross-file remembers of each rule.
type crossFileName struct {
	name string
	pos  diag.Pos
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func rel(root string, ds []diag.Diagnostic) []string {
	var out []string
	for _, d := range ds {
		d.Pos.File = strings.TrimPrefix(d.Pos.File, filepath.ToSlash(root)+"/")
		out = append(out, d.String())
	}
	return out
}

const ruleFile = `groups:
- name: %s
  rules:
  - alert: %s
    expr: %s
`

func TestLintWalksAndChecks(t *testing.T) {
	root := writeFiles(t, map[string]string{
		"b.yaml":           fmt.Sprintf(ruleFile, "g", "A", "up == 0"),
		"a/x.yml":          fmt.Sprintf(ruleFile, "flagged", "A", "bad == 0"),
		"a/notes.txt":      "not yaml, not read",
		".hidden/h.yaml":   fmt.Sprintf(ruleFile, "g", "A", "bad"),
		"c/deep/z.yaml":    "groups:\n- name: g\n  rules:\n  - alert: Z\n    expr: up\n    owner: x\n",
		"c/deep/empty.yml": "",
	})
	res, err := Lint([]string{root}, nil, Options{Checks: testChecks()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a/x.yml:2:9: info: group flagged (test/group)",
		"a/x.yml:5:11: warning: rule says bad (test/rule)",
		"b.yaml:4:5: warning: seen before: A (test/cross-file)",
		`c/deep/z.yaml:6:5: error: unknown field "owner" in rule (schema/unknown-field)`,
	}
	if diff := cmp.Diff(want, rel(root, res.Diagnostics)); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
	if res.Files != 4 || res.Rules != 3 {
		t.Errorf("counted %d files, %d rules; want 4, 3", res.Files, res.Rules)
	}
	var sources []string
	for p := range res.Sources {
		sources = append(sources, strings.TrimPrefix(p, filepath.ToSlash(root)+"/"))
	}
	if len(sources) != 3 {
		t.Errorf("kept sources of %v; want only the 3 files with findings", sources)
	}
}

func TestLintConfig(t *testing.T) {
	root := writeFiles(t, map[string]string{
		"a.yaml": "groups:\n- name: flagged\n  rules:\n  - alert: A\n    expr: bad\n    owner: x\n",
	})
	off := false
	cfg := DefaultConfig()
	cfg.Checks["test/rule"] = CheckConfig{Enabled: &off}
	cfg.Checks[IDSchemaUnknownField] = CheckConfig{Severity: diag.Warning}
	cfg.Checks["test/group"] = CheckConfig{Severity: diag.Error}
	res, err := Lint([]string{root}, nil, Options{Checks: testChecks(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a.yaml:2:9: error: group flagged (test/group)",
		`a.yaml:6:5: warning: unknown field "owner" in rule (schema/unknown-field)`,
	}
	if diff := cmp.Diff(want, rel(root, res.Diagnostics)); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}

func TestLintDirectives(t *testing.T) {
	src := `# agentalerts file-disable=test/group
groups:
- name: flagged
  rules:
  # agentalerts disable=test/rule known false positive
  - alert: A
    expr: bad
  - alert: A  # agentalerts disable=test/cross-file,schema/unknown-field
    expr: up
    owner: x
  # agentalerts disable=test/rule
  - alert: B
    expr: up
  # agentalerts disable=test/rulez
  - alert: C
    expr: bad
`
	root := writeFiles(t, map[string]string{"a.yaml": src})
	res, err := Lint([]string{root}, nil, Options{Checks: testChecks()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`a.yaml:11:3: info: disable=test/rule suppresses nothing on rule "B" (directive/unused)`,
		`a.yaml:14:3: warning: disable names "test/rulez", which is not a check (directive/unknown-check)`,
		"a.yaml:16:11: warning: rule says bad (test/rule)",
	}
	if diff := cmp.Diff(want, rel(root, res.Diagnostics)); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}

func TestLintInputs(t *testing.T) {
	root := writeFiles(t, map[string]string{"big.yaml": strings.Repeat("# padding\n", 100)})
	stdin := strings.NewReader(fmt.Sprintf(ruleFile, "g", "A", "bad"))
	missing := filepath.ToSlash(filepath.Join(root, "missing.yaml"))
	res, err := Lint([]string{"-", missing, filepath.Join(root, "big.yaml")}, stdin, Options{Checks: testChecks(), MaxFileSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"big.yaml: error: " + filepath.ToSlash(filepath.Join(root, "big.yaml")) + " is larger than 500 bytes; not a rule file? (io/read)",
		"missing.yaml: error: cannot read " + missing + ": no such file or directory (io/read)",
		"<stdin>:5:11: warning: rule says bad (test/rule)",
	}
	if diff := cmp.Diff(want, rel(root, res.Diagnostics)); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
	if _, err := Lint([]string{"-", "-"}, stdin, Options{}); err == nil {
		t.Error("stdin twice: no error")
	}
}

// TestLintDeterministic runs the same input with 1 and many workers.
func TestLintDeterministic(t *testing.T) {
	files := map[string]string{}
	for i := range 40 {
		files[fmt.Sprintf("f%02d.yaml", i)] = fmt.Sprintf(ruleFile, "flagged", fmt.Sprintf("A%d", i%7), "bad")
	}
	root := writeFiles(t, files)
	one, err := Lint([]string{root}, nil, Options{Checks: testChecks(), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	many, err := Lint([]string{root}, nil, Options{Checks: testChecks(), Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rel(root, one.Diagnostics), rel(root, many.Diagnostics)); diff != "" {
		t.Errorf("1 vs 8 workers mismatch (-want +got):\n%s", diff)
	}
	if len(one.Diagnostics) != 40*2+33 {
		t.Errorf("got %d findings, want %d", len(one.Diagnostics), 40*2+33)
	}
}

// TestLintCollectReduce: a cross-file check in the memory-flat form sees
// every file's facts in order, and its findings obey directives.
func TestLintCollectReduce(t *testing.T) {
	type fact struct {
		names []string
		pos   []diag.Pos
	}
	dup := &Check{ID: "test/collect", Severity: diag.Warning,
		Collect: func(p *Pass, f *File) any {
			var ft fact
			for _, d := range f.Docs {
				for _, g := range d.Groups {
					for _, r := range g.Rules {
						ft.names = append(ft.names, r.Name())
						ft.pos = append(ft.pos, NodePos(f.Path, r.Alert.Key))
					}
				}
			}
			return ft
		},
		Reduce: func(p *Pass, facts []any) {
			seen := map[string]bool{}
			for _, f := range facts {
				ft := f.(fact)
				for i, n := range ft.names {
					if seen[n] {
						p.Report(diag.Diagnostic{Pos: ft.pos[i], Message: "again: " + n})
					}
					seen[n] = true
				}
			}
		},
	}
	root := writeFiles(t, map[string]string{
		"a.yaml": fmt.Sprintf(ruleFile, "g", "A", "up"),
		"b.yaml": fmt.Sprintf(ruleFile, "g", "A", "up"),
		"c.yaml": "groups:\n- name: g\n  rules:\n  # agentalerts disable=test/collect\n  - alert: A\n    expr: up\n",
	})
	res, err := Lint([]string{root}, nil, Options{Checks: append(testChecks()[:1], dup, &Check{ID: IDDirectiveUnused})})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b.yaml:4:5: warning: again: A (test/collect)"}
	if diff := cmp.Diff(want, rel(root, res.Diagnostics)); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
	// b.yaml was clean after its own checks, so its source was dropped;
	// the cross-file finding must bring it back for the report.
	b := filepath.ToSlash(filepath.Join(root, "b.yaml"))
	if got := string(res.Sources[b]); got != fmt.Sprintf(ruleFile, "g", "A", "up") {
		t.Errorf("Sources[b.yaml] = %q", got)
	}
	if len(res.Sources) != 1 {
		t.Errorf("kept %d sources, want only b.yaml's", len(res.Sources))
	}
	res, err = Lint([]string{root}, nil, Options{Checks: []*Check{dup}, NoSources: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 1 || len(res.Sources) != 0 {
		t.Errorf("NoSources: %d findings, %d sources; want 1, 0", len(res.Diagnostics), len(res.Sources))
	}
}

// TestLintCheckPanics: a crashing check becomes a finding where it
// crashed, and the other checks still report.
func TestLintCheckPanics(t *testing.T) {
	boom := &Check{ID: "test/boom", Severity: diag.Warning, Rule: func(p *Pass, r *Rule) {
		if r.Name() == "B" {
			var m map[string]int
			m["x"]++
		}
	}}
	root := writeFiles(t, map[string]string{"a.yaml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: bad\n  - alert: B\n    expr: bad\n"})
	res, err := Lint([]string{root}, nil, Options{Checks: append(testChecks()[:1], boom)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a.yaml:5:11: warning: rule says bad (test/rule)",
		"a.yaml:6:5: error: check test/boom crashed here: assignment to entry in nil map (internal/panic)",
		"a.yaml:7:11: warning: rule says bad (test/rule)",
	}
	if diff := cmp.Diff(want, rel(root, res.Diagnostics)); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}

// TestLintSource: the per-file findings Lint gives a file, from bytes held
// in memory under the path given, with neither disable directives (a
// caller asking whether Prometheus loads the file wants every error) nor
// cross-file checks.
func TestLintSource(t *testing.T) {
	src := "groups:\n- name: flagged\n  rules:\n  - alert: A\n    expr: bad == 0 # agentalerts disable=test/rule why\n    owner: x\n"
	got := rel("", LintSource("mem.yaml", []byte(src), Options{Checks: testChecks()}))
	want := []string{
		"mem.yaml:2:9: info: group flagged (test/group)",
		"mem.yaml:5:11: warning: rule says bad (test/rule)",
		`mem.yaml:6:5: error: unknown field "owner" in rule (schema/unknown-field)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}
