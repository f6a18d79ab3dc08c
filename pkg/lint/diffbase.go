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

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// ChangedSince keeps the findings that belong to rules added or changed
// since the git revision ref, so a large legacy repository can adopt lint
// on pull requests without fixing every old rule first (--diff-base).
//
// sources are the linted files' current contents keyed by the path the
// diagnostics use. For each file the version at ref is read with git (one
// `git cat-file --batch` process for all files; no network) and both are
// read into the model. Rules are matched by (group, kind, name); a rule is
// unchanged when a rule with that key at ref has the same expression (as
// PromQL, so reformatting is not a change), for, keep_firing_for, labels
// and annotations. Kept are: findings in added or changed rules; every
// finding of a file that is new, read from stdin or not in sources;
// findings outside any rule (file- and group-level) when the file's
// content changed at all. hidden is how many findings were dropped.
//
// dir is the directory git runs in (the working directory when empty);
// relative paths in sources are relative to it.
func ChangedSince(ref, dir string, sources map[string][]byte, ds []diag.Diagnostic) (kept []diag.Diagnostic, hidden int, err error) {
	if dir == "" {
		if dir, err = os.Getwd(); err != nil {
			return nil, 0, err
		}
	}
	top, err := gitOut(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, 0, fmt.Errorf("--diff-base %s: %w", ref, err)
	}
	commit, err := gitOut(dir, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return nil, 0, fmt.Errorf("--diff-base %s: no such commit in the repository %s (in CI, fetch it first: git fetch origin <branch>, or actions/checkout with fetch-depth: 0)", ref, top)
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
	for i, p := range paths {
		rel, err := gitRepoPath(top, dir, p)
		if err != nil {
			return nil, 0, fmt.Errorf("--diff-base %s: %s: %w", ref, p, err)
		}
		specs[i] = commit + ":" + rel
	}
	old, err := gitBlobs(dir, specs)
	if err != nil {
		return nil, 0, fmt.Errorf("--diff-base %s: %w", ref, err)
	}

	files := map[string]*baseFile{}
	for i, p := range paths {
		if old[i] == nil {
			continue // new since ref: every finding stays
		}
		files[p] = compareWithBase(p, old[i], sources[p])
	}
	for _, d := range ds {
		fc, ok := files[d.Pos.File]
		if !ok || d.Pos.Line <= 0 || fc.keeps(d) {
			kept = append(kept, d)
			continue
		}
		hidden++
	}
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

func compareWithBase(path string, oldSrc, curSrc []byte) *baseFile {
	fc := &baseFile{changed: !bytes.Equal(oldSrc, curSrc)}
	if !fc.changed {
		return fc // nothing in it can be new
	}
	oldFile, _ := ReadFile(path, oldSrc)
	curFile, _ := ReadFile(path, curSrc)
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
// does not exist at that revision, through one `git cat-file --batch`.
func gitBlobs(dir string, specs []string) ([][]byte, error) {
	out := make([][]byte, len(specs))
	if len(specs) == 0 {
		return out, nil
	}
	var in bytes.Buffer
	for _, s := range specs {
		if strings.ContainsAny(s, "\n\r") {
			return nil, fmt.Errorf("path %q holds a line break", s)
		}
		in.WriteString(s + "\n")
	}
	cmd := exec.Command("git", "cat-file", "--batch")
	cmd.Dir = dir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	br := bufio.NewReader(stdout)
	var perr error
	for i := range specs {
		header, err := br.ReadString('\n')
		if err != nil {
			perr = fmt.Errorf("git cat-file: %w", err)
			break
		}
		fields := strings.Fields(header)
		if len(fields) == 2 && fields[1] == "missing" {
			continue
		}
		if len(fields) != 3 {
			perr = fmt.Errorf("git cat-file: unexpected %q for %s", strings.TrimSpace(header), specs[i])
			break
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			perr = fmt.Errorf("git cat-file: unexpected %q", strings.TrimSpace(header))
			break
		}
		body := make([]byte, size+1) // content and a newline
		if _, err := io.ReadFull(br, body); err != nil {
			perr = fmt.Errorf("git cat-file: %w", err)
			break
		}
		if fields[1] == "blob" {
			out[i] = body[:size]
		}
	}
	if perr != nil {
		_ = cmd.Process.Kill()
	}
	werr := cmd.Wait()
	if perr != nil {
		return nil, perr
	}
	if werr != nil {
		return nil, fmt.Errorf("git cat-file: %w: %s", werr, strings.TrimSpace(stderr.String()))
	}
	return out, nil
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
