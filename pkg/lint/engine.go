package lint

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/internal/yamlx"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

// DefaultMaxFileSize is the largest file Lint reads unless told otherwise;
// anything bigger is almost certainly not a hand-written rule file.
const DefaultMaxFileSize = 32 << 20

// Options control a Lint run.
type Options struct {
	// Config is the lint configuration; nil means DefaultConfig().
	Config *Config
	// Checks are every check the run knows about (normally
	// checks.All()). Config decides which of them run; the set also
	// decides which ids a disable directive may name.
	Checks []*Check
	// Workers read and check files in parallel; 0 means GOMAXPROCS.
	Workers int
	// MaxFileSize is the largest file read; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// NoSources leaves Result.Sources empty, for output that never quotes
	// the source (machine formats without --diff-base): on a large tree
	// the sources of files with findings are most of the memory a run
	// holds.
	NoSources bool
	// Limits bound each file's documents and regex matchers; zero
	// fields mean the defaults.
	Limits ReadLimits
}

// Result is what a Lint run found.
type Result struct {
	// Diagnostics, sorted by file, line, column and check.
	Diagnostics []diag.Diagnostic
	// Files and Rules count what was read.
	Files, Rules int
	// Sources maps a file path to its content, for every file with a
	// finding.
	Sources map[string][]byte
}

// input is one file to lint: a path on disk or stdin.
type input struct {
	path  string // as reported
	stdin bool
	// pipe is a named pipe given on the command line, as by
	// <(helm template ...): asked for by name, so it is read as a stream.
	pipe bool
}

// Lint reads every path (a file, a directory walked for *.yml and *.yaml,
// or "-" for stdin), runs the enabled checks, applies disable directives
// and returns the sorted findings. A path that cannot be read becomes an
// io/read diagnostic and the other paths are still linted; the error is
// only for a run that cannot start (such as stdin named twice).
func Lint(paths []string, stdin io.Reader, opts Options) (*Result, error) {
	if opts.Config == nil {
		opts.Config = DefaultConfig()
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{Sources: map[string][]byte{}}
	inputs, readErrs, err := expand(paths)
	if err != nil {
		return nil, err
	}
	res.Diagnostics = append(res.Diagnostics, readErrs...)

	e := newEngine(opts)
	files := make([]*File, len(inputs))
	rules := make([]int, len(inputs))
	facts := make([][]any, len(e.col))
	for k := range facts {
		facts[k] = make([]any, len(inputs))
	}
	diags := make([][]diag.Diagnostic, len(inputs))

	// Stdin is read up front: it is a single stream, not a parallel job.
	var stdinSrc []byte
	var stdinErr error
	for _, in := range inputs {
		if in.stdin {
			if stdin == nil {
				stdin = strings.NewReader("")
			}
			b, err := limits.ReadAll(stdin, in.path, opts.MaxFileSize)
			var tl *limits.TooLargeError
			if err != nil && !errors.As(err, &tl) {
				return nil, fmt.Errorf("reading stdin: %w", err)
			}
			stdinSrc, stdinErr = b, err
		}
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(opts.Workers, max(len(inputs), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				in := inputs[i]
				var src []byte
				var rerr *diag.Diagnostic
				switch {
				case in.stdin && stdinErr != nil:
					rerr = tooLarge(in.path, opts.MaxFileSize)
				case in.stdin && len(stdinSrc) == 0:
					// An empty stream is a broken pipeline (helm failed),
					// not an empty rule file.
					rerr = &diag.Diagnostic{Pos: diag.Pos{File: in.path}, Check: IDRead, Severity: diag.Error,
						Message: "standard input is empty: nothing to lint (did the command before the pipe fail?)"}
				case in.stdin:
					src = stdinSrc
				default:
					src, rerr = readInput(in, opts.MaxFileSize)
				}
				if rerr == nil {
					rerr = screen(in.path, src)
				}
				if rerr != nil {
					diags[i] = []diag.Diagnostic{*rerr}
					continue
				}
				f, ds := e.file(in.path, src, opts.Limits)
				rules[i] = countRules(f)
				for k, c := range e.col {
					rep := func(d diag.Diagnostic) { ds = append(ds, d) }
					guard(c, f.Path, nil, rep, func() { facts[k][i] = c.Collect(NewPass(c, e.cfg, f, rep), f) })
				}
				// No check needs the model any more: keep only what the
				// directives and the report need, so memory stays flat
				// however many files there are.
				f = f.slim(!opts.NoSources && (len(ds) > 0 || in.stdin || in.pipe))
				files[i], diags[i] = f, ds
			}
		}()
	}
	for i := range inputs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	// Cross-file findings join their file's findings before directives
	// apply, so a directive that only silences a cross-file finding still
	// counts as used.
	index := make(map[string]int, len(files))
	for i, f := range files {
		if f != nil {
			index[f.Path] = i
			res.Files++
			res.Rules += rules[i]
		}
	}
	for _, d := range e.finish(facts) {
		if i, ok := index[d.Pos.File]; ok {
			diags[i] = append(diags[i], d)
		} else {
			res.Diagnostics = append(res.Diagnostics, d)
		}
	}
	total := len(res.Diagnostics)
	for i, f := range files {
		if f != nil {
			diags[i] = e.applyDirectives(f, diags[i])
		}
		total += len(diags[i])
	}
	// Sized once: a monorepo run has tens of thousands of findings, and
	// growing by doubling copies them all several times.
	res.Diagnostics = append(make([]diag.Diagnostic, 0, total), res.Diagnostics...)
	for i := range files {
		res.Diagnostics = append(res.Diagnostics, diags[i]...)
		diags[i] = nil
	}
	diag.Sort(res.Diagnostics)

	for _, d := range res.Diagnostics {
		if opts.NoSources {
			break
		}
		if _, ok := res.Sources[d.Pos.File]; ok {
			continue
		}
		i, ok := index[d.Pos.File]
		if !ok {
			continue
		}
		src := files[i].Source
		if src == nil && !inputs[i].stdin && !inputs[i].pipe { // a stream cannot be read twice
			// Dropped as clean after its own checks; a cross-file check
			// found something after all, so read it again.
			src, _ = readInput(inputs[i], opts.MaxFileSize)
		}
		if src != nil {
			res.Sources[d.Pos.File] = src
		}
	}
	return res, nil
}

func countRules(f *File) int {
	n := 0
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			n += len(g.Rules)
		}
	}
	return n
}

