// Package precision measures lint on the maintained public rule sets of
// ../shared/corpus/valid the way a new user meets it: each source linted
// on its own, with no .agentalerts.yaml. It compares the findings with a
// hand-labelled set (testdata/lint/precision/labels.tsv) so that a
// finding judged false cannot come back, nor one judged true vanish,
// without a test noticing; and it prints findings per 100 rules and the
// judged precision per check for `make precision`.
package precision

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
)

// Sources are the production rule sets of the corpus the quietness target
// is measured on (pint's and Prometheus's own test files are left out:
// they are written to trip linters).
var Sources = []string{"awesome-prometheus-alerts", "govuk-helm-charts", "monitoring-mixins", "sloth"}

// Verdicts a label may carry.
const (
	True      = "true"
	Debatable = "debatable"
	False     = "false"
)

// Label is one judged finding.
type Label struct {
	Verdict string
	Key     Key
	Reason  string
	Line    int // line of labels.tsv, for messages
}

// Key identifies a finding across runs without line numbers, which
// shift with every upstream edit: the check, the file relative to
// corpus/valid, the rule and the message (corpus paths in it made
// relative too). In a label, Message is a fragment the finding's message
// contains, so that rewording a message does not hide a finding that
// came back.
type Key struct {
	Check, File, Rule, Message string
}

func (k Key) String() string {
	return fmt.Sprintf("%s %s %s: %s", k.Check, k.File, k.Rule, k.Message)
}

// Matches reports whether a finding's key fits a label's.
func Matches(label, finding Key) bool {
	return label.Check == finding.Check && label.File == finding.File && label.Rule == finding.Rule &&
		strings.Contains(finding.Message, label.Message)
}

// LoadLabels reads a labels file: tab-separated verdict, check, file,
// rule, message and reason; # lines and blank lines are comments.
func LoadLabels(path string) ([]Label, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Label
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("%s:%d:1: want 6 tab-separated fields (verdict, check, file, rule, message, reason), found %d", path, n, len(f))
		}
		switch f[0] {
		case True, Debatable, False:
		default:
			return nil, fmt.Errorf("%s:%d:1: verdict %q is not true, debatable or false", path, n, f[0])
		}
		if strings.TrimSpace(f[5]) == "" {
			return nil, fmt.Errorf("%s:%d:1: a verdict needs a reason", path, n)
		}
		out = append(out, Label{Verdict: f[0], Key: Key{f[1], f[2], f[3], f[4]}, Reason: f[5], Line: n})
	}
	return out, sc.Err()
}

// Run is the findings of one source.
type Run struct {
	Source   string
	Rules    int
	Findings []Finding
}

// Finding is one diagnostic with its key.
type Finding struct {
	Key      Key
	Severity diag.Severity
}

// Lint lints each source under valid (the corpus's valid/ directory) on
// its own with the default config and every check.
func Lint(valid string, sources []string) ([]Run, error) {
	var runs []Run
	all := checks.All()
	for _, s := range sources {
		dir := filepath.Join(valid, s)
		res, err := lint.Lint([]string{dir}, nil, lint.Options{Config: lint.DefaultConfig(), Checks: all})
		if err != nil {
			return nil, err
		}
		run := Run{Source: s, Rules: res.Rules}
		for _, d := range res.Diagnostics {
			run.Findings = append(run.Findings, Finding{Key: keyOf(valid, d), Severity: d.Severity})
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// keyOf makes d's paths relative to valid.
func keyOf(valid string, d diag.Diagnostic) Key {
	prefix := filepath.ToSlash(valid) + "/"
	rel := func(s string) string { return strings.ReplaceAll(filepath.ToSlash(s), prefix, "") }
	return Key{Check: d.Check, File: rel(d.Pos.File), Rule: d.Rule, Message: rel(d.Message)}
}

// Loud reports whether a finding fails CI by default.
func (f Finding) Loud() bool { return f.Severity >= diag.Warning }

// Stat is the judged precision of one check.
type Stat struct {
	Check                  string
	Loud                   int // warning-or-error findings on the sources
	True, Debatable, False int // labelled loud findings by verdict
}

// String is the precision as docs/checks/README.md shows it.
func (s Stat) String() string {
	return fmt.Sprintf("%d/%d true", s.True, s.Judged())
}

// Judged is how many loud findings carry a label.
func (s Stat) Judged() int { return s.True + s.Debatable + s.False }

// Stats computes, per check, the loud findings and their labels.
func Stats(runs []Run, labels []Label) []Stat {
	by := map[string]*Stat{}
	for _, r := range runs {
		for _, f := range r.Findings {
			if !f.Loud() {
				continue
			}
			s := by[f.Key.Check]
			if s == nil {
				s = &Stat{Check: f.Key.Check}
				by[f.Key.Check] = s
			}
			s.Loud++
			for _, l := range labels {
				if !Matches(l.Key, f.Key) {
					continue
				}
				switch l.Verdict {
				case True:
					s.True++
				case Debatable:
					s.Debatable++
				case False:
					s.False++
				}
				break
			}
		}
	}
	out := make([]Stat, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Check < out[j].Check })
	return out
}
