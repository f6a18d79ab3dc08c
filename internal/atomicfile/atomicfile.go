// Package atomicfile is the one way agentalerts writes files: generate's
// rules, tests and Alertmanager config, init's starter files, the docs
// generator's pages and lint's baseline. Every file is written whole to a
// staging file, fsynced, renamed into place and its directory synced, so
// a reader sees the old file or the new one and a crash loses neither;
// only regular files are replaced; a new file is 0644 and a replaced one
// keeps its mode. One behaviour for every writer, so a guarantee made in
// the docs of one command holds for all.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/internal/workers"
)

// All the files of one run are one transaction. Each is written in full
// to a staging directory on the same file system and fsynced; only when
// every one of them is on disk are they renamed into place, so a full
// disk or a write error changes nothing. A rename failing half way puts
// back the files already renamed (the old ones were hard-linked into the
// staging directory first). What is left is the short window of the
// renames themselves: a kill there leaves some files new and some old,
// each whole, until the next run.

// stagePrefix starts the name of every staging directory, so that a later
// run can recognise and remove those of a killed one. It is hidden and has
// no .yaml suffix; for an output directory it sits beside the directory,
// not in it, so a rule_files glob such as DIR/* never loads it.
const stagePrefix = ".agentalerts-tmp-"

// stagedSuffix ends staged file names so that no *.yaml glob over the
// staging directory matches them either.
const stagedSuffix = ".new"

// backupSuffix ends the hard links to the old files kept for a rollback.
const backupSuffix = ".old"

// Hooks that tests replace to fail a write or a rename.
var (
	writeData = func(f *os.File, data []byte) error { _, err := f.Write(data); return err }
	rename    = os.Rename
)

// Options says where WriteFiles stages files and what it may replace.
type Options struct {
	// OutputDirs are directories that are an output in themselves
	// (-o DIR/): Prometheus may load them whole with a glob, so their
	// files are staged in a hidden directory beside them. The files of
	// any other directory are staged in a hidden directory inside it.
	OutputDirs []string
	// Exclusive refuses to replace any file: a target that exists is an
	// error wrapping fs.ErrExist, also when it appears while the files
	// are staged (they are published with a hard link, not a rename).
	// init without --force writes this way.
	Exclusive bool
	// Program names the writer in the refusal of a target that is not a
	// regular file ("generate writes only regular files"); empty means
	// agentalerts.
	Program string
}

func (o Options) program() string {
	if o.Program == "" {
		return "agentalerts"
	}
	return o.Program
}

// writeWorkers is how many files WriteFiles writes at once: each write
// waits on its fsync, so more than the cores keeps the disk busy.
const writeWorkers = 8

