package cmd

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// CLIDocs renders the markdown reference of root and every visible command
// below it, one file per command keyed by file name (agentalerts_lint.md).
// docs/cli is this output; internal/docgen TestGeneratedDocs fails when the two differ, so the
// reference cannot drift from the flags and help text it is made from.
//
// It is written here rather than with cobra/doc so the pages have one fixed
// shape we control (and cobra/doc would pull in a man-page renderer).
func CLIDocs(root *cobra.Command) map[string][]byte {
	root.InitDefaultHelpFlag()
	files := make(map[string][]byte)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !documented(c) {
			return
		}
		files[docFileName(c)] = renderCommandDoc(c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return files
}

// documented reports whether c gets a page: hidden commands, cobra's help
// command and its internal __complete commands are left out.
func documented(c *cobra.Command) bool {
	return c.IsAvailableCommand() || !c.HasParent()
}

func docFileName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
}

func renderCommandDoc(c *cobra.Command) []byte {
	// Flag sets are built lazily; these make the help flag and inherited
	// flags appear as they do in --help.
	c.InitDefaultHelpFlag()
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!-- Generated from the command tree by `make docs`. DO NOT EDIT. -->\n\n")
	fmt.Fprintf(&b, "# %s\n\n", c.CommandPath())
	fmt.Fprintf(&b, "%s\n\n", c.Short)
	if c.Long != "" {
		fmt.Fprintf(&b, "%s\n\n", longToMarkdown(c.Long))
	}

	fmt.Fprintf(&b, "## Usage\n\n```\n")
	if c.Runnable() {
		fmt.Fprintf(&b, "%s\n", c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "%s [command]\n", c.CommandPath())
	}
	fmt.Fprintf(&b, "```\n\n")

	if len(c.Aliases) > 0 {
		fmt.Fprintf(&b, "Aliases: %s\n\n", strings.Join(c.Aliases, ", "))
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "## Examples\n\n```\n%s\n```\n\n", strings.TrimRight(c.Example, "\n"))
	}
	if fl := c.NonInheritedFlags(); fl.HasAvailableFlags() {
		fmt.Fprintf(&b, "## Flags\n\n```\n%s```\n\n", fl.FlagUsagesWrapped(0))
	}
	if fl := c.InheritedFlags(); fl.HasAvailableFlags() {
		fmt.Fprintf(&b, "## Flags inherited from parent commands\n\n```\n%s```\n\n", fl.FlagUsagesWrapped(0))
	}

	var subs []*cobra.Command
	for _, sub := range c.Commands() {
		if documented(sub) {
			subs = append(subs, sub)
		}
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
	if len(subs) > 0 {
		fmt.Fprintf(&b, "## Commands\n\n")
		for _, sub := range subs {
			fmt.Fprintf(&b, "- [%s](%s): %s\n", sub.CommandPath(), docFileName(sub), sub.Short)
		}
		fmt.Fprintf(&b, "\n")
	}
	if c.HasParent() {
		p := c.Parent()
		fmt.Fprintf(&b, "## See also\n\n- [%s](%s): %s\n", p.CommandPath(), docFileName(p), p.Short)
	}
	// Exactly one trailing newline, whichever section came last.
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

// longToMarkdown keeps a command's Long text readable as markdown: help text
// is written for a terminal, where indented lines (tables of files, command
// lines) line up; markdown would run them into the paragraph around them.
// Runs of indented lines become fenced blocks, everything else stays prose.
func longToMarkdown(long string) string {
	var out []string
	inBlock := false
	for _, line := range strings.Split(strings.Trim(long, "\n"), "\n") {
		indented := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
		switch {
		case indented && !inBlock:
			out = append(out, "```")
			inBlock = true
		case !indented && inBlock && strings.TrimSpace(line) == "":
			// A blank line may sit inside an indented block; close only if
			// the next non-blank line is prose (handled on that line).
		case !indented && inBlock:
			closeBlock(&out)
			inBlock = false
		}
		out = append(out, line)
	}
	if inBlock {
		closeBlock(&out)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// closeBlock ends a fenced block before the blank lines that trail it, so
// the paragraph after it keeps its blank line.
func closeBlock(out *[]string) {
	o := *out
	i := len(o)
	for i > 0 && strings.TrimSpace(o[i-1]) == "" {
		i--
	}
	trailing := append([]string(nil), o[i:]...)
	*out = append(append(o[:i], "```"), trailing...)
}
