package arch

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/agentalerts/agentalerts/"

// leaves import no package of this module.
var leaves = []string{
	"pkg/diag", "pkg/severity", "pkg/templates", "pkg/ruleformat", "presets",
	"internal/limits", "internal/textdist", "internal/linediff", "internal/workers",
}

// allowed is docs/architecture.md's table: the packages of this module a
// library package may import from its non-test files. A package not
// listed (cmd, the repository tools, tests and benchmarks) is not held to
// a layer, but no library package may import it.
var allowed = map[string][]string{
	"internal/yamlx":      {"pkg/diag", "internal/limits", "internal/textdist"},
	"pkg/lint/catalog":    {"internal/textdist"},
	"internal/atomicfile": {"internal/limits", "internal/workers"},
	"pkg/slo":             {"pkg/severity", "pkg/templates"},
	"pkg/rules": {"pkg/diag", "pkg/severity", "pkg/templates", "pkg/slo", "presets",
		"internal/limits", "internal/textdist", "internal/yamlx", "internal/atomicfile", "internal/workers"},
	"pkg/lint":         {"pkg/diag", "pkg/severity", "internal/limits", "internal/textdist", "internal/yamlx"},
	"pkg/lint/checks":  {"pkg/lint", "pkg/lint/catalog", "pkg/diag", "pkg/severity", "internal/limits", "internal/textdist", "internal/yamlx"},
	"pkg/lint/format":  {"pkg/lint", "pkg/diag"},
	"pkg/unittest":     {"pkg/diag", "internal/limits", "internal/textdist", "internal/yamlx"},
	"pkg/testgen":      {"pkg/rules", "pkg/slo", "pkg/unittest", "pkg/severity", "pkg/diag", "pkg/templates"},
	"pkg/alertmanager": {"pkg/rules", "pkg/severity"},
	"pkg/live":         {"pkg/lint", "pkg/lint/checks", "pkg/rules", "pkg/diag", "pkg/severity", "internal/textdist"},
}

func TestImportLayers(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves {
		allowed[l] = nil
	}
	for pkg, ok := range allowed {
		dir := filepath.Join(root, filepath.FromSlash(pkg))
		if _, err := os.Stat(dir); err != nil {
			continue // a layer planned in the docs, not written yet
		}
		bp, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Errorf("%s: %v", pkg, err)
			continue
		}
		for _, imp := range bp.Imports {
			rel, ours := strings.CutPrefix(imp, module)
			if ours && !slices.Contains(ok, rel) {
				t.Errorf("%s imports %s; docs/architecture.md allows only %v", pkg, rel, ok)
			}
		}
	}
}
