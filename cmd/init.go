package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/atomicfile"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/rules"
)

func init() { register(newInitCmd) }

// The layout `agentalerts init` creates. The pre-commit hook
// agentalerts-generate-check defaults to the same spec and output paths
// (.pre-commit-hooks.yaml), so a repository set up by init needs no args.
const (
	initSpecFile      = "agentalerts.spec.yaml"
	initConfigFile    = ".agentalerts.yaml"
	initPreCommitFile = ".pre-commit-config.yaml"
	initRulesFile     = "rules/agentalerts.rules.yaml"
	initRepoURL       = "https://github.com/agentalerts/agentalerts"
)

type initOptions struct {
	dir   string
	force bool
	// severity names the vocabulary (lint.Vocabularies) the lint config
	// allows; the team picks it, as lint with no config accepts both.
	severity string
	build    BuildInfo // picks the pre-commit rev; injected by tests
}

func newInitCmd(s *IOStreams) *cobra.Command {
	o := initOptions{dir: ".", severity: "tiers"}
	c := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a starter spec, lint config and pre-commit config",
		Long: `Write three files into DIR, the root of your repository (default: the
current directory):

` + fmt.Sprintf("  %-23s  %s\n", initSpecFile, "a commented spec of one agent service, to edit") +
			fmt.Sprintf("  %-23s  %s\n", initConfigFile, "the lint configuration, at the built-in defaults") +
			fmt.Sprintf("  %-23s  %s\n", initPreCommitFile, "pre-commit hooks that lint rule files and fail") +
			fmt.Sprintf("  %-23s  %s\n", "", "when the generated rules are stale") + `
Existing files are never overwritten unless --force is given; then all
three are replaced. Each file is written atomically.`,
		Example: `  # Set up the current repository, then generate the rules
  agentalerts init
  agentalerts generate ` + initSpecFile + ` -o ` + initRulesFile + `

  # Start a new directory, replacing files a previous init wrote
  agentalerts init monitoring --force`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.dir = args[0]
			}
			o.build = ReadBuildInfo()
			return runInit(s, o)
		},
	}
	c.Flags().BoolVarP(&o.force, "force", "f", false, "overwrite files that already exist")
	var names []string
	for _, v := range lint.Vocabularies {
		names = append(names, fmt.Sprintf("%s (%s)", v.Name, v.Doc))
	}
	c.Flags().StringVar(&o.severity, "severity", o.severity, "severity values the lint config allows: "+strings.Join(names, "; "))
	return c
}

// initFile is one file init writes, by slash path relative to DIR.
type initFile struct {
	name string
	data []byte
}

func initFiles(build BuildInfo, severity string) ([]initFile, error) {
	voc, ok := lint.VocabularyByName(severity)
	if !ok {
		var names []string
		for _, v := range lint.Vocabularies {
			names = append(names, v.Name)
		}
		return nil, fmt.Errorf("--severity %q: expected one of %s", severity, strings.Join(names, ", "))
	}
	base := lint.DefaultConfig()
	base.SeverityValues, base.PageValues = voc.Values, voc.Page
	cfg, err := starterConfig(base)
	if err != nil {
		return nil, err
	}
	return []initFile{
		{initSpecFile, starterSpec()},
		{initConfigFile, cfg},
		{initPreCommitFile, starterPreCommit(preCommitRev(build))},
	}, nil
}

func runInit(s *IOStreams, o initOptions) error {
	if o.severity == "" {
		o.severity = "tiers"
	}
	files, err := initFiles(o.build, o.severity)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	show := func(name string) string { return filepath.Join(o.dir, filepath.FromSlash(name)) }

	// Check every file first, so a refusal writes nothing at all rather
	// than leaving a half-initialised directory.
	if !o.force {
		var exist []string
		for _, f := range files {
			if _, err := os.Lstat(show(f.name)); err == nil {
				exist = append(exist, show(f.name))
			} else if !errors.Is(err, fs.ErrNotExist) {
				return &ExitError{Code: ExitUsage, Err: err}
			}
		}
		switch len(exist) {
		case 0:
		case 1:
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s already exists; use --force to overwrite it", exist[0])}
		default:
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s already exist; use --force to overwrite them", strings.Join(exist, ", "))}
		}
	}
	var order []string
	data := map[string][]byte{}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(show(f.name)), 0o755); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		order = append(order, show(f.name))
		data[show(f.name)] = f.data
	}
	// Exclusive without --force: a file that appears after the check
	// above is kept, not replaced.
	if err := atomicfile.WriteFiles(order, data, atomicfile.Options{Exclusive: !o.force, Program: "init"}); err != nil {
		if errors.Is(err, fs.ErrExist) {
			err = fmt.Errorf("%w; use --force to overwrite it", err)
		}
		return &ExitError{Code: ExitUsage, Err: err}
	}
	for _, p := range order {
		fmt.Fprintf(s.Out, "wrote %s\n", p)
	}

	prefix := ""
	if filepath.Clean(o.dir) != "." {
		prefix = fmt.Sprintf("cd %s\n  ", o.dir)
	}
	fmt.Fprintf(s.Out, `
Next:
  %sagentalerts generate %s -o %s
  agentalerts lint %s
  pre-commit install
`, prefix, initSpecFile, initRulesFile, initRulesFile)
	return nil
}

