package cmd

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
	"github.com/agentalerts/agentalerts/pkg/unittest"
)

func init() { register(newTestCmd) }

type testOptions struct {
	run                 []string
	ignoreUnknownFields bool
	maxFileSize         string
	maxLabelSize        string
	limits              unittest.Limits
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

Test files are untrusted input, so each asks for a bounded amount of work,
checked before any of it starts: the samples its input series expand to,
the rule evaluations (per group, last eval_time / evaluation_interval), the
test groups and cases of a file, the steps of every subquery in a rule or
promql_expr_test expression, the size of a label name or value, and the
size and number of the test and rule files, which must be regular files. A file over
a budget is refused with the place that asks too much and the flag that
raises the budget; the other files still run. Each query is also bounded
by the PromQL engine's own sample limit and timeout.

Exit status: 0 when every case passes, 1 when a case fails, 2 when a test
file or a rule file it references cannot be read, is over a budget or has
no test groups (every problem is printed as file:line:col). A rule file
Prometheus does not load is reported as "agentalerts lint" reports it: the
same error lines, positions and check ids.`,
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
	f := c.Flags()
	f.StringVar(&o.maxFileSize, "max-file-size", "32MiB", "refuse test and rule files larger than this; units KiB, MiB, GiB")
	f.IntVar(&o.limits.RuleFiles, "max-rule-files", unittest.DefaultRuleFiles, "refuse a test file whose rule_files match more files")
	f.Int64Var(&o.limits.SeriesSamples, "max-series-samples", unittest.DefaultSeriesSamples, "refuse an input series that expands to more samples (gaps included)")
	f.Int64Var(&o.limits.Samples, "max-samples", unittest.DefaultSamples, "refuse a test file whose input series expand to more samples in all")
	f.Int64Var(&o.limits.EvalSteps, "max-eval-steps", unittest.DefaultEvalSteps, "refuse a test file that needs more rule evaluations (per group, last eval_time / evaluation_interval + 1)")
	f.IntVar(&o.limits.Groups, "max-groups", unittest.DefaultGroups, "refuse a test file with more test groups to run")
	f.IntVar(&o.limits.Cases, "max-cases", unittest.DefaultCases, "refuse a test file with more alert_rule_test and promql_expr_test cases to run")
	f.Int64Var(&o.limits.SubquerySteps, "max-subquery-steps", unittest.DefaultSubquerySteps, "refuse an expression whose subqueries take more steps per evaluation (nested ones multiplied)")
	f.StringVar(&o.maxLabelSize, "max-label-size", "1MiB", "refuse a label name or value (annotations included) larger than this; at most 16MiB")
	f.IntVar(&o.limits.QuerySamples, "max-query-samples", unittest.DefaultQuerySamples, "the PromQL engine's limit on samples one query loads (promtool's)")
	f.DurationVar(&o.limits.QueryTimeout, "query-timeout", unittest.DefaultQueryTimeout, "the PromQL engine's timeout for one query")
	return c
}

func runTest(out, errOut io.Writer, o testOptions, files []string) error {
	usage := func(err error) error { return &ExitError{Code: ExitUsage, Err: err} }
	lim := o.limits
	var err error
	if lim.FileSize, err = parseByteSize(o.maxFileSize); err != nil {
		return usage(fmt.Errorf("--max-file-size: %w", err))
	}
	labelSize, err := parseByteSize(o.maxLabelSize)
	if err != nil {
		return usage(fmt.Errorf("--max-label-size: %w", err))
	}
	if labelSize > unittest.MaxLabelSize {
		return usage(fmt.Errorf("--max-label-size: %s is over 16MiB, the most Prometheus's labels can hold", o.maxLabelSize))
	}
	lim.LabelSize = int(labelSize)
	for _, b := range []struct {
		flag string
		v    int64
	}{
		{"--max-series-samples", lim.SeriesSamples},
		{"--max-samples", lim.Samples},
		{"--max-eval-steps", lim.EvalSteps},
		{"--max-groups", int64(lim.Groups)},
		{"--max-cases", int64(lim.Cases)},
		{"--max-rule-files", int64(lim.RuleFiles)},
		{"--max-subquery-steps", lim.SubquerySteps},
		{"--max-query-samples", int64(lim.QuerySamples)},
		{"--query-timeout", int64(lim.QueryTimeout)},
	} {
		if b.v <= 0 {
			return usage(fmt.Errorf("%s must be positive", b.flag))
		}
	}
	for _, f := range files {
		if f == "-" {
			return usage(errors.New("test files are read from paths, not standard input: rule_files are relative to the test file"))
		}
	}
	if _, err := regexp.Compile(strings.Join(o.run, "|")); err != nil {
		return usage(fmt.Errorf("invalid --run pattern: %w", err))
	}
	opts := unittest.Options{Run: o.run, IgnoreUnknownFields: o.ignoreUnknownFields, Limits: lim,
		RuleFileChecker: ruleFileChecker(o.ignoreUnknownFields)}
	code := ExitOK
	for _, f := range files {
		res, err := unittest.RunFile(f, opts)
		if err != nil {
			// Whatever went wrong is this file's; the others still run,
			// so it is printed now and the exit code says it later.
			var l diag.List
			if !errors.As(err, &l) {
				err = fmt.Errorf("%s: error: %w", f, err)
			}
			printError(errOut, err)
			code = ExitUsage
			continue
		}
		printError(errOut, diag.List(res.Warnings).Err())
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

// ruleFileChecker is how test explains a rule file Prometheus does not
// load: lint's reader and lint's checks of error severity, the ones that
// say Prometheus will not load the file (schema, YAML, PromQL and template
// syntax, names, durations), so the same broken file gets the same
// file:line:col, wording and check id from lint and from test. Warnings
// and style checks are left out: they do not stop a file from loading.
// Disable directives are not applied, since Prometheus ignores them.
// With --ignore-unknown-fields Prometheus accepts unknown fields, so lint
// must not call them errors either.
func ruleFileChecker(ignoreUnknownFields bool) func(path string, data []byte, format unittest.RuleFileFormat) []diag.Diagnostic {
	var load []*lint.Check
	for _, c := range checks.All() {
		if c.Severity == diag.Error && !c.Off && !c.Live {
			load = append(load, c)
		}
	}
	return func(path string, data []byte, format unittest.RuleFileFormat) []diag.Diagnostic {
		cfg := lint.DefaultConfig()
		if format == unittest.FormatMimirNamespace {
			// Its namespace: is a field of mimir's dialect only.
			cfg.Dialect = lint.DialectMimir
		}
		var out []diag.Diagnostic
		for _, d := range lint.LintSource(path, data, lint.Options{Checks: load, Config: cfg}) {
			switch {
			case d.Severity != diag.Error,
				d.Check == lint.IDPanic, // a bug in a check, not in the file
				ignoreUnknownFields && d.Check == lint.IDSchemaUnknownField:
				continue
			}
			out = append(out, d)
		}
		return out
	}
}
