package main

import (
	"fmt"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
)

// BenchmarkLintScaled runs the lint engine in-process, every check on, over
// 1, 5 and 20 renamed copies of the public corpus (without rules_large.yml),
// as corpusbench's children do. ns/rule that stays flat from 1x to 20x is
// the "linear" target; -cpuprofile and -memprofile show where a run goes.
func BenchmarkLintScaled(b *testing.B) {
	src, err := readSource(corpusDir(b), map[string]bool{"rules_large.yml": true})
	if err != nil {
		b.Fatal(err)
	}
	c, err := assemble(b.TempDir(), src, 20)
	if err != nil {
		b.Fatal(err)
	}
	all := checks.All()
	for _, k := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("%dx", k), func(b *testing.B) {
			dirs, _ := c.scaled(k)
			b.SetBytes(int64(k) * c.bytesPerCopy)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := lint.Lint(dirs, nil, lint.Options{Checks: all, NoSources: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(k*c.rulesPerCopy), "ns/rule")
		})
	}
}
