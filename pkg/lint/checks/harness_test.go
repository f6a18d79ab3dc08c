package checks

// The check test harness. Every registered check has a directory
// testdata/lint/<area>_<topic>/ (at the repository root) of YAML files
// whose expectations sit next to the offending line:
//
//	expr: rate(foo[5m]) > 0.1  # want "ratio"
//
// A `# want "re" ["re" ...]` comment on line N expects one finding of the
// check under test on line N per regexp, whose message matches it;
// `# want:+1 "re"` (or :-1, :+2 ...) targets a line relative to the
// comment, for lines that cannot hold a comment such as those inside a
// block scalar. A missing finding, an extra finding, a finding with no
// line or column, a check with no directory and an empty directory all
// fail.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// testdataRoot is testdata/lint at the repository root.
var testdataRoot = filepath.Join("..", "..", "..", "testdata", "lint")

// TestdataDir is the directory of a check's cases: the id with "/" → "_".
func testdataDir(id string) string {
	return filepath.Join(testdataRoot, strings.ReplaceAll(id, "/", "_"))
}

// want is one expectation: a finding on line whose message matches re.
type want struct {
	file    string
	line    int
	re      *regexp.Regexp
	matched bool
}

var wantComment = regexp.MustCompile(`#\s*want(?::([+-]?\d+))?\s+(.*)$`)

// parseWants reads the # want comments of a file.
func parseWants(path string, src []byte) ([]*want, error) {
	var ws []*want
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<24)
	for line := 1; sc.Scan(); line++ {
		m := wantComment.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		target := line
		if m[1] != "" {
			d, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad want offset %q", path, line, m[1])
			}
			target += d
		}
		rest := strings.TrimSpace(m[2])
		if rest == "" {
			return nil, fmt.Errorf("%s:%d: want with no pattern", path, line)
		}
		for rest != "" {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: want patterns must be Go string literals: %q", path, line, rest)
			}
			pat, _ := strconv.Unquote(q)
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad want pattern: %v", path, line, err)
			}
			ws = append(ws, &want{file: path, line: target, re: re})
			rest = strings.TrimSpace(rest[len(q):])
		}
	}
	return ws, sc.Err()
}

