package format

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// benchReport is a large legacy repository's worth of findings: 10,000
// findings in 100 files of 5,000 lines each.
func benchReport() *Report {
	var src strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&src, "        expr: rate(agent_requests_total{job=%q}[5m]) > 0.1\n", "agent")
	}
	content := []byte(src.String())
	var ds []diag.Diagnostic
	for f := 0; f < 100; f++ {
		for i := 0; i < 100; i++ {
			file := fmt.Sprintf("rules/file%03d.yaml", f)
			ds = append(ds, diag.Diagnostic{
				Pos: diag.Pos{File: file, Line: 50*i + 1, Column: 15}, End: diag.Pos{File: file, Line: 50*i + 1, Column: 50},
				Check: "promql/rate-window", Severity: diag.Warning, Message: "rate window too short", Fix: "use [5m]",
				Group: "agents", Rule: "AgentErrors",
			})
		}
	}
	return &Report{
		Diagnostics: ds, Files: 100, Rules: 5000,
		Source: func(string) []byte { return content },
		Checks: []*lint.Check{{ID: "promql/rate-window", Severity: diag.Warning, Doc: lint.Doc{Title: "t", Text: "x"}}},
	}
}

func BenchmarkFormat(b *testing.B) {
	r := benchReport()
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			f, _ := New(name, Options{})
			for b.Loop() {
				if err := f.Format(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
