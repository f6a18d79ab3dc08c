package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/agentalerts/agentalerts/internal/atomicfile"
	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
	"github.com/agentalerts/agentalerts/pkg/lint/format"
	"github.com/agentalerts/agentalerts/pkg/live"
)

func init() { register(newLintCmd) }

type lintOptions struct {
	format      string
	config      string
	failOn      string
	noColor     bool
	quiet       bool
	diffBase    string
	maxFileSize string
	maxDocs     int
	maxRegex    string
	// dialect overrides lint.dialect of the config ("" keeps it).
	dialect string
	// baseline and writeBaseline name a file of known findings
	// (lint.Baseline): read to hide them, or written from this run.
	baseline      string
	writeBaseline string
	live          liveOptions // --prometheus and its bounds (cmd/live.go)
}

func newLintCmd(s *IOStreams) *cobra.Command {
	var o lintOptions
	c := &cobra.Command{
		Use:   "lint [flags] PATH...",
		Short: "Find malformed and non-actionable alerts in Prometheus rule files",
		Long: `Lint Prometheus rule files and PrometheusRule resources offline: every
finding has file:line:col, a stable check id and, where there is one, a fix.
PATH is a file, a directory (searched for *.yml and *.yaml, skipping hidden
directories) or - for stdin. Without PATH, lint takes the files under the
working directory that are named as rule files are: YAML under a rules/ or
alerts/ directory, or named like *.rules.yaml, rules.yml or
*-prometheusrule.yaml (the pre-commit hook's pattern), so a repository's
other YAML is left alone. Promtool unit-test files among them are checked
as test files.

Severities: error means Prometheus would refuse to load the file; warning
means it loads but gives wrong results or is not actionable; info is style.
"agentalerts explain ID" shows what a check finds, with a bad and a good
example.

With --prometheus URL (or lint.prometheus in the config) the live checks
also ask that server which series, labels, types and scrape intervals
exist (docs/live.md); it is the only way lint uses a network, and a server
that cannot answer within the --prometheus-* bounds exits 2.

Configuration is read from --config, or else from the first
.agentalerts.yaml found in the working directory or above it. A rule (or
the line above it) may carry "# agentalerts disable=ID[,ID] reason"; a file
"# agentalerts file-disable=ID".

--dialect (or lint.dialect in the config) reads the files as the named
engine does: thanos, mimir and cortex (mimirtool namespace files) and
vmalert accept their own group and rule fields, and under vmalert
expressions are MetricsQL, parsed with VictoriaMetrics' parser. The default,
prometheus, refuses those fields and names the dialect that accepts them.

Formats: text (default; colour only on a terminal, never with NO_COLOR or
--no-color), json, github (workflow commands for annotations), sarif (for
GitHub code scanning), checkstyle (Jenkins) and gitlab (Code Quality report
for merge requests). Findings go to stdout, logs to stderr.

Exit status: 0 when no finding is at or above --fail-on; 1 when one is; 2
for a usage error, a bad config, or a path that cannot be read or is over
an input limit: binary, invalid UTF-8, a line over 1 MiB, an alias bomb,
nesting over 10000 levels, a file over --max-file-size (even when the other
paths were linted; docs/errors.md lists them all), more YAML documents than
--max-documents, an empty directory or empty stdin.`,
		Example: `  # Lint every rule file under rules/
  agentalerts lint rules/

  # Lint from stdin, e.g. a rendered Helm chart
  helm template charts/agents | agentalerts lint -

  # Annotate a pull request, reporting only rules changed since main
  agentalerts lint --format github --diff-base origin/main rules/

  # SARIF for GitHub code scanning; fail only on errors
  agentalerts lint --format sarif --fail-on error rules/ > agentalerts.sarif

  # Adopt lint in a legacy repository: record today's findings, then fail
  # only on new ones
  agentalerts lint --write-baseline .agentalerts-baseline.json rules/
  agentalerts lint --baseline .agentalerts-baseline.json rules/`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				found, err := discoverRuleFiles(s, o.quiet)
				if err != nil {
					return err
				}
				args = found
			}
			return runLint(s, o, args)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: "+strings.Join(format.Names(), ", "))
	f.StringVar(&o.config, "config", "", "lint config file (default: .agentalerts.yaml in the working directory or above)")
	f.StringVar(&o.failOn, "fail-on", "warning", "lowest severity that makes the exit status 1: error, warning or info")
	f.BoolVar(&o.noColor, "no-color", false, "never colour the text output (as does the NO_COLOR environment variable)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the findings: no source excerpt, summary or logs")
	f.StringVar(&o.diffBase, "diff-base", "", "report only findings in rules added or changed since this git revision")
	f.StringVar(&o.maxFileSize, "max-file-size", "32MiB", "skip (with an error) files larger than this; units KiB, MiB, GiB")
	f.IntVar(&o.maxDocs, "max-documents", lint.DefaultMaxDocuments, "skip (with an error) files with more YAML documents than this")
	f.StringVar(&o.maxRegex, "max-regex-size", "16KiB", "do not parse (with an error) expressions with a =~ or !~ pattern longer than this")
	f.StringVar(&o.baseline, "baseline", "", "hide the findings recorded in this file (by file, group, rule and check; not by line)")
	f.StringVar(&o.writeBaseline, "write-baseline", "", "record every finding of this run in this file, so that later runs with --baseline fail only on new ones")
	f.StringVar(&o.dialect, "dialect", "", "rule engine the files are for: "+strings.Join(lint.DialectNames(), ", ")+" (default: lint.dialect of the config, else prometheus)")
	_ = c.RegisterFlagCompletionFunc("dialect", cobra.FixedCompletions(lint.DialectNames(), cobra.ShellCompDirectiveNoFileComp))
	f.StringVar(&o.live.url, "prometheus", "", "also check rules against this Prometheus server (the only way lint uses a network; see docs/live.md)")
	bindLiveFlags(f, &o.live)
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(format.Names(), cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"error", "warning", "info"}, cobra.ShellCompDirectiveNoFileComp))
	c.MarkFlagFilename("config", "yaml", "yml")
	return c
}

