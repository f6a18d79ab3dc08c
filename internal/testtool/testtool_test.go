package testtool

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorder stands in for *testing.T so the test can observe Skip and Fatal
// without ending itself.
type recorder struct {
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestNeed(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "faketool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)

	tests := []struct {
		name, tool, ci        string
		wantPath              string
		wantSkipped, wantFail bool
	}{
		{name: "found", tool: "faketool", ci: "", wantPath: tool},
		{name: "found in CI", tool: "faketool", ci: "true", wantPath: tool},
		{name: "missing skips", tool: "nosuchtool", ci: "", wantSkipped: true},
		{name: "missing skips when CI=false", tool: "nosuchtool", ci: "false", wantSkipped: true},
		{name: "missing fails in CI", tool: "nosuchtool", ci: "true", wantFail: true},
		{name: "missing fails when CI=1", tool: "nosuchtool", ci: "1", wantFail: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{}
			got := Need(r, tc.tool)
			type result struct {
				Path            string
				Skipped, Failed bool
			}
			want := result{tc.wantPath, tc.wantSkipped, tc.wantFail}
			if diff := cmp.Diff(want, result{got, r.skipped != "", r.failed != ""}); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s\nskip=%q fail=%q", diff, r.skipped, r.failed)
			}
		})
	}
}
