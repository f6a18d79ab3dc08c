// Package cmd holds the thin cobra commands. Each command binds flags into
// an options struct and calls a run function with injected streams; exit
// codes are decided here, in one place.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command.
const (
	ExitOK       = 0
	ExitFindings = 1 // lint findings at or above --fail-on; stale generated files; failing tests
	ExitUsage    = 2 // usage, I/O or input errors
)

// ExitError carries an exit code out of a command. A nil Err means the
// command already printed what it had to say.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

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

// Run executes the command line args and returns the process exit code.
func Run(args []string, s *IOStreams) int {
	root := NewRoot(s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(s.ErrOut, "agentalerts:", ee.Err)
		}
		return ee.Code
	}
	// cobra's own errors (unknown flag, wrong arg count) are usage errors.
	fmt.Fprintln(s.ErrOut, "agentalerts:", err)
	return ExitUsage
}

// Execute runs the process's command line on the process's streams.
func Execute() int {
	return Run(os.Args[1:], &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
}
