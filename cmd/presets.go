package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/presets"
)

func init() { register(newPresetsCmd) }

func newPresetsCmd(s *IOStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "presets",
		Short: "List the metric conventions a spec can name with preset:",
		Long: `List the embedded presets: the metric and label names of one system per
alert family. A spec selects one with "preset: NAME" and may override any
name in a metrics: block. "agentalerts presets show NAME" prints a preset.`,
		Example: `  agentalerts presets
  agentalerts presets show vllm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tSYSTEM\tCANNOT SERVE")
			for _, name := range presets.Names() {
				p, err := presets.Load(name)
				if err != nil {
					return &ExitError{Code: ExitUsage, Err: err}
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", p.Name, p.Title, cannotServe(p))
			}
			return w.Flush()
		},
	}
	c.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Print one preset's YAML",
		Example: `  agentalerts presets show vllm
  agentalerts presets show otel-genai`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, n := range presets.Names() {
				if strings.HasPrefix(n, toComplete) {
					names = append(names, n)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := presets.Raw(args[0])
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			_, err = s.Out.Write(b)
			return err
		},
	})
	return c
}

// cannotServe names the families a preset has no metrics for, the first
// thing to know when choosing one.
func cannotServe(p *presets.Preset) string {
	var out []string
	for _, f := range rules.Unserved(p) {
		out = append(out, string(f))
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ", ")
}
