package checks

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// blockReOracle is what blockKeyword hand-codes.
var blockReOracle = regexp.MustCompile(`^\{\{-?\s*(if|range|with|block|define|else|end)\b`)

// dollarLabelsRe is what appendDollarLabels hand-codes.
var dollarLabelsRe = regexp.MustCompile(`\$labels\.([A-Za-z_][A-Za-z0-9_]*)`)

// dollarLabelsOracle is appendDollarLabels with the regexp it replaces.
func dollarLabelsOracle(text string) []labelRef {
	var out []labelRef
	for _, m := range dollarLabelsRe.FindAllStringSubmatchIndex(text, -1) {
		out = append(out, labelRef{name: text[m[2]:m[3]], start: m[0], end: m[1]})
	}
	return out
}

func checkScans(t *testing.T, s string) {
	t.Helper()
	want := ""
	if m := blockReOracle.FindStringSubmatch(s); m != nil {
		want = m[1]
	}
	if got := blockKeyword(s); got != want {
		t.Errorf("blockKeyword(%q) = %q, the regexp says %q", s, got, want)
	}
	if diff := cmp.Diff(dollarLabelsOracle(s), appendDollarLabels(nil, s, 0), cmp.AllowUnexported(labelRef{})); diff != "" {
		t.Errorf("appendDollarLabels(%q) (-regexp +scan):\n%s", s, diff)
	}
}

func TestHandScansMatchRegexps(t *testing.T) {
	for _, s := range []string{
		"{{ if .x }}", "{{- range $i := .}}", "{{end}}", "{{ endx }}", "{{else if x}}", "{{\tdefine \"a\"}}", "{{ iffy }}", "{{", "{{-", "{{ with",
		"{{ $labels.job }}", "{{ $labels.}}", "{{ $labels.9x }}", "$labels.a$labels.b", "$labels.$labels.x", "{{ $labels.a_b1.c }}", "$labels.é",
		"{{ index $labels \"x\" }}", "", "$labels", "$labels._",
	} {
		checkScans(t, s)
	}
}

func FuzzHandScans(f *testing.F) {
	for _, s := range []string{"{{ if x }}", "{{ $labels.job }} and $labels.x", "{{- end -}}"} {
		f.Add(s)
	}
	f.Fuzz(checkScans)
}
