package lint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

// DiffBase keeps the findings that belong to rules added or changed since
// a git revision, so a large legacy repository can adopt lint on pull
// requests without fixing every old rule first (--diff-base).
type DiffBase struct {
	// Ref is the base revision.
	Ref string
	// Dir is the directory git runs in (the working directory when
	// empty); relative paths are relative to it.
	Dir string
	// MaxFileSize is the largest base version read, checked with git
	// before it is read; 0 means DefaultMaxFileSize. History is as
	// untrusted as the files: a blob of gigabytes must not crash lint.
	MaxFileSize int64
	// Limits bound the base versions as they bound the files.
	Limits ReadLimits
}

// Filter keeps the findings of ds that the base revision does not have.
//
// sources are the linted files' current contents keyed by the path the
// diagnostics use. For each file the version at the base is read with git
// (`git cat-file --batch-check` for the sizes, then one `git cat-file
// --batch` for every blob within the limit; no network) and both are
// read into the model. Rules are matched by (group, kind, name); a rule is
// unchanged when a rule with that key at the base has the same expression
// (as PromQL, so reformatting is not a change), for, keep_firing_for,
// labels and annotations. Kept are: findings in added or changed rules;
// every finding of a file that is new, read from stdin or not in sources;
// findings outside any rule (file- and group-level) when the file's
// content changed at all. hidden is how many findings were dropped.
//
// A file whose base version cannot be read (a path outside the
// repository or holding a line break, a base version over MaxFileSize)
// keeps all its findings and adds one io/read finding saying why, so the
// run exits 2 but every other file is still compared. err is for a run
// that cannot compare at all (no repository, no such revision).
func (b DiffBase) Filter(sources map[string][]byte, ds []diag.Diagnostic) (kept []diag.Diagnostic, hidden int, err error) {
	ref, dir := b.Ref, b.Dir
	if b.MaxFileSize <= 0 {
		b.MaxFileSize = DefaultMaxFileSize
	}
	if dir == "" {
		if dir, err = os.Getwd(); err != nil {
			return nil, 0, err
		}
	}
	top, err := gitOut(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", ref, err)
	}
	commit, err := gitOut(dir, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return nil, 0, fmt.Errorf("%s: no such commit in the repository %s (in CI, fetch it first: git fetch origin <branch>, or actions/checkout with fetch-depth: 0)", ref, top)
	}
	if t, err := filepath.EvalSymlinks(top); err == nil {
		top = t
	}

	var paths []string
	for p := range sources {
		// Stdin ("-", or a name in angle brackets) has no history.
		if p != "-" && !strings.HasPrefix(p, "<") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	specs := make([]string, len(paths))
	perr := make([]error, len(paths))
	for i, p := range paths {
		rel, err := gitRepoPath(top, dir, p)
		if err != nil {
			perr[i] = err
			continue
		}
		specs[i] = commit + ":" + rel
	}
	old, err := gitBlobs(dir, specs, perr, b.MaxFileSize)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", ref, err)
	}

	files := map[string]*baseFile{}
	for i, p := range paths {
		if perr[i] != nil {
			kept = append(kept, diag.Diagnostic{Pos: diag.Pos{File: p}, Check: IDRead, Severity: diag.Error,
				Message: fmt.Sprintf("cannot read the version of %s at the diff base %s: %v; all its findings are shown", p, ref, perr[i])})
			continue
		}
		if old[i] == nil {
			continue // new since ref: every finding stays
		}
		files[p] = compareWithBase(p, old[i], sources[p], b.Limits)
	}
	for _, d := range ds {
		fc, ok := files[d.Pos.File]
		if !ok || d.Pos.Line <= 0 || fc.keeps(d) {
			kept = append(kept, d)
			continue
		}
		hidden++
	}
	diag.Sort(kept)
	return kept, hidden, nil
}

// baseFile says, for one file, which of its current rules are new or
// changed since the base revision.
type baseFile struct {
	changed bool // the content differs at all
	rules   []baseRule
}

// baseRule is a current rule: its identity, the first line of its mapping
// and whether it is new or changed.
type baseRule struct {
	group, name string
	line        int
	changed     bool
}

