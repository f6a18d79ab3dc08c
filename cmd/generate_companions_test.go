package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	amconfig "github.com/prometheus/alertmanager/config"
)

// TestGenerateTestsAndAlertmanager writes the rules with their unit tests and
// Alertmanager skeleton, then proves the pieces fit: the tests pass under
// our runner (so they load the rule file by its relative path), the
// skeleton loads in Alertmanager, and --check sees all three files.
func TestGenerateTestsAndAlertmanager(t *testing.T) {
	for _, tc := range []struct {
		name, out string
	}{
		{"one file", "rules/agents.rules.yaml"},
		{"per service", "rules/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := filepath.Join(dir, "spec.yaml")
			if err := os.WriteFile(spec, []byte(twoServices), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, tc.out)
			if strings.HasSuffix(tc.out, "/") {
				out += "/"
			}
			tests := filepath.Join(dir, "tests", "agents.test.yaml")
			// -o relative to the working directory, --tests absolute: the
			// test file must still find the rules.
			t.Chdir(dir)
			out = strings.TrimPrefix(out, dir+string(filepath.Separator))
			am := filepath.Join(dir, "alertmanager.yml")
			args := []string{"generate", spec, "-o", out, "--tests", tests, "--alertmanager", am}
			if code, _, stderr := runCLI(t, "", args...); code != ExitOK {
				t.Fatalf("generate: exit %d\n%s", code, stderr)
			}
			if code, stdout, stderr := runCLI(t, "", "test", tests); code != ExitOK {
				t.Fatalf("generated tests fail: exit %d\n%s%s", code, stdout, stderr)
			}
			if _, err := amconfig.LoadFile(am); err != nil {
				t.Fatalf("generated Alertmanager config does not load: %v", err)
			}
			if code, stdout, _ := runCLI(t, "", append(args, "--check")...); code != ExitOK {
				t.Fatalf("--check right after generate: exit %d\n%s", code, stdout)
			}
			if err := os.WriteFile(am, []byte("route: {receiver: x}\nreceivers: [{name: x}]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, _ := runCLI(t, "", append(args, "--check")...)
			if code != ExitFindings || !strings.Contains(stdout, "alertmanager.yml") {
				t.Errorf("--check with a stale Alertmanager file: exit %d, want %d and a diff naming it:\n%s", code, ExitFindings, stdout)
			}
		})
	}
}

func TestGenerateTestsNeedsOutput(t *testing.T) {
	code, _, stderr := runCLI(t, "", "generate", "--tests", filepath.Join(t.TempDir(), "x.test.yaml"))
	if code != ExitUsage || !strings.Contains(stderr, "--tests needs -o") {
		t.Errorf("exit %d, stderr %q; want exit %d naming --tests needs -o", code, stderr, ExitUsage)
	}
}
