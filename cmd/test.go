package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/unittest"
)

func init() { register(newTestCmd) }

type testOptions struct {
	run                 []string
	ignoreUnknownFields bool
}

func newTestCmd(s *IOStreams) *cobra.Command {
	var o testOptions
	c := &cobra.Command{
		Use:   "test FILE...",
		Short: "Run promtool-format rule unit tests in-process",
		Long: `Run rule unit-test files in the format of "promtool test rules": input
series in expanding notation, alert_rule_test cases with exp_alerts
(labels and annotations) and promql_expr_test cases with exp_samples.

The tests run in this process with Prometheus's own PromQL engine and rule
evaluation, with promtool 3.x semantics: evaluation_interval, group
interval, group_eval_order, for, keep_firing_for, external_labels,
external_url, start_timestamp and fuzzy_compare. rule_files are globs
relative to the test file.

Exit status: 0 when every case passes, 1 when a case fails, 2 when a test
file or a rule file it references cannot be read (every problem is printed
as file:line:col).`,
		Example: `  # Run the tests written by "agentalerts generate --tests"
  agentalerts test alerts.test.yaml

  # Only the test groups whose name matches
  agentalerts test --run 'chat/.*page' alerts.test.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTest(s.Out, s.ErrOut, o, args)
		},
	}
	c.Flags().StringArrayVar(&o.run, "run", nil, "run only test groups whose name matches this regular expression (repeatable)")
	c.Flags().BoolVar(&o.ignoreUnknownFields, "ignore-unknown-fields", false, "accept fields Prometheus does not know in the rule files")
	return c
}

func runTest(out, errOut io.Writer, o testOptions, files []string) error {
	opts := unittest.Options{Run: o.run, IgnoreUnknownFields: o.ignoreUnknownFields}
	code := ExitOK
	for _, f := range files {
		res, err := unittest.RunFile(f, opts)
		if err != nil {
			var l diag.List
			if !errors.As(err, &l) {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			fmt.Fprintf(out, "ERROR %s\n", f)
			fmt.Fprintln(errOut, l.Error())
			code = ExitUsage
			continue
		}
		for _, w := range res.Warnings {
			fmt.Fprintln(errOut, w)
		}
		res.Warnings = nil
		unittest.WriteText(out, res)
		if res.Failed() && code == ExitOK {
			code = ExitFindings
		}
	}
	if code != ExitOK {
		return &ExitError{Code: code}
	}
	return nil
}