// compareWithBase maps a file's base and current content to its current
// rules, each new or changed or not. Content that is not a rule file
// (binary, over a limit) has no rules: against such a base, every current
// rule is new.
func compareWithBase(path string, oldSrc, curSrc []byte, lim ReadLimits) *baseFile {
	fc := &baseFile{changed: !bytes.Equal(oldSrc, curSrc)}
	if !fc.changed {
		return fc // nothing in it can be new
	}
	read := func(src []byte) *File {
		if screen(path, src) != nil {
			return &File{Path: path}
		}
		f, _ := ReadFileLimits(path, src, lim)
		return f
	}
	oldFile, curFile := read(oldSrc), read(curSrc)
	// A multiset of the old rules' fingerprints: several rules may share a
	// key (one alert per severity tier), and each old copy vouches for one
	// current copy only.
	before := map[string]int{}
	eachBaseRule(oldFile, func(r *Rule) { before[baseFingerprint(r)]++ })
	eachBaseRule(curFile, func(r *Rule) {
		fp := baseFingerprint(r)
		changed := before[fp] == 0
		if !changed {
			before[fp]--
		}
		fc.rules = append(fc.rules, baseRule{group: r.Group.Name.Value, name: r.Name(), line: r.Node.Line, changed: changed})
	})
	sort.SliceStable(fc.rules, func(i, j int) bool { return fc.rules[i].line < fc.rules[j].line })
	return fc
}

// keeps reports whether finding d of this file is shown.
func (fc *baseFile) keeps(d diag.Diagnostic) bool {
	if !fc.changed {
		return false
	}
	if d.Rule == "" {
		return true // file- or group-level finding in a changed file
	}
	// The rule a finding belongs to is the last rule with its group and
	// name that starts at or before it; rules with the same name cannot
	// nest, so this is exact.
	var in *baseRule
	for i := range fc.rules {
		r := &fc.rules[i]
		if r.line > d.Pos.Line {
			break
		}
		if r.name == d.Rule && (d.Group == "" || r.group == d.Group) {
			in = r
		}
	}
	if in == nil {
		// A cross-file finding reported elsewhere, or a rule that could
		// not be read: keep it rather than hide a real problem.
		return true
	}
	return in.changed
}

func eachBaseRule(f *File, fn func(*Rule)) {
	for _, doc := range f.Docs {
		for _, g := range doc.Groups {
			for _, r := range g.Rules {
				if r != nil && r.Node != nil && r.Group != nil {
					fn(r)
				}
			}
		}
	}
}

// baseFingerprint is the identity and content of a rule in one string:
// two rules with the same fingerprint behave the same way.
func baseFingerprint(r *Rule) string {
	var b strings.Builder
	kind := "record"
	if r.IsAlert() {
		kind = "alert"
	}
	expr := strings.TrimSpace(r.Expr.Value.Value)
	if r.Expr.AST != nil {
		expr = r.Expr.AST.String()
	}
	for _, s := range []string{r.Group.Name.Value, kind, r.Name(), expr, r.For.Value, r.KeepFiringFor.Value} {
		b.WriteString(strconv.Quote(s))
		b.WriteByte(0)
	}
	baseWriteKVs(&b, r.Labels)
	baseWriteKVs(&b, r.Annotations)
	return b.String()
}

func baseWriteKVs(b *strings.Builder, kvs []KV) {
	pairs := make([]string, len(kvs))
	for i, kv := range kvs {
		pairs[i] = strconv.Quote(kv.Key.Value) + "=" + strconv.Quote(kv.Value.Value)
	}
	sort.Strings(pairs)
	b.WriteString(strings.Join(pairs, ","))
	b.WriteByte(0)
}

// gitRepoPath is path p (relative to dir, or absolute) relative to the
// repository's top directory, slash-separated, as git's REV:PATH wants.
func gitRepoPath(top, dir, p string) (string, error) {
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, p)
	}
	// Resolve symlinks in the directory only: the repository stores the
	// link itself, not its target, when the file is a link.
	if d, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(d, filepath.Base(abs))
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("not inside the git repository %s", top)
	}
	return filepath.ToSlash(rel), nil
}

