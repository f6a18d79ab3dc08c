package cmd

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/agentalerts/agentalerts/internal/atomicfile"
	"github.com/agentalerts/agentalerts/pkg/lint/format"
	"github.com/agentalerts/agentalerts/pkg/live"
)

func init() { register(newDocsCmd) }

type docsOptions struct {
	dir   string
	check bool
}

// newDocsCmd is the hidden generator of docs/checks: the pages come from
// each check's Doc, so they are regenerated, never edited. The test
// internal/docgen TestGeneratedDocs fails when they are stale.
func newDocsCmd(s *IOStreams) *cobra.Command {
	var o docsOptions
	c := &cobra.Command{
		Use:    "docs",
		Short:  "Regenerate the check documentation in docs/checks",
		Hidden: true,
		Example: `  # Rewrite docs/checks from the registered checks
  agentalerts docs

  # Exit 1 when docs/checks is stale (for CI)
  agentalerts docs --check`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDocs(s, o)
		},
	}
	c.Flags().StringVar(&o.dir, "dir", filepath.Join("docs", "checks"), "directory to write the pages to")
	c.Flags().BoolVar(&o.check, "check", false, "write nothing; exit 1 when a page is stale, missing or left over")
	return c
}

func runDocs(s *IOStreams, o docsOptions) error {
	want := format.CheckDocs(live.Documented())
	have := map[string][]byte{}
	err := filepath.WalkDir(o.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".md" {
			return err
		}
		rel, err := filepath.Rel(o.dir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		have[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	var stale, extra []string
	for name, data := range want {
		if !bytes.Equal(have[name], data) {
			stale = append(stale, name)
		}
	}
	for name := range have {
		if _, ok := want[name]; !ok {
			extra = append(extra, name)
		}
	}
	sort.Strings(stale)
	sort.Strings(extra)
	if o.check {
		for _, n := range stale {
			fmt.Fprintf(s.Out, "%s: stale or missing\n", filepath.Join(o.dir, n))
		}
		for _, n := range extra {
			fmt.Fprintf(s.Out, "%s: no such check\n", filepath.Join(o.dir, n))
		}
		if len(stale)+len(extra) > 0 {
			return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%s is stale; run `agentalerts docs`", o.dir)}
		}
		return nil
	}
	var order []string
	pages := map[string][]byte{}
	for _, n := range stale {
		p := filepath.Join(o.dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		order = append(order, p)
		pages[p] = want[n]
	}
	if err := atomicfile.WriteFiles(order, pages, atomicfile.Options{Program: "docs"}); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	for _, n := range extra {
		if err := os.Remove(filepath.Join(o.dir, filepath.FromSlash(n))); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
	}
	fmt.Fprintf(s.ErrOut, "%s: %d pages, %d rewritten, %d removed\n", o.dir, len(want), len(stale), len(extra))
	return nil
}
