package unittest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUnwrap(t *testing.T) {
	const groups = "groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up == 0\n"
	tests := []struct {
		name, src string
		want      string // the plain file's content; "" when src is used as is
		format    RuleFileFormat
	}{
		{name: "plain", src: "groups:\n  - name: g\n    rules: []\n", format: FormatPlain},
		{name: "PrometheusRule", src: "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: x\nspec:\n  " + groups,
			want: "groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up == 0\n", format: FormatPrometheusRule},
		{name: "namespace file", src: "namespace: agents\ngroups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n",
			want: "groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up == 0\n", format: FormatMimirNamespace},
		{name: "another kind", src: "kind: ConfigMap\nspec:\n  groups: []\n", format: FormatPlain},
		{name: "namespace beside other keys", src: "namespace: a\ngroups: []\nextra: 1\n", format: FormatPlain},
		{name: "not YAML", src: "groups: [\n", format: FormatPlain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, format, err := unwrap([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if format != tc.format {
				t.Errorf("format = %q, want %q", format, tc.format)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