// gitBlobs returns the content of each REV:PATH spec, nil where the path
// does not exist at that revision or is not a file there. Specs with an
// error in perr already are skipped; a spec git cannot look up, or whose
// blob is over max bytes, gets its error in perr and is not read. Sizes
// come first, from `git cat-file --batch-check`, so no blob over the
// limit is ever produced; then one `git cat-file --batch` reads the rest.
// The error is for git itself failing.
func gitBlobs(dir string, specs []string, perr []error, max int64) ([][]byte, error) {
	out := make([][]byte, len(specs))
	var ask []int // indexes of specs to look up
	var in bytes.Buffer
	for i, s := range specs {
		if perr[i] != nil {
			continue
		}
		if strings.ContainsAny(s, "\n\r") {
			// git cat-file reads one name a line.
			perr[i] = errors.New("the path holds a line break")
			continue
		}
		ask = append(ask, i)
		in.WriteString(s + "\n")
	}
	if len(ask) == 0 {
		return out, nil
	}
	objects := make([]string, len(specs))
	var read []int
	var names bytes.Buffer
	err := gitBatch(dir, "--batch-check", &in, func(br *bufio.Reader) error {
		for _, i := range ask {
			header, err := br.ReadString('\n')
			if err != nil {
				return fmt.Errorf("git cat-file: %w", err)
			}
			header = strings.TrimSuffix(header, "\n")
			// "<spec> missing" and "<spec> ambiguous" repeat the spec,
			// which may hold spaces: only the last word is git's.
			switch {
			case strings.HasSuffix(header, " missing"):
				continue
			case strings.HasSuffix(header, " ambiguous"):
				perr[i] = errors.New("git finds the name ambiguous")
				continue
			}
			fields := strings.Fields(header)
			if len(fields) != 3 {
				perr[i] = fmt.Errorf("git cat-file: unexpected %q", header)
				continue
			}
			size, err := strconv.ParseInt(fields[2], 10, 64)
			switch {
			case err != nil:
				perr[i] = fmt.Errorf("git cat-file: unexpected %q", header)
			case fields[1] != "blob":
				// A directory at the base: the file is new.
			case size > max:
				perr[i] = fmt.Errorf("it is %d bytes at the base revision, over the limit of %d", size, max)
			default:
				objects[i] = fields[0]
				read = append(read, i)
				names.WriteString(fields[0] + "\n")
			}
		}
		return nil
	})
	if err != nil || len(read) == 0 {
		return out, err
	}
	err = gitBatch(dir, "--batch", &names, func(br *bufio.Reader) error {
		for _, i := range read {
			header, err := br.ReadString('\n')
			if err != nil {
				return fmt.Errorf("git cat-file: %w", err)
			}
			fields := strings.Fields(header)
			if len(fields) != 3 || fields[0] != objects[i] || fields[1] != "blob" {
				return fmt.Errorf("git cat-file: unexpected %q for %s", strings.TrimSpace(header), objects[i])
			}
			size, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil || size > max {
				// The size was checked; a different answer now is git
				// misbehaving, and nothing more is read from it.
				return fmt.Errorf("git cat-file: unexpected %q for %s", strings.TrimSpace(header), objects[i])
			}
			body, err := limits.ReadAll(io.LimitReader(br, size), specs[i], max)
			if err == nil && int64(len(body)) < size {
				err = io.ErrUnexpectedEOF
			}
			if err == nil {
				_, err = br.Discard(1) // the newline after the content
			}
			if err != nil {
				return fmt.Errorf("git cat-file: %w", err)
			}
			out[i] = body
		}
		return nil
	})
	return out, err
}

// gitBatch runs `git cat-file MODE` in dir with stdin in and hands its
// output to parse; the process is killed when parse fails.
func gitBatch(dir, mode string, in io.Reader, parse func(*bufio.Reader) error) error {
	cmd := exec.Command("git", "cat-file", mode)
	cmd.Dir = dir
	cmd.Stdin = in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	perr := parse(bufio.NewReader(stdout))
	if perr != nil {
		_ = cmd.Process.Kill()
	}
	werr := cmd.Wait()
	if perr != nil {
		return perr
	}
	if werr != nil {
		return fmt.Errorf("git cat-file: %w: %s", werr, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// gitOut runs git in dir and returns its trimmed stdout.
func gitOut(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && stderr.Len() > 0 {
			return "", fmt.Errorf("%s", strings.TrimSpace(stderr.String()))
		}
		return "", err
	}
	return strings.TrimSpace(stdout.String()), nil
}
