package cmd

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
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
	if diff := cmp.Diff([]string{"agentalerts: <stdin>:3:12", "agentalerts: <stdin>:4:12", "agentalerts: <stdin>:5:12", "agentalerts: <stdin>:6:12", "agentalerts: <stdin>:7:12"}, lines); diff != "" {
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

// fileTree lists every entry under root (hidden ones too) with its
// content, or its type when it is not a regular file.
func fileTree(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			got[rel+"/"] = ""
		case d.Type()&fs.ModeSymlink != 0:
			dest, _ := os.Readlink(p)
			got[rel] = "-> " + dest
		case d.Type().IsRegular():
			b, _ := os.ReadFile(p)
			got[rel] = string(b)
		default:
			got[rel] = d.Type().String()
		}
		return nil
	})
	return got
}

// TestGenerateRefusesOutputs: an output that is not a regular file, that
// is the spec, or that is another output is refused with exit 2 before
// anything is written: no output of the run changes, the device stays a
// device, the spec stays the spec.
func TestGenerateRefusesOutputs(t *testing.T) {
	const refuse = ", not a regular file: generate writes only regular files"
	tests := []struct {
		name  string
		setup func(t *testing.T) // in the test's working directory
		args  []string
		want  string
	}{
		{name: "character device", setup: func(t *testing.T) {
			if err := syscall.Mknod("dev.yaml", syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
				t.Skipf("mknod: %v", err)
			}
		}, args: []string{"-o", "dev.yaml", "--alertmanager", "am.yml"}, want: "-o dev.yaml is a character device" + refuse},
		{name: "symlink to a device", setup: func(t *testing.T) { symlink(t, "/dev/null", "null.yaml") },
			args: []string{"-o", "null.yaml"}, want: "-o null.yaml is a character device" + refuse},
		{name: "fifo", setup: func(t *testing.T) { mkfifo(t, "fifo.yaml") },
			args: []string{"-o", "r.yaml", "--tests", "fifo.yaml"}, want: "--tests fifo.yaml is a FIFO" + refuse},
		{name: "fifo with --check does not block", setup: func(t *testing.T) { mkfifo(t, "fifo.yaml") },
			args: []string{"-o", "fifo.yaml", "--check"}, want: "-o fifo.yaml is a FIFO" + refuse},
		{name: "directory", setup: func(t *testing.T) { os.Mkdir("am", 0o755) },
			args: []string{"-o", "r.yaml", "--alertmanager", "am"}, want: "--alertmanager am is a directory" + refuse},
		{name: "the spec", args: []string{"-o", "a.spec.yaml"},
			want: "-o a.spec.yaml is the input a.spec.yaml: generate would overwrite what it reads"},
		{name: "the spec as --tests", args: []string{"-o", "r.yaml", "--tests", "./a.spec.yaml"},
			want: "--tests ./a.spec.yaml is the input a.spec.yaml: generate would overwrite what it reads"},
		{name: "a hard link to the spec", setup: func(t *testing.T) { os.Link("a.spec.yaml", "h.yaml") },
			args: []string{"-o", "h.yaml"}, want: "-o h.yaml is the input a.spec.yaml: generate would overwrite what it reads"},
		{name: "-o and --tests", args: []string{"-o", "x.yaml", "--tests", "x.yaml"},
			want: "-o x.yaml and --tests x.yaml are the same file: each output needs a path of its own"},
		{name: "--tests and --alertmanager", args: []string{"-o", "r.yaml", "--tests", "x.yaml", "--alertmanager", "x.yaml"},
			want: "--tests x.yaml and --alertmanager x.yaml are the same file: each output needs a path of its own"},
		{name: "a rule file of -o DIR/ as --tests", args: []string{"-o", "rules/", "--tests", "rules/alpha.rules.yaml"},
			want: "-o rules/alpha.rules.yaml and --tests rules/alpha.rules.yaml are the same file: each output needs a path of its own"},
		{name: "-o DIR/ that is a file", args: []string{"-o", "a.spec.yaml/"},
			want: "-o a.spec.yaml/: a.spec.yaml exists and is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if err := os.WriteFile("a.spec.yaml", []byte(twoServices), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t)
			}
			before := fileTree(t, ".")
			code, _, stderr := runWithin(t, 10*time.Second, "", append([]string{"generate", "a.spec.yaml"}, tt.args...)...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if diff := cmp.Diff("agentalerts: "+tt.want+"\n", stderr); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, fileTree(t, ".")); diff != "" {
				t.Errorf("files changed (-want +got):\n%s", diff)
			}
		})
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", fi, err)
	}
}

