package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// TestConfigAlertmanager: alertmanager_config names an Alertmanager
// configuration, relative to the config file, whose routes give the
// routed severities (under the configured severity label, whichever
// order the keys come in); a missing file or a clash with
// routed_severities is an error at the key.
func TestConfigAlertmanager(t *testing.T) {
	dir := t.TempDir()
	am := "route:\n  receiver: default\n  routes:\n    - receiver: pager\n      matchers: ['priority=\"p1\"']\n    - receiver: tickets\n      matchers: ['priority=~\"p2|p3\"']\nreceivers:\n  - name: default\n  - name: pager\n  - name: tickets\n"
	if err := os.MkdirAll(filepath.Join(dir, "am"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "am", "alertmanager.yml"), []byte(am), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.ToSlash(filepath.Join(dir, ".agentalerts.yaml"))
	tests := []struct {
		name, src string
		want      []string
		wantErr   string
	}{
		{"relative to the config file", "lint:\n  alertmanager_config: am/alertmanager.yml\n  severity: {label: priority}\n", []string{"p1", "p2", "p3"}, ""},
		{"missing file", "lint:\n  alertmanager_config: nope.yml\n", nil,
			cfgPath + ":2:24: alertmanager_config: " + filepath.ToSlash(filepath.Join(dir, "nope.yml")) + ": no such file or directory"},
		{"both keys", "lint:\n  routed_severities: [page]\n  alertmanager_config: am/alertmanager.yml\n", nil,
			cfgPath + ":2:3: routed_severities and alertmanager_config both set; keep one (alertmanager_config reads the routed severities from the routes)"},
		{"not a path", "lint:\n  alertmanager_config: [a]\n", nil,
			cfgPath + ":2:24: expected the path of an Alertmanager configuration file, found a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// ParseConfig reads no second file; LoadRoutes does.
			cfg, err := ParseConfig(cfgPath, []byte(tt.src))
			if err == nil {
				err = cfg.LoadRoutes()
			}
			gotErr := ""
			if err != nil {
				l := err.(diag.List)
				gotErr = l[0].Pos.String() + ": " + l[0].Message
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Fatalf("error mismatch (-want +got):\n%s", diff)
			}
			if err == nil {
				if diff := cmp.Diff(tt.want, cfg.RoutedSeverities); diff != "" {
					t.Errorf("routed severities mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// ParseConfig is a function of the config's bytes: a missing Alertmanager
// file is LoadRoutes' error, not the parser's.
func TestParseConfigReadsNoSecondFile(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("lint:\n  alertmanager_config: /nonexistent/alertmanager.yml\n"))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if cfg.AlertmanagerConfig != filepath.FromSlash("/nonexistent/alertmanager.yml") || cfg.RoutedSeverities != nil {
		t.Fatalf("AlertmanagerConfig = %q, RoutedSeverities = %v", cfg.AlertmanagerConfig, cfg.RoutedSeverities)
	}
	if err := cfg.LoadRoutes(); err == nil || !strings.Contains(err.Error(), "c.yaml:2:24: ") {
		t.Fatalf("LoadRoutes error = %v, want one at c.yaml:2:24", err)
	}
}
