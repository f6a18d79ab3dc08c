package format

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// The text summary counts a check's findings on a line of their own once
// there are more than five of them.
func TestTextGroupsRepeated(t *testing.T) {
	var ds []diag.Diagnostic
	add := func(n int, check string) {
		for i := 0; i < n; i++ {
			ds = append(ds, diag.Diagnostic{Pos: diag.Pos{File: "r.yaml", Line: len(ds) + 1, Column: 1},
				Severity: diag.Warning, Check: check, Message: "m"})
		}
	}
	add(7, "alert/severity")
	add(5, "alert/runbook")
	add(6, "promql/rate-window")
	checks := []*lint.Check{{ID: "alert/severity", Doc: lint.Doc{Title: "No severity"}}}
	var out bytes.Buffer
	if err := (&Text{Quiet: false}).Format(&out, &Report{Diagnostics: ds, Files: 1, Rules: 18, Checks: checks}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	got := lines[len(lines)-3:]
	want := []string{
		"7 × alert/severity: No severity",
		"6 × promql/rate-window: m",
		"18 problems (0 errors, 18 warnings, 0 infos) in 1 file, 18 rules",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