// expand turns the command-line paths into the files to read, in a
// stable order: each argument in turn, a directory's files sorted.
func expand(paths []string) ([]input, []diag.Diagnostic, error) {
	var out []input
	var errs []diag.Diagnostic
	seen := map[string]bool{}
	add := func(in input) {
		if !seen[in.path] {
			seen[in.path] = true
			out = append(out, in)
		}
	}
	stdinSeen := false
	for _, p := range paths {
		if p == "-" {
			if stdinSeen {
				return nil, nil, errors.New(`"-" (stdin) given more than once`)
			}
			stdinSeen = true
			add(input{path: "<stdin>", stdin: true})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, readError(filepath.ToSlash(p), err))
			continue
		}
		if !info.IsDir() {
			add(input{path: filepath.ToSlash(p), pipe: info.Mode()&fs.ModeNamedPipe != 0})
			continue
		}
		root, found, errsBefore := walkRoot(p), 0, len(errs)
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, readError(filepath.ToSlash(path), err))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != root && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir // .git and friends
				}
				return nil
			}
			if ext := filepath.Ext(path); ext == ".yml" || ext == ".yaml" {
				if d := irregular(path, d); d != nil {
					errs = append(errs, *d)
					return nil
				}
				found++
				add(input{path: filepath.ToSlash(path)})
			}
			return nil
		})
		if err != nil {
			errs = append(errs, readError(filepath.ToSlash(p), err))
		}
		if found == 0 && len(errs) == errsBefore {
			// Most often a wrong path or a glob that matched an empty
			// directory: CI must not pass by linting nothing.
			errs = append(errs, diag.Diagnostic{Pos: diag.Pos{File: filepath.ToSlash(p)}, Check: IDRead, Severity: diag.Error,
				Message: fmt.Sprintf("no rule files (*.yml, *.yaml) in directory %s (hidden directories are skipped)", filepath.ToSlash(p))})
		}
	}
	return out, errs, nil
}

// walkRoot is the root to walk for directory p: a symlink to a directory
// is followed when given as PATH (it was asked for), by walking it with a
// trailing separator; links met during the walk are still not followed.
func walkRoot(p string) string {
	if info, err := os.Lstat(p); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		return p + string(filepath.Separator)
	}
	return p
}

// readInput reads one file through the bounded reading path shared by
// every command (internal/limits): regular files only, at most limit
// bytes. A named pipe given on the command line is read as a stream,
// with the same bound.
func readInput(in input, limit int64) ([]byte, *diag.Diagnostic) {
	var b []byte
	var err error
	if in.pipe {
		var f *os.File
		if f, err = os.Open(in.path); err == nil {
			b, err = limits.ReadAll(f, in.path, limit)
			f.Close()
		}
	} else {
		b, err = limits.ReadFile(in.path, limit)
	}
	if err == nil {
		return b, nil
	}
	var tl *limits.TooLargeError
	if errors.As(err, &tl) {
		return nil, tooLarge(in.path, limit)
	}
	var nr *limits.NotRegularError
	if errors.As(err, &nr) {
		return nil, &diag.Diagnostic{Pos: diag.Pos{File: in.path}, Check: IDRead, Severity: diag.Error,
			Message: fmt.Sprintf("%s; not read", nr.Error())}
	}
	d := readError(in.path, err)
	return nil, &d
}

