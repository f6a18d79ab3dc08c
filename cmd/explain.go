package cmd

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentalerts/agentalerts/internal/textdist"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/format"
	"github.com/agentalerts/agentalerts/pkg/live"
)

func init() { register(newExplainCmd) }

func newExplainCmd(s *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "explain [CHECK]",
		Short: "Show what a lint check finds, with a bad and a good example",
		Long: `Print the documentation of a lint check: its title, default severity,
why it matters, a rule it flags and the fixed rule. With no argument, list
every check. The same text is in docs/checks/<area>/<topic>.md.

Exit status: 0, or 2 for an unknown check (with the closest id).`,
		Example: `  # List every check with its severity
  agentalerts explain

  # Explain one check (the id is printed after each finding)
  agentalerts explain promql/histogram-quantile`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var ids []string
			for _, c := range live.Documented() {
				ids = append(ids, c.ID+"\t"+c.Doc.Title)
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			all := live.Documented()
			if len(args) == 0 {
				return format.CheckList(s.Out, all, func(c *lint.Check) diag.Severity { return c.Severity })
			}
			c := live.DocumentedByID(args[0])
			if text, ok := notChecks[args[0]]; ok && c == nil {
				_, err := fmt.Fprintf(s.Out, "%s (error, not a check)\n%s\n", args[0], text)
				return err
			}
			if c == nil {
				return &ExitError{Code: ExitUsage, Err: unknownCheckError(args[0], all)}
			}
			return format.Explain(s.Out, c, c.Severity)
		},
	}
}

// notChecks are the ids of findings that do not come from a check, so
// they cannot be disabled; explain still says what they mean, since they
// are printed like any other finding.
var notChecks = map[string]string{
	lint.IDRead: `A path given to lint could not be read: it does not exist, is not
readable, or is larger than --max-file-size. The other paths are still
linted, and lint exits 2 so that CI cannot pass on a mistyped path.`,
	"config/invalid": `The lint configuration (.agentalerts.yaml or --config) is not valid: an
unknown key, a value of the wrong type, or an unknown check id. Nothing is
linted, and lint exits 2.`,
}

// unknownCheckError names the closest check ids, matching on the topic
// alone too, since people often type "histogram-quantile" for
// "promql/histogram-quantile".
func unknownCheckError(id string, all []*lint.Check) error {
	ids := make([]string, len(all))
	for i, c := range all {
		ids[i] = c.ID
	}
	msg := fmt.Sprintf("unknown check %q", id)
	if s := suggestIDs(id, ids); len(s) > 0 {
		msg += fmt.Sprintf(", did you mean %s?", strings.Join(quoteAll(s), " or "))
	}
	return fmt.Errorf("%s (run `agentalerts explain` to list every check)", msg)
}

// suggestIDs returns the ids nearest to id by edit distance (on the whole
// id or on its topic), at most three, closest first.
func suggestIDs(id string, ids []string) []string {
	type cand struct {
		id   string
		dist int
	}
	id = strings.ToLower(strings.TrimSpace(id))
	var cs []cand
	for _, c := range ids {
		d := textdist.Levenshtein(id, c)
		if _, topic, ok := strings.Cut(c, "/"); ok && !strings.Contains(id, "/") {
			d = min(d, textdist.Levenshtein(id, topic))
		}
		if d <= max(2, len(id)/3) {
			cs = append(cs, cand{c, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].dist < cs[j].dist })
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].id)
	}
	return out
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}
