package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// runCLI runs one command line in-process.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(args, &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

const twoServices = `version: 1
services:
  - {name: alpha, job: alpha}
  - {name: beta, job: beta, preset: default}
`

func TestGenerateNoSpecPrintsExample(t *testing.T) {
	code, out, stderr := runCLI(t, "", "generate")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	// The first command a newcomer runs must not warn about its own example.
	if stderr != "" {
		t.Errorf("generate of the built-in example printed on stderr:\n%s", stderr)
	}
	want, err := os.ReadFile("../testdata/generate/example.golden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestGenerateExampleSpec(t *testing.T) {
	code, out, _ := runCLI(t, "", "generate", "--example-spec")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if diff := cmp.Diff(string(rules.ExampleSpec()), out); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	// The printed example must itself be a valid spec.
	code, _, stderr := runCLI(t, out, "generate", "-")
	if code != ExitOK {
		t.Errorf("example spec does not generate: exit %d\n%s", code, stderr)
	}
}

func TestGenerateFileAndCheck(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	out := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(spec, []byte(twoServices), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", "generate", spec, "-o", out); code != ExitOK {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	first, _ := os.ReadFile(out)
	if !bytes.Contains(first, []byte("service: alpha")) || !bytes.Contains(first, []byte("service: beta")) {
		t.Fatalf("one file should hold both services:\n%s", first)
	}
	if code, stdout, stderr := runCLI(t, "", "generate", spec, "-o", out, "--check"); code != ExitOK {
		t.Fatalf("--check on fresh output: exit %d\n%s%s", code, stdout, stderr)
	}

	// A changed spec makes the file stale: exit 1 with a unified diff,
	// and the file is left alone.
	if err := os.WriteFile(spec, []byte(strings.Replace(twoServices, "job: beta", "job: beta2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "generate", spec, "-o", out, "--check")
	if code != ExitFindings {
		t.Fatalf("--check on stale output: exit %d, want %d\n%s", code, ExitFindings, stderr)
	}
	for _, want := range []string{"--- " + out, "+++ " + out + " (generated)", `-        expr: up{job="beta"} == 0`, `+        expr: up{job="beta2"} == 0`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "stale") {
		t.Errorf("stderr %q does not say the file is stale", stderr)
	}
	after, _ := os.ReadFile(out)
	if !bytes.Equal(first, after) {
		t.Errorf("--check modified the file")
	}
}

func TestGeneratePerServiceDir(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(spec, []byte(twoServices), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "rules") + "/"
	if code, _, stderr := runCLI(t, "", "generate", spec, "-o", outDir); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"alpha.rules.yaml", "beta.rules.yaml"}, names); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	// An existing directory without the trailing slash is a directory too.
	if code, stdout, stderr := runCLI(t, "", "generate", spec, "-o", strings.TrimSuffix(outDir, "/"), "--check"); code != ExitOK {
		t.Errorf("--check on a fresh directory: exit %d\n%s%s", code, stdout, stderr)
	}
	if err := os.Remove(filepath.Join(outDir, "beta.rules.yaml")); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "", "generate", spec, "-o", outDir, "--check"); code != ExitFindings {
		t.Errorf("--check with a missing file: exit %d, want %d", code, ExitFindings)
	}
}

func TestGenerateErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nservices:\n  - name: a\n    job: a\n    error_rate: {page: {treshold: 10%}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"bad spec", []string{"generate", bad}, ExitUsage, bad + `:5:25: error: unknown field "treshold" in error_rate.page, did you mean "threshold"? (spec/unknown-field)`},
		{"missing spec", []string{"generate", filepath.Join(dir, "nope.yaml")}, ExitUsage, "no such file"},
		{"check without -o", []string{"generate", "--check"}, ExitUsage, "--check needs -o"},
		{"example-spec with spec", []string{"generate", "--example-spec", bad}, ExitUsage, "--example-spec takes no SPEC"},
		{"two specs", []string{"generate", bad, bad}, ExitUsage, "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d", code, tt.wantCode)
			}
			if stdout != "" {
				t.Errorf("stdout should be empty on error, got %q", stdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestGenerateWritesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(out, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, _ := runCLI(t, "version: 1\nservices: [{name: a}]\n", "generate", "-", "-o", out)
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	got, _ := os.ReadFile(out)
	if string(got) != "keep me\n" {
		t.Errorf("output file changed to %q", got)
	}
}

func TestPresetsCommand(t *testing.T) {
	code, out, _ := runCLI(t, "", "presets")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || len(lines) < 2 || !strings.HasPrefix(lines[1], "default ") {
		t.Fatalf("presets: exit %d, output %q; want a header, then default", code, out)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "vllm ") && !strings.HasSuffix(l, "token_budget, cost") {
			t.Errorf("vllm line %q does not say it cannot serve token_budget and cost", l)
		}
	}
	code, out, _ = runCLI(t, "", "presets", "show", "default")
	if code != ExitOK || !strings.Contains(out, "name: default") {
		t.Errorf("presets show default: exit %d, output %q", code, out)
	}
	code, _, stderr := runCLI(t, "", "presets", "show", "nope")
	if code != ExitUsage || !strings.Contains(stderr, `unknown preset "nope"`) {
		t.Errorf("presets show nope: exit %d, stderr %q", code, stderr)
	}
}

func TestGenerateCreatesParentDir(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rules", "nested", "agents.rules.yaml")
	if code, _, stderr := runCLI(t, twoServices, "generate", "-", "-o", out); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("output not written: %v", err)
	}
}

// TestGenerateReportsOrphans: a service removed from the spec leaves its
// generated file behind; --check must call that stale.
func TestGenerateReportsOrphans(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	outDir := filepath.Join(dir, "rules") + "/"
	if err := os.WriteFile(spec, []byte(twoServices), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", "generate", spec, "-o", outDir); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// A hand-written file in the same directory is none of our business.
	handWritten := filepath.Join(outDir, "mine.rules.yaml")
	if err := os.WriteFile(handWritten, []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	oneService := "version: 1\nservices:\n  - {name: alpha, job: alpha}\n"
	if err := os.WriteFile(spec, []byte(oneService), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCLI(t, "", "generate", spec, "-o", outDir, "--check")
	if code != ExitFindings {
		t.Fatalf("--check with an orphan: exit %d, want %d", code, ExitFindings)
	}
	beta := filepath.Join(outDir, "beta.rules.yaml")
	if diff := cmp.Diff(beta+": generated from this spec but not by this run (a service the spec no longer has, or an earlier -o FILE); --prune deletes it\n", stdout); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	code, _, stderr := runCLI(t, "", "generate", spec, "-o", outDir)
	if code != ExitOK || !strings.Contains(stderr, beta+" was generated from") || !strings.Contains(stderr, "--prune") {
		t.Errorf("generate with an orphan: exit %d, stderr %q; want a note naming %s and --prune", code, stderr, beta)
	}
	// --prune deletes the orphan, and only it; --check is then content.
	code, _, stderr = runCLI(t, "", "generate", spec, "-o", outDir, "--prune")
	if code != ExitOK || !strings.Contains(stderr, "removed "+beta) {
		t.Fatalf("--prune: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(beta); !os.IsNotExist(err) {
		t.Errorf("--prune left %s: %v", beta, err)
	}
	if _, err := os.Stat(handWritten); err != nil {
		t.Errorf("--prune touched a file it did not generate: %v", err)
	}
	if code, stdout, stderr := runCLI(t, "", "generate", spec, "-o", outDir, "--check"); code != ExitOK {
		t.Errorf("--check after --prune: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestGenerateFileThenDirConverges is the loop a newcomer fell into: one
// file first, then one file per service into the same directory. --check
// must name the way out (--prune), and following it must end the loop.
func TestGenerateFileThenDirConverges(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("agents.yaml", []byte(twoServices), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", "generate", "agents.yaml", "-o", "rules/agents.rules.yaml"); code != ExitOK {
		t.Fatalf("-o FILE: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "generate", "agents.yaml", "-o", "rules/"); code != ExitOK {
		t.Fatalf("-o DIR/: exit %d\n%s", code, stderr)
	}
	code, _, stderr := runCLI(t, "", "generate", "agents.yaml", "-o", "rules/", "--check")
	wantAdvice := "1 generated file(s) stale: run agentalerts generate agents.yaml -o rules/ --prune"
	if code != ExitFindings || !strings.Contains(stderr, wantAdvice) {
		t.Fatalf("--check: exit %d, stderr %q, want %q", code, stderr, wantAdvice)
	}
	if code, _, stderr := runCLI(t, "", "generate", "agents.yaml", "-o", "rules/", "--prune"); code != ExitOK {
		t.Fatalf("the advised command: exit %d\n%s", code, stderr)
	}
	if code, stdout, stderr := runCLI(t, "", "generate", "agents.yaml", "-o", "rules/", "--check"); code != ExitOK {
		t.Errorf("--check after the advised command: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestGenerateSaysWhatItWrote: one line on stderr after writing, none with
// -q, none when the rules go to stdout.
func TestGenerateSaysWhatItWrote(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rules.yaml")
	tests := filepath.Join(dir, "rules.test.yaml")
	code, _, stderr := runCLI(t, twoServices, "generate", "-", "-o", out, "--tests", tests)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := regexp.MustCompile(`^agentalerts: wrote (\d+) alerts for 2 services to ` + regexp.QuoteMeta(out) + `, tests to ` + regexp.QuoteMeta(tests) + "\n$")
	m := want.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("stderr %q does not match %s", stderr, want)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "- alert: "); strconv.Itoa(n) != m[1] {
		t.Errorf("summary says %s alerts, the file has %d", m[1], n)
	}
	if code, stdout, stderr := runCLI(t, twoServices, "generate", "-", "-o", out, "-q"); code != ExitOK || stdout != "" || stderr != "" {
		t.Errorf("-q: exit %d, stdout %q, stderr %q; want silence", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, twoServices, "generate", "-"); code != ExitOK || stderr != "" {
		t.Errorf("to stdout: exit %d, stderr %q; want no summary", code, stderr)
	}
	if code, _, stderr := runCLI(t, twoServices, "generate", "-", "--prune"); code != ExitUsage || !strings.Contains(stderr, "--prune needs -o DIR/") {
		t.Errorf("--prune without -o DIR/: exit %d, stderr %q", code, stderr)
	}
}

// TestWrapFlagErrors: pkg/ruleformat names a rejected option as its
// Options field; the message names the flag that set it.
func TestWrapFlagErrors(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("a", 254)+".yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--name", "Bad_Name"}, `agentalerts: --name "Bad_Name": `},
		{[]string{"--namespace", "mon.itoring"}, `agentalerts: --namespace "mon.itoring": `},
		{[]string{"--label", "a b=x"}, `agentalerts: --label a b: `},
		{[]string{"--label", "team=a b"}, `agentalerts: --label team=a b: `},
		{[]string{"-o", long}, `(from the file name; --name to set it): `},
	} {
		code, _, stderr := runCLI(t, "", append([]string{"generate", "--format", "prometheusrule"}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, ExitUsage, tc.want)
		}
	}
}
