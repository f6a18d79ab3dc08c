package precision

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/lint/checks"
)

// The corpus sits beside the repository and may be absent.
var (
	validDir   = filepath.Join("..", "..", "..", "shared", "corpus", "valid")
	labelsFile = filepath.Join("..", "..", "testdata", "lint", "precision", "labels.tsv")
)

func lintCorpus(t *testing.T) []Run {
	t.Helper()
	for _, s := range Sources {
		if _, err := os.Stat(filepath.Join(validDir, s)); err != nil {
			t.Skipf("corpus source %s not found beside the repository: %v", s, err)
		}
	}
	runs, err := Lint(validDir, Sources)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func loadLabels(t *testing.T) []Label {
	t.Helper()
	labels, err := LoadLabels(labelsFile)
	if err != nil {
		t.Fatal(err)
	}
	return labels
}

// TestLabelledFindings fails when a finding judged false is reported as a
// warning or error again, or a finding judged true is not reported at all.
func TestLabelledFindings(t *testing.T) {
	labels := loadLabels(t)
	runs := lintCorpus(t)
	var all []Finding
	for _, r := range runs {
		all = append(all, r.Findings...)
	}
	var back, lost []string
	for _, l := range labels {
		var loud, any bool
		for _, f := range all {
			if Matches(l.Key, f.Key) {
				any = true
				loud = loud || f.Loud()
			}
		}
		switch {
		case l.Verdict == False && loud:
			back = append(back, l.Key.String()+" ("+l.Reason+")")
		case l.Verdict == True && !any:
			lost = append(lost, l.Key.String()+" ("+l.Reason+")")
		}
	}
	if diff := cmp.Diff([]string(nil), back); diff != "" {
		t.Errorf("findings judged false are warnings again: mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string(nil), lost); diff != "" {
		t.Errorf("findings judged true are gone: mismatch (-want +got):\n%s", diff)
	}
}

// TestQuietOnMaintainedRules holds the target: at most 15
// warning-or-error findings per 100 rules on each production source, and
// every loud finding judged, at least 80 % of them true per check.
func TestQuietOnMaintainedRules(t *testing.T) {
	labels := loadLabels(t)
	runs := lintCorpus(t)
	for _, r := range runs {
		loud := 0
		for _, f := range r.Findings {
			if f.Loud() {
				loud++
			}
		}
		if r.Rules == 0 || loud*100 > 15*r.Rules {
			t.Errorf("%s: %d warning-or-error findings on %d rules, over 15 per 100", r.Source, loud, r.Rules)
		}
	}
	for _, s := range Stats(runs, labels) {
		if s.Judged() < s.Loud {
			t.Errorf("%s: %d of %d warning-or-error findings are not in %s: judge them", s.Check, s.Loud-s.Judged(), s.Loud, labelsFile)
		}
		if s.True*100 < 80*s.Judged() {
			t.Errorf("%s: precision %d/%d is under 80 %%: make the check smarter or lower its severity", s.Check, s.True, s.Judged())
		}
	}
}

func TestLoadLabelsErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"true\tc\tf\tr\tm\n", "want 6 tab-separated fields"},
		{"maybe\tc\tf\tr\tm\twhy\n", `verdict "maybe"`},
		{"true\tc\tf\tr\tm\t \n", "needs a reason"},
	}
	for _, tt := range tests {
		p := filepath.Join(t.TempDir(), "labels.tsv")
		if err := os.WriteFile(p, []byte("# comment\n\n"+tt.src), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadLabels(p)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), ":3:1:") {
			t.Errorf("%q: got %v, want an error at line 3 containing %q", tt.src, err, tt.want)
		}
	}
}

func TestMatches(t *testing.T) {
	k := Key{Check: "alert/severity", File: "a/b.yaml", Rule: "Down", Message: `severity "critical" is not one of the allowed values (page)`}
	tests := []struct {
		label Key
		want  bool
	}{
		{Key{"alert/severity", "a/b.yaml", "Down", `severity "critical"`}, true},
		{Key{"alert/severity", "a/b.yaml", "Down", `severity "warning"`}, false},
		{Key{"alert/severity", "a/c.yaml", "Down", `severity "critical"`}, false},
		{Key{"alert/page-for", "a/b.yaml", "Down", `severity "critical"`}, false},
	}
	for _, tt := range tests {
		if got := Matches(tt.label, k); got != tt.want {
			t.Errorf("Matches(%v) = %v, want %v", tt.label, got, tt.want)
		}
	}
}

// TestDocPrecision keeps each check's Doc.Precision, shown in
// docs/checks/README.md, equal to the measurement: true/judged of its
// warning-or-error findings, or empty ("no warnings") when it has none.
func TestDocPrecision(t *testing.T) {
	labels := loadLabels(t)
	stats := map[string]Stat{}
	for _, s := range Stats(lintCorpus(t), labels) {
		stats[s.Check] = s
	}
	var want, got []string
	for _, c := range checks.All() {
		w := ""
		if s, ok := stats[c.ID]; ok {
			w = s.String()
		}
		want = append(want, c.ID+": "+w)
		got = append(got, c.ID+": "+c.Doc.Precision)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Doc.Precision out of date (set it in the check, then make docs): mismatch (-want +got):\n%s", diff)
	}
}
