package rules

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Writing generated files.

// writeIfChanged writes data to path atomically (writeAtomic), except
// that a regular file already holding exactly data is left alone:
// regenerating in CI or a pre-commit hook then touches no file, keeps
// modification times (so make and file watchers see nothing to do) and
// costs no fsync. A symlink is always replaced.
func writeIfChanged(path string, data []byte) error {
	if unchanged(path, data) {
		return nil
	}
	return writeAtomic(path, data, os.Rename)
}

// unchanged says path is a regular file holding exactly data.
func unchanged(path string, data []byte) bool {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(data)) {
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			return true
		}
	}
	return false
}

// writeAtomic writes data to path so that readers see the old file or the
// new one, never a partial one: a temp file in the same directory, fsync,
// rename (the caller syncs the directory so the rename survives a crash).
// The file keeps its mode.
func writeAtomic(path string, data []byte, rename func(from, to string) error) (err error) {
	dir := filepath.Dir(path)
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Chmod(mode); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return rename(tmp, path)
}

// syncDir makes the renames into dir survive a crash. It is best effort:
// some systems cannot sync a directory, and the files themselves are
// already complete on disk.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// writeWorkers is how many files WriteFiles writes at once: each write
// waits on its fsync, so more than the cores keeps the disk busy.
const writeWorkers = 8

// WriteFiles writes each file with writeIfChanged, several at a time, and
// then syncs each directory once instead of once per file: with -o DIR/ a
// spec of a thousand services is a thousand files. Directories must exist.
// Each file is atomic on its own; the set is not
// (a failure can leave some files new and some old). The error is that of
// the first file in order that failed.
func WriteFiles(order []string, files map[string][]byte) error {
	errs := make([]error, len(order))
	parallelN(writeWorkers, len(order), func(i int) {
		errs[i] = writeIfChanged(order[i], files[order[i]])
	})
	dirs := map[string]bool{}
	for i, path := range order {
		if errs[i] != nil {
			return fmt.Errorf("writing %s: %w", path, errs[i])
		}
		dirs[filepath.Dir(path)] = true
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		syncDir(d)
	}
	return nil
}
