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
	walk := func() []string {
		var got []string
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				got = append(got, filepath.ToSlash(rel))
			}
			return nil
		})
		return got
	}

	// Names that would leave the directory are refused, each at its
	// position, and nothing at all is written.
	hostile := "version: 1\nservices:\n" +
		"  - {name: ../../etc/x, job: a}\n" +
		"  - {name: /abs/path, job: b}\n" +
		"  - {name: '..', job: c}\n" +
		"  - {name: 'a/../../b', job: d}\n" +
		"  - {name: 'a\\..\\b', job: e}\n" +
		"  - {name: fine, job: f}\n"
	code, _, stderr := runCLI(t, hostile, "generate", "-", "-o", out+"/")
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d: %s", code, ExitUsage, stderr)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.Contains(l, "note:") {
			lines = append(lines, l[:strings.Index(l, ": error:")])
		}
	}
	if diff := cmp.Diff([]string{"<stdin>:3:12", "<stdin>:4:12", "<stdin>:5:12", "<stdin>:6:12", "<stdin>:7:12"}, lines); diff != "" {
		t.Errorf("refusals mismatch (-want +got):\n%s\nstderr:\n%s", diff, stderr)
	}
	if !strings.Contains(stderr, `service name "../../etc/x" would name a file outside the output directory`) {
		t.Errorf("stderr does not say why:\n%s", stderr)
	}
	if diff := cmp.Diff([]string{"rules/link.rules.yaml", "victim.yaml"}, walk()); diff != "" {
		t.Errorf("files mismatch after refusal (-want +got):\n%s", diff)
	}

	// A name with a slash but no way out is flattened into the
	// directory, and a symlink there is replaced, not written through.
	spec := "version: 1\nservices:\n" +
		"  - {name: team/agent, job: a}\n" +
		"  - {name: link, job: e}\n"
	code, _, stderr = runCLI(t, spec, "generate", "-", "-o", out+"/")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff([]string{"rules/link.rules.yaml", "rules/team_agent.rules.yaml", "victim.yaml"}, walk()); diff != "" {
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
