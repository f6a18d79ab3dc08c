package cmd

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// openPTY returns the terminal side of a new pseudo-terminal, so a test
// can hand the lint command a real TTY as stdout.
func openPTY(t *testing.T) *os.File {
	_, tty := openPTYPair(t)
	return tty
}

// openPTYPair returns both sides: what is written to tty can be read
// from ptmx.
func openPTYPair(t *testing.T) (ptmx, tty *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	fd := int(ptmx.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return ptmx, tty
}

// TestLintColorOnTerminal runs lint with a terminal as stdout: the text
// report is coloured, and --no-color or NO_COLOR turn that off.
func TestLintColorOnTerminal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte("groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == == 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		ptmx, tty := openPTYPair(t)
		got := make(chan string)
		go func() {
			b, _ := io.ReadAll(ptmx) // ends with EIO once tty is closed
			got <- string(b)
		}()
		var errOut bytes.Buffer
		Run(append([]string{"lint"}, append(args, file)...), &IOStreams{In: strings.NewReader(""), Out: tty, ErrOut: &errOut})
		tty.Close()
		return <-got
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	if out := run(); !strings.Contains(out, "\x1b[") {
		t.Errorf("no colour on a terminal:\n%q", out)
	}
	if out := run("--no-color"); strings.Contains(out, "\x1b[") || !strings.Contains(out, "error") {
		t.Errorf("--no-color: %q", out)
	}
	t.Setenv("NO_COLOR", "1")
	if out := run(); strings.Contains(out, "\x1b[") || !strings.Contains(out, "error") {
		t.Errorf("NO_COLOR=1: %q", out)
	}
}

func TestColorEnabled(t *testing.T) {
	tty := openPTY(t)
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tests := []struct {
		name    string
		out     *os.File
		noColor bool
		env     map[string]string
		want    bool
	}{
		{"terminal", tty, false, nil, true},
		{"--no-color", tty, true, nil, false},
		{"NO_COLOR", tty, false, map[string]string{"NO_COLOR": "1"}, false},
		{"empty NO_COLOR is unset", tty, false, map[string]string{"NO_COLOR": ""}, true},
		{"TERM=dumb", tty, false, map[string]string{"TERM": "dumb"}, false},
		{"a file", file, false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			t.Setenv("TERM", "xterm")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got := colorEnabled(&IOStreams{Out: tt.out}, tt.noColor)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
