package lint

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

const baseRules = `groups:
  - name: agents
    rules:
      - alert: Same
        expr: up == 0
        labels: {severity: page}
      - alert: ExprChanged
        expr: rate(errors_total[5m]) > 1
      - alert: Reformatted
        expr: sum by (job) (rate(x_total[5m])) > 0
      - alert: LabelChanged
        expr: up == 0
        labels: {severity: ticket}
      - alert: Tier
        expr: up == 0
        labels: {severity: page}
      - alert: Tier
        expr: up == 0
        labels: {severity: ticket}
`

const headRules = `groups:
  - name: agents
    rules:
      - alert: Same
        expr: up == 0
        labels: {severity: page}
      - alert: ExprChanged
        expr: rate(errors_total[10m]) > 1
      - alert: Reformatted
        expr: |
          sum by (job) (
            rate(x_total[5m])
          ) > 0
      - alert: LabelChanged
        expr: up == 0
        labels: {severity: page}
      - alert: Tier
        expr: up == 0
        labels: {severity: ticket}
      - alert: Tier
        expr: up == 0
        labels: {severity: log}
      - alert: Added
        expr: up == 0
`

func diffGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func diffWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// findingsAt returns one finding per "alert: NAME" line of src (in the
// rule, as a check reports it) plus one file-level finding.
func diffFindings(file, src string) []diag.Diagnostic {
	ds := []diag.Diagnostic{{Pos: diag.Pos{File: file, Line: 1, Column: 1}, Check: "schema/x", Message: "file-level"}}
	for i, l := range strings.Split(src, "\n") {
		if _, name, ok := strings.Cut(l, "alert: "); ok {
			ds = append(ds, diag.Diagnostic{Pos: diag.Pos{File: file, Line: i + 2, Column: 9}, Check: "alert/x", Group: "agents", Rule: name, Message: name})
		}
	}
	return ds
}

func TestChangedSince(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	diffGit(t, dir, "init", "-q")
	diffWrite(t, filepath.Join(dir, "rules", "a.yaml"), baseRules)
	diffWrite(t, filepath.Join(dir, "rules", "same.yaml"), baseRules)
	diffGit(t, dir, "add", ".")
	diffGit(t, dir, "commit", "-qm", "base")
	diffGit(t, dir, "tag", "base")
	diffWrite(t, filepath.Join(dir, "rules", "a.yaml"), headRules)
	diffWrite(t, filepath.Join(dir, "rules", "new.yaml"), baseRules)

	sources := map[string][]byte{
		"rules/a.yaml":    []byte(headRules),
		"rules/same.yaml": []byte(baseRules),
		"rules/new.yaml":  []byte(baseRules),
		"-":               []byte(baseRules),
	}
	var ds []diag.Diagnostic
	ds = append(ds, diffFindings("rules/a.yaml", headRules)...)
	ds = append(ds, diffFindings("rules/same.yaml", baseRules)...)
	ds = append(ds, diffFindings("rules/new.yaml", baseRules)...)
	ds = append(ds, diffFindings("-", baseRules)...)
	ds = append(ds, diag.Diagnostic{Pos: diag.Pos{File: "missing.yaml"}, Check: IDRead, Message: "unreadable"})

	kept, hidden, err := DiffBase{Ref: "base", Dir: dir}.Filter(sources, ds)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, d := range kept {
		got[d.Pos.File] = append(got[d.Pos.File], d.Message)
	}
	all := []string{"file-level", "Same", "ExprChanged", "Reformatted", "LabelChanged", "Tier", "Tier"}
	want := map[string][]string{
		// Same and Reformatted (only whitespace in the PromQL) are
		// unchanged; of the two Tier alerts, the ticket one existed.
		"rules/a.yaml":   {"file-level", "ExprChanged", "LabelChanged", "Tier", "Added"},
		"rules/new.yaml": all,
		"-":              all,
		"missing.yaml":   {"unreadable"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if wantHidden := len(ds) - len(kept); hidden != wantHidden || hidden != 3+len(all) {
		t.Errorf("hidden = %d, want %d", hidden, 3+len(all))
	}
}

func TestChangedSinceErrors(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	diffGit(t, dir, "init", "-q")
	diffWrite(t, filepath.Join(dir, "a.yaml"), baseRules)
	diffGit(t, dir, "add", ".")
	diffGit(t, dir, "commit", "-qm", "base")
	tests := []struct {
		name, ref string
		sources   map[string][]byte
		want      string
	}{
		{"unknown ref", "no-such-ref", map[string][]byte{"a.yaml": nil}, "no-such-ref: no such commit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DiffBase{Ref: tt.ref, Dir: dir}.Filter(tt.sources, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestChangedSinceNotARepository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	_, _, err := DiffBase{Ref: "HEAD", Dir: dir}.Filter(nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("err = %v, want git's 'not a git repository'", err)
	}
}

// TestDiffBaseOddPaths: a file whose base version cannot be read is one
// io/read finding and keeps all its findings; the other files are still
// compared, and no base version over the limit is read.
func TestDiffBaseOddPaths(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	diffGit(t, dir, "init", "-q")
	big := baseRules + "# " + strings.Repeat("x", 4096) + "\n"
	diffWrite(t, filepath.Join(dir, "a.yaml"), baseRules)
	diffWrite(t, filepath.Join(dir, "big.yaml"), big)
	diffWrite(t, filepath.Join(dir, "with space.yaml"), baseRules)
	diffWrite(t, filepath.Join(dir, "line\nbreak.yaml"), baseRules)
	diffGit(t, dir, "add", ".")
	diffGit(t, dir, "commit", "-qm", "base")
	outside := filepath.ToSlash(filepath.Join(t.TempDir(), "b.yaml"))

	sources := map[string][]byte{}
	var ds []diag.Diagnostic
	// "new file.yaml" is not at the base: git repeats the name, space and
	// all, in its "missing" answer.
	for _, p := range []string{"a.yaml", "big.yaml", "with space.yaml", "new file.yaml", "line\nbreak.yaml", outside} {
		sources[p] = []byte(headRules)
		ds = append(ds, diffFindings(p, headRules)...)
	}
	kept, hidden, err := DiffBase{Ref: "HEAD", Dir: dir, MaxFileSize: 4096}.Filter(sources, ds)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, d := range kept {
		got[d.Pos.File] = append(got[d.Pos.File], d.Check+" "+d.Message)
	}
	changed := []string{"schema/x file-level", "alert/x ExprChanged", "alert/x LabelChanged", "alert/x Tier", "alert/x Added"}
	all := []string{"schema/x file-level", "alert/x Same", "alert/x ExprChanged", "alert/x Reformatted", "alert/x LabelChanged", "alert/x Tier", "alert/x Tier", "alert/x Added"}
	readErr := func(p, why string) string {
		return "io/read cannot read the version of " + p + " at the diff base HEAD: " + why + "; all its findings are shown"
	}
	want := map[string][]string{
		"a.yaml":           changed,
		"with space.yaml":  changed,
		"new file.yaml":    all,
		"big.yaml":         append([]string{readErr("big.yaml", fmt.Sprintf("it is %d bytes at the base revision, over the limit of 4096", len(big)))}, all...),
		"line\nbreak.yaml": append([]string{readErr("line\nbreak.yaml", "the path holds a line break")}, all...),
		outside:            append([]string{readErr(outside, "not inside the git repository "+evalSymlinks(t, dir))}, all...),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if hidden != 2*3 {
		t.Errorf("hidden = %d, want 6 (three in each comparable file)", hidden)
	}
}

func evalSymlinks(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
