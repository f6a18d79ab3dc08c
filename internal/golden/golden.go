// Package golden is the one golden-file helper of the repository's tests:
// output is compared with a file checked in next to the test, and the
// file is rewritten from the output only when the test runs with
// -update, so a change in output is always a visible diff in review.
// A missing golden file is a failure, never an implicit pass.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// Update reports whether the test binary runs with -update, for tests
// that must also prepare or prune a golden directory.
func Update() bool { return *update }

// Check compares got with the golden file at path, reporting a mismatch
// as (-want +got). With -update it first writes got to path (creating
// its directory), so the comparison then passes.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file %s (rerun the test with -update): %v", path, err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
