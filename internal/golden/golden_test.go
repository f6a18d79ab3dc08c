package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed, fatal bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.fatal = true }
func (r *recorder) Fatalf(string, ...any) { r.fatal = true }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "a.golden")

	r := &recorder{TB: t}
	Check(r, path, []byte("x\n"))
	if !r.fatal {
		t.Error("a missing golden file passed")
	}

	*update = true
	r = &recorder{TB: t}
	Check(r, path, []byte("x\n"))
	*update = false
	if r.failed || r.fatal {
		t.Error("-update did not write the golden file")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "x\n" {
		t.Errorf("golden after -update = %q, %v", b, err)
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("x\n"))
	if r.failed || r.fatal {
		t.Error("equal output failed")
	}
	r = &recorder{TB: t}
	Check(r, path, []byte("y\n"))
	if !r.failed {
		t.Error("different output passed")
	}
}