func readError(path string, err error) diag.Diagnostic {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return diag.Diagnostic{
		Pos: diag.Pos{File: path}, Check: IDRead, Severity: diag.Error,
		Message: fmt.Sprintf("cannot read %s: %v", path, err),
	}
}

func tooLarge(path string, limit int64) *diag.Diagnostic {
	return &diag.Diagnostic{
		Pos: diag.Pos{File: path}, Check: IDRead, Severity: diag.Error,
		Message: fmt.Sprintf("%s is larger than %d bytes; not a rule file?", path, limit),
	}
}

// engine holds what every file's run shares: the enabled checks split by
// kind, and the known ids.
type engine struct {
	cfg                          *Config
	known                        map[string]*Check
	rule, group, fileChecks, col []*Check
}

func newEngine(opts Options) *engine {
	e := &engine{cfg: opts.Config, known: map[string]*Check{}}
	for _, c := range opts.Checks {
		e.known[c.ID] = c
		if !e.cfg.Enabled(c) {
			continue
		}
		if c.Rule != nil {
			e.rule = append(e.rule, c)
		}
		if c.Group != nil {
			e.group = append(e.group, c)
		}
		if c.File != nil {
			e.fileChecks = append(e.fileChecks, c)
		}
		if c.Collect != nil && c.Reduce != nil {
			e.col = append(e.col, c)
		}
	}
	return e
}

// keep filters and re-grades a diagnostic the reader made, by its id.
func (e *engine) keep(d *diag.Diagnostic) bool {
	c, ok := e.known[d.Check]
	if !ok {
		return true // an id with no registered check cannot be configured
	}
	if !e.cfg.Enabled(c) {
		return false
	}
	d.Severity = e.cfg.SeverityOf(c)
	return true
}

// file reads one file and runs the per-file checks on it.
func (e *engine) file(path string, src []byte, lim ReadLimits) (*File, []diag.Diagnostic) {
	f, rd := ReadFileDialect(path, src, lim, e.cfg.Dialect)
	var out []diag.Diagnostic
	for _, d := range rd {
		if e.keep(&d) {
			out = append(out, d)
		}
	}
	report := func(d diag.Diagnostic) { out = append(out, d) }
	for _, c := range e.fileChecks {
		guard(c, f.Path, nil, report, func() { c.File(NewPass(c, e.cfg, f, report), f) })
	}
	if len(e.group) > 0 || len(e.rule) > 0 {
		gp := make([]*Pass, len(e.group))
		for i, c := range e.group {
			gp[i] = NewPass(c, e.cfg, f, report)
		}
		rp := make([]*Pass, len(e.rule))
		for i, c := range e.rule {
			rp[i] = NewPass(c, e.cfg, f, report)
		}
		for _, d := range f.Docs {
			for _, g := range d.Groups {
				for i, c := range e.group {
					guard(c, f.Path, g.Node, report, func() { c.Group(gp[i], g) })
				}
				for _, r := range g.Rules {
					for i, c := range e.rule {
						guard(c, f.Path, r.Node, report, func() { c.Rule(rp[i], r) })
					}
				}
			}
		}
	}
	return f, out
}

// guard runs one check on one file, group or rule, turning a panic into
// an internal/panic finding at n, so a bug in one check on one odd input
// costs that finding, not the whole run.
func guard(c *Check, file string, n *yaml.Node, report func(diag.Diagnostic), run func()) {
	defer func() {
		if v := recover(); v != nil {
			pos := NodePos(file, n)
			if pos.Line == 0 {
				pos.Line, pos.Column = 1, 1
			}
			report(diag.Diagnostic{
				Pos: pos, Check: IDPanic, Severity: diag.Error,
				Message: fmt.Sprintf("check %s crashed here: %v", c.ID, v),
				Fix:     "this is a bug in agentalerts: please report it with this input; disable the check meanwhile",
			})
		}
	}()
	run()
}

