package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
)

// TestInitSeverityVocabulary checks that init writes the vocabulary the
// user picks, and refuses one it does not know.
func TestInitSeverityVocabulary(t *testing.T) {
	tests := []struct {
		flag       string
		values     []string
		page       []string
		wantStatus int
	}{
		{flag: "mixin", values: []string{"critical", "warning", "info"}, page: []string{"critical"}},
		{flag: "tiers", values: []string{"page", "ticket", "log"}, page: []string{"page"}},
		{flag: "p1p2", wantStatus: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			dir := t.TempDir()
			var out, errOut bytes.Buffer
			code := Run([]string{"init", "--severity", tt.flag, dir}, &IOStreams{Out: &out, ErrOut: &errOut})
			if code != tt.wantStatus {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantStatus, errOut.String())
			}
			if tt.wantStatus != ExitOK {
				if !strings.Contains(errOut.String(), "mixin, tiers") {
					t.Errorf("stderr does not list the vocabularies: %s", errOut.String())
				}
				return
			}
			cfg, err := lint.LoadConfig(filepath.Join(dir, initConfigFile))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([][]string{tt.values, tt.page}, [][]string{cfg.SeverityValues, cfg.PageValues}); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInitFilesWork feeds what init writes to the programs that read them:
// the spec generates rules that lint clean under the written config, the
// config loads as the defaults, and pre-commit accepts its config.
func TestInitFilesWork(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := Run([]string{"init", dir}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
		t.Fatalf("init: exit %d, stderr: %s", code, errOut.String())
	}

	t.Run("config loads with the tiers vocabulary", func(t *testing.T) {
		cfg, err := lint.LoadConfig(filepath.Join(dir, initConfigFile))
		if err != nil {
			t.Fatalf("LoadConfig: %v", err)
		}
		got := [][]string{cfg.SeverityValues, cfg.PageValues}
		want := [][]string{{"page", "ticket", "log"}, {"page"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("severity mismatch (-want +got):\n%s", diff)
		}
		if cfg.ScrapeInterval != 0 {
			t.Errorf("scrape_interval = %v, want it left unset (commented out)", cfg.ScrapeInterval)
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
