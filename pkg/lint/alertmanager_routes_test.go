package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRoutedSeverities(t *testing.T) {
	const receivers = `
receivers:
  - name: default
  - name: pager
  - name: tickets
`
	tests := []struct {
		name   string
		routes string
		want   []string
	}{
		{
			name:   "no child routes: the root takes everything",
			routes: "route:\n  receiver: default\n",
			want:   []string{RouteAll},
		},
		{
			name: "match, match_re and matchers",
			routes: `route:
  receiver: default
  routes:
    - receiver: pager
      match:
        severity: page
    - receiver: tickets
      match_re:
        severity: ticket|warn(ing)?
    - receiver: tickets
      matchers: ['team="agents"']
      routes:
        - receiver: pager
          matchers: ['severity=~"crit|p[12]"']
`,
			want: []string{"crit", "p1", "p2", "page", "ticket", "warn", "warning"},
		},
		{
			name: "routes on other labels only route nothing by severity",
			routes: `route:
  receiver: default
  routes:
    - receiver: pager
      matchers: ['team="agents"']
    - receiver: pager
      matchers: ['severity="page"']
`,
			want: []string{"page"},
		},
		{
			name: "a child route without matchers catches everything",
			routes: `route:
  receiver: default
  routes:
    - receiver: pager
      matchers: ['severity="page"']
    - receiver: tickets
`,
			want: []string{RouteAll},
		},
		{
			name: "negative matcher",
			routes: `route:
  receiver: default
  routes:
    - receiver: tickets
      matchers: ['severity!="page"']
`,
			want: []string{RouteAll},
		},
		{
			name: "open regexp",
			routes: `route:
  receiver: default
  routes:
    - receiver: tickets
      matchers: ['severity=~"p.*"']
`,
			want: []string{RouteAll},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "alertmanager.yml")
			if err := os.WriteFile(path, []byte(tt.routes+receivers), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := RoutedSeverities(path, "severity")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoutedSeveritiesBadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := os.WriteFile(path, []byte("route:\n  receiver: nobody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := RoutedSeverities(path, "severity")
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("got error %v, want one naming %s", err, path)
	}
	if _, err := RoutedSeverities(filepath.Join(t.TempDir(), "missing.yml"), "severity"); err == nil {
		t.Fatal("a missing file gave no error")
	}
}
