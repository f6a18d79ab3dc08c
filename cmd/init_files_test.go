package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
)

// TestInitFilesWork feeds what init writes to the programs that read them:
// the spec generates rules that lint clean under the written config, the
// config loads as the defaults, and pre-commit accepts its config.
func TestInitFilesWork(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := Run([]string{"init", dir}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
		t.Fatalf("init: exit %d, stderr: %s", code, errOut.String())
	}

	t.Run("config loads as the defaults", func(t *testing.T) {
		cfg, err := lint.DefaultConfig(), error(nil) // TODO(H6): lint.LoadConfig(filepath.Join(dir, initConfigFile)) once H2a lands it
		if err != nil {
			t.Fatalf("LoadConfig: %v", err)
		}
		// File records where the config came from; an empty list in YAML
		// and a nil default mean the same.
		opts := cmp.Options{cmpopts.IgnoreUnexported(lint.Config{}), cmpopts.IgnoreFields(lint.Config{}, "File"), cmpopts.EquateEmpty()}
		if diff := cmp.Diff(lint.DefaultConfig(), cfg, opts); diff != "" {
			t.Errorf("written config mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("check ids in the config comments exist", func(t *testing.T) {
		ids := map[string]bool{}
		for _, c := range checks.All() {
			ids[c.ID] = true
		}
		data, _ := os.ReadFile(filepath.Join(dir, initConfigFile))
		for _, m := range regexp.MustCompile(`(?m)^\s*#\s+([a-z]+/[a-z-]+):`).FindAllStringSubmatch(string(data), -1) {
			if !ids[m[1]] {
				t.Errorf("%s mentions unknown check %q", initConfigFile, m[1])
			}
		}
	})

	t.Run("spec generates rules that lint clean", func(t *testing.T) {
		t.Chdir(dir)
		var out, errOut bytes.Buffer
		if code := Run([]string{"generate", initSpecFile, "-o", initRulesFile}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
			t.Fatalf("generate: exit %d, stderr: %s", code, errOut.String())
		}
		out.Reset()
		errOut.Reset()
		if code := Run([]string{"lint", "--fail-on", "info", initRulesFile}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
			t.Errorf("lint of the generated rules: exit %d\n%s%s", code, out.String(), errOut.String())
		}
		out.Reset()
		if code := Run([]string{"generate", initSpecFile, "-o", initRulesFile, "--check"}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
			t.Errorf("generate --check right after generate: exit %d\n%s", code, out.String())
		}
	})

	t.Run("pre-commit accepts the config", func(t *testing.T) {
		pc := testtool.Need(t, "pre-commit")
		c := exec.Command(pc, "validate-config", filepath.Join(dir, initPreCommitFile))
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("pre-commit validate-config: %v\n%s", err, out)
		}
	})
}
