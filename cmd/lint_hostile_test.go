package cmd

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// otherFile is linted beside each hostile file; its one finding proves
// the run went on after the hostile file was rejected.
const (
	otherFile    = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up{job=\"a\"} == 0\n    for: 5m\n    labels: {severity: ticket}\n"
	otherFinding = "ok.yaml:4:5: warning: alert has no annotations \"summary\" and \"description\" (annotations/required)"
)

// TestLintHostileInput: each kind of hostile or broken file is one line
// naming the file (and line), exit 2, and the other file is still linted.
func TestLintHostileInput(t *testing.T) {
	bomb := "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 30; i++ {
		bomb += "a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [" + strings.Repeat("*a"+strconv.Itoa(i-1)+", ", 9) + "*a" + strconv.Itoa(i-1) + "]\n"
	}
	tests := []struct {
		name  string
		make  func(t *testing.T, path string) // creates the hostile bad.yaml
		flags []string
		want  string // its line of the report
	}{
		{"binary garbage", write("\x7fELF\x02\x01\x01\x00\x00\x00"), nil,
			"bad.yaml:1:8: error: binary data (a NUL byte), not a YAML rule file (io/read)"},
		{"invalid UTF-8", write("groups:\n  - name: caf\xe9\n"), nil,
			"bad.yaml:2:14: error: invalid UTF-8 (byte 0xe9): rule files are UTF-8 text (io/read)"},
		{"huge line", write("groups: []\n#" + strings.Repeat("x", 2<<20) + "\n"), nil,
			"bad.yaml:2:1: error: line of 2097153 bytes, over the limit of 1048576: not a rule file? (io/read)"},
		{"deep nesting", write("groups: " + strings.Repeat("{a: ", 20000)), nil,
			"bad.yaml:1:1: error: YAML nested deeper than the decoder's limit of 10000 levels: not a rule file? (io/read)"},
		{"alias bomb", write(bomb), nil,
			"bad.yaml:13:12: error: YAML aliases expand 362 nodes written to over 10^12 (alias *a11 alone to over 10^12), over the limit of 1000000: an alias bomb? (io/read)"},
		{"parser work", write("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: " + strings.Repeat("(", 5000) + "up" + strings.Repeat(")", 5000) + "\n"), nil,
			// Only the expression is over a limit: the rule's other checks run.
			"bad.yaml:4:5: warning: alert has no severity label, so no route knows how urgent it is (alert/severity)\n" +
				"bad.yaml:4:5: warning: alert has no annotations \"summary\" and \"description\" (annotations/required)\n" +
				"bad.yaml:5:11: error: expression with 5000 operators and parentheses, over the limit of 4096: not parsed (io/read)"},
		{"over --max-file-size", write(strings.Repeat("# comment\n", 200)), []string{"--max-file-size", "1KiB"},
			"bad.yaml: error: bad.yaml is larger than 1024 bytes; not a rule file? (io/read)"},
		{"over the default size", func(t *testing.T, p string) {
			// Sparse: 32 MiB and one byte without writing them.
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(lint.DefaultMaxFileSize + 1); err != nil {
				t.Fatal(err)
			}
		}, nil, "bad.yaml: error: bad.yaml is larger than 33554432 bytes; not a rule file? (io/read)"},
		{"symlink loop", func(t *testing.T, p string) {
			if err := os.Symlink("bad.yaml", p); err != nil {
				t.Skip(err)
			}
		}, nil, "bad.yaml: error: cannot read bad.yaml: too many levels of symbolic links (io/read)"},
		{"dangling symlink", func(t *testing.T, p string) {
			if err := os.Symlink("gone.yaml", p); err != nil {
				t.Skip(err)
			}
		}, nil, "bad.yaml: error: cannot read bad.yaml: no such file or directory (io/read)"},
		{"named pipe", func(t *testing.T, p string) {
			// Opening it would block the run for ever.
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip(err)
			}
		}, nil, "bad.yaml: error: bad.yaml is a named pipe, not a regular file; skipped (io/read)"},
		{"unreadable", func(t *testing.T, p string) {
			if os.Geteuid() == 0 {
				t.Skip("root reads a file of mode 000")
			}
			write(otherFile)(t, p)
			if err := os.Chmod(p, 0); err != nil {
				t.Fatal(err)
			}
		}, nil, "bad.yaml: error: cannot read bad.yaml: permission denied (io/read)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte(otherFile), 0o644); err != nil {
				t.Fatal(err)
			}
			tt.make(t, filepath.Join(dir, "bad.yaml"))
			t.Chdir(dir)
			for _, arg := range []string{".", "bad.yaml"} { // walked and named
				if arg == "bad.yaml" && tt.name == "named pipe" {
					continue // named, a pipe is read: <(helm template ...) is one
				}
				args := append(append([]string{"lint", "--no-color", "-q"}, tt.flags...), arg)
				if arg == "bad.yaml" {
					args = append(args, "ok.yaml")
				}
				code, stdout, _ := runCLI(t, "", args...)
				want := tt.want + "\n" + otherFinding + "\n"
				if diff := cmp.Diff(want, stdout); diff != "" {
					t.Errorf("lint %s: stdout mismatch (-want +got):\n%s", arg, diff)
				}
				if code != ExitUsage {
					t.Errorf("lint %s: exit %d, want %d", arg, code, ExitUsage)
				}
			}
		})
	}
}

// TestDirectoryWhereFileExpected: generate SPEC and test FILE name the
// directory and exit 2; test still runs the other file it was given.
func TestDirectoryWhereFileExpected(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "", "generate", dir)
	if code != ExitUsage || stdout != "" || !strings.Contains(stderr, dir) || !strings.Contains(stderr, "is a directory") {
		t.Errorf("generate DIR: exit %d, stdout %q, stderr %q; want exit 2 and an error naming the directory", code, stdout, stderr)
	}
	testFile := filepath.Join(dir, "ok.test.yaml")
	if err := os.WriteFile(testFile, []byte("tests:\n  - interval: 1m\n    input_series:\n      - series: up\n        values: 1x5\n    promql_expr_test:\n      - expr: up\n        eval_time: 1m\n        exp_samples:\n          - labels: up\n            value: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "", "test", dir, testFile)
	if code != ExitUsage || !strings.Contains(stdout+stderr, dir+": error: "+dir+" is a directory, not a regular file") {
		t.Errorf("test DIR FILE: exit %d, output %q; want exit 2 and an error naming the directory", code, stdout+stderr)
	}
	if !strings.Contains(stdout+stderr, "ok.test.yaml") {
		t.Errorf("test DIR FILE: the other file was not run:\n%s%s", stdout, stderr)
	}
}

// write returns a maker that writes content.
func write(content string) func(*testing.T, string) {
	return func(t *testing.T, p string) {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