// starterSpec is the built-in example spec, with the command in its header
// comment pointed at the files init lays out.
func starterSpec() []byte {
	return bytes.Replace(rules.ExampleSpec(),
		[]byte("agentalerts generate agents.yaml -o rules.yaml"),
		[]byte("agentalerts generate "+initSpecFile+" -o "+initRulesFile), 1)
}

// starterConfig renders cfg, the built-in defaults, as a commented
// .agentalerts.yaml. It is rendered from the Config value rather than
// written out by hand so the file cannot drift from the defaults it claims
// to show.
func starterConfig(cfg *lint.Config) ([]byte, error) {
	list := func(vs []string) (string, error) {
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range vs {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: v})
		}
		out, err := yaml.Marshal(n)
		return strings.TrimSpace(string(out)), err
	}
	scalar := func(v string) (string, error) {
		out, err := yaml.Marshal(v)
		return strings.TrimSpace(string(out)), err
	}
	dur := func(d time.Duration) string { return model.Duration(d).String() }

	var firstErr error
	must := func(s string, err error) string {
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return s
	}
	scrape, scrapeComment := cfg.ScrapeInterval, ""
	if scrape <= 0 {
		scrape, scrapeComment = time.Minute, "# " // an example, not a default
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `# agentalerts lint configuration, written by "agentalerts init".
# "agentalerts lint" finds this file by looking upward from the working
# directory; --config PATH names another one. The severity values are the
# set picked with --severity; the rest are the built-in defaults: change
# what your conventions differ in.
lint:
  # Turn single checks off, or change the severity they report at (error,
  # warning or info). "agentalerts explain" lists the checks.
  checks: {}
  # checks:
  #   promql/rate-window: {severity: info}
  #   alert/runbook: {enabled: false}

  # The label that carries an alert's tier and the values it may take.
  # Alerts whose value is listed under page get the stricter checks for
  # alerts that wake someone up. Keep this in step with severity: in your
  # agentalerts spec.
  severity:
    label: %s
    values: %s
    page: %s

  # Labels and annotations every alerting rule must carry.
  required_labels: %s
  required_annotations: %s

  # Your Prometheus scrape_interval: a rate() window shorter than twice
  # this sees too few samples and is reported. Unset, lint assumes 15s.
  %sscrape_interval: %s
  # The shortest "for" a paging alert may have.
  min_page_for: %s

  # The severity values your Alertmanager routes match; an alert with any
  # other value is reported as going nowhere. Empty: not checked.
  routed_severities: %s
`,
		must(scalar(cfg.SeverityLabel)),
		must(list(cfg.SeverityValues)),
		must(list(cfg.PageValues)),
		must(list(cfg.RequiredLabels)),
		must(list(cfg.RequiredAnnotations)),
		scrapeComment, dur(scrape),
		dur(cfg.MinPageFor),
		must(list(cfg.RoutedSeverities)),
	)
	return b.Bytes(), firstErr
}

// releaseVersion matches a tagged release, not a pseudo-version
// (v0.0.0-20261126163000-0e837c7a1b2c), which names no tag pre-commit can
// fetch.
var (
	releaseVersion = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$`)
	pseudoVersion  = regexp.MustCompile(`\d{14}-[0-9a-f]{12}$`)
)

// preCommitRev is the rev the starter pre-commit config pins: the release
// this binary is; else the commit it was built from, when that commit is
// known and was not modified (pre-commit warns about a branch, which moves
// under the user); else main.
func preCommitRev(b BuildInfo) string {
	if releaseVersion.MatchString(b.Version) && !pseudoVersion.MatchString(b.Version) {
		return b.Version
	}
	if fullCommit.MatchString(b.Revision) && b.Modified == "false" {
		return b.Revision
	}
	return "main"
}

var fullCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)

func starterPreCommit(rev string) []byte {
	pin := ""
	switch {
	case rev == "main":
		pin = "  # a branch: pin a release tag with \"pre-commit autoupdate\""
	case fullCommit.MatchString(rev):
		pin = "  # the commit this agentalerts was built from; \"pre-commit autoupdate\" moves it to a release tag"
	}
	return []byte(fmt.Sprintf(`# pre-commit hooks (https://pre-commit.com), written by "agentalerts init".
# Enable them with "pre-commit install"; check every file now with
# "pre-commit run --all-files". If you already have a .pre-commit-config.yaml,
# copy the repo entry below into it.
repos:
  - repo: %s
    rev: %s%s
    hooks:
      # Lints rule files: YAML under rules/ or alerts/, and *.rules.yaml.
      - id: agentalerts-lint
      # Fails when %s is stale against %s.
      - id: agentalerts-generate-check
        args: [%s, -o, %s]
`, initRepoURL, rev, pin, initRulesFile, initSpecFile, initSpecFile, initRulesFile))
}
