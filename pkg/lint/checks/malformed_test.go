package checks

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/template"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// TestSimpleTemplateAgreesWithPrometheus: the fast path may only accept
// texts that Prometheus's own template parser accepts.
func TestSimpleTemplateAgreesWithPrometheus(t *testing.T) {
	texts := []string{
		"", "plain text", "{{ $value }}", "{{$labels.instance}} is down", "{{- $labels.job -}}",
		"{{ $externalLabels.cluster }} {{ $externalURL }}", "{{-$labels.job}}", "{{ $labels.job-}}",
		"{{ $labels.job }", "{ $labels.job }}", "}} {{ $value }}", "{{ $labels.job }}}}", "{{ $label.job }}",
		"{{ $labels.0job }}", "{{ $labels.job | humanize }}", "{{ $value }} {{", "{{ $labels.a.b }}",
		"{{ /* c */ }}", "{{ $labels.job\n}}",
	}
	for _, text := range texts {
		if !simpleTemplate(text) {
			continue
		}
		err := template.NewTemplateExpander(context.Background(), templateDefs+text, "t", templateData, 0, nil, nil, nil).ParseTest()
		if err != nil {
			t.Errorf("simpleTemplate(%q) = true, but Prometheus says: %v", text, err)
		}
	}
	for _, text := range []string{"{{ $value }}", "{{- $labels.job -}}", "a {{ $labels.x }} b"} {
		if !simpleTemplate(text) {
			t.Errorf("simpleTemplate(%q) = false, want the fast path", text)
		}
	}
}

// TestSimpleActionAgreesWithItsRegexp: the hand-written matcher accepts
// exactly the actions the regular expression it replaced accepted.
func TestSimpleActionAgreesWithItsRegexp(t *testing.T) {
	re := regexp.MustCompile(`^(?:-\s+|\s*)\$(?:value|externalURL|labels\.[a-zA-Z_][a-zA-Z0-9_]*|externalLabels\.[a-zA-Z_][a-zA-Z0-9_]*)(?:\s+-|\s*)$`)
	actions := []string{
		"", " ", "$value", " $value ", "- $value -", "-$value", "$value-", "$value -", "- $value", "-\t$value\n-",
		"$valuex", "$values", "$externalURL", "$externalURLs", "$labels.job", "$labels.", "$labels.0job", "$labels._0",
		"$labels.job_1 ", "$labels.job.x", "$labels.j-b", "$externalLabels.cluster", "$externalLabels.", "$label.job",
		"value", "$Value", "$labels.Job", "  $labels.a  -", "-  $labels.a", "--$value", "- -$value", "$value - ",
		"$value --", "$labels.\x00", "$labels.a\x00", "$labels.é", "$labels.a@", "\v$value", "$value\v",
		"$labels.job | humanize", "/* c */",
	}
	for _, a := range actions {
		if got, want := simpleAction(a), re.MatchString(a); got != want {
			t.Errorf("simpleAction(%q) = %v, the regexp says %v", a, got, want)
		}
	}
}

// FuzzSimpleAction: the same agreement on any input.
func FuzzSimpleAction(f *testing.F) {
	re := regexp.MustCompile(`^(?:-\s+|\s*)\$(?:value|externalURL|labels\.[a-zA-Z_][a-zA-Z0-9_]*|externalLabels\.[a-zA-Z_][a-zA-Z0-9_]*)(?:\s+-|\s*)$`)
	for _, s := range []string{"$value", "- $labels.job -", "$externalLabels.a ", "-$value"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, a string) {
		if got, want := simpleAction(a), re.MatchString(a); got != want {
			t.Errorf("simpleAction(%q) = %v, the regexp says %v", a, got, want)
		}
	})
}

// TestMalformedColumns pins the exact columns of the findings that point
// inside a value: the want comments only check lines.
func TestMalformedColumns(t *testing.T) {
	tests := []struct {
		check, file string
		want        []string
	}{
		{"promql/syntax", "bad.yaml", []string{"5:50", "7:39", "9:15", "14:15", "19:68", "21:37"}},
		{"promql/syntax", "configmap.yaml", []string{"12:54"}},
		{"template/syntax", "bad.yaml", []string{"7:28", "9:48", "10:28", "14:13"}},
		{"labels/invalid-name", "bad.yaml", []string{"4:7", "9:11", "10:11", "11:11", "13:11"}},
	}
	all := All()
	for _, tt := range tests {
		c := ByID(tt.check)
		path := filepath.Join(testdataDir(tt.check), tt.file)
		res, err := lint.Lint([]string{path}, nil, lint.Options{Config: only(t, c, all), Checks: all})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range res.Diagnostics {
			if d.Check == tt.check {
				got = append(got, fmt.Sprintf("%d:%d", d.Pos.Line, d.Pos.Column))
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s %s: positions mismatch (-want +got):\n%s", tt.check, tt.file, diff)
		}
	}
}
