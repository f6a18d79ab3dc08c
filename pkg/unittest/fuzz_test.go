package unittest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// FuzzParse feeds arbitrary bytes to the test-file decoder: it must never
// panic, and every problem it reports must carry the file name.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/unittest/*.test.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("tests: [{input_series: [{series: 'a{', values: '1x'}]}]"))
	f.Add([]byte("tests:\n  - &g {name: x}\n  - *g\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse("fuzz.yaml", b)
		if err == nil {
			// Validation and evaluation must not panic either; rule files
			// are dropped (no I/O) and long evaluations skipped (speed).
			file.RuleFiles = nil
			for _, g := range file.Tests {
				for _, a := range g.AlertTests {
					if a.EvalTime > 100*file.EvaluationInterval {
						return
					}
				}
				for _, e := range g.ExprTests {
					if e.EvalTime > 100*file.EvaluationInterval {
						return
					}
				}
			}
			_, _ = Run(file, Options{Parallel: 1})
			return
		}
		l, ok := err.(diag.List)
		if !ok {
			t.Fatalf("Parse returned %T, want diag.List: %v", err, err)
		}
		for _, d := range l {
			if d.Pos.File != "fuzz.yaml" {
				t.Errorf("diagnostic without the file name: %v", d)
			}
		}
	})
}

// FuzzExpandSeries feeds arbitrary series and values texts to the count
// the budgets rely on, then, when the count is small, to Prometheus's own
// expansion: the count must never be below what the parser expands (an
// under-count would let a hostile series past the budget), must equal it
// when the series parses, and the guarded parse must never panic.
func FuzzExpandSeries(f *testing.F) {
	for _, s := range [][2]string{
		{"up", "1+2x10 _ stale"},
		{"up", "_x3 1 -1x2 1e3x2 .5x1"},
		{`up{a="x 1x9", b='}'}`, "0-1x4 Inf NaN -Inf"},
		{`{__name__="up"}`, "{{schema:0 sum:1 count:1 buckets:[1 2]}}x3"},
		{"up", "{{schema:0 sum:1 count:1}}+{{schema:0 sum:2 count:2}}x4 {{count:1}}-{{count:0}}x2"},
		{"up", "1x5 # 1x9"},
		{"up", "1x18446744073709551615"},
		{"up{", "1x3"},
		{"", "1x3 2"},
	} {
		f.Add(s[0], s[1])
	}
	p := parser.NewParser(promqltest.TestParserOpts)
	f.Fuzz(func(t *testing.T, series, values string) {
		line := seriesLine(Series{Series: series, Values: values})
		n := SeriesSamples(line)
		if n > 10000 || quotedOver(line, 1<<16) >= 0 {
			return // refused before parsing, as the runner does
		}
		var vals []parser.SequenceValue
		_, err := parseSafe(func() (labels.Labels, error) {
			lb, v, err := p.ParseSeriesDesc(line)
			vals = v
			return lb, err
		})
		if err != nil && strings.HasPrefix(err.Error(), "the parser failed") {
			t.Fatalf("%q: %v", line, err)
		}
		if uint64(len(vals)) > n {
			t.Fatalf("%q: counted %d samples, the parser expands %d", line, n, len(vals))
		}
		if err == nil && uint64(len(vals)) != n {
			t.Fatalf("%q parses: counted %d samples, the parser expands %d", line, n, len(vals))
		}
	})
}
