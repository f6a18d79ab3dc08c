// Package cmd holds the thin cobra commands. Each command binds flags into
// an options struct and calls a run function with injected streams; exit
// codes and error messages are decided in one place (exit.go).
package cmd

import (
	"io"
	"os"

	"github.com/spf13/cobra"
)

// IOStreams are the streams a command reads and writes, injected so that
// commands are testable without a process.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// commands are registered by each command file's init, so adding a command
// never edits this file.
var commands []func(*IOStreams) *cobra.Command

func register(f func(*IOStreams) *cobra.Command) { commands = append(commands, f) }

// NewRoot builds the command tree writing to the given streams.
func NewRoot(s *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "agentalerts",
		Short: "Generate and lint Prometheus alerting rules for LLM agent services",
		Long: `agentalerts expands a compact spec of an agent service into Prometheus
alerting rules at three levels (page, ticket, log), and lints existing rule
files for malformed and non-actionable alerts.`,
		Example: `  # The rules of the built-in example service, then a spec of your own
  agentalerts generate
  agentalerts init && agentalerts generate agentalerts.spec.yaml -o rules/agentalerts.rules.yaml

  # Lint rule files; explain a finding
  agentalerts lint rules/
  agentalerts explain promql/histogram-quantile`,
		Version:       ReadBuildInfo().Short(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Cobra adds -v/--version only when the command runs; adding it here
	// puts it in the tree that docs/cli and completions are made from.
	root.InitDefaultVersionFlag()
	root.SetVersionTemplate("{{.Version}}\n") // Short() already names the program
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	for _, f := range commands {
		root.AddCommand(f(s))
	}
	return root
}

// Run executes the command line args and returns the process exit code;
// what a failed command prints and the code it exits with are decided by
// exitCode, for every command alike.
func Run(args []string, s *IOStreams) int {
	root := NewRoot(s)
	root.SetArgs(args)
	return exitCode(s.ErrOut, root.Execute())
}

// Execute runs the process's command line on the process's streams.
func Execute() int {
	return Run(os.Args[1:], &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
}
