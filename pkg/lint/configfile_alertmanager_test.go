package lint

import (
	"os"
	"path/filepath"
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
			cfg, err := ParseConfig(cfgPath, []byte(tt.src))
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
