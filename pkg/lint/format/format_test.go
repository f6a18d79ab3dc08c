package format

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/internal/golden"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

const testdata = "../../../testdata/format"

// sharedReport is the one input every format's golden is rendered from:
// hand-made diagnostics (so the goldens do not move when checks change)
// pointing into real files under testdata/format/input.
func sharedReport(t *testing.T) *Report {
	t.Helper()
	var ds []diag.Diagnostic
	readJSON(t, filepath.Join(testdata, "input", "diagnostics.json"), &ds)
	var cs []*lint.Check
	readJSON(t, filepath.Join(testdata, "input", "checks.json"), &cs)
	return &Report{
		Diagnostics: ds,
		Files:       3,
		Rules:       3,
		Checks:      cs,
		Source: func(file string) []byte {
			b, err := os.ReadFile(filepath.Join(testdata, "input", file))
			if err != nil {
				return nil
			}
			return b
		},
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		format string
		opts   Options
	}{
		{"report.golden.txt", "text", Options{}},
		{"report.golden.color.txt", "text", Options{Color: true}},
		{"report.golden.quiet.txt", "text", Options{Quiet: true}},
		{"report.golden.json", "json", Options{}},
		{"report.golden.github", "github", Options{}},
		{"report.golden.sarif", "sarif", Options{Version: "v0.0.0-test"}},
		{"report.golden.checkstyle.xml", "checkstyle", Options{}},
		{"report.golden.gitlab.json", "gitlab", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			f, err := New(tt.format, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := f.Format(&buf, sharedReport(t)); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join(testdata, tt.golden), buf.Bytes())
		})
	}
}

func TestNewUnknown(t *testing.T) {
	_, err := New("yaml", Options{})
	if err == nil || !strings.Contains(err.Error(), "checkstyle, github, gitlab, json, sarif, text") {
		t.Fatalf("New(yaml) error = %v, want the list of formats", err)
	}
}

// An empty report must still be valid in every format: JSON consumers get
// "problems": [], SARIF gets "results": [], text a summary.
func TestEmpty(t *testing.T) {
	want := map[string]string{
		"text":       "no problems in 2 files, 5 rules\n",
		"github":     "",
		"checkstyle": "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\"></checkstyle>\n",
		"gitlab":     "[]\n",
		"json": `{
  "problems": [],
  "summary": {
    "files": 2,
    "rules": 5,
    "errors": 0,
    "warnings": 0,
    "infos": 0
  }
}
`,
	}
	got := map[string]string{}
	for name := range want {
		f, _ := New(name, Options{})
		var buf bytes.Buffer
		if err := f.Format(&buf, &Report{Files: 2, Rules: 5}); err != nil {
			t.Fatal(err)
		}
		got[name] = buf.String()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestCaret(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		pos, end  diag.Pos
		wantPad   string
		wantWidth int
	}{
		{"single", "  expr: up", diag.Pos{Line: 1, Column: 9}, diag.Pos{Line: 1, Column: 9}, "        ", 1},
		{"span", "  expr: up == 0", diag.Pos{Line: 1, Column: 9}, diag.Pos{Line: 1, Column: 10}, "        ", 2},
		{"tab kept", "\t expr", diag.Pos{Line: 1, Column: 3}, diag.Pos{}, "\t ", 1},
		{"runes not bytes", "ü ü x", diag.Pos{Line: 1, Column: 5}, diag.Pos{}, "    ", 1},
		{"to end of line", "  a + b  ", diag.Pos{Line: 1, Column: 3}, diag.Pos{Line: 2, Column: 1}, "  ", 5},
		{"past end", "ab", diag.Pos{Line: 1, Column: 4}, diag.Pos{}, "   ", 1},
		{"end before start", "abc", diag.Pos{Line: 1, Column: 2}, diag.Pos{Line: 1, Column: 1}, " ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pad, width := caret(tt.line, tt.pos, tt.end)
			if diff := cmp.Diff([]any{tt.wantPad, tt.wantWidth}, []any{pad, width}); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGitHubEscaping(t *testing.T) {
	r := &Report{Diagnostics: []diag.Diagnostic{{
		Pos:      diag.Pos{File: "a,b:c%.yaml", Line: 2, Column: 3},
		Check:    "x/y",
		Severity: diag.Info,
		Message:  "100% bad\r\nreally: yes, really",
	}}}
	var buf bytes.Buffer
	if err := (GitHub{}).Format(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := "::notice file=a%2Cb%3Ac%25.yaml,line=2,col=3,title=x/y::100%25 bad%0D%0Areally: yes, really\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestRelPath(t *testing.T) {
	r := &Report{Root: "/repo"}
	sub := &Report{Root: "/repo", WorkDir: "/repo/deploy"}
	got := []string{r.relPath("/repo/rules/a.yaml"), r.relPath("/elsewhere/b.yaml"), r.relPath("c/d.yaml"),
		sub.relPath("rules/e.yaml"), sub.relPath("../f.yaml"), sub.relPath("<stdin>")}
	want := []string{"rules/a.yaml", "/elsewhere/b.yaml", "c/d.yaml", "deploy/rules/e.yaml", "f.yaml", "<stdin>"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestLineIndex(t *testing.T) {
	srcs := map[string]string{"crlf": "a\r\nb\r\n", "open": "x\ny", "empty": ""}
	r := &Report{Source: func(f string) []byte {
		if s, ok := srcs[f]; ok {
			return []byte(s)
		}
		return nil
	}}
	type got struct {
		Line string
		OK   bool
	}
	tests := []struct {
		file string
		n    int
		want got
	}{
		{"crlf", 1, got{"a", true}},
		{"crlf", 2, got{"b", true}},
		{"crlf", 3, got{"", false}},
		{"open", 2, got{"y", true}},
		{"open", 3, got{"", false}},
		{"open", 0, got{"", false}},
		{"empty", 1, got{"", true}},
		{"missing", 1, got{"", false}},
	}
	x := lineIndex{}
	for _, tt := range tests {
		l, ok := x.line(r, tt.file, tt.n)
		if diff := cmp.Diff(tt.want, got{l, ok}); diff != "" {
			t.Errorf("line(%s, %d) mismatch (-want +got):\n%s", tt.file, tt.n, diff)
		}
	}
}

// TestTextEscapesPath: a line break or other control character in a file
// name is escaped, in the position and where the message repeats it, so
// each finding stays one line; ordinary names are printed as they are.
func TestTextEscapesPath(t *testing.T) {
	r := &Report{Diagnostics: []diag.Diagnostic{
		{Pos: diag.Pos{File: "a\nb\x1b.yaml"}, Check: "io/read", Severity: diag.Error, Message: "cannot read a\nb\x1b.yaml: permission denied"},
		{Pos: diag.Pos{File: "tab\there ü.yaml", Line: 2, Column: 3}, Check: "x/y", Severity: diag.Warning, Message: "tab\there ü.yaml is odd"},
		{Pos: diag.Pos{File: "plain.yaml", Line: 1, Column: 1}, Check: "x/y", Severity: diag.Info, Message: "a \"quoted\" \\ message"},
	}}
	var buf bytes.Buffer
	if err := (&Text{Quiet: true}).Format(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := "a\\nb\\x1b.yaml: error: cannot read a\\nb\\x1b.yaml: permission denied (io/read)\n" +
		"tab\\there ü.yaml:2:3: warning: tab\\there ü.yaml is odd (x/y)\n" +
		"plain.yaml:1:1: info: a \"quoted\" \\ message (x/y)\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