func symlink(t *testing.T, old, new string) {
	t.Helper()
	if err := os.Symlink(old, new); err != nil {
		t.Skip(err)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

// runWithin is runCLI that fails the test instead of hanging when the
// command blocks (on a FIFO, on endless input).
func runWithin(t *testing.T, d time.Duration, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWithinReader(t, d, strings.NewReader(stdin), args...)
}

func runWithinReader(t *testing.T, d time.Duration, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	done := make(chan int)
	go func() { done <- Run(args, &IOStreams{In: stdin, Out: &out, ErrOut: &errOut}) }()
	select {
	case code = <-done:
	case <-time.After(d):
		t.Fatalf("generate blocked for %v", d)
	}
	return code, out.String(), errOut.String()
}

// endless is standard input that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '#'
	}
	return len(p), nil
}

// TestGenerateInputBounds: each bound is checked before the work it
// bounds, refuses with exit 2 and a message naming the flag that raises
// it, writes nothing, and raising it lets the same spec through.
func TestGenerateInputBounds(t *testing.T) {
	var three strings.Builder
	three.WriteString("version: 1\nservices:\n")
	for _, n := range []string{"a", "b", "c"} {
		fmt.Fprintf(&three, "  - {name: %s, job: %s, labels: {team: x, env: prod, tier: one}}\n", n, n)
	}
	tests := []struct {
		name  string
		stdin io.Reader
		args  []string
		want  string // stderr
		ok    []string
	}{
		{name: "services", args: []string{"--max-services", "2"},
			want: "agentalerts: SPEC:3:3: error: services: 3 services, over the limit of 2 (--max-services to raise) (spec/limit)\n",
			ok:   []string{"--max-services", "3"}},
		{name: "labels", args: []string{"--max-labels", "2"},
			want: "agentalerts: SPEC:3:31: error: services[0].labels: 3 entries, over the limit of 2 (--max-labels to raise) (spec/limit)\n" +
				"agentalerts: SPEC:4:31: error: services[1].labels: 3 entries, over the limit of 2 (--max-labels to raise) (spec/limit)\n" +
				"agentalerts: SPEC:5:31: error: services[2].labels: 3 entries, over the limit of 2 (--max-labels to raise) (spec/limit)\n",
			ok: []string{"--max-labels", "3"}},
		{name: "spec size", args: []string{"--max-spec-size", "100"},
			want: "agentalerts: SPEC is larger than 100 bytes (--max-spec-size to raise)\n",
			ok:   []string{"--max-spec-size", "1KiB"}},
		{name: "stdin size", stdin: strings.NewReader(three.String()), args: []string{"--max-spec-size", "100"},
			want: "agentalerts: <stdin> is larger than 100 bytes (--max-spec-size to raise)\n"},
		{name: "endless stdin", stdin: endless{},
			want: "agentalerts: <stdin> is larger than 4194304 bytes (--max-spec-size to raise)\n"},
		{name: "empty stdin", stdin: strings.NewReader(""),
			want: "agentalerts: standard input is empty: expected a spec (version and services), or give a spec file\n"},
		{name: "bad flag", args: []string{"--max-spec-size", "lots"},
			want: "agentalerts: --max-spec-size: \"lots\" is not a positive size such as 1048576, 512KiB or 64MiB\n"},
		{name: "zero limit", args: []string{"--max-services", "0"},
			want: "agentalerts: --max-services and --max-labels must be positive\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := filepath.Join(dir, "a.spec.yaml")
			if err := os.WriteFile(spec, []byte(three.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out") + "/"
			arg := spec
			if tt.stdin != nil {
				arg = "-"
			}
			args := append([]string{"generate", arg, "-o", out}, tt.args...)
			code, _, stderr := runWithinReader(t, 30*time.Second, tt.stdin, args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if diff := cmp.Diff(tt.want, strings.ReplaceAll(stderr, spec, "SPEC")); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]string{"a.spec.yaml": three.String()}, fileTree(t, dir)); diff != "" {
				t.Errorf("files mismatch (-want +got):\n%s", diff)
			}
			if tt.ok != nil {
				args := append([]string{"generate", arg, "-o", out}, tt.ok...)
				if code, _, stderr := runCLI(t, "", args...); code != ExitOK {
					t.Errorf("raised: exit %d: %s", code, stderr)
				}
			}
		})
	}
}