func runLint(s *IOStreams, o lintOptions, paths []string) error {
	usage := func(err error) error { return &ExitError{Code: ExitUsage, Err: err} }
	failOn, err := diag.ParseSeverity(o.failOn)
	if err != nil {
		return usage(fmt.Errorf("--fail-on: %w", err))
	}
	maxSize, err := parseByteSize(o.maxFileSize)
	if err != nil {
		return usage(fmt.Errorf("--max-file-size: %w", err))
	}
	readLimits, err := lintReadLimits(o)
	if err != nil {
		return usage(err)
	}
	formatter, err := format.New(o.format, format.Options{
		Color:   colorEnabled(s, o.noColor),
		Quiet:   o.quiet,
		Version: ReadBuildInfo().Version,
	})
	if err != nil {
		return usage(fmt.Errorf("--format: %w", err))
	}
	logf := func(f string, a ...any) {
		if !o.quiet {
			fmt.Fprintf(s.ErrOut, "agentalerts: "+f+"\n", a...)
		}
	}
	var baseline *lint.Baseline
	switch {
	case o.baseline != "" && o.writeBaseline != "":
		return usage(errors.New("--baseline and --write-baseline exclude each other: write the baseline, then lint with it"))
	case o.baseline != "":
		if baseline, err = lint.LoadBaseline(o.baseline); err != nil {
			return usage(fmt.Errorf("--baseline: %w (--write-baseline writes one)", err))
		}
	}
	all := checks.All()
	cfg, err := lintConfig(o.config, slices.Concat(all, live.Checks(nil)), logf)
	if err != nil {
		return usage(err)
	}
	if o.dialect != "" {
		if cfg.Dialect, err = lint.ParseDialect(o.dialect); err != nil {
			return usage(fmt.Errorf("--dialect: %w", err))
		}
	}
	srv, err := lintLive(o.live, cfg)
	if err != nil {
		return usage(err)
	}
	// Offline the live checks still run, finding nothing, so a directive
	// naming one is neither unknown nor unused; reports list them only
	// when they asked a server.
	run := slices.Concat(all, live.Checks(srv))
	if srv != nil {
		all = run
	}
	stop := startProgress(s.ErrOut, !o.quiet && isTerminal(s.ErrOut), progressDelay, "linting "+strings.Join(paths, " "))
	defer softMemoryLimit()()
	// Only the text format quotes source lines, and --diff-base compares
	// them with git; otherwise the sources of files with findings would be
	// most of what a large run holds.
	_, text := formatter.(*format.Text)
	res, err := lint.Lint(paths, s.In, lint.Options{Config: cfg, Checks: run, MaxFileSize: maxSize,
		NoSources: !text && o.diffBase == "", Limits: readLimits})
	stop()
	if err != nil {
		return usage(err)
	}
	ds := res.Diagnostics
	if srv != nil {
		ds = srv.Supersede(ds)
		logf("asked %s: %d %s", srv.URL, srv.Requests(), pluralize(int(srv.Requests()), "request", "requests"))
	}
	if o.diffBase != "" {
		base := lint.DiffBase{Ref: o.diffBase, MaxFileSize: maxSize, Limits: readLimits}
		kept, hidden, err := base.Filter(res.Sources, ds)
		if err != nil {
			return usage(fmt.Errorf("--diff-base %w", err))
		}
		if hidden > 0 {
			logf("%d %s in rules unchanged since %s not shown (--diff-base)", hidden, pluralize(hidden, "finding", "findings"), o.diffBase)
		}
		ds = kept
	}
	if ds, err = applyBaseline(ds, baseline, o.writeBaseline, logf); err != nil {
		return usage(err)
	}

	wd, _ := os.Getwd()
	report := &format.Report{
		Diagnostics: withFlags(ds),
		Files:       res.Files,
		Rules:       res.Rules,
		Source:      func(file string) []byte { return res.Sources[file] },
		Checks:      all,
		Root:        repoRoot(wd),
		WorkDir:     wd,
	}
	if err := formatter.Format(s.Out, report); err != nil {
		return usage(fmt.Errorf("writing the report: %w", err))
	}
	if !text {
		// Machine formats carry no summary a person reads in a CI log.
		logf("%s", report.Summary())
	}

	if srv != nil && srv.Err() != nil {
		return usage(fmt.Errorf("live checks incomplete: %w", srv.Err()))
	}
	// A path that could not be read is an input error even though the
	// other paths were linted: CI must not pass on a typo in a path.
	if lint.Incomplete(ds) {
		return &ExitError{Code: ExitUsage}
	}
	for _, d := range ds {
		if d.Severity >= failOn {
			return &ExitError{Code: ExitFindings}
		}
	}
	return nil
}

