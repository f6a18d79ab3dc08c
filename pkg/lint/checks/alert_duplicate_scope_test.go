package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// Copies in staging/ and production/ are duplicates only when lint.servers
// says one server loads both.
func TestDuplicateServers(t *testing.T) {
	dir := t.TempDir()
	rule := "groups:\n  - name: g\n    rules:\n      - alert: BackupSlow\n        expr: backup_duration_seconds > 3600\n"
	var files []string
	for _, sub := range []string{"staging", "production", "common"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, sub, "backups.yaml")
		if err := os.WriteFile(p, []byte(rule), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.ToSlash(p))
	}
	tests := []struct {
		name    string
		servers map[string][]string
		want    []string
	}{
		{name: "no servers: directories apart"},
		{
			name:    "prod loads common and production",
			servers: map[string][]string{"prod": {"common", "production/*.yaml"}, "stage": {"staging"}},
			want:    []string{"common/backups.yaml"}, // files are linted in path order
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := lint.DefaultConfig()
			cfg.File = filepath.ToSlash(filepath.Join(dir, ".agentalerts.yaml"))
			cfg.Servers = tt.servers
			for _, c := range All() {
				if c != alertDuplicate {
					off := false
					cfg.Checks[c.ID] = lint.CheckConfig{Enabled: &off}
				}
			}
			res, err := lint.Lint(files, nil, lint.Options{Config: cfg, Checks: All()})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Diagnostics {
				rel, _ := filepath.Rel(dir, filepath.FromSlash(d.Pos.File))
				got = append(got, filepath.ToSlash(rel))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Every document of a multi-document file is linted, not only the first;
// the multi-document finding stays.
func TestEveryDocumentLinted(t *testing.T) {
	src := "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: {severity: page}\n" +
		"---\ngroups:\n  - name: b\n    rules:\n      - alert: B\n        expr: up == 0\n"
	var got []string
	for _, d := range lintSource(t, "multi.yaml", src) {
		if d.Check == lint.IDSchemaMultiDocument || d.Check == "alert/severity" {
			got = append(got, fmt.Sprintf("%d %s", d.Pos.Line, d.Check))
		}
	}
	want := []string{"8 " + lint.IDSchemaMultiDocument, "11 alert/severity"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
