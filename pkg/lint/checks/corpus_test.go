package checks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// corpusDir is the shared corpus of real rule files beside the repository.
var corpusDir = filepath.Join("..", "..", "..", "..", "shared", "corpus")

func corpus(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join(corpusDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s", dir)
	}
	return dir
}

// TestCorpusAcceptedByPrometheus: every file Prometheus loads (valid/, and
// the PrometheusRule resources of crd/) gets no error-level finding, and
// every crd/ file is read as rules.
func TestCorpusAcceptedByPrometheus(t *testing.T) {
	for _, sub := range []string{"valid", "crd"} {
		t.Run(sub, func(t *testing.T) {
			res, err := lint.Lint([]string{corpus(t, sub)}, nil, lint.Options{Checks: All()})
			if err != nil {
				t.Fatal(err)
			}
			if res.Files == 0 || res.Rules == 0 {
				t.Fatalf("read %d files and %d rules", res.Files, res.Rules)
			}
			for _, d := range res.Diagnostics {
				if d.Severity == diag.Error {
					t.Errorf("%s", d)
				}
			}
		})
	}
	t.Run("crd files hold rules", func(t *testing.T) {
		dir := corpus(t, "crd")
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f, _ := lint.ReadFile(p, src)
			rules := 0
			for _, doc := range f.Docs {
				if doc.Kind == lint.KindPrometheusRule {
					for _, g := range doc.Groups {
						rules += len(g.Rules)
					}
				}
			}
			if rules == 0 {
				t.Errorf("%s: no rules read from PrometheusRule resources", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestCorpusRejectedByPrometheus: every file Prometheus refuses gets at
// least one error with a line number. legacy_validation_annotation.bad.yaml
// is accepted by Prometheus 3 by default but refused by Prometheus 2 and
// by 3 with legacy name validation; labels/invalid-name follows 2.
func TestCorpusRejectedByPrometheus(t *testing.T) {
	dir := corpus(t, "invalid")
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (filepath.Ext(p) == ".yml" || filepath.Ext(p) == ".yaml") {
			files = append(files, filepath.ToSlash(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := lint.Lint(files, nil, lint.Options{Checks: All()})
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]int{}
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Error && d.Pos.Line > 0 {
			errs[d.Pos.File]++
		}
	}
	for _, f := range files {
		if errs[f] == 0 {
			t.Errorf("%s: Prometheus refuses this file but lint found no error with a line", f)
		}
	}
	if len(files) == 0 {
		t.Fatal("no files in invalid/")
	}
}

// BenchmarkLintCorpus lints corpus/valid with every check, as the CLI does.
func BenchmarkLintCorpus(b *testing.B) {
	dir := corpus(b, "valid")
	all := All()
	var size int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lint.Lint([]string{dir}, nil, lint.Options{Checks: all}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFamilies runs each check family alone over corpus/valid read
// once beforehand, so the cost of the checks shows apart from parsing.
func BenchmarkFamilies(b *testing.B) {
	dir := corpus(b, "valid")
	var files []*lint.File
	var size int64
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		size += int64(len(src))
		f, _ := lint.ReadFile(p, src)
		files = append(files, f)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	cfg := lint.DefaultConfig()
	for _, fam := range []struct {
		name   string
		checks []*lint.Check
	}{{"malformed", malformed}, {"wrong-results", wrongResults}, {"not-actionable", notActionable}} {
		b.Run(fam.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			n := 0
			report := func(diag.Diagnostic) { n++ }
			for b.Loop() {
				for _, c := range fam.checks {
					runCheck(c, cfg, files, report)
				}
			}
			b.ReportMetric(float64(n)/float64(b.N), "findings/op")
		})
	}
}

// runCheck runs every Run function of c over files the way the engine
// does, without reading or directives.
func runCheck(c *lint.Check, cfg *lint.Config, files []*lint.File, report func(diag.Diagnostic)) {
	var facts []any
	for _, f := range files {
		p := lint.NewPass(c, cfg, f, report)
		if c.File != nil {
			c.File(p, f)
		}
		for _, d := range f.Docs {
			for _, g := range d.Groups {
				if c.Group != nil {
					c.Group(p, g)
				}
				if c.Rule != nil {
					for _, r := range g.Rules {
						c.Rule(p, r)
					}
				}
			}
		}
		if c.Collect != nil {
			if ft := c.Collect(p, f); ft != nil {
				facts = append(facts, ft)
			}
		}
	}
	if c.Reduce != nil {
		c.Reduce(lint.NewPass(c, cfg, nil, report), facts)
	}
}
