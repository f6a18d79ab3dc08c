package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentalerts/agentalerts/internal/atomicfile"
	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/internal/linediff"
	"github.com/agentalerts/agentalerts/pkg/alertmanager"
	"github.com/agentalerts/agentalerts/pkg/ruleformat"
	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/testgen"
)

func init() { register(newGenerateCmd) }

type generateOptions struct {
	spec        string // path, "-" for stdin, "" for the built-in example
	out         string // "" for stdout; a trailing slash or a directory for one file per service
	check       bool
	exampleSpec bool
	tests       string // promtool-format unit tests for every generated alert
	alertmgr    string // Alertmanager configuration skeleton routing the tiers
	maxSpec     string // size limit of the spec, as --max-spec-size
	limits      rules.Limits
	prune       bool // with -o DIR/: delete rule files this spec generated that it no longer generates
	quiet       bool // no summary of what was written
	// format and wrap shape the rule files for their consumer
	// (pkg/ruleformat): plain, a PrometheusRule or a mimirtool namespace.
	format string
	wrap   ruleformat.Options
	live   liveOptions // --verify URL and its bounds (cmd/live.go)
}

// defaultMaxSpecSize bounds the spec read (a file or standard input):
// decoding YAML takes about 100 times its size in memory, and a spec of
// the 2,000 services allowed by default is well under 1 MiB.
const defaultMaxSpecSize = "4MiB"

