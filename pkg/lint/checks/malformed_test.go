package checks

import (
	"context"
	"testing"

	"github.com/prometheus/prometheus/template"
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
