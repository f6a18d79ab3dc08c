package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// utf16LE encodes s as UTF-16, little-endian, without a byte order mark.
func utf16LE(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		b.WriteByte(byte(u))
		b.WriteByte(byte(u >> 8))
	}
	return b.String()
}

// TestLintBounds: the limits of issue 18, and the encodings it names. Each
// is one line naming the file and the place, with the exit code, and the
// other file is still linted; a raised limit lets the same file through.
func TestLintBounds(t *testing.T) {
	regexRule := func(n int) string {
		return "groups:\n- name: g\n  rules:\n  - alert: R\n    expr: up{job=~\"" + strings.Repeat("a", n) + "\"} == 0\n    for: 5m\n    labels: {severity: ticket}\n"
	}
	const ruleFindings = "bad.yaml:4:5: warning: alert has no annotations \"summary\" and \"description\" (annotations/required)\n"
	tests := []struct {
		name    string
		content string
		flags   []string
		want    string // bad.yaml's lines of the report
		code    int
	}{
		{"millions of empty documents, cut at the default", strings.Repeat("---\n", 2000), nil,
			"bad.yaml:1001:1: error: more than 1000 YAML documents in one file (document 1001 starts here): not decoded; not a rule file? (--max-documents to raise) (io/read)\n", ExitUsage},
		{"documents over --max-documents", "groups: []\n---\ngroups: []\n...\n--- # c\ngroups: []\n", []string{"--max-documents", "2"},
			"bad.yaml:5:1: error: more than 2 YAML documents in one file (document 3 starts here): not decoded; not a rule file? (--max-documents to raise) (io/read)\n", ExitUsage},
		{"documents under a raised --max-documents", strings.Repeat("---\n", 2000), []string{"--max-documents", "2000"},
			"", ExitFindings},
		{"regex matcher over the default", regexRule(16<<10 + 1), nil,
			ruleFindings + "bad.yaml:5:11: error: regex matcher of 16385 bytes, over the limit of 16384: not parsed (--max-regex-size to raise) (io/read)\n", ExitUsage},
		{"regex matcher at the default", regexRule(16 << 10), nil, ruleFindings, ExitFindings},
		{"regex matcher under a raised --max-regex-size", regexRule(16<<10 + 1), []string{"--max-regex-size", "32KiB"}, ruleFindings, ExitFindings},
		{"UTF-16 with a byte order mark", "\xff\xfe" + utf16LE("groups: []\n"), nil,
			"bad.yaml:1:1: error: UTF-16 text (byte order mark 0xff 0xfe), not UTF-8: re-save the file as UTF-8 (io/read)\n", ExitUsage},
		{"UTF-16 without a byte order mark", utf16LE("groups: []\n"), nil,
			"bad.yaml:1:1: error: UTF-16 text (NUL bytes between ASCII characters), not UTF-8: re-save the file as UTF-8 (io/read)\n", ExitUsage},
		{"a control character, at its place", "groups:\n- name: g\n  rules:\n  - alert: A\x01B\n", nil,
			"bad.yaml:4:13: error: YAML syntax: control character U+0001 is not allowed (YAML allows tab, line breaks and printable characters) (yaml/syntax)\n", ExitFindings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(otherFile)(t, filepath.Join(dir, "ok.yaml"))
			write(tt.content)(t, filepath.Join(dir, "bad.yaml"))
			t.Chdir(dir)
			for _, args := range [][]string{{"."}, {"bad.yaml", "ok.yaml"}} { // walked and named
				code, stdout, _ := runCLI(t, "", append(append([]string{"lint", "--no-color", "-q"}, tt.flags...), args...)...)
				if diff := cmp.Diff(tt.want+otherFinding+"\n", stdout); diff != "" {
					t.Errorf("lint %s: stdout mismatch (-want +got):\n%s", args, diff)
				}
				if code != tt.code {
					t.Errorf("lint %s: exit %d, want %d", args, code, tt.code)
				}
			}
		})
	}
}