// lintMemoryLimit is the soft heap limit of a lint run when GOMEMLIMIT
// does not set one. What a run keeps live is small (per-file facts and
// findings), but each worker's model is garbage the moment its file is
// done; without a limit the collector lets the heap double between
// cycles and a monorepo run peaks at several times what it uses.
const lintMemoryLimit = 64 << 20

// lintGCPercent is lint's GOGC when the environment does not set one.
// Under lintMemoryLimit the heap limit, not GOGC, bounds the peak, so the
// default 100 only adds collections: with the live heap at 10-15 MB it
// collects at 20-30 MB, far below the limit. 400 lets the heap grow to the
// limit's goal between cycles (GODEBUG=gctrace=1 on the 20x corpus: 93
// collections at 100, 58 at 400, the same peak RSS).
const lintGCPercent = 400

// softMemoryLimit applies lintMemoryLimit and lintGCPercent unless the
// user chose a limit with GOMEMLIMIT (then GOGC is left alone too), and
// returns the function that restores the previous settings (lint also
// runs in-process, in tests).
func softMemoryLimit() func() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(lintMemoryLimit)
	if os.Getenv("GOGC") != "" {
		return func() { debug.SetMemoryLimit(prev) }
	}
	prevGC := debug.SetGCPercent(lintGCPercent)
	return func() {
		debug.SetGCPercent(prevGC)
		debug.SetMemoryLimit(prev)
	}
}

// discoverRuleFiles is lint's PATH when none is given: the files under the
// working directory named as rule files are (lint.Discover), the same the
// pre-commit hook passes; none is a usage error, as an empty directory is.
func discoverRuleFiles(s *IOStreams, quiet bool) ([]string, error) {
	found, err := lint.Discover(".")
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("finding rule files under the working directory: %w", err)}
	}
	if len(found) == 0 {
		return nil, &ExitError{Code: ExitUsage, Err: errors.New("no PATH given and no rule files under the working directory " +
			"(YAML under rules/ or alerts/, or named like *.rules.yaml, rules.yml, *-prometheusrule.yaml): name the files or directories to lint")}
	}
	if !quiet {
		fmt.Fprintf(s.ErrOut, "agentalerts: linting %d %s found under . (YAML under rules/ or alerts/, or named like *.rules.yaml); name paths to lint others\n",
			len(found), pluralize(len(found), "rule file", "rule files"))
	}
	return found, nil
}

// lintReadLimits reads --max-documents and --max-regex-size.
func lintReadLimits(o lintOptions) (lint.ReadLimits, error) {
	if o.maxDocs <= 0 {
		return lint.ReadLimits{}, fmt.Errorf("--max-documents: %d is not a positive number of documents", o.maxDocs)
	}
	re, err := parseByteSize(o.maxRegex)
	if err != nil {
		return lint.ReadLimits{}, fmt.Errorf("--max-regex-size: %w", err)
	}
	if re > 1<<30 {
		return lint.ReadLimits{}, fmt.Errorf("--max-regex-size: %q is over 1GiB", o.maxRegex)
	}
	return lint.ReadLimits{MaxDocuments: o.maxDocs, MaxRegexBytes: int(re)}, nil
}

