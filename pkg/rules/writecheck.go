package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentalerts/agentalerts/internal/atomicfile"
)

// Output is a file generate is asked to write, and the flag that named it
// (for the error).
type Output struct {
	Path string
	Flag string
}

// CheckOutputs refuses, before anything is generated into them, outputs
// that are not regular files (see atomicfile.WriteFiles) and outputs that are one of
// the inputs or another output: "generate a.spec.yaml -o a.spec.yaml"
// would replace the spec, and one path given to -o and --tests would keep
// only the last file written. Paths are compared once resolved (absolute,
// symlinks followed) and, for files that exist, by device and inode, so
// a hard link or a symlink to an input is caught too. The error holds
// every problem, one per line.
func CheckOutputs(inputs []string, outs []Output) error {
	var errs []error
	for _, o := range outs {
		if err := atomicfile.CheckTarget(o.Path, "generate"); err != nil {
			errs = append(errs, fmt.Errorf("%s %w", o.Flag, err))
		}
	}
	ins := make([]fileID, len(inputs))
	for i, in := range inputs {
		ins[i] = identify(in)
	}
	ids := make([]fileID, len(outs))
	byPath := map[string]int{}
	for i, o := range outs {
		ids[i] = identify(o.Path)
		for j, in := range ins {
			if ids[i].same(in) {
				errs = append(errs, fmt.Errorf("%s %s is the input %s: generate would overwrite what it reads", o.Flag, o.Path, inputs[j]))
			}
		}
		j, dup := byPath[ids[i].resolved]
		if !dup && ids[i].info != nil {
			// Hard links have different paths: compare the files.
			for k := range i {
				if ids[k].info != nil && os.SameFile(ids[k].info, ids[i].info) {
					j, dup = k, true
					break
				}
			}
		}
		if dup {
			errs = append(errs, fmt.Errorf("%s %s and %s %s are the same file: each output needs a path of its own", outs[j].Flag, outs[j].Path, o.Flag, o.Path))
			continue
		}
		byPath[ids[i].resolved] = i
	}
	return errors.Join(errs...)
}

// fileID is what tells two paths apart.
type fileID struct {
	resolved string      // absolute, symlinks followed as far as they exist
	info     os.FileInfo // nil when the file does not exist
}

func identify(path string) fileID {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = filepath.Clean(path)
	}
	id := fileID{resolved: abs}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		id.resolved = r
	} else if d, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		id.resolved = filepath.Join(d, filepath.Base(abs))
	}
	if fi, err := os.Stat(path); err == nil {
		id.info = fi
	}
	return id
}

func (a fileID) same(b fileID) bool {
	return a.resolved == b.resolved || a.info != nil && b.info != nil && os.SameFile(a.info, b.info)
}