// TestLintBoundFlags: a limit flag that is not a positive size is a usage
// error, before any file is read.
func TestLintBoundFlags(t *testing.T) {
	tests := []struct {
		flags []string
		want  string
	}{
		{[]string{"--max-documents", "0"}, "agentalerts: --max-documents: 0 is not a positive number of documents\n"},
		{[]string{"--max-regex-size", "lots"}, "agentalerts: --max-regex-size: \"lots\" is not a positive size such as 1048576, 512KiB or 64MiB\n"},
		{[]string{"--max-regex-size", "2GiB"}, "agentalerts: --max-regex-size: \"2GiB\" is over 1GiB\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append(append([]string{"lint"}, tt.flags...), "-")...)
			if diff := cmp.Diff([]any{ExitUsage, "", tt.want}, []any{code, stdout, stderr}); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLintDirectorySymlink: a symlink to a directory, given as PATH, is
// walked like the directory itself.
func TestLintDirectorySymlink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(otherFile)(t, filepath.Join(dir, "rules", "ok.yaml"))
	if err := os.Symlink("rules", filepath.Join(dir, "link")); err != nil {
		t.Skip(err)
	}
	t.Chdir(dir)
	for _, arg := range []string{"link", "link/"} {
		code, stdout, _ := runCLI(t, "", "lint", "--no-color", "-q", arg)
		want := strings.Replace(otherFinding, "ok.yaml", "link/ok.yaml", 1) + "\n"
		if diff := cmp.Diff([]any{ExitFindings, want}, []any{code, stdout}); diff != "" {
			t.Errorf("lint %s: mismatch (-want +got):\n%s", arg, diff)
		}
	}
}

// TestLintConfigBounds: a config, or the Alertmanager configuration it
// names, that is a device or over the size limit is refused with its path
// before anything is read from it (reading /dev/zero would never end). A
// config error stops the run before the rule files, as any bad config.
func TestLintConfigBounds(t *testing.T) {
	sparse := func(t *testing.T, p string) {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(32<<20 + 1); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target string) func(*testing.T, string) {
		return func(t *testing.T, p string) {
			if err := os.Symlink(target, p); err != nil {
				t.Skip(err)
			}
		}
	}
	tests := []struct {
		name   string
		config func(*testing.T, string) // makes .agentalerts.yaml
		am     func(*testing.T, string) // makes am.yaml
		want   string
	}{
		{"config linked to /dev/zero", link("/dev/zero"), nil,
			"agentalerts: config .agentalerts.yaml is a character device, not a regular file\n"},
		{"config over the size limit", sparse, nil,
			"agentalerts: config .agentalerts.yaml is larger than 33554432 bytes\n"},
		{"config in UTF-16", write("\xff\xfe" + utf16LE("lint: {}\n")), nil,
			"agentalerts: .agentalerts.yaml:1:1: error: UTF-16 text (byte order mark 0xff 0xfe), not UTF-8: re-save the file as UTF-8 (config/invalid)\n"},
		{"alertmanager_config linked to /dev/zero", write("lint:\n  alertmanager_config: am.yaml\n"), link("/dev/zero"),
			"agentalerts: .agentalerts.yaml:2:24: error: alertmanager_config: am.yaml is a character device, not a regular file (config/invalid)\n"},
		{"alertmanager_config over the size limit", write("lint:\n  alertmanager_config: am.yaml\n"), sparse,
			"agentalerts: .agentalerts.yaml:2:24: error: alertmanager_config: am.yaml is larger than 33554432 bytes (config/invalid)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(otherFile)(t, filepath.Join(dir, "ok.yaml"))
			tt.config(t, filepath.Join(dir, ".agentalerts.yaml"))
			if tt.am != nil {
				tt.am(t, filepath.Join(dir, "am.yaml"))
			}
			t.Chdir(dir)
			code, stdout, stderr := runCLI(t, "", "lint", "--no-color", "-q", "--config", ".agentalerts.yaml", "ok.yaml")
			if diff := cmp.Diff([]any{ExitUsage, "", tt.want}, []any{code, stdout, stderr}); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLintNewlineInPath: a file name with a line break is escaped in the
// text report, so its finding is one line; the other file is still
// linted.
func TestLintNewlineInPath(t *testing.T) {
	dir := t.TempDir()
	write(otherFile)(t, filepath.Join(dir, "ok.yaml"))
	if err := os.WriteFile(filepath.Join(dir, "a\nb.yaml"), []byte(otherFile), 0o644); err != nil {
		t.Skip(err)
	}
	t.Chdir(dir)
	code, stdout, _ := runCLI(t, "", "lint", "--no-color", "-q", ".")
	// The duplicate finding on ok.yaml names the other file: escaped too.
	want := strings.Replace(otherFinding, "ok.yaml", `a\nb.yaml`, 1) + "\n" +
		"ok.yaml:4:5: info: alert A is an identical copy of the one at a\\nb.yaml:4:5 (alert/duplicate)\n" +
		otherFinding + "\n"
	if diff := cmp.Diff([]any{ExitFindings, want}, []any{code, stdout}); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
