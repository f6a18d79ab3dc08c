package checks

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/catalog"
)

// BenchmarkCatalogChecks runs promql/renamed-metric and
// promql/unknown-metric over ../shared/corpus/valid (12 646 rules), the
// catalog loaded beforehand as a long run loads it once. Their cost is
// a selector walk and a map look-up or two per named selector; a near-miss
// search only for covered names the catalog does not hold.
func BenchmarkCatalogChecks(b *testing.B) {
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
	catalog.Lookup("up") // load the catalog outside the timed loop
	cfg := lint.DefaultConfig()
	report := func(diag.Diagnostic) {}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range catalogChecks {
			for _, f := range files {
				c.File(lint.NewPass(c, cfg, f, report), f)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rules), "ns/rule")
}
