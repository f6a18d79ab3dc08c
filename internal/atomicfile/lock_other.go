//go:build !unix

package atomicfile

import (
	"os"
	"time"
)

// lockDir: without flock, staging directories are told stale by age.
func lockDir(string) func() { return func() {} }

// stale says the staging directory dir is older than any run takes.
func stale(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && time.Since(fi.ModTime()) > time.Hour
}

// sameDevice cannot be told here; staging inside the directory always works.
func sameDevice(a, b string) bool { return false }
