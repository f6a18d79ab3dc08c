package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// yamlDocuments is how many documents yaml.v3 decodes from src, or -1
// when it fails part way.
func yamlDocuments(src string) int {
	dec := yaml.NewDecoder(strings.NewReader(src))
	for n := 0; ; n++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			return -1
		}
	}
}

// TestDocumentStart: the cheap count agrees with yaml.v3's decoder on
// every case, and names the line where the first document over the limit
// starts.
func TestDocumentStart(t *testing.T) {
	tests := []struct {
		name, src string
		starts    []int // the line each document starts at
	}{
		{"empty", "", nil},
		{"comments only", "# a\n\n# b\n", nil},
		{"one", "groups: []\n", []int{1}},
		{"one after a marker", "# c\n---\ngroups: []\n", []int{2}},
		{"content on the marker line", "--- {groups: []}\n--- []\n", []int{1, 2}},
		{"empty documents", "---\n---\n---\n", []int{1, 2, 3}},
		{"a first document without a marker", "a: 1\n---\nb: 2\n", []int{1, 2}},
		{"end marker then start marker", "a: 1\n...\n---\nb: 2\n", []int{1, 3}},
		{"end markers alone", "a: 1\n...\n...\n", []int{1}},
		{"directive", "%YAML 1.1\n---\na: 1\n", []int{2}},
		{"marker with a comment", "a: 1\n--- # c\nb: 1\n", []int{1, 2}},
		{"not markers", "a: |\n  ---\n  ----\nb: ---\n", []int{1}},
		{"indented marker-like text", "a:\n - ---\n", []int{1}},
		{"CRLF", "a: 1\r\n---\r\nb: 2\r\n", []int{1, 2}},
		{"byte order mark", "\xef\xbb\xbfa: 1\n", []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := yamlDocuments(tt.src); got != len(tt.starts) {
				t.Fatalf("yaml.v3 decodes %d documents, the case says %d", got, len(tt.starts))
			}
			// Under each limit below the count, the line of the next
			// document; at the count, 0 (within the limit).
			want := append(append([]int{}, tt.starts...), 0)
			var got []int
			for n := 0; n <= len(tt.starts); n++ {
				got = append(got, documentStart([]byte(tt.src), n))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRegexPatterns(t *testing.T) {
	tests := []struct {
		expr           string
		longest, total int
	}{
		{`up`, 0, 0},
		{`up{job="abc"}`, 0, 0},
		{`up{job=~"abc"}`, 3, 3},
		{`up{job!~'ab', env =~ ` + "`abcd`" + `}`, 4, 6},
		{`up{job=~"a\"b"}`, 4, 4},
		{`label_replace(up, "a", "$1", "b", "(.*)")`, 0, 0},
		{`x{a="=~\"zzzz\""} == 1`, 0, 0},
		{`{__name__=~"unterminated`, 12, 12},
	}
	for _, tt := range tests {
		longest, total := regexPatterns(tt.expr)
		if diff := cmp.Diff([]int{tt.longest, tt.total}, []int{longest, total}); diff != "" {
			t.Errorf("regexPatterns(%q) mismatch (-want +got):\n%s", tt.expr, diff)
		}
	}
}

// TestReadLimits: each limit is checked before the work it bounds, is
// reported once at its place, and can be raised.
func TestReadLimits(t *testing.T) {
	rule := func(name, re string) string {
		return fmt.Sprintf("  - record: %s\n    expr: up{job=~%q}\n", name, re)
	}
	var many strings.Builder
	many.WriteString("groups:\n- name: g\n  rules:\n")
	for i := 0; i < 65; i++ {
		many.WriteString(rule(fmt.Sprintf("r%d", i), "abcdefghij"))
	}
	tests := []struct {
		name, src string
		lim       ReadLimits
		want      []string
	}{
		{"documents", "a: 1\n---\n---\n", ReadLimits{MaxDocuments: 2},
			[]string{"3:1 io/read more than 2 YAML documents in one file (document 3 starts here): not decoded; not a rule file? [lint.documents]"}},
		{"documents raised", "groups: []\n---\n---\n", ReadLimits{MaxDocuments: 3}, nil},
		{"one regex", "groups:\n- name: g\n  rules:\n" + rule("a", "abcdefghijk"), ReadLimits{MaxRegexBytes: 10},
			[]string{"5:11 io/read regex matcher of 11 bytes, over the limit of 10: not parsed [lint.regex_size]"}},
		{"one regex at the limit", "groups:\n- name: g\n  rules:\n" + rule("a", "abcdefghij"), ReadLimits{MaxRegexBytes: 10}, nil},
		{"the file's regexes together", many.String(), ReadLimits{MaxRegexBytes: 10},
			[]string{"133:11 io/read the regex matchers of this file together are over 640 bytes, too large to compile: not parsed; split the file [lint.regex_size]"}},
		{"a control character", "groups:\n- name: g\x7f\n", ReadLimits{},
			[]string{"2:10 yaml/syntax YAML syntax: control character U+007F is not allowed (YAML allows tab, line breaks and printable characters)"}},
		{"a control character after a multi-byte one", "groups:\n- name: \"é\x1b\"\n", ReadLimits{},
			[]string{"2:11 yaml/syntax YAML syntax: control character U+001B is not allowed (YAML allows tab, line breaks and printable characters)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ds := ReadFileLimits("f.yaml", []byte(tt.src), tt.lim)
			var got []string
			for _, d := range ds {
				// The limit is named, its CLI flag is not.
				if d.Limit != "" {
					d.Message += " [" + string(d.Limit) + "]"
				}
				got = append(got, brief1(d))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if len(tt.want) > 0 && strings.Contains(tt.want[0], "documents") && len(f.Docs) != 0 {
				t.Errorf("%d documents decoded over the limit", len(f.Docs))
			}
			if len(tt.want) > 0 && strings.Contains(tt.want[0], "regex") {
				// Refused before the parser compiles the pattern: no AST,
				// and checks are told not to report the expression again.
				rules := f.Docs[0].Groups[0].Rules
				last := rules[len(rules)-1]
				if last.Expr.AST != nil || !IsLimitError(last.Expr.Err) {
					t.Errorf("expression over the limit: AST %v, error %v; want no AST and a limit error", last.Expr.AST, last.Expr.Err)
				}
				if len(rules) > 1 && (rules[0].Expr.AST == nil || rules[0].Expr.Err != nil) {
					t.Errorf("first expression, within the limit, not parsed: %v", rules[0].Expr.Err)
				}
			}
		})
	}
}

// TestScreenUTF16: UTF-16 is named as such, with or without a byte order
// mark, in either byte order; text that only starts with a NUL or holds
// one later is still binary data.
func TestScreenUTF16(t *testing.T) {
	le := func(s string) string {
		var b bytes.Buffer
		for _, c := range []byte(s) {
			b.WriteByte(c)
			b.WriteByte(0)
		}
		return b.String()
	}
	be := func(s string) string {
		var b bytes.Buffer
		for _, c := range []byte(s) {
			b.WriteByte(0)
			b.WriteByte(c)
		}
		return b.String()
	}
	tests := []struct{ name, src, want string }{
		{"LE with BOM", "\xff\xfe" + le("groups: []\n"), "1:1 io/read UTF-16 text (byte order mark 0xff 0xfe), not UTF-8: re-save the file as UTF-8"},
		{"BE with BOM", "\xfe\xff" + be("groups: []\n"), "1:1 io/read UTF-16 text (byte order mark 0xfe 0xff), not UTF-8: re-save the file as UTF-8"},
		{"LE without BOM", le("groups: []\n"), "1:1 io/read UTF-16 text (NUL bytes between ASCII characters), not UTF-8: re-save the file as UTF-8"},
		{"BE without BOM", be("groups: []\n"), "1:1 io/read UTF-16 text (NUL bytes between ASCII characters), not UTF-8: re-save the file as UTF-8"},
		{"binary", "\x00\x00\x00\x01", "1:1 io/read binary data (a NUL byte), not a YAML rule file"},
		{"a NUL later", "groups: []\n\x00", "2:1 io/read binary data (a NUL byte), not a YAML rule file"},
		{"UTF-8 with BOM", "\xef\xbb\xbfgroups: []\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if d := screen("f.yaml", []byte(tt.src)); d != nil {
				got = brief1(*d)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLintReadingPath: what Lint reads, and what it refuses, through the one
// bounded reading path; every other input is still linted.
func TestLintReadingPath(t *testing.T) {
	const rules = "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: up\n"
	dir := t.TempDir()
	for _, d := range []string{"rules", "empty", "hidden/.git"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"rules/a.yaml", "hidden/.git/b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(rules), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("rules", filepath.Join(dir, "link")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
		t.Skip(err)
	}
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	go func() {
		// A pipe named on the command line is read, as <(helm template)
		// is; the writer waits for the reader.
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.WriteString(rules)
			f.Close()
		}
	}()
	t.Chdir(dir)

	tests := []struct {
		name  string
		paths []string
		stdin string
		want  []string
		files int
	}{
		{"symlinked directory", []string{"link"}, "", nil, 1},
		{"empty directory", []string{"empty", "rules"}, "",
			[]string{"empty: io/read no rule files (*.yml, *.yaml) in directory empty (hidden directories are skipped)"}, 1},
		{"only hidden rule files", []string{"hidden"}, "",
			[]string{"hidden: io/read no rule files (*.yml, *.yaml) in directory hidden (hidden directories are skipped)"}, 0},
		{"empty stdin", []string{"-", "rules"}, "",
			[]string{"<stdin>: io/read standard input is empty: nothing to lint (did the command before the pipe fail?)"}, 1},
		{"stdin", []string{"-"}, rules, nil, 1},
		{"device named", []string{"zero.yaml", "rules"}, "",
			[]string{"zero.yaml: io/read zero.yaml is a character device, not a regular file; not read"}, 1},
		{"pipe named", []string{"pipe.yaml", "rules"}, "", nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Lint(tt.paths, strings.NewReader(tt.stdin), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Diagnostics {
				got = append(got, fmt.Sprintf("%s: %s %s", d.Pos, d.Check, d.Message))
			}
			if diff := cmp.Diff([]any{tt.want, tt.files}, []any{got, res.Files}); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