func newGenerateCmd(s *IOStreams) *cobra.Command {
	o := &generateOptions{}
	c := &cobra.Command{
		Use:   "generate [SPEC]",
		Short: "Generate Prometheus alerting rules from a spec",
		Long: `Expand a spec of agent services into Prometheus alerting rules at three
tiers (page, ticket, log). Without SPEC the built-in example is expanded, so
"agentalerts generate" shows the product at once; --example-spec prints that
example, commented, to start your own. SPEC "-" reads standard input.

With -o FILE all services go into one file; with -o DIR/ (a trailing slash
or an existing directory) each service gets DIR/<service>.rules.yaml. All
output files are written as one: every file is staged (for -o DIR/, in a
hidden directory beside DIR) and renamed into place only once all are on
disk, so a failure changes nothing. Only regular files are replaced; an
output that is a device, FIFO or directory, the spec itself, or another
output is refused. A spec over --max-services, --max-labels or
--max-spec-size is refused before it is expanded. The output is deterministic byte for byte, loads in
Prometheus 2.x and 3.x, and is checked with Prometheus's own rule parser
before anything is written.

--format prometheusrule writes each file as a prometheus-operator
PrometheusRule resource (--name, --namespace, --label for its metadata),
decoded back through prometheus-operator's own types before it is written;
--format mimir as a mimirtool namespace file (--namespace). The groups are
the same in every format.

--check writes nothing: it prints a unified diff and exits 1 when the files
on disk differ from what the spec generates now (for CI), 0 when they match.
With -o DIR/, a rule file in DIR whose header names this spec but that this
run does not generate (a removed service, or an earlier -o DIR/FILE) is
stale too; --prune deletes such files, and only such files.

After writing, one line on stderr says what was written; -q silences it.

--verify URL checks, before writing (and with --check), that every series
the alerts select exists on that Prometheus server for the service's job,
with the labels they group by, of the type the preset assumes, and that
latency thresholds are within the histogram's buckets; each problem is
printed at the spec line that caused it and nothing is written (exit 2).
See docs/live.md.

Exit status: 0 ok, 1 stale (--check), 2 invalid spec, I/O error or a
--verify problem.`,
		Example: `  # See the rules of the built-in example
  agentalerts generate

  # Start a spec of your own and generate one rule file from it
  agentalerts generate --example-spec > agents.yaml
  agentalerts generate agents.yaml -o rules/agents.rules.yaml

  # One file per service, and the CI check that they are up to date
  agentalerts generate agents.yaml -o rules/ --prune
  agentalerts generate agents.yaml -o rules/ --check

  # Unit tests that prove every alert fires, and the Alertmanager routes
  agentalerts generate agents.yaml -o rules/agents.rules.yaml \
    --tests rules/agents.test.yaml --alertmanager alertmanager.yml
  agentalerts test rules/agents.test.yaml

  # A PrometheusRule for a kube-prometheus-stack release to select
  agentalerts generate agents.yaml --format prometheusrule \
    --namespace monitoring --label release=kube-prometheus-stack -o manifests/agents.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.spec = args[0]
			}
			return runGenerate(s, o)
		},
	}
	c.Flags().StringVarP(&o.out, "output", "o", "", "write to FILE, or one file per service into DIR/ (default: stdout)")
	c.Flags().BoolVar(&o.check, "check", false, "write nothing; exit 1 with a diff when the output files are stale")
	c.Flags().BoolVar(&o.exampleSpec, "example-spec", false, "print the commented built-in example spec and exit")
	c.Flags().StringVar(&o.tests, "tests", "", "also write promtool-format unit tests for every alert and tier to FILE (needs -o)")
	c.Flags().StringVar(&o.alertmgr, "alertmanager", "", "also write an Alertmanager configuration skeleton routing page, ticket and log to FILE")
	c.Flags().StringVar(&o.maxSpec, "max-spec-size", defaultMaxSpecSize, "refuse a spec larger than this; units KiB, MiB, GiB")
	c.Flags().IntVar(&o.limits.MaxServices, "max-services", rules.DefaultMaxServices, "refuse a spec with more services than this")
	c.Flags().IntVar(&o.limits.MaxLabels, "max-labels", rules.DefaultMaxLabels, "refuse a service with more labels, selector labels or aggregate_by labels than this")
	c.Flags().BoolVar(&o.prune, "prune", false, "with -o DIR/: delete the rule files in DIR this spec generated earlier but no longer generates")
	c.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "do not print what was written")
	c.Flags().StringVar(&o.format, "format", "prometheus", "rule file shape: "+strings.Join(ruleformat.Names, ", ")+" (a PrometheusRule resource, a mimirtool namespace file)")
	c.Flags().StringVar(&o.wrap.Name, "name", "", "metadata.name of the PrometheusRule (default: the output file's stem; with -o DIR/, NAME-<service>)")
	c.Flags().StringVar(&o.wrap.Namespace, "namespace", "", "metadata.namespace of the PrometheusRule, or the mimir namespace (default: the output file's stem)")
	c.Flags().StringToStringVar(&o.wrap.Labels, "label", nil, "metadata.labels of the PrometheusRule, as NAME=VALUE (repeatable), for a ruleSelector to match")
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(ruleformat.Names, cobra.ShellCompDirectiveNoFileComp))
	c.Flags().StringVar(&o.live.url, "verify", "", "before writing, check every series the alerts select against this Prometheus server (see docs/live.md)")
	bindLiveFlags(c.Flags(), &o.live)
	return c
}

func runGenerate(s *IOStreams, o *generateOptions) error {
	if o.exampleSpec {
		if o.spec != "" || o.out != "" || o.check || o.tests != "" || o.alertmgr != "" || o.live.url != "" {
			return &ExitError{Code: ExitUsage, Err: errors.New("--example-spec takes no SPEC, -o, --check, --tests, --alertmanager or --verify")}
		}
		_, err := s.Out.Write(rules.ExampleSpec())
		return err
	}
	if o.prune && !isDirTarget(o.out) {
		return &ExitError{Code: ExitUsage, Err: errors.New("--prune needs -o DIR/: it deletes rule files of this spec that DIR holds")}
	}
	if o.check && o.out == "" {
		return &ExitError{Code: ExitUsage, Err: errors.New("--check needs -o: the file or directory to compare with")}
	}
	if o.tests != "" && o.out == "" {
		// The test file names the rule files it loads, so they must exist.
		return &ExitError{Code: ExitUsage, Err: errors.New("--tests needs -o: the test file loads the rule file by its path")}
	}
	if o.limits.MaxServices <= 0 || o.limits.MaxLabels <= 0 {
		return &ExitError{Code: ExitUsage, Err: errors.New("--max-services and --max-labels must be positive")}
	}
	maxSpec, err := parseByteSize(o.maxSpec)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--max-spec-size: %w", err)}
	}
	path, src, err := readSpec(s, o.spec, maxSpec)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	spec, err := rules.ParseSpecLimits(path, src, o.limits)
	if err != nil {
		return specError(err)
	}
	res, err := rules.Generate(spec)
	if err != nil {
		return specError(err)
	}
	if err := verifyLive(s, o.live, res); err != nil {
		return err
	}
	for _, svc := range res.Services {
		for _, n := range svc.Notices {
			fmt.Fprintf(s.ErrOut, "agentalerts: note: %s\n", n.Message)
		}
	}
	perService := isDirTarget(o.out)
	if perService {
		if err := rules.CheckFileNames(spec); err != nil {
			return specError(err)
		}
	}
	files, err := rules.Render(res, path, perService)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err := wrapFiles(o, files, perService); err != nil {
		return err
	}
	targets := map[string][]byte{}
	if o.out != "" {
		for name, data := range files {
			target := o.out
			if perService {
				target = filepath.Join(o.out, name)
			}
			targets[target] = data
		}
	}
	if err := checkOutputs(o, targets); err != nil {
		return err
	}
	if err := addCompanions(o, path, res, targets); err != nil {
		return err
	}
	if o.out == "" {
		if _, err := s.Out.Write(files[""]); err != nil {
			return err
		}
	}
	var orphans []string
	if perService {
		orphans = orphanFiles(o.out, path, targets)
	}
	if o.check {
		return checkStale(s, o, targets, orphans)
	}
	order := targetOrder(targets)
	made := map[string]bool{}
	for _, target := range order {
		if dir := filepath.Dir(target); !made[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			made[dir] = true
		}
	}
	wo := atomicfile.Options{Program: "generate"}
	if perService {
		wo.OutputDirs = []string{filepath.Clean(o.out)}
	}
	if err := atomicfile.WriteFiles(order, targets, wo); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	for _, f := range orphans {
		if !o.prune {
			fmt.Fprintf(s.ErrOut, "agentalerts: note: %s was generated from %s but not by this run (a service the spec no longer has, or an earlier -o FILE); delete it, or run again with --prune\n", f, path)
			continue
		}
		if err := os.Remove(f); err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--prune: %w", err)}
		}
		if !o.quiet {
			fmt.Fprintf(s.ErrOut, "agentalerts: removed %s: generated from %s, no longer generated\n", f, path)
		}
	}
	if !o.quiet && o.out != "" {
		fmt.Fprintf(s.ErrOut, "agentalerts: %s\n", writtenSummary(res, o))
	}
	return nil
}

// writtenSummary is the line generate prints after writing: how many
// alerts for how many services went where.
func writtenSummary(res *rules.Result, o *generateOptions) string {
	alerts := 0
	for _, svc := range res.Services {
		alerts += len(svc.Alerts)
	}
	where := o.out
	if isDirTarget(o.out) {
		where = fmt.Sprintf("%d %s in %s", len(res.Services), pluralize(len(res.Services), "file", "files"), o.out)
	}
	msg := fmt.Sprintf("wrote %d %s for %d %s to %s", alerts, pluralize(alerts, "alert", "alerts"),
		len(res.Services), pluralize(len(res.Services), "service", "services"), where)
	if o.tests != "" {
		msg += ", tests to " + o.tests
	}
	if o.alertmgr != "" {
		msg += ", Alertmanager configuration to " + o.alertmgr
	}
	return msg
}

// wrapFiles puts every rendered rule file into the --format shape.
func wrapFiles(o *generateOptions, files map[string][]byte, perService bool) error {
	f, err := ruleformat.Parse(o.format)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--format: %w", err)}
	}
	if f == ruleformat.Prometheus {
		if o.wrap.Name != "" || o.wrap.Namespace != "" || len(o.wrap.Labels) > 0 {
			return &ExitError{Code: ExitUsage, Err: errors.New("--name, --namespace and --label need --format prometheusrule (or --namespace with mimir)")}
		}
		return nil
	}
	if f == ruleformat.Mimir && (o.wrap.Name != "" || len(o.wrap.Labels) > 0) {
		return &ExitError{Code: ExitUsage, Err: errors.New("--name and --label are metadata of a PrometheusRule; a mimir namespace file takes only --namespace")}
	}
	if err := o.wrap.Validate(); err != nil {
		return &ExitError{Code: ExitUsage, Err: wrapFlagError(err)}
	}
	for name, data := range files {
		file := name
		if name == "" && !perService {
			file = o.out
		}
		w, err := ruleformat.Wrap(f, file, perService, data, o.wrap)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: wrapFlagError(err)}
		}
		files[name] = w
	}
	return nil
}

// addCompanions adds the unit-test file and the Alertmanager skeleton to
// the files to write (or to compare, with --check), so they are written
// atomically and checked for staleness like the rules themselves.
func addCompanions(o *generateOptions, specPath string, res *rules.Result, targets map[string][]byte) error {
	if o.tests != "" {
		var ruleFiles []string
		for _, target := range targetOrder(targets) {
			// Rel needs both paths absolute or both relative; -o and
			// --tests may be given one of each.
			base, err := filepath.Abs(filepath.Dir(o.tests))
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			abs, err := filepath.Abs(target)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			rel, err := filepath.Rel(base, abs)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			ruleFiles = append(ruleFiles, filepath.ToSlash(rel))
		}
		data, err := testgen.BuildFiles(res, ruleFiles)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("generating unit tests: %w", err)}
		}
		targets[o.tests] = data
	}
	if o.alertmgr != "" {
		source := specPath
		if o.spec == "" {
			source = ""
		}
		data, err := alertmanager.Build(res, alertmanager.Options{Source: source})
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("generating the Alertmanager configuration: %w", err)}
		}
		targets[o.alertmgr] = data
	}
	return nil
}

// orphanFiles lists rule files in dir that this spec generated earlier
// (their header names it) but would not generate now: a removed or
// renamed service whose stale rules would otherwise keep loading.
func orphanFiles(dir, specPath string, targets map[string][]byte) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	header := []byte(rules.HeaderLine(specPath))
	var out []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if _, ok := targets[p]; ok || e.IsDir() || !strings.HasSuffix(e.Name(), ".rules.yaml") {
			continue
		}
		b, err := limits.ReadFile(p, 0)
		if err == nil && bytes.HasPrefix(b, header) {
			out = append(out, p)
		}
	}
	return out
}

// readSpec reads the spec argument: a file, "-" for stdin, or nothing for
// the built-in example; at most max bytes, and only a regular file (a
// FIFO or device named as the spec could block or never end).
func readSpec(s *IOStreams, arg string, max int64) (string, []byte, error) {
	switch arg {
	case "":
		return rules.ExamplePath, rules.ExampleSpec(), nil
	case "-":
		b, err := limits.ReadAll(s.In, "<stdin>", max)
		if err == nil && len(b) == 0 {
			err = errors.New("standard input is empty: expected a spec (version and services), or give a spec file")
		}
		return "<stdin>", b, tooLarge(err)
	}
	b, err := limits.ReadFile(arg, max)
	return arg, b, tooLarge(err)
}

// tooLarge says how to raise the limit a spec is over.
func tooLarge(err error) error {
	var tl *limits.TooLargeError
	if errors.As(err, &tl) {
		return fmt.Errorf("%w (--max-spec-size to raise)", err)
	}
	return err
}

// checkOutputs refuses outputs that are not regular files, that are the
// spec, or that are another output, before anything is compared or
// written. rulesFiles are the rule files to write; the companions are not
// generated yet.
func checkOutputs(o *generateOptions, rulesFiles map[string][]byte) error {
	var inputs []string
	if o.spec != "" && o.spec != "-" {
		inputs = append(inputs, o.spec)
	}
	if isDirTarget(o.out) {
		// Checked once here, not as "not a directory" for every file in it.
		dir := strings.TrimRight(o.out, string(filepath.Separator)+"/")
		if fi, err := os.Stat(dir); dir != "" && err == nil && !fi.IsDir() {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("-o %s: %s exists and is not a directory", o.out, dir)}
		}
	}
	var outs []rules.Output
	for _, t := range targetOrder(rulesFiles) {
		outs = append(outs, rules.Output{Path: t, Flag: "-o"})
	}
	if o.tests != "" {
		outs = append(outs, rules.Output{Path: o.tests, Flag: "--tests"})
	}
	if o.alertmgr != "" {
		outs = append(outs, rules.Output{Path: o.alertmgr, Flag: "--alertmanager"})
	}
	if err := rules.CheckOutputs(inputs, outs); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return nil
}

// specError is exit 2 for a bad spec; exitCode prints its diagnostics one
// per line.
func specError(err error) error { return usageError(err) }

// isDirTarget says whether -o names a directory: a trailing separator, or
// a directory that exists.
func isDirTarget(out string) bool {
	if out == "" {
		return false
	}
	if strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)) {
		return true
	}
	fi, err := os.Stat(out)
	return err == nil && fi.IsDir()
}

// checkStale compares what would be written with what is on disk, and
// says which command brings the files up to date.
func checkStale(s *IOStreams, o *generateOptions, targets map[string][]byte, orphans []string) error {
	stale := 0
	for _, f := range orphans {
		stale++
		fmt.Fprintf(s.Out, "%s: generated from this spec but not by this run (a service the spec no longer has, or an earlier -o FILE); --prune deletes it\n", f)
	}
	for _, target := range targetOrder(targets) {
		want := targets[target]
		have, err := limits.ReadFile(target, 0)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if bytes.Equal(have, want) {
			continue
		}
		stale++
		if _, err := s.Out.Write(linediff.Unified(target, have, target+" (generated)", want)); err != nil {
			return err
		}
	}
	if stale > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d generated file(s) stale: run %s", stale, regenerateCommand(o, len(orphans) > 0))}
	}
	return nil
}

// regenerateCommand is the command line that brings --check's files up to
// date: the same one without --check, with --prune when files of this
// spec would otherwise stay behind.
func regenerateCommand(o *generateOptions, prune bool) string {
	args := []string{"agentalerts", "generate"}
	if o.spec != "" {
		args = append(args, o.spec)
	}
	args = append(args, "-o", o.out)
	if o.tests != "" {
		args = append(args, "--tests", o.tests)
	}
	if o.alertmgr != "" {
		args = append(args, "--alertmanager", o.alertmgr)
	}
	if prune || o.prune {
		args = append(args, "--prune")
	}
	return strings.Join(args, " ")
}

// targetOrder lists output paths sorted, so writes and diffs are in a
// stable order.
func targetOrder(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// wrapFlagError names the flag of a rejected --name, --namespace or
// --label, which pkg/ruleformat names as its Options field.
func wrapFlagError(err error) error {
	var oe *ruleformat.OptionError
	var ne *ruleformat.NameError
	switch {
	case errors.As(err, &oe):
		return fmt.Errorf("--%s %s: %s", oe.Option, oe.Value, oe.Reason)
	case errors.As(err, &ne):
		return fmt.Errorf("PrometheusRule name %q (from the file name; --name to set it): %s", ne.Name, ne.Reason)
	}
	return err
}