// WriteFiles writes files (in the order given) as one transaction: either
// every file holds its new content, or, on an error, none has changed and
// the error names every file that failed. A file that already holds
// exactly its content is not touched, modification time included, so
// regenerating in CI or a pre-commit hook changes nothing. A target that
// exists and is not a regular file (nor a symlink to one) is refused
// before anything is written; a symlink to a regular file is replaced by
// a file, never written through. New files get mode 0644, replaced
// regular files keep theirs. Directories must exist.
func WriteFiles(order []string, files map[string][]byte, opts Options) error {
	var errs []error
	for _, path := range order {
		err := CheckTarget(path, opts.program())
		if err == nil && opts.Exclusive {
			err = exists(path)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	removeOldTemps(order)
	var changed []string
	for _, path := range order {
		if !unchanged(path, files[path]) {
			changed = append(changed, path)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	outDirs := map[string]bool{}
	for _, d := range opts.OutputDirs {
		outDirs[filepath.Clean(d)] = true
	}
	err := writeSet(changed, files, outDirs, opts)
	if errors.Is(err, errCrossDevice) {
		// DIR is a mount point its device number does not show (a bind
		// mount): stage inside it.
		err = writeSet(changed, files, nil, opts)
	}
	return err
}

// WriteFile is WriteFiles for one file.
func WriteFile(path string, data []byte, opts Options) error {
	return WriteFiles([]string{path}, map[string][]byte{path: data}, opts)
}

// errCrossDevice marks a rename that failed only because the staging
// directory beside an output directory is on another mount.
var errCrossDevice = errors.New("staging directory on another mount")

// writeSet stages changed and renames them into place (see WriteFiles).
func writeSet(changed []string, files map[string][]byte, outDirs map[string]bool, opts Options) error {
	stages := map[string]*stage{} // by target directory
	defer func() {
		for _, s := range stages {
			s.remove()
		}
	}()
	for _, path := range changed {
		dir := filepath.Dir(path)
		if stages[dir] != nil {
			continue
		}
		s, err := newStage(dir, outDirs[dir])
		if err != nil {
			return fmt.Errorf("writing %s: %w; nothing was written", path, err)
		}
		stages[dir] = s
	}

	// Stage every file, then fail as a whole, naming each failure.
	staged := make([]string, len(changed))
	werrs := make([]error, len(changed))
	workers.Run(writeWorkers, len(changed), func(i int) {
		path := changed[i]
		staged[i] = filepath.Join(stages[filepath.Dir(path)].dir, filepath.Base(path)+stagedSuffix)
		werrs[i] = writeStaged(staged[i], files[path], modeFor(path))
	})
	var errs []error
	for i, err := range werrs {
		if err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", changed[i], err))
		}
	}
	if len(errs) > 0 {
		errs = append(errs, fmt.Errorf("nothing was written: %d of %d file(s) failed", len(errs), len(changed)))
		return errors.Join(errs...)
	}

	// Keep the old files for a rollback: a hard link keeps the old file
	// in place for readers until the rename replaces it. Links and
	// renames run on several workers, as the writes do: one at a time,
	// their journal commits doubled the time of a thousand files.
	n := len(changed)
	backups := make([]string, n)
	lerrs := make([]error, n)
	workers.Run(writeWorkers, n, func(i int) {
		if _, err := os.Lstat(changed[i]); err != nil {
			return
		}
		b := staged[i] + backupSuffix
		if lerrs[i] = os.Link(changed[i], b); lerrs[i] == nil {
			backups[i] = b
		}
	})
	for i, err := range lerrs {
		if err != nil {
			return fmt.Errorf("writing %s: keeping the old file for a rollback: %w; nothing was written", changed[i], err)
		}
	}
	rerrs := make([]error, n)
	workers.Run(writeWorkers, n, func(i int) {
		// Checked again just before the rename: a rename would replace a
		// device or FIFO put there since the first check.
		if rerrs[i] = CheckTarget(changed[i], opts.program()); rerrs[i] == nil {
			rerrs[i] = publish(staged[i], changed[i], opts.Exclusive)
		}
	})
	var renamed, renamedBackups []string
	errs = nil
	crossDevice := false
	for i, err := range rerrs {
		if err == nil {
			renamed, renamedBackups = append(renamed, changed[i]), append(renamedBackups, backups[i])
			continue
		}
		crossDevice = crossDevice || errors.Is(err, syscall.EXDEV) && outDirs[filepath.Dir(changed[i])]
		errs = append(errs, fmt.Errorf("writing %s: %w", changed[i], err))
	}
	if len(errs) > 0 {
		rollback(renamed, renamedBackups)
		if crossDevice {
			return errCrossDevice
		}
		errs = append(errs, fmt.Errorf("the %d file(s) renamed were put back: nothing was written", len(renamed)))
		return errors.Join(errs...)
	}
	for _, d := range slices.Sorted(maps.Keys(stages)) {
		syncDir(d)
	}
	// Removing a backup frees the old file's blocks: on several workers
	// too, before the staging directories go.
	workers.Run(writeWorkers, n, func(i int) {
		if backups[i] != "" {
			_ = os.Remove(backups[i])
		}
	})
	return nil
}

// rollback puts back the old files (or removes the new ones where there
// was none) after a failed rename.
func rollback(paths, backups []string) {
	for i, path := range paths {
		if backups[i] != "" {
			_ = os.Rename(backups[i], path)
		} else {
			_ = os.Remove(path)
		}
	}
}

// publish moves the staged file to path: a rename, or with exclusive a
// hard link, which fails where a rename would replace a file that appeared
// since the targets were checked. A file system without hard links falls
// back to the rename, with the small window between check and rename.
func publish(staged, path string, exclusive bool) error {
	if !exclusive {
		return rename(staged, path)
	}
	err := os.Link(staged, path)
	switch {
	case err == nil:
		_ = os.Remove(staged) // the staging directory goes anyway
		return nil
	case errors.Is(err, fs.ErrExist):
		return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
	}
	if _, serr := os.Lstat(path); errors.Is(serr, fs.ErrNotExist) {
		return rename(staged, path)
	}
	return err
}

// exists is the error of an Exclusive write for a path that exists.
func exists(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
	}
	return nil
}

// CheckTarget refuses a path that exists and is neither a regular file
// nor a symlink (a dangling one, or one to a regular file), which is
// replaced. A rename over /dev/null would replace the device node. program
// names the writer in the message.
func CheckTarget(path, program string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	mode := fi.Mode()
	if mode&fs.ModeSymlink != 0 {
		st, err := os.Stat(path)
		if err != nil {
			return nil // dangling: the link is replaced
		}
		mode = st.Mode()
	}
	if mode.IsRegular() {
		return nil
	}
	return fmt.Errorf("%w: %s writes only regular files", &limits.NotRegularError{Path: path, Mode: mode}, program)
}

// modeFor is the mode of the file that replaces path: that of the regular
// file there, or 0644. A symlink's target's mode is not copied (a link to
// a device would make the new file 0666).
func modeFor(path string) fs.FileMode {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		return fi.Mode().Perm()
	}
	return 0o644
}

// unchanged says path is a regular file holding exactly data.
func unchanged(path string, data []byte) bool {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(data)) {
		if old, err := limits.ReadFile(path, int64(len(data))); err == nil && bytes.Equal(old, data) {
			return true
		}
	}
	return false
}

