package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// cliDocsDir is docs/cli at the repository root, seen from this package.
const cliDocsDir = "../docs/cli"

func newTestRoot() *cobra.Command {
	var out, errOut bytes.Buffer
	return NewRoot(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
}

// TestCLIDocsShape checks the renderer on a small tree of its own, so the
// page layout is pinned independently of the real commands.
func TestLongToMarkdown(t *testing.T) {
	tests := []struct{ name, long, want string }{
		{name: "prose", long: "One line.\nTwo lines.\n", want: "One line.\nTwo lines."},
		{
			name: "indented table between paragraphs",
			long: "Files:\n\n  a.yaml   first\n  b.yaml   second\n\nMore prose.\n",
			want: "Files:\n\n```\n  a.yaml   first\n  b.yaml   second\n```\n\nMore prose.",
		},
		{
			name: "blank line inside an indented block",
			long: "Run:\n  make a\n\n  make b\nDone.",
			want: "Run:\n```\n  make a\n\n  make b\n```\nDone.",
		},
		{name: "ends indented", long: "Use:\n  x --y\n", want: "Use:\n```\n  x --y\n```"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, longToMarkdown(tt.long)); diff != "" {
				t.Errorf("longToMarkdown mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCLIDocsShape(t *testing.T) {
	root := &cobra.Command{Use: "tool", Short: "Do things"}
	root.PersistentFlags().Bool("quiet", false, "say less")
	sub := &cobra.Command{
		Use:     "frob FILE",
		Short:   "Frob a file",
		Long:    "Frob a file in place.",
		Example: "  tool frob x.yaml",
		Aliases: []string{"f"},
		Run:     func(*cobra.Command, []string) {},
	}
	sub.Flags().String("mode", "fast", "how to frob")
	root.AddCommand(sub, &cobra.Command{Use: "secret", Hidden: true, Run: func(*cobra.Command, []string) {}})

	got := CLIDocs(root)
	want := map[string]string{
		"tool.md": "<!-- Generated from the command tree by `make docs`. DO NOT EDIT. -->\n\n" +
			"# tool\n\nDo things\n\n" +
			"## Usage\n\n```\ntool [command]\n```\n\n" +
			"## Flags\n\n```\n  -h, --help    help for tool\n      --quiet   say less\n```\n\n" +
			"## Commands\n\n- [tool frob](tool_frob.md): Frob a file\n",
		"tool_frob.md": "<!-- Generated from the command tree by `make docs`. DO NOT EDIT. -->\n\n" +
			"# tool frob\n\nFrob a file\n\nFrob a file in place.\n\n" +
			"## Usage\n\n```\ntool frob FILE [flags]\n```\n\n" +
			"Aliases: f\n\n" +
			"## Examples\n\n```\n  tool frob x.yaml\n```\n\n" +
			"## Flags\n\n```\n  -h, --help          help for frob\n      --mode string   how to frob (default \"fast\")\n```\n\n" +
			"## Flags inherited from parent commands\n\n```\n      --quiet   say less\n```\n\n" +
			"## See also\n\n- [tool](tool.md): Do things\n",
	}
	gotStr := make(map[string]string)
	for k, v := range got {
		gotStr[k] = string(v)
	}
	if diff := cmp.Diff(want, gotStr); diff != "" {
		t.Errorf("CLIDocs mismatch (-want +got):\n%s", diff)
	}
}

// exampleDebt lists commands known to lack an Example. The list may only
// shrink: TestEveryCommandHasExample fails on a command that lacks an
// Example and is not listed, and on a listed command that has gained one.
var exampleDebt = map[string]bool{}

// TestEveryCommandHasExample walks the command tree as --help shows it:
// every command a user can reach must show at least one example.
func TestEveryCommandHasExample(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !documented(c) {
			return
		}
		path := c.CommandPath()
		switch has := strings.TrimSpace(c.Example) != ""; {
		case !has && !exampleDebt[path]:
			t.Errorf("%q has no Example: add one so --help and docs/cli show how to call it", path)
		case has && exampleDebt[path]:
			t.Errorf("%q now has an Example: remove it from exampleDebt", path)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newTestRoot())
}
