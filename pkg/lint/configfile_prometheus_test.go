package lint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfigPrometheus(t *testing.T) {
	tests := []struct {
		src, want, wantErr string
	}{
		{src: "lint:\n  prometheus: http://127.0.0.1:9090\n", want: "http://127.0.0.1:9090"},
		{src: "lint: {}\n", want: ""}, // offline unless the config asks
		{src: "lint:\n  prometheus: [a]\n", wantErr: "c.yaml:2:15: "},
	}
	for _, tt := range tests {
		cfg, err := ParseConfig("c.yaml", []byte(tt.src))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want one at %s", tt.src, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if diff := cmp.Diff(tt.want, cfg.Prometheus); diff != "" {
			t.Errorf("%q: mismatch (-want +got):\n%s", tt.src, diff)
		}
	}
}