// only returns a config that runs the check under test alone. Directive
// checks are about other checks' findings, so they run with every check.
// The config starts from the check's testdata/lint/<dir>/agentalerts.yml
// when there is one (for checks that report nothing by default), else
// from the defaults.
func only(t testing.TB, c *lint.Check, all []*lint.Check) *lint.Config {
	t.Helper()
	cfg := lint.DefaultConfig()
	path := filepath.Join(testdataDir(c.ID), "agentalerts.yml")
	if src, err := os.ReadFile(path); err == nil {
		if cfg, err = lint.ParseConfig(filepath.ToSlash(path), src); err != nil {
			t.Fatal(err)
		}
		if err = cfg.LoadRoutes(); err != nil {
			t.Fatal(err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if strings.HasPrefix(c.ID, "directive/") {
		return cfg
	}
	off := false
	for _, o := range all {
		if o.ID != c.ID {
			cfg.Checks[o.ID] = lint.CheckConfig{Enabled: &off}
		}
	}
	return cfg
}

// byConfig splits a check's files by the config they are linted with:
// a subdirectory with its own agentalerts.yml (say, one per dialect) is
// linted under it, every other file under the check's config (key "").
func byConfig(files []string) map[string][]string {
	out := map[string][]string{}
	for _, f := range files {
		dir := filepath.Dir(f)
		if _, err := os.Stat(filepath.Join(dir, "agentalerts.yml")); err != nil || filepath.Base(filepath.Dir(dir)) == "lint" {
			dir = ""
		}
		out[dir] = append(out[dir], f)
	}
	return out
}

// subdirConfig is only's config read from dir/agentalerts.yml.
func subdirConfig(t testing.TB, c *lint.Check, all []*lint.Check, dir string) *lint.Config {
	t.Helper()
	path := filepath.Join(dir, "agentalerts.yml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := lint.ParseConfig(filepath.ToSlash(path), src)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.LoadRoutes(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.ID, "directive/") {
		off := false
		for _, o := range all {
			if o.ID != c.ID {
				cfg.Checks[o.ID] = lint.CheckConfig{Enabled: &off}
			}
		}
	}
	return cfg
}

// caseFiles lists a check's test files, failing when there are none.
func caseFiles(t *testing.T, id string) []string {
	t.Helper()
	dir := testdataDir(id)
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// One level of subdirectories, for checks that look at where files
	// sit (alert/duplicate's staging/ and production/).
	sub, _ := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	files = append(files, sub...)
	if len(files) == 0 {
		t.Fatalf("check %s has no test cases: add %s/*.yaml with # want comments (and one file without)", id, dir)
	}
	sort.Strings(files)
	return files
}

// TestChecks runs each check over its own test data.
func TestChecks(t *testing.T) {
	all := All()
	for _, c := range all {
		t.Run(c.ID, func(t *testing.T) {
			runCase(t, all, c, caseFiles(t, c.ID))
		})
	}
}

// runCase lints files with only check c enabled and compares the findings
// of c with the files' want comments.
func runCase(t *testing.T, all []*lint.Check, c *lint.Check, files []string) {
	t.Helper()
	var wants []*want
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ws, err := parseWants(filepath.ToSlash(f), src)
		if err != nil {
			t.Fatal(err)
		}
		wants = append(wants, ws...)
	}
	var diags []diag.Diagnostic
	for dir, fs := range byConfig(files) {
		cfg := only(t, c, all)
		if dir != "" {
			cfg = subdirConfig(t, c, all, dir)
		}
		res, err := lint.Lint(fs, nil, lint.Options{Config: cfg, Checks: all})
		if err != nil {
			t.Fatal(err)
		}
		diags = append(diags, res.Diagnostics...)
	}
	for _, d := range diags {
		if d.Check != c.ID {
			continue
		}
		if d.Pos.Line <= 0 || d.Pos.Column <= 0 {
			t.Errorf("%s: finding without line and column: %s", d.Pos, d.Message)
		}
		if !claim(wants, d) {
			t.Errorf("%s: unexpected finding: %s", d.Pos, d.Message)
		}
	}
	for _, w := range wants {
		if !w.matched {
			t.Errorf("%s:%d: no %s finding matching %q", w.file, w.line, c.ID, w.re)
		}
	}
}

// claim marks the first unmatched want that d satisfies.
func claim(wants []*want, d diag.Diagnostic) bool {
	for _, w := range wants {
		if !w.matched && w.file == d.Pos.File && w.line == d.Pos.Line && w.re.MatchString(d.Message) {
			w.matched = true
			return true
		}
	}
	return false
}

// TestChecksHavePositiveAndNegativeCases insists that each check has a
// file it flags and a file it must leave alone.
func TestChecksHavePositiveAndNegativeCases(t *testing.T) {
	for _, c := range All() {
		files := caseFiles(t, c.ID)
		pos, neg := false, false
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ws, err := parseWants(f, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) > 0 {
				pos = true
			} else {
				neg = true
			}
		}
		if !pos {
			t.Errorf("%s: no positive case (a file with a # want comment) in %s", c.ID, testdataDir(c.ID))
		}
		if !neg {
			t.Errorf("%s: no negative case (a file without # want comments) in %s", c.ID, testdataDir(c.ID))
		}
	}
}

// TestTestdataDirsHaveChecks catches a directory left behind by a
// renamed check, whose cases would otherwise silently stop running.
func TestTestdataDirsHaveChecks(t *testing.T) {
	// realbugs holds real bugs for every check, counted by TestRealBugs;
	// pitfalls the pitfall battery, counted by TestPitfalls.
	known := map[string]bool{"realbugs": true, "pitfalls": true}
	for _, c := range All() {
		known[filepath.Base(testdataDir(c.ID))] = true
	}
	entries, err := os.ReadDir(testdataRoot)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	// precision/ holds the judged corpus findings (internal/precision).
	known["precision"] = true
	for _, e := range entries {
		if e.IsDir() && !known[e.Name()] {
			t.Errorf("%s: no registered check has this test directory", filepath.Join(testdataRoot, e.Name()))
		}
	}
}

// TestHarnessCatchesMistakes feeds the matcher a missing and an extra
// finding, so the harness itself cannot pass vacuously.
func TestHarnessCatchesMistakes(t *testing.T) {
	src := []byte("a: 1 # want \"x\"\nb: 2\nc: |\n  d\n# want:-1 \"y\" \"z\"\n")
	ws, err := parseWants("f.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, fmt.Sprintf("%d %s", w.line, w.re))
	}
	if want := []string{"1 x", "4 y", "4 z"}; strings.Join(want, "|") != strings.Join(got, "|") {
		t.Fatalf("parsed wants %q, want %q", got, want)
	}
	d := func(line int, msg string) diag.Diagnostic {
		return diag.Diagnostic{Pos: diag.Pos{File: "f.yaml", Line: line, Column: 1}, Message: msg}
	}
	if claim(ws, d(2, "x")) {
		t.Error("a finding on the wrong line matched")
	}
	if !claim(ws, d(1, "has x")) || claim(ws, d(1, "has x")) {
		t.Error("a want must match exactly one finding")
	}
	if !claim(ws, d(4, "y")) || !claim(ws, d(4, "z")) {
		t.Error("two wants on one line must match two findings")
	}
	for _, w := range ws {
		if !w.matched {
			t.Errorf("want %d %s left unmatched", w.line, w.re)
		}
	}
}

// FuzzChecks runs every check on arbitrary input and fails when one
// crashes; the engine turns a crash into an internal/panic finding, which
// would otherwise hide the bug behind a red but working run. The seeds are
// every test case of every check.
func FuzzChecks(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testdataRoot, "*", "*.yaml"))
	for _, s := range seeds {
		if src, err := os.ReadFile(s); err == nil {
			f.Add(src)
		}
	}
	all := All()
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := lint.Lint([]string{"-"}, bytes.NewReader(src), lint.Options{Checks: all})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range res.Diagnostics {
			if d.Check == lint.IDPanic {
				t.Errorf("%s: %s", d.Pos, d.Message)
			}
		}
	})
}