// applyBaseline writes the findings to writePath, or hides those that
// baseline records; a written baseline covers the run that wrote it.
func applyBaseline(ds []diag.Diagnostic, baseline *lint.Baseline, writePath string, logf func(string, ...any)) ([]diag.Diagnostic, error) {
	if writePath != "" {
		baseline = lint.NewBaseline(ds)
		if err := atomicfile.WriteFile(writePath, baseline.Marshal(), atomicfile.Options{Program: "lint"}); err != nil {
			return nil, fmt.Errorf("--write-baseline: %w", err)
		}
		logf("wrote %d %s to %s", len(ds), pluralize(len(ds), "finding", "findings"), writePath)
	}
	if baseline == nil {
		return ds, nil
	}
	kept, hidden := baseline.Filter(ds)
	if hidden > 0 {
		logf("%d %s in the baseline not shown", hidden, pluralize(hidden, "finding", "findings"))
	}
	return kept, nil
}

// lintConfig loads --config, or else the nearest .agentalerts.yaml, or
// else the defaults, and checks that every check id it names exists.
func lintConfig(path string, known []*lint.Check, logf func(string, ...any)) (*lint.Config, error) {
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		found, ok := lint.FindConfig(wd)
		if !ok {
			return lint.DefaultConfig(), nil
		}
		path = found
		logf("using %s", relToWD(found))
	}
	cfg, err := lint.LoadConfig(path)
	if err != nil {
		var l diag.List
		if errors.As(err, &l) {
			return nil, err // already file:line:col
		}
		if limits.IsLimit(err) {
			return nil, fmt.Errorf("config %w", err) // names the path already
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := cfg.Validate(known); err != nil {
		return nil, err
	}
	return cfg, nil
}

// relToWD shortens an absolute path under the working directory.
func relToWD(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

// repoRoot is the directory CI annotations and SARIF paths are relative
// to: the checkout on GitHub Actions or GitLab CI, else the working
// directory.
func repoRoot(wd string) string {
	for _, env := range []string{"GITHUB_WORKSPACE", "CI_PROJECT_DIR"} {
		if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
			return filepath.Clean(d)
		}
	}
	return wd
}

// colorEnabled decides colour once, for the text format: only on a
// terminal, never with --no-color, NO_COLOR (https://no-color.org) or
// TERM=dumb.
func colorEnabled(s *IOStreams, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(s.Out)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// progressDelay is how long a run may take before it shows progress:
// short runs, the usual case, print nothing.
const progressDelay = 700 * time.Millisecond

// startProgress shows, on a terminal w, that a long run is still going:
// after delay, one line with the elapsed time, redrawn in place and
// erased by the returned stop function before anything else is printed.
// A delay <= 0 draws the first frame at once (for tests).
func startProgress(w io.Writer, enabled bool, delay time.Duration, what string) (stop func()) {
	if !enabled {
		return func() {}
	}
	if len(what) > 60 {
		what = what[:57] + "..."
	}
	start := time.Now()
	drawn := false
	draw := func() {
		fmt.Fprintf(w, "\r\x1b[Kagentalerts: %s (%.0fs)", what, time.Since(start).Seconds())
		drawn = true
	}
	if delay <= 0 {
		draw()
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		timer := time.NewTimer(max(delay, 0))
		defer timer.Stop()
		select {
		case <-quit:
			return
		case <-timer.C:
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			draw()
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(quit)
		<-done
		if drawn {
			fmt.Fprint(w, "\r\x1b[K")
		}
	}
}

// parseByteSize reads "1048576", "512KiB", "64MiB" or "1GiB" (K, M, G and
// KB, MB, GB are read as the binary units too).
func parseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	upper := strings.ToUpper(t)
	for _, u := range []struct {
		suffixes []string
		mult     int64
	}{
		{[]string{"GIB", "GB", "G"}, 1 << 30},
		{[]string{"MIB", "MB", "M"}, 1 << 20},
		{[]string{"KIB", "KB", "K"}, 1 << 10},
		{[]string{"B"}, 1},
	} {
		found := false
		for _, suf := range u.suffixes {
			if strings.HasSuffix(upper, suf) {
				t, mult, found = strings.TrimSpace(t[:len(t)-len(suf)]), u.mult, true
				break
			}
		}
		if found {
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a positive size such as 1048576, 512KiB or 64MiB", s)
	}
	return n * mult, nil
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
