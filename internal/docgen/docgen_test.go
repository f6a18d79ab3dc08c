package docgen

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// repoRoot is the repository root, seen from this package.
const repoRoot = "../.."

// TestGeneratedDocs fails when any generated document differs from what
// its generator renders, is missing, or sits in a generated directory
// without a generator (a check or command that is gone).
func TestGeneratedDocs(t *testing.T) {
	set, err := Generate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	stale, extra, err := set.Diff(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		have, _ := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(p)))
		t.Errorf("%s is stale or missing; mismatch (-want +got):\n%s", p, cmp.Diff(string(set.Files[p]), string(have)))
	}
	for _, p := range extra {
		t.Errorf("%s is in a generated directory but nothing generates it", p)
	}
	if t.Failed() {
		t.Log("regenerate with: make docs")
	}
}

// TestWriteThenClean: Write on a copy brings a stale page and a stray one
// in line, after which Diff finds nothing.
func TestWriteThenClean(t *testing.T) {
	set, err := Generate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	stray := filepath.Join(root, "docs", "cli", "agentalerts_gone.md")
	if err := os.MkdirAll(filepath.Dir(stray), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stray, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	written, removed, err := set.Write(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != len(set.Files) {
		t.Errorf("wrote %d files into an empty tree, want all %d", len(written), len(set.Files))
	}
	if diff := cmp.Diff([]string{"docs/cli/agentalerts_gone.md"}, removed); diff != "" {
		t.Errorf("removed mismatch (-want +got):\n%s", diff)
	}
	stale, extra, err := set.Diff(root)
	if err != nil || len(stale)+len(extra) > 0 {
		t.Errorf("after Write: stale %v, extra %v, err %v", stale, extra, err)
	}
}

func TestSpliceNeedsMarkers(t *testing.T) {
	if _, err := splice("x.md", []byte("no markers\n"), "table\n"); err == nil {
		t.Error("splice without markers succeeded")
	}
	got, err := splice("x.md", []byte("a\n"+tableBegin+"old\n"+tableEnd+"b\n"), "new\n")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("a\n"+tableBegin+"new\n"+tableEnd+"b\n", string(got)); diff != "" {
		t.Errorf("splice mismatch (-want +got):\n%s", diff)
	}
}
