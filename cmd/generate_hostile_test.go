package cmd

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestGenerateServiceNameCannotEscape: whatever a service is called, the
// per-service files land directly in the chosen directory, and a file
// there that is a symlink is replaced, not written through.
func TestGenerateServiceNameCannotEscape(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "rules")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(root, "victim.yaml")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(out, "link.rules.yaml")); err != nil {
		t.Skip(err)
	}
	spec := "version: 1\nservices:\n" +
		"  - {name: ../../etc/x, job: a}\n" +
		"  - {name: /abs/path, job: b}\n" +
		"  - {name: '..', job: c}\n" +
		"  - {name: 'a/../../b', job: d}\n" +
		"  - {name: link, job: e}\n"
	code, _, stderr := runCLI(t, spec, "generate", "-", "-o", out+"/")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	want := []string{"rules/a_.._.._b.rules.yaml", "rules/abs_path.rules.yaml", "rules/etc_x.rules.yaml", "rules/link.rules.yaml", "rules/service.rules.yaml", "victim.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files mismatch (-want +got):\n%s", diff)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Errorf("written through the symlink: victim is now %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(out, "link.rules.yaml")); err != nil || fi.Mode()&fs.ModeSymlink != 0 {
		t.Errorf("link.rules.yaml is still a symlink (%v)", err)
	}
}

// TestGenerateKilledMidWrite kills generate at random moments while it
// replaces a rule file: every time, the file is the old rules or the new
// ones, whole, and no left-over temp file matches a rule-file glob.
func TestGenerateKilledMidWrite(t *testing.T) {
	if os.Getenv("AGENTALERTS_HOSTILE_CHILD") != "" {
		t.Skip("in the child")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "rules.yaml")
	var oldSpec, newSpec strings.Builder
	oldSpec.WriteString("version: 1\nservices:\n")
	newSpec.WriteString("version: 1\nservices:\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&oldSpec, "  - {name: svc-%d, job: old}\n", i)
		fmt.Fprintf(&newSpec, "  - {name: svc-%d, job: new}\n", i)
	}
	specOld, specNew := filepath.Join(dir, "old.spec"), filepath.Join(dir, "new.spec")
	for p, s := range map[string]string{specOld: oldSpec.String(), specNew: newSpec.String()} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runCLI(t, "", "generate", specNew, "-o", out); code != ExitOK {
		t.Fatalf("generate new: exit %d: %s", code, stderr)
	}
	newRules, _ := os.ReadFile(out)
	start := time.Now()
	if code, _, stderr := runCLI(t, "", "generate", specOld, "-o", out); code != ExitOK {
		t.Fatalf("generate old: exit %d: %s", code, stderr)
	}
	oldRules, _ := os.ReadFile(out)
	// Kill moments spread over the child's start-up and a few of its
	// writes (it generates again and again).
	window := 4*time.Since(start) + 500*time.Millisecond

	// The child is this test binary running TestGenerateHostileChild.
	killed, finished, sawOld, sawNew := 0, 0, 0, 0
	for i := 0; i < 8; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGenerateHostileChild$")
		cmd.Env = append(os.Environ(), "AGENTALERTS_HOSTILE_CHILD="+specNew+"|"+out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(rand.N(window))
		if cmd.Process.Kill() == nil {
			killed++
		}
		if cmd.Wait() == nil {
			finished++
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		switch string(got) {
		case string(oldRules):
			sawOld++
		case string(newRules):
			sawNew++
			// Put the old rules back so the next kill can catch a write.
			if code, _, stderr := runCLI(t, "", "generate", specOld, "-o", out); code != ExitOK {
				t.Fatalf("generate old: exit %d: %s", code, stderr)
			}
		default:
			t.Fatalf("after a kill, %s is neither the old nor the new rules (%d bytes)", out, len(got))
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "*.yaml")); len(m) != 1 {
			t.Fatalf("a left-over file matches *.yaml: %v", m)
		}
	}
	t.Logf("%d children killed (%d finished first): %d times the old rules, %d times the new", killed, finished, sawOld, sawNew)
}

// TestGenerateHostileChild is the process TestGenerateKilledMidWrite
// kills: it generates the spec into the file named in its environment.
func TestGenerateHostileChild(t *testing.T) {
	env := os.Getenv("AGENTALERTS_HOSTILE_CHILD")
	if env == "" {
		t.Skip("run by TestGenerateKilledMidWrite")
	}
	args := strings.Split(env, "|")
	for {
		if code, _, stderr := runCLI(t, "", "generate", args[0], "-o", args[1]); code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
}
