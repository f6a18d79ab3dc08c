package checks

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// TestOptInChecksAreOffByDefault lints the naming checks' own bad cases
// with the default config: an opt-in check must report nothing until the
// config enables it (its TestChecks case enables it through agentalerts.yml).
func TestOptInChecksAreOffByDefault(t *testing.T) {
	tests := []struct {
		id   string
		want int
	}{
		{"naming/recording-rule", 0},
		{"naming/alert-name", 0},
	}
	all := All()
	for _, tt := range tests {
		c := ByID(tt.id)
		if c == nil || !c.Off {
			t.Fatalf("%s: not a registered opt-in check", tt.id)
		}
		files := []string{filepath.Join(testdataDir(tt.id), "bad.yaml")}
		res, err := lint.Lint(files, nil, lint.Options{Config: lint.DefaultConfig(), Checks: all})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, d := range res.Diagnostics {
			if d.Check == tt.id {
				got++
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s findings with the default config mismatch (-want +got):\n%s", tt.id, diff)
		}
	}
}

// ByID returns the check with this id, or nil.
func ByID(id string) *lint.Check {
	for _, c := range All() {
		if c.ID == id {
			return c
		}
	}
	return nil
}
