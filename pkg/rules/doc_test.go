package rules

import (
	"os"
	"strings"
	"testing"
)

// specDoc is docs/spec.md. Its defaults table and docs/spec.schema.json
// are generated, and kept fresh, by internal/docgen (make docs).
const specDoc = "../../docs/spec.md"

// TestSpecDocCoversEveryKey fails when a spec key is added without being
// documented.
func TestSpecDocCoversEveryKey(t *testing.T) {
	doc, err := os.ReadFile(specDoc)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	keys = append(keys, topKeys...)
	keys = append(keys, serviceKeys...)
	for _, fk := range blockKeys {
		keys = append(keys, fk...)
	}
	for _, fk := range forecastKeys {
		keys = append(keys, fk...)
	}
	keys = append(keys, MetricKeys...)
	keys = append(keys, "threshold", "for", "keep_firing_for", "label", "values")
	keys = append(keys, sloKeys...)
	keys = append(keys, sloPairKeys...)
	keys = append(keys, "objective")
	for _, k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/spec.md does not document `%s`", k)
		}
	}
	// Every family has the runbook section the default runbook_url links to.
	for _, f := range append(FamilyNames, SLOFamily) {
		if !strings.Contains(string(doc), "### Runbook: "+string(f)+"\n") {
			t.Errorf("docs/spec.md has no section \"### Runbook: %s\"", f)
		}
	}
}
