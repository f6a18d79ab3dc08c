// Package testtool finds the external programs some tests drive (promtool,
// amtool, prometheus, pre-commit). Locally a missing program skips the test;
// in CI (CI=true) it fails it, so CI can never go green by skipping.
package testtool

import (
	"os"
	"os/exec"
	"strconv"
)

// TB is the part of testing.TB that Need uses; it lets the helper itself be
// tested without ending the calling test.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// InCI reports whether the environment declares itself a CI run
// (CI=true, CI=1, … as strconv.ParseBool reads it).
func InCI() bool {
	ok, _ := strconv.ParseBool(os.Getenv("CI"))
	return ok
}

// Need returns the path of the external program name. When it is not on
// PATH the test is skipped, or failed when InCI.
func Need(t TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if InCI() {
		t.Fatalf("%s is required when CI=true but was not found on PATH: %v", name, err)
		return ""
	}
	t.Skipf("%s not found on PATH; skipping (set CI=true to make this a failure)", name)
	return ""
}