// finish runs the cross-file checks once over every file read.
func (e *engine) finish(facts [][]any) []diag.Diagnostic {
	var out []diag.Diagnostic
	report := func(d diag.Diagnostic) { out = append(out, d) }
	for k, c := range e.col {
		var fs []any
		for _, f := range facts[k] {
			if f != nil {
				fs = append(fs, f)
			}
		}
		guard(c, "", nil, report, func() { c.Reduce(NewPass(c, e.cfg, nil, report), fs) })
	}
	return out
}

// slim returns the part of f that outlives the per-file phase when no
// check needs the model: path, directives and, when asked, the source
// (the report quotes it, but only for files with findings).
func (f *File) slim(keepSource bool) *File {
	for _, d := range f.Directives {
		d.Rule = nil
	}
	s := &File{Path: f.Path, Disabled: f.Disabled, Directives: f.Directives}
	if keepSource {
		s.Source = f.Source
	}
	return s
}

// applyDirectives drops the findings a directive disables and adds the
// findings about directives themselves: unknown check ids, and disables
// that suppressed nothing.
func (e *engine) applyDirectives(f *File, ds []diag.Diagnostic) []diag.Diagnostic {
	if len(f.Directives) == 0 {
		return ds
	}
	used := map[*Directive]bool{}
	kept := ds[:0]
	for _, d := range ds {
		if !e.suppressed(f, d, used) {
			kept = append(kept, d)
		}
	}
	for _, dir := range f.Directives {
		pos := diag.Pos{File: f.Path, Line: dir.Line, Column: dir.Column}
		ruleName := dir.RuleName
		allKnown := true
		for _, id := range dir.IDs {
			if _, ok := e.known[id]; !ok {
				allKnown = false
				d := diag.Diagnostic{Pos: pos, Check: IDDirectiveUnknownCheck, Severity: diag.Warning, Rule: ruleName,
					Message: fmt.Sprintf("disable names %q, which is not a check", id)}
				if s := yamlx.Suggest(id, e.ids()); s != "" {
					d.Fix = fmt.Sprintf("did you mean %q?", s)
				} else {
					d.Fix = "run `agentalerts explain` for the list of check ids"
				}
				if e.keep(&d) {
					kept = append(kept, d)
				}
			}
		}
		if !allKnown || used[dir] {
			continue
		}
		// A disable for a check that is off in config could not have
		// fired; only report one whose checks all ran.
		ran := true
		for _, id := range dir.IDs {
			c := e.known[id]
			// A live check without a server runs in name only.
			ran = ran && e.cfg.Enabled(c) && !(c.Live && c.Rule == nil && c.Collect == nil)
		}
		if !ran {
			continue
		}
		d := diag.Diagnostic{Pos: pos, Check: IDDirectiveUnused, Severity: diag.Info, Rule: ruleName}
		switch {
		case dir.File:
			d.Message = fmt.Sprintf("file-disable=%s suppresses nothing in this file", strings.Join(dir.IDs, ","))
		case dir.ruleEnd == 0:
			d.Message = fmt.Sprintf("disable=%s is neither on a rule nor directly above one, so it applies to nothing", strings.Join(dir.IDs, ","))
		default:
			d.Message = fmt.Sprintf("disable=%s suppresses nothing on rule %q", strings.Join(dir.IDs, ","), ruleName)
		}
		d.Fix = "remove the stale directive"
		if e.keep(&d) {
			kept = append(kept, d)
		}
	}
	return kept
}

// suppressed reports whether a directive of f disables d, marking it used.
func (e *engine) suppressed(f *File, d diag.Diagnostic, used map[*Directive]bool) bool {
	if dir, ok := f.Disabled[d.Check]; ok {
		if used != nil {
			used[dir] = true
		}
		return true
	}
	for _, dir := range f.Directives {
		if dir.File || dir.ruleEnd == 0 || !slices.Contains(dir.IDs, d.Check) {
			continue
		}
		if d.Pos.Line >= dir.ruleStart && d.Pos.Line <= dir.ruleEnd {
			if used != nil {
				used[dir] = true
			}
			return true
		}
	}
	return false
}

func (e *engine) ids() []string {
	ids := make([]string, 0, len(e.known))
	for id := range e.known {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// LintSource runs the enabled per-file checks of opts on src, the content
// of the file at path, as Lint does for each file it reads, and returns the
// sorted findings. It neither reads the disk nor applies disable
// directives nor runs cross-file checks: it is for a caller that holds the
// bytes already and wants lint's verdict on them, such as `test`
// explaining, at lint's positions, why a rule file does not load.
func LintSource(path string, src []byte, opts Options) []diag.Diagnostic {
	if opts.Config == nil {
		opts.Config = DefaultConfig()
	}
	_, ds := newEngine(opts).file(path, src, opts.Limits)
	diag.Sort(ds)
	return ds
}
