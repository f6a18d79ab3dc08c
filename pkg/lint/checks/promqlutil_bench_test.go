package checks

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// BenchmarkRuleChecks runs the wrong-results and not-actionable checks
// alone (files read once, outside the loop) over corpus/valid, so their
// cost per rule can be told apart from reading and parsing.
func BenchmarkRuleChecks(b *testing.B) {
	files, rules := corpusFiles(b)
	checks := append(append([]*lint.Check{}, wrongResults...), notActionable...)
	cfg := lint.DefaultConfig()
	found := 0
	report := func(diag.Diagnostic) { found++ }
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range checks {
			for _, f := range files {
				if c.Rule == nil && c.File == nil {
					continue
				}
				pass := lint.NewPass(c, cfg, f, report)
				// File checks walk the file's rules themselves
				// (promql/vector-matching reads the file's recording
				// rules), and cost as much as rule checks.
				if c.File != nil {
					c.File(pass, f)
				}
				if c.Rule == nil {
					continue
				}
				for _, d := range f.Docs {
					for _, g := range d.Groups {
						for _, r := range g.Rules {
							c.Rule(pass, r)
						}
					}
				}
			}
			runCrossFile(c, cfg, files, report)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rules), "ns/rule")
}

// corpusFiles reads every rule file of ../shared/corpus/valid once, for
// the benchmarks that time checks alone, and counts their rules.
func corpusFiles(b *testing.B) ([]*lint.File, int) {
	dir := corpus(b, "valid")
	var files []*lint.File
	rules := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, _ := lint.ReadFile(p, src)
		files = append(files, f)
		forEachRule(f, func(*lint.Rule) { rules++ })
		return nil
	})
	return files, rules
}
