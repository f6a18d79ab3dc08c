package checks

import (
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
	files, rules := corpusFiles(b)
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