// writeStaged writes data to a new file at path with mode, and fsyncs it.
// Errors leave out the staged path: the caller names the target.
func writeStaged(path string, data []byte, mode fs.FileMode) (err error) {
	defer func() {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
	}()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := writeData(f, data); err != nil {
		return err
	}
	// Chmod, not the mode of the open: the umask would narrow it.
	if err := f.Chmod(mode); err != nil {
		return err
	}
	return f.Sync()
}

// stage is a staging directory for the files of one target directory.
type stage struct {
	dir    string
	unlock func()
}

// newStage removes the staging directories that killed runs left for
// dir, and makes a new one: beside dir when it is an output directory
// and the parent is on the same file system (renames cannot cross file
// systems: dir may be a mount point), else inside dir.
func newStage(dir string, beside bool) (*stage, error) {
	removeStale(dir)
	parent := dir
	name := stagePrefix
	if beside {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		if p := filepath.Dir(abs); p != abs && sameDevice(p, abs) {
			parent = p
			name += filepath.Base(abs) + "-"
			removeStale(parent)
		}
	}
	d, err := os.MkdirTemp(parent, name+"*")
	if err != nil && parent != dir {
		// A parent we may not write to (/etc/prometheus with rules/
		// writable) still leaves dir itself.
		d, err = os.MkdirTemp(dir, stagePrefix+"*")
	}
	if err != nil {
		return nil, fmt.Errorf("creating a staging directory: %w", err)
	}
	return &stage{dir: d, unlock: lockDir(d)}, nil
}

func (s *stage) remove() {
	_ = os.RemoveAll(s.dir)
	s.unlock()
}

// removeStale removes the staging directories in dir that no live run
// holds: those of a run that was killed.
func removeStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagePrefix) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if stale(p) {
			_ = os.RemoveAll(p)
		}
	}
}

// removeOldTemps removes the temp files that versions before the staging
// directories left beside a target when killed (".NAME.tmp-123456"):
// they sit in the output directory, where a DIR/* glob loads them.
func removeOldTemps(targets []string) {
	byDir := map[string]map[string]bool{}
	for _, t := range targets {
		d := filepath.Dir(t)
		if byDir[d] == nil {
			byDir[d] = map[string]bool{}
		}
		byDir[d][filepath.Base(t)] = true
	}
	for dir, names := range byDir {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			base, suffix, ok := strings.Cut(strings.TrimPrefix(e.Name(), "."), ".tmp-")
			if ok && e.Name()[0] == '.' && e.Type().IsRegular() && names[base] && suffix != "" && strings.Trim(suffix, "0123456789") == "" {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
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