// TestGenerateSpecNotRegular: a spec that is a FIFO or a device is
// refused at once, not read for ever.
func TestGenerateSpecNotRegular(t *testing.T) {
	t.Chdir(t.TempDir())
	mkfifo(t, "fifo.yaml")
	for path, want := range map[string]string{
		"fifo.yaml": "agentalerts: fifo.yaml is a FIFO, not a regular file\n",
		"/dev/zero": "agentalerts: /dev/zero is a character device, not a regular file\n",
	} {
		code, _, stderr := runWithin(t, 10*time.Second, "", "generate", path, "-o", "r.yaml")
		if code != ExitUsage {
			t.Errorf("%s: exit %d, want %d", path, code, ExitUsage)
		}
		if diff := cmp.Diff(want, stderr); diff != "" {
			t.Errorf("%s: stderr mismatch (-want +got):\n%s", path, diff)
		}
	}
	if _, err := os.Stat("r.yaml"); err == nil {
		t.Error("r.yaml written")
	}
}

// manyServices is a spec of n services whose rules name job.
func manyServices(n int, job string) string {
	var b strings.Builder
	b.WriteString("version: 1\nservices:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {name: svc-%02d, job: %s}\n", i, job)
	}
	return b.String()
}

// TestGenerateDirFullDisk: with -o DIR/ on a file system that fills up
// half way, nothing of the new set is written, the old files stay, no
// staging directory is left, and the message names the files that failed.
// It needs a small tmpfs (root); the same failure is injected in
// internal/atomicfile TestWriteFilesAllOrNothing, which always runs.
func TestGenerateDirFullDisk(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	dir := t.TempDir()
	oldSpec, newSpec := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
	os.WriteFile(oldSpec, []byte(manyServices(3, "old")), 0o644)
	os.WriteFile(newSpec, []byte(manyServices(50, "new")), 0o644)
	out := filepath.Join(mnt, "rules") + "/"
	if code, _, stderr := runCLI(t, "", "generate", oldSpec, "-o", out); code != ExitOK {
		t.Fatalf("old: exit %d: %s", code, stderr)
	}
	before := fileTree(t, mnt)
	code, _, stderr := runCLI(t, "", "generate", newSpec, "-o", out)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	failed := 0
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(l, "agentalerts: ") {
			l = strings.TrimPrefix(l, "agentalerts: ")
		}
		switch {
		case strings.HasPrefix(l, "writing "+out) && strings.HasSuffix(l, ".rules.yaml: no space left on device"):
			failed++
		case strings.HasPrefix(l, "nothing was written: "):
			if want := fmt.Sprintf("nothing was written: %d of 50 file(s) failed", failed); l != want {
				t.Errorf("last line %q, want %q", l, want)
			}
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if failed == 0 {
		t.Errorf("no file named as failing:\n%s", stderr)
	}
	if diff := cmp.Diff(before, fileTree(t, mnt)); diff != "" {
		t.Errorf("files changed (-want +got):\n%s", diff)
	}
}

// TestGenerateDirKilledMidWrite kills generate -o DIR/ at random moments:
// every file in DIR is then whole (the old rules of its service or the
// new), DIR holds nothing but rule files (a DIR/* glob loads no staging
// file), and the next run removes what the killed ones left.
func TestGenerateDirKilledMidWrite(t *testing.T) {
	if os.Getenv("AGENTALERTS_HOSTILE_CHILD") != "" {
		t.Skip("in the child")
	}
	root := t.TempDir()
	specOld, specNew := filepath.Join(root, "old.spec"), filepath.Join(root, "new.spec")
	os.WriteFile(specOld, []byte(manyServices(40, "old")), 0o644)
	os.WriteFile(specNew, []byte(manyServices(40, "new")), 0o644)
	out := filepath.Join(root, "rules")
	gen := func(spec, dir string) {
		t.Helper()
		if code, _, stderr := runCLI(t, "", "generate", spec, "-o", dir+"/"); code != ExitOK {
			t.Fatalf("generate %s: exit %d: %s", spec, code, stderr)
		}
	}
	start := time.Now()
	gen(specNew, filepath.Join(t.TempDir(), "new"))
	window := 4*time.Since(start) + 500*time.Millisecond
	newDir := filepath.Join(t.TempDir(), "new")
	gen(specNew, newDir)
	gen(specOld, out)
	oldFiles, newFiles := fileTree(t, out), fileTree(t, newDir)

	killed, mixed, allOld, allNew := 0, 0, 0, 0
	for i := 0; i < 8; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGenerateHostileChild$")
		cmd.Env = append(os.Environ(), "AGENTALERTS_HOSTILE_CHILD="+specNew+"|"+out+"/")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(rand.N(window))
		if cmd.Process.Kill() == nil {
			killed++
		}
		cmd.Wait()
		got := fileTree(t, out)
		sawOld, sawNew := 0, 0
		for name, content := range got {
			switch content {
			case oldFiles[name]:
				sawOld++
			case newFiles[name]:
				sawNew++
			default:
				t.Fatalf("after a kill, %s is neither its old nor its new rules: %.80q", name, content)
			}
		}
		if len(got) != len(oldFiles) {
			t.Fatalf("after a kill, DIR holds %d entries, want %d rule files", len(got), len(oldFiles))
		}
		switch {
		case sawOld > 0 && sawNew > 0:
			mixed++ // killed within the renames
		case sawNew > 0:
			allNew++
		default:
			allOld++
		}
		if sawNew > 0 {
			gen(specOld, out)
		}
	}
	gen(specNew, out)
	var left []string
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			left = append(left, e.Name())
		}
	}
	if len(left) > 0 {
		t.Errorf("staging left after a complete run: %v", left)
	}
	t.Logf("%d children killed: %d times all old, %d times all new, %d times mixed (killed during the renames)", killed, allOld, allNew, mixed)
}

// TestGenerateDirMountPoint: when DIR is a mount point, its parent is
// another file system and renames cannot cross: the files are staged in
// DIR instead, and the run still writes them all and leaves nothing else.
func TestGenerateDirMountPoint(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	spec := filepath.Join(t.TempDir(), "a.spec.yaml")
	os.WriteFile(spec, []byte(twoServices), 0o644)
	if code, _, stderr := runCLI(t, "", "generate", spec, "-o", mnt+"/"); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []string
	for name := range fileTree(t, mnt) {
		got = append(got, name)
	}
	sort.Strings(got)
	if diff := cmp.Diff([]string{"alpha.rules.yaml", "beta.rules.yaml"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(mnt), ".agentalerts-tmp-*")); len(m) > 0 {
		t.Errorf("staging left beside the mount point: %v", m)
	}
}
