package format

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// TestJSONStreamsTheDocumentEncoding holds the streaming JSON writer to
// the bytes of encoding the whole report at once, including characters
// the encoder would HTML-escape by default and non-ASCII text.
func TestJSONStreamsTheDocumentEncoding(t *testing.T) {
	ds := []diag.Diagnostic{
		{Pos: diag.Pos{File: "a.yaml", Line: 3, Column: 7}, Check: "promql/x", Severity: diag.Error,
			Message: `rate(x[1m]) < 0 && "quoted" <b>`, Fix: "use > 0 — or ≥"},
		{Pos: diag.Pos{File: "b.yaml", Line: 1, Column: 1}, End: diag.Pos{File: "b.yaml", Line: 2, Column: 4},
			Check: "alert/y", Severity: diag.Info, Group: "g", Rule: "R\n\t"},
	}
	for _, n := range []int{0, 1, 2} {
		r := &Report{Diagnostics: ds[:n], Files: 2, Rules: 5}
		var got bytes.Buffer
		if err := (JSON{}).Format(&got, r); err != nil {
			t.Fatal(err)
		}
		doc := jsonReport{Problems: []jsonProblem{}}
		for _, d := range r.Diagnostics {
			e := end(d)
			doc.Problems = append(doc.Problems, jsonProblem{Check: d.Check, Severity: d.Severity.String(),
				File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Column, EndLine: e.Line, EndColumn: e.Column,
				Group: d.Group, Rule: d.Rule, Message: d.Message, Fix: d.Fix})
		}
		doc.Summary.Files, doc.Summary.Rules = r.Files, r.Rules
		doc.Summary.Errors, doc.Summary.Warnings, doc.Summary.Infos = r.Counts()
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("%d problems: mismatch (-want +got):\n%s", n, diff)
		}
	}
}
