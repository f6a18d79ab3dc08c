package checks

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// pitfallsCaught is how many files of testdata/lint/pitfalls the checks
// catch at the right line. The battery holds realistic variants of each of
// issue 14's families (other aggregations, without() and by(), recording
// rules in the same file, subqueries, PrometheusRule resources, template
// pipelines), written before the checks were tuned for them; the score
// before and after tuning is in testdata/lint/pitfalls/README.md. Raise it
// when a check learns to catch more.
const pitfallsCaught = 411

// pitfallFamily is a file's family, from its first line.
var pitfallFamily = regexp.MustCompile(`^# Pitfall: ([^(\n]+)`)

// TestPitfalls lints each file of testdata/lint/pitfalls (one bug each, in
// the shape people write it) with every check at its default settings and
// counts the files where a finding of the check named by the file's # want
// lands on the want line, per family.
func TestPitfalls(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdataRoot, "pitfalls", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Fatalf("pitfalls has %d files, want at least 60", len(files))
	}
	sort.Strings(files)
	all := All()
	caught := 0
	var missed, otherLine []string
	type score struct{ caught, total int }
	families := map[string]*score{}
	var order []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := pitfallFamily.FindSubmatch(src)
		if m == nil || !bytes.Contains(src, []byte("\n# Bug: ")) {
			t.Errorf("%s: line 1 must be # Pitfall: <family>, line 2 # Bug: …", f)
			continue
		}
		fam := strings.TrimSpace(string(m[1]))
		if families[fam] == nil {
			families[fam] = &score{}
			order = append(order, fam)
		}
		families[fam].total++
		ws, err := parseWants(filepath.ToSlash(f), src)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 1 {
			t.Errorf("%s: %d # want comments, want exactly one (the line of the bug)", f, len(ws))
			continue
		}
		res, err := lint.Lint([]string{f}, nil, lint.Options{Config: lint.DefaultConfig(), Checks: all})
		if err != nil {
			t.Fatal(err)
		}
		hit, elsewhere := false, false
		for _, d := range res.Diagnostics {
			if d.Pos.Line == ws[0].line && ws[0].re.MatchString(d.Check) {
				hit = true
			} else if ws[0].re.MatchString(d.Check) {
				elsewhere = true
			} else if d.Severity == diag.Error && !ws[0].re.MatchString(d.Check) {
				t.Errorf("%s: %s (%s): a pitfall file must load", d.Pos, d.Message, d.Check)
			}
		}
		if hit {
			caught++
			families[fam].caught++
		} else {
			if elsewhere {
				// The right check, on another line of a multi-line
				// expression.
				otherLine = append(otherLine, filepath.Base(f))
			}
			missed = append(missed, filepath.Base(f))
		}
	}
	for _, fam := range order {
		t.Logf("%-60s %d/%d", fam, families[fam].caught, families[fam].total)
	}
	t.Logf("pitfalls caught at the right line: %d/%d; missed: %s", caught, len(files), strings.Join(missed, ", "))
	t.Logf("of the misses, the right check on another line: %d (%s)", len(otherLine), strings.Join(otherLine, ", "))
	if caught < pitfallsCaught {
		t.Errorf("pitfalls caught: %d, fewer than the committed %d (missed: %s)", caught, pitfallsCaught, strings.Join(missed, ", "))
	}
}

// notWant reads a twin's # notwant "<check id regexp>" line.
var notWant = regexp.MustCompile(`(?m)^# notwant ("(?:[^"\\]|\\.)*")$`)

// TestPitfallTwins lints the negative twins of the battery, correct rules
// easy to confuse with a pitfall, and fails on any finding of the checks
// the twin names.
func TestPitfallTwins(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdataRoot, "pitfalls", "twins", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	all := All()
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := notWant.FindSubmatch(src)
		if m == nil {
			t.Errorf("%s: no # notwant \"<check id regexp>\" line", f)
			continue
		}
		ws, err := parseWants(f, []byte("# want "+string(m[1])))
		if err != nil || len(ws) != 1 {
			t.Fatalf("%s: bad # notwant: %v", f, err)
		}
		res, err := lint.Lint([]string{f}, nil, lint.Options{Config: lint.DefaultConfig(), Checks: all})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range res.Diagnostics {
			if ws[0].re.MatchString(d.Check) || d.Severity == diag.Error {
				t.Errorf("%s: %s (%s) on a correct twin", d.Pos, d.Message, d.Check)
			}
		}
	}
}
