package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/live"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(args, &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestExplainEveryCheck(t *testing.T) {
	for _, c := range live.Documented() {
		code, out, stderr := runCmd(t, "", "explain", c.ID)
		if code != ExitOK {
			t.Errorf("explain %s: exit %d, stderr %q", c.ID, code, stderr)
			continue
		}
		// The title is printed as a sentence, so compare without case.
		title := strings.ToLower(strings.TrimSuffix(c.Doc.Title, "."))
		for _, want := range []string{c.ID + " (" + c.Severity.String() + ")\n", title, "docs/checks/" + c.ID + ".md"} {
			if !strings.Contains(strings.ToLower(out), strings.ToLower(want)) {
				t.Errorf("explain %s: output lacks %q:\n%s", c.ID, want, out)
			}
		}
	}
}

func TestExplainList(t *testing.T) {
	code, out, _ := runCmd(t, "", "explain")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var got []string
	for _, l := range lines[1:] {
		got = append(got, strings.Fields(l)[0])
	}
	var want []string
	for _, c := range live.Documented() {
		want = append(want, c.ID)
	}
	if !strings.HasPrefix(lines[0], "CHECK") {
		t.Errorf("first line %q, want a header", lines[0])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestExplainUnknown(t *testing.T) {
	code, out, stderr := runCmd(t, "", "explain", "no/such-check")
	if code != ExitUsage || out != "" || !strings.Contains(stderr, `unknown check "no/such-check"`) {
		t.Errorf("exit %d, stdout %q, stderr %q: want exit 2 naming the id on stderr", code, out, stderr)
	}
}

func TestExplainNotACheck(t *testing.T) {
	code, out, _ := runCmd(t, "", "explain", "io/read")
	if code != ExitOK || !strings.HasPrefix(out, "io/read (error, not a check)\n") {
		t.Errorf("explain io/read: exit %d, output %q", code, out)
	}
}

func TestSuggestIDs(t *testing.T) {
	ids := []string{"promql/histogram-quantile", "promql/rate-window", "promql/syntax", "alert/severity", "yaml/syntax"}
	tests := []struct {
		in   string
		want []string
	}{
		{"promql/histogram-quantil", []string{"promql/histogram-quantile"}},
		{"histogram-quantile", []string{"promql/histogram-quantile"}},
		{"syntax", []string{"promql/syntax", "yaml/syntax"}},
		{"alert/severty", []string{"alert/severity"}},
		{"completely/different", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, suggestIDs(tt.in, ids)); diff != "" {
			t.Errorf("suggestIDs(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

// Shell completion offers check ids to explain and format names to lint.
func TestLintExplainCompletion(t *testing.T) {
	_, out, _ := runCmd(t, "", "__complete", "explain", "")
	for _, c := range live.Documented() {
		if !strings.Contains(out, c.ID+"\t") {
			t.Errorf("explain completion lacks %s:\n%s", c.ID, out)
		}
	}
	_, out, _ = runCmd(t, "", "__complete", "lint", "--format", "")
	got := strings.Fields(strings.Split(out, ":")[0])
	if diff := cmp.Diff([]string{"checkstyle", "github", "gitlab", "json", "sarif", "text"}, got); diff != "" {
		t.Errorf("lint --format completion mismatch (-want +got):\n%s", diff)
	}
}
