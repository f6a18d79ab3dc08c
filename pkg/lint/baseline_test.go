package lint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

func TestBaselineFilter(t *testing.T) {
	at := func(line int, rule, check string) diag.Diagnostic {
		return diag.Diagnostic{Pos: diag.Pos{File: "r.yaml", Line: line, Column: 9}, Group: "g", Rule: rule, Check: check}
	}
	old := []diag.Diagnostic{at(4, "A", "alert/severity"), at(6, "A", "annotations/dropped-label"), at(9, "B", "alert/severity")}
	b, err := ParseBaseline("b.json", NewBaseline(old).Marshal())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		now        []diag.Diagnostic
		wantKept   []string
		wantHidden int
	}{
		{name: "same findings, moved lines", now: []diag.Diagnostic{at(14, "A", "alert/severity"), at(16, "A", "annotations/dropped-label"), at(19, "B", "alert/severity")}, wantHidden: 3},
		{name: "a second finding of a recorded key", now: []diag.Diagnostic{at(6, "A", "annotations/dropped-label"), at(7, "A", "annotations/dropped-label")}, wantKept: []string{"7 A annotations/dropped-label"}, wantHidden: 1},
		{name: "a new rule", now: []diag.Diagnostic{at(12, "C", "alert/severity")}, wantKept: []string{"12 C alert/severity"}},
		{name: "read errors are never hidden", now: []diag.Diagnostic{{Pos: diag.Pos{File: "r.yaml"}, Check: IDRead}}, wantKept: []string{"0  io/read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, hidden := b.Filter(tt.now)
			var got []string
			for _, d := range kept {
				got = append(got, fmt.Sprintf("%d %s %s", d.Pos.Line, d.Rule, d.Check))
			}
			if diff := cmp.Diff(tt.wantKept, got); diff != "" {
				t.Errorf("kept: mismatch (-want +got):\n%s", diff)
			}
			if hidden != tt.wantHidden {
				t.Errorf("hidden = %d, want %d", hidden, tt.wantHidden)
			}
		})
	}
}

func TestParseBaselineErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"", "b.json:1:1: not a lint baseline"},
		{"{\n  \"version\": 2, \"findings\": []}\n", "b.json:1:1: baseline version 2, expected 1"},
		{"{\n  \"version\": 1,\n  \"extra\": true}\n", "b.json:1:1: not a lint baseline: json: unknown field \"extra\""},
		{"{\n  \"version\": \"one\"}\n", "b.json:2:"},
	}
	for _, tt := range tests {
		_, err := ParseBaseline("b.json", []byte(tt.src))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want an error starting %q", tt.src, err, tt.want)
		}
	}
}
