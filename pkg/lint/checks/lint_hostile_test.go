package checks

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// FuzzLint runs the whole lint pipeline (screening, the reader of plain
// rule files and PrometheusRule resources, every registered check,
// directives) over arbitrary bytes given on stdin: no input may panic, and
// every finding must name the file and a check. Seeds are the lint test
// data and the shared corpus (valid, invalid and CRD files), so mutations
// start from real rule files.
func FuzzLint(f *testing.F) {
	for _, root := range []string{
		filepath.Join("..", "..", "..", "testdata", "lint"),
		filepath.Join(corpusDir, "valid"), filepath.Join(corpusDir, "invalid"), filepath.Join(corpusDir, "crd"),
	} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				return nil
			}
			// Big seeds only slow every mutation down; the small ones
			// already cover each construct.
			if info, err := d.Info(); err == nil && info.Size() <= 16<<10 {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
			return nil
		})
	}
	f.Add([]byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {severity: page}\n"))
	f.Add([]byte("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: g\n    rules:\n    - record: a:b\n      expr: sum(x)\n"))
	f.Add([]byte("groups:\n- name: g\xff\n  rules: []\n"))
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\ngroups: *b\n"))
	all := All()
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := lint.Lint([]string{"-"}, bytes.NewReader(src), lint.Options{Checks: all, Workers: 1})
		if err != nil {
			t.Fatalf("Lint: %v", err)
		}
		for _, d := range res.Diagnostics {
			if d.Check == lint.IDPanic {
				// The engine turns a check's panic into a finding so a run
				// survives it; here it is the bug being looked for.
				t.Fatalf("%s: %s", d.Pos, d.Message)
			}
			if d.Pos.File != "<stdin>" || d.Check == "" || d.Message == "" {
				t.Fatalf("finding without file, check or message: %+v", d)
			}
			if d.Severity < diag.Info || d.Severity > diag.Error {
				t.Fatalf("finding with severity %d: %+v", d.Severity, d)
			}
		}
	})
}
