package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// TestSpecLimits: a spec over a limit gets one diagnostic at the list or
// map over it, and nothing of what is over the limit is decoded (each
// service and label below is also invalid, and those errors must not
// appear: the count comes first). At the limit, the spec is accepted.
func TestSpecLimits(t *testing.T) {
	services := func(n int, extra string) string {
		var b strings.Builder
		b.WriteString("version: 1\nservices:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {name: s%d, job: j%s}\n", i, extra)
		}
		return b.String()
	}
	labels := func(n int, bad string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "l%d: v, ", i)
		}
		return "{" + b.String() + bad + "}"
	}
	lim := Limits{MaxServices: 3, MaxLabels: 4}
	tests := []struct {
		name, spec string
		want       []string
	}{
		{name: "services at the limit", spec: services(3, "")},
		{name: "services over the limit", spec: services(4, ", bogus: 1"),
			want: []string{"s.yaml:3:3: error: services: 4 services, over the limit of 3 (spec/limit) limit spec.services"}},
		{name: "labels at the limit", spec: "version: 1\nservices:\n  - name: a\n    job: a\n    labels: " + labels(4, "")},
		{name: "labels over the limit", spec: "version: 1\nservices:\n  - name: a\n    job: a\n    labels: " + labels(4, "0bad: v") + "\n  - {name: b, job: b}\n",
			want: []string{"s.yaml:5:13: error: services[0].labels: 5 entries, over the limit of 4 (spec/limit) limit spec.labels"}},
		{name: "selector over the limit", spec: "version: 1\nservices:\n  - name: a\n    job: a\n    selector: " + labels(5, ""),
			want: []string{"s.yaml:5:15: error: services[0].selector: 5 entries, over the limit of 4 (spec/limit) limit spec.labels"}},
		{name: "aggregate_by over the limit", spec: "version: 1\nservices:\n  - name: a\n    job: a\n    aggregate_by: [a, b, c, d, '0bad']\n",
			want: []string{"s.yaml:5:19: error: services[0].aggregate_by: 5 entries, over the limit of 4 (spec/limit) limit spec.labels"}},
		{name: "defaults over the limit", spec: "version: 1\ndefaults:\n  labels: " + labels(5, "") + "\nservices:\n  - {name: a, job: a}\n",
			want: []string{"s.yaml:3:11: error: defaults.labels: 5 entries, over the limit of 4 (spec/limit) limit spec.labels"}},
		{name: "defaults and the service together over the limit", spec: "version: 1\ndefaults:\n  labels: " + labels(3, "") + "\nservices:\n  - name: a\n    job: a\n    labels: {x: v, y: v}\n",
			want: []string{"s.yaml:7:13: error: services[0].labels: 5 entries, over the limit of 4 (spec/limit) limit spec.labels"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSpecLimits("s.yaml", []byte(tt.spec), lim)
			// The message says which limit, never which CLI flag.
			var got []string
			if err != nil {
				for _, d := range err.(diag.List) {
					got = append(got, d.String()+" limit "+string(d.Limit))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// The defaults are used when a limit is left at zero.
	if _, err := ParseSpecLimits("s.yaml", []byte(services(DefaultMaxServices+1, "")), Limits{}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("over the limit of %d", DefaultMaxServices)) {
		t.Errorf("default service limit: %v", err)
	}
}
