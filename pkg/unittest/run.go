package unittest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/internal/yamlx"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Options tune a run. The zero value runs every test group with
// Prometheus's default PromQL parser, like `promtool test rules`.
type Options struct {
	// Run selects test groups whose name matches any of these regular
	// expressions (promtool's --run); empty runs all groups.
	Run []string
	// IgnoreUnknownFields lets rule files carry fields Prometheus does not
	// know (promtool's --ignore-unknown-fields).
	IgnoreUnknownFields bool
	// Parser parses rules and queries; nil means parser.NewParser with no
	// optional syntax, as promtool without --enable-feature.
	Parser parser.Parser
	// Parallel is how many test groups run at once; 0 means GOMAXPROCS.
	Parallel int
	// FailFast starts no further test group once one has failed; the
	// groups it skips are left out of the result. For callers that need
	// only whether a file fails (the mutation tester): the answer is the
	// same, and a failing file costs only the groups up to its first
	// failure.
	FailFast bool
	// Limits bound the work and memory one test file may ask for; the
	// zero value takes the defaults.
	Limits Limits
	// RuleFileChecker, when set, explains a rule file that does not load.
	// It gets the file's path, its bytes as read (a PrometheusRule or a
	// mimir namespace file still wrapped) and which of those it is, and
	// returns what keeps Prometheus from loading it, at
	// positions in those bytes; findings below error severity are
	// ignored. The agentalerts CLI passes lint's reader and its
	// error-level checks, so that test reports a broken rule file at the
	// position and in the words lint does, and this package need not
	// depend on lint. It is asked only about a file Prometheus's loader
	// refuses: the loader decides, since its rule manager runs the tests.
	// When it is nil or finds no error, the loader's own error is
	// reported. It must honour IgnoreUnknownFields.
	RuleFileChecker func(path string, data []byte, format RuleFileFormat) []diag.Diagnostic
}

// RuleFileFormat is how a rule file wraps its groups: test reads the
// formats `generate --format` writes.
type RuleFileFormat string

// The rule file formats test reads.
const (
	FormatPlain          RuleFileFormat = "plain"           // groups: at the top, as Prometheus reads it
	FormatPrometheusRule RuleFileFormat = "PrometheusRule"  // prometheus-operator's resource
	FormatMimirNamespace RuleFileFormat = "mimir namespace" // mimirtool's namespace: and groups:
)

// ruleSource is a rule file as read, for RuleFileChecker.
type ruleSource struct {
	data   []byte
	format RuleFileFormat
}

// FileResult is the outcome of one test file whose input was valid.
type FileResult struct {
	Path     string
	Warnings []diag.Diagnostic // e.g. a rule_files pattern that matches nothing
	Groups   []GroupResult     // the groups that ran, in file order
}

// Failed reports whether any case in the file failed.
func (r *FileResult) Failed() bool {
	for _, g := range r.Groups {
		if len(g.Failures) > 0 {
			return true
		}
	}
	return false
}

// GroupResult is the outcome of one test group.
type GroupResult struct {
	Name     string   // DisplayName of the group
	Pos      diag.Pos // where the group starts in the test file
	Cases    int      // alert and expression cases checked
	Failures []Failure
}

// Failure is one case whose result differs from its expectation, or an
// evaluation error that stopped the group.
type Failure struct {
	Pos      diag.Pos // the alert_rule_test or promql_expr_test entry
	EvalTime time.Duration
	// Exactly one of Alertname and Expr is set, except for a rule
	// evaluation error, where Rule is set.
	Alertname string
	Expr      string
	Rule      string
	Err       error  // evaluation or query error
	Want, Got string // the expectation and the result in test-file YAML
}

// RunFile reads, validates and runs one test file. A returned error is bad
// input (a diag.List for the test file or its rule files); test failures
// are in the result. The file is read only if it is a regular file within
// Limits.FileSize, and a panic anywhere in the run becomes an error for
// this file, so a caller running many files keeps the others' results.
func RunFile(path string, opts Options) (res *FileResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, panicError(path, p)
		}
	}()
	data, err := limits.ReadFile(path, opts.Limits.FileSize)
	if err != nil {
		return nil, diag.List{readError(diag.Pos{File: path}, "", err)}
	}
	f, err := Parse(path, data)
	if f == nil {
		return nil, err
	}
	var errs diag.List
	if err != nil {
		errs = err.(diag.List)
	} else if len(f.Tests) == 0 {
		errs = diag.List{{Pos: diag.Pos{File: path}, Check: CheckEmpty, Severity: diag.Error,
			Message: "no test groups: the file is empty or has no tests: list, so nothing would be tested"}}
	}
	return run(f, opts, errs)
}

// readError says why a file could not be read, with what was expected
// when the file is of the wrong kind, and the limit when it is too large.
func readError(p diag.Pos, prefix string, err error) diag.Diagnostic {
	d := diag.Diagnostic{Pos: p, Check: CheckReadError, Severity: diag.Error, Message: prefix + err.Error()}
	var nr *limits.NotRegularError
	var tl *limits.TooLargeError
	switch {
	case errors.As(err, &nr):
		d.Message += ": expected a YAML file"
	case errors.As(err, &tl):
		d.Limit = LimitFileSize
	}
	return d
}

// panicError turns a panic in one file's run into that file's error.
func panicError(path string, p any) diag.List {
	return diag.List{{Pos: diag.Pos{File: path}, Check: CheckPanic, Severity: diag.Error,
		Message: "internal error while running this file (please report it): " + clipPanic(fmt.Sprint(p))}}
}

// clipPanic keeps a panic's message to a line's worth: its value may
// hold the very input that caused it.
func clipPanic(s string) string {
	if len(s) > 300 {
		return strings.ToValidUTF8(s[:300], "") + "..."
	}
	return s
}

// Run validates and runs a parsed test file.
func Run(f *File, opts Options) (*FileResult, error) {
	return run(f, opts, nil)
}

// run validates f, adding to the problems already found in it, and runs it
// only when there are none.
func run(f *File, opts Options, errs diag.List) (*FileResult, error) {
	r := &runner{file: f, opts: opts, res: &FileResult{Path: f.Path}, ruleData: map[string][]byte{}, ruleSrc: map[string]ruleSource{}}
	r.lim = opts.Limits.withDefaults()
	if r.opts.Parser == nil {
		// Hostile input: an expression the parser would take minutes on is refused.
		r.opts.Parser = limits.Parser{Parser: parser.NewParser(parser.Options{})}
	}
	if len(opts.Run) > 0 {
		re, err := regexp.Compile(strings.Join(opts.Run, "|"))
		if err != nil {
			return nil, fmt.Errorf("invalid Run pattern: %w", err)
		}
		r.run = re
	}
	errs = append(errs, r.prepare()...)
	if len(errs) > 0 {
		// Warnings travel with the errors so that a caller printing the
		// list shows, say, the rule_files pattern that matched nothing.
		errs = append(errs, r.res.Warnings...)
		diag.Sort(errs)
		return nil, errs
	}
	var selected []*Group
	for _, g := range f.Tests {
		if r.run == nil || r.run.MatchString(g.Name) {
			selected = append(selected, g)
		}
	}
	// Groups share nothing (each has its own storage, engine and rule
	// manager), so they run in parallel; results stay in file order.
	r.res.Groups = make([]GroupResult, len(selected))
	workers := opts.Parallel
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	// A panic in a worker would end the process, not just this file, so
	// each group recovers its own and the file reports the first.
	panics := make([]any, len(selected))
	ran := make([]bool, len(selected))
	var failed atomic.Bool
	for range min(workers, len(selected)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if opts.FailFast && failed.Load() {
					continue
				}
				ran[i] = true
				func() {
					defer func() {
						if p := recover(); p != nil {
							panics[i] = fmt.Sprintf("test group %q: %v", selected[i].DisplayName(), p)
						}
					}()
					r.res.Groups[i] = r.runGroup(selected[i])
					if len(r.res.Groups[i].Failures) > 0 {
						failed.Store(true)
					}
				}()
			}
		}()
	}
	for i := range selected {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			return nil, panicError(f.Path, p)
		}
	}
	if opts.FailFast {
		kept := r.res.Groups[:0]
		for i, g := range r.res.Groups {
			if ran[i] {
				kept = append(kept, g)
			}
		}
		r.res.Groups = kept
	}
	return r.res, nil
}

type runner struct {
	file      *File
	opts      Options
	run       *regexp.Regexp
	res       *FileResult
	lim       Limits            // opts.Limits with the defaults filled in
	ruleFiles []string          // resolved and globbed, in order, each once
	ruleData  map[string][]byte // the bytes of each rule file, read once
	// ruleSrc holds what RuleFileChecker is given for each rule file:
	// the file as read, still wrapped, so that its positions are the
	// file's own.
	ruleSrc   map[string]ruleSource
	groups    int          // test groups selected to run, counted by checkGroup
	cases     int          // their cases, counted by checkGroup
	evalSteps int64        // their rule evaluations, counted by checkGroup
	groupKeys []string     // rules.GroupKey of every rule group, in evaluation order
	expected  [][][]expect // per test group, per expr test: parsed exp_samples
}

type expect struct {
	labels labels.Labels
	value  float64
	hist   string
}

// prepare resolves rule files and checks everything that can be wrong with
// the input before anything runs, so bad input never looks like a failure.
func (r *runner) prepare() diag.List {
	var errs diag.List
	base := filepath.Dir(r.file.Path)
	type match struct {
		path string
		from Str // the rule_files entry that matched it
	}
	var matched []match
	loaded := map[string]bool{}
	over := false
	for _, rf := range r.file.RuleFiles {
		pattern := rf.Value
		if pattern != "" && !filepath.IsAbs(pattern) {
			pattern = filepath.Join(base, pattern)
		}
		matches, err := filepath.Glob(pattern)
		if err != nil {
			errs = append(errs, diag.Diagnostic{Pos: rf.Pos, Check: CheckRuleFile, Severity: diag.Error,
				Message: fmt.Sprintf("invalid rule_files pattern %q: %v", rf.Value, err)})
			continue
		}
		if len(matches) == 0 {
			r.res.Warnings = append(r.res.Warnings, diag.Diagnostic{Pos: rf.Pos, Check: CheckRuleFile, Severity: diag.Warning,
				Message: fmt.Sprintf("rule_files pattern %q matches no file", rf.Value)})
		}
		for _, m := range matches {
			// Patterns that overlap name a file once, as promtool's rule
			// manager keys groups by file: its errors are reported and its
			// groups evaluated once.
			if loaded[m] {
				continue
			}
			loaded[m] = true
			matched = append(matched, match{m, rf})
		}
		if !over && len(matched) > r.lim.RuleFiles {
			// Counted before any is read: a pattern such as /*/*/* would
			// read the whole disk.
			over = true
			errs = append(errs, diag.Diagnostic{Pos: rf.Pos, Check: CheckLimit, Severity: diag.Error,
				Message: fmt.Sprintf("rule_files pattern %q brings the rule files of this test file to %d, over the limit of %d", rf.Value, len(matched), r.lim.RuleFiles),
				Limit:   LimitRuleFiles})
		}
	}
	if over {
		return errs
	}
	for _, m := range matched {
		data, err := limits.ReadFile(m.path, r.lim.FileSize)
		if err != nil {
			errs = append(errs, readError(m.from.Pos, "rule file ", err))
			continue
		}
		if plain, format, err := unwrap(data); err != nil {
			errs = append(errs, diag.Diagnostic{Pos: m.from.Pos, Check: CheckRuleFile, Severity: diag.Error,
				Message: fmt.Sprintf("rule file %s: %v", m.path, err)})
			continue
		} else if format != FormatPlain {
			// A PrometheusRule or mimir namespace file (generate --format).
			r.ruleSrc[m.path] = ruleSource{data, format}
			data = plain
		} else {
			r.ruleSrc[m.path] = ruleSource{data, FormatPlain}
		}
		r.ruleFiles = append(r.ruleFiles, m.path)
		r.ruleData[m.path] = data
	}

	// Rule groups in file order; group_eval_order moves the groups it names
	// in front of later ones. Ties keep file order, so runs are repeatable.
	order := map[string]int{}
	for i, g := range r.file.GroupEvalOrder {
		order[g.Value] = i
	}
	type keyed struct {
		key  string
		rank int
	}
	var keys []keyed
	for _, fn := range r.ruleFiles {
		doc, d, ok := ruleFileYAML(fn, r.ruleData[fn])
		var rgs *rulefmt.RuleGroups
		var ferrs []error
		if ok {
			rgs, ferrs = rulefmt.Parse(r.ruleData[fn], r.opts.IgnoreUnknownFields, model.UTF8Validation, r.opts.Parser, promslog.NewNopLogger())
		}
		if !ok || len(ferrs) > 0 {
			errs = append(errs, r.loadErrors(fn, doc, d, ferrs)...)
		}
		if rgs == nil {
			continue
		}
		if len(ferrs) == 0 {
			errs = append(errs, r.checkRules(fn, rgs)...)
		}
		for _, g := range rgs.Groups {
			keys = append(keys, keyed{rules.GroupKey(fn, g.Name), order[g.Name]})
		}
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].rank < keys[j].rank })
	for _, k := range keys {
		r.groupKeys = append(r.groupKeys, k.key)
	}

	seriesParser := parser.NewParser(promqltest.TestParserOpts)
	r.expected = make([][][]expect, len(r.file.Tests))
	var total uint64
	for gi, g := range r.file.Tests {
		errs = append(errs, r.checkGroup(g)...)
		for _, s := range g.InputSeries {
			if total > uint64(r.lim.Samples) {
				break // reported; parsing more would only cost memory
			}
			line := seriesLine(s)
			n := SeriesSamples(line)
			total = addSat(total, n)
			if d, ok := r.seriesOver(s, line, n, total); ok {
				errs = append(errs, d)
				continue
			}
			lb, err := parseSafe(func() (labels.Labels, error) {
				lb, _, err := seriesParser.ParseSeriesDesc(line)
				return lb, err
			})
			if err != nil {
				errs = append(errs, seriesError(s, err))
				continue
			}
			if msg := labelsOver(lb, r.lim.LabelSize); msg != "" {
				errs = append(errs, diag.Diagnostic{Pos: s.SeriesAt.Pos, Check: CheckLimit, Severity: diag.Error,
					Message: "input series " + msg, Limit: LimitLabelSize})
			}
		}
		r.expected[gi] = make([][]expect, len(g.ExprTests))
		for ei, et := range g.ExprTests {
			if strings.TrimSpace(et.Expr) == "" {
				errs = append(errs, diag.Diagnostic{Pos: et.Pos, Check: CheckField, Severity: diag.Error,
					Message: "promql_expr_test entry has no expr"})
			}
			for _, s := range et.ExpSamples {
				var e expect
				if off := quotedOver(s.Labels, r.lim.LabelSize); off >= 0 {
					errs = append(errs, diag.Diagnostic{Pos: s.LabelsAt.at(off), Check: CheckLimit, Severity: diag.Error,
						Message: fmt.Sprintf("expected sample has a label name or value over %d bytes", r.lim.LabelSize), Limit: LimitLabelSize})
					continue
				}
				lb, err := parseSafe(func() (labels.Labels, error) { return r.opts.Parser.ParseMetric(s.Labels) })
				if err == nil {
					if msg := labelsOver(lb, r.lim.LabelSize); msg != "" {
						errs = append(errs, diag.Diagnostic{Pos: s.LabelsAt.Pos, Check: CheckLimit, Severity: diag.Error,
							Message: "expected sample " + msg, Limit: LimitLabelSize})
						continue
					}
				}
				if err != nil {
					p, msg := s.Pos, err.Error()
					if pe := firstParseErr(err); pe != nil {
						p, msg = s.LabelsAt.at(int(pe.PositionRange.Start)), pe.Err.Error()
					}
					errs = append(errs, diag.Diagnostic{Pos: p, Check: CheckSeries, Severity: diag.Error,
						Message: fmt.Sprintf("invalid labels %q in expected sample: %s", s.Labels, msg)})
					continue
				}
				e.labels, e.value = lb, s.Value
				if s.Histogram != "" {
					var vals []parser.SequenceValue
					var err error
					if n := SeriesSamples("{} " + s.Histogram); n > 1 {
						// Checked before parsing: "{{...}}x1000000000" would expand first.
						err = fmt.Errorf("expands to %d values", n)
					} else {
						_, err = parseSafe(func() (labels.Labels, error) {
							var lb labels.Labels
							var err error
							lb, vals, err = r.opts.Parser.ParseSeriesDesc("{} " + s.Histogram)
							return lb, err
						})
					}
					switch {
					case err != nil:
					case len(vals) != 1 || vals[0].Histogram == nil:
						err = errors.New("expected exactly one native histogram")
					}
					if err != nil {
						errs = append(errs, diag.Diagnostic{Pos: s.Pos, Check: CheckSeries, Severity: diag.Error,
							Message: fmt.Sprintf("invalid histogram %q in expected sample: %v", s.Histogram, err)})
						continue
					}
					e.hist = vals[0].Histogram.TestExpression()
				}
				r.expected[gi][ei] = append(r.expected[gi][ei], e)
			}
		}
	}
	return errs
}

// seriesError places a parse error of "series values" in whichever of
// the two texts it falls, at its character when the YAML allows.
func seriesError(s Series, err error) diag.Diagnostic {
	d := diag.Diagnostic{Pos: s.Pos, Check: CheckSeries, Severity: diag.Error,
		Fix: `write series as metric{label="value"} and values in expanding notation, e.g. "0+10x5 _ stale"`}
	msg := err.Error()
	if pe := firstParseErr(err); pe != nil {
		msg = pe.Err.Error()
		off := int(pe.PositionRange.Start)
		if off >= len(s.Series) && strings.Contains(msg, "inside braces") {
			// The label set never closed; the parser only noticed in the values.
			off = len(s.Series) - 1
			msg += `: is the closing "}" of the series missing?`
		}
		switch {
		case off < len(s.Series) && s.SeriesAt.Line > 0:
			d.Pos = s.SeriesAt.at(off)
			d.Message = fmt.Sprintf("invalid input series %q: %s", s.Series, msg)
			return d
		case off > len(s.Series) && s.ValuesAt.Line > 0:
			d.Pos = s.ValuesAt.at(off - len(s.Series) - 1)
			d.Message = fmt.Sprintf("invalid values %q of input series %s: %s", s.Values, s.Series, msg)
			return d
		}
	}
	d.Message = fmt.Sprintf("invalid input series %q with values %q: %s", s.Series, s.Values, msg)
	return d
}

// firstParseErr digs the first PromQL parse error, with its offset, out
// of err; nil if there is none.
func firstParseErr(err error) *parser.ParseErr {
	var pes parser.ParseErrors
	if errors.As(err, &pes) && len(pes) > 0 {
		return &pes[0]
	}
	var pe *parser.ParseErr
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// loadErrors says why rule file fn does not load: RuleFileChecker's
// errors when it finds any, else the reason ruleFileYAML gave (doc is
// nil) or rulefmt's errors ferrs. An alias bomb is always ruleFileYAML's
// diagnostic, which names test's own flag for the budget.
func (r *runner) loadErrors(fn string, doc *yaml.Node, screen diag.Diagnostic, ferrs []error) []diag.Diagnostic {
	var explained []diag.Diagnostic
	src, checkable := r.ruleSrc[fn]
	if checkable && r.opts.RuleFileChecker != nil && screen.Limit == "" {
		for _, d := range r.opts.RuleFileChecker(fn, src.data, src.format) {
			if d.Severity == diag.Error {
				explained = append(explained, d)
			}
		}
	}
	if doc == nil {
		if len(explained) > 0 {
			return explained
		}
		return []diag.Diagnostic{screen}
	}
	// rulefmt decodes a file twice (into rules and into nodes), so a
	// decoding error comes back twice; it is reported once.
	var own []diag.Diagnostic
	seen := map[string]bool{}
	// Lines of the rules rulefmt refuses, unless the checker found an
	// error inside each (only comparable when both read the same bytes:
	// a plain file).
	var unexplained [][2]int
	for _, e := range ferrs {
		for _, d := range ruleFileError(fn, doc, e) {
			if k := d.String(); !seen[k] {
				seen[k] = true
				own = append(own, d)
			}
		}
		var re *rulefmt.Error
		if len(explained) > 0 && src.format == FormatPlain && errors.As(e, &re) {
			if n, last := ruleNode(doc, re.Group, re.Rule); n != nil && !within(explained, fn, n.Line, last) {
				unexplained = append(unexplained, [2]int{n.Line, last})
			}
		}
	}
	if len(explained) == 0 {
		return own
	}
	// Lint agrees with Prometheus on every file of the corpus; should it
	// not, a rule rulefmt refuses where lint found nothing keeps
	// rulefmt's words, so no reason a file does not load goes unsaid.
	for _, d := range own {
		for _, span := range unexplained {
			if d.Pos.Line >= span[0] && d.Pos.Line <= span[1] {
				explained = append(explained, d)
				break
			}
		}
	}
	diag.Sort(explained)
	return explained
}

// within reports whether any of ds is in file fn between lines first and
// last.
func within(ds []diag.Diagnostic, fn string, first, last int) bool {
	for _, d := range ds {
		if d.Pos.File == fn && d.Pos.Line >= first && d.Pos.Line <= last {
			return true
		}
	}
	return false
}

// ruleFileError turns one rulefmt error into diagnostics: a rule's error
// at that rule, found in doc from the group and index rulefmt gives; a
// YAML decoding error list one per line. rulefmt's other errors (a
// group's) carry their position only in their text, as a "line:col: "
// prefix, which is taken from there.
func ruleFileError(fn string, doc *yaml.Node, err error) []diag.Diagnostic {
	d := diag.Diagnostic{Pos: diag.Pos{File: fn}, Check: CheckRuleFile, Severity: diag.Error}
	var re *rulefmt.Error
	var te *yaml.TypeError
	switch {
	case errors.As(err, &re):
		d.Pos = rulePos(fn, doc, re.Group, re.Rule)
		d.Message = fmt.Sprintf("rule file does not load: group %q, rule %d, %q: %v", re.Group, re.Rule, re.RuleName, errors.Unwrap(&re.Err))
	case errors.As(err, &te) && len(te.Errors) > 0:
		var out []diag.Diagnostic
		for _, l := range te.Errors {
			e := d
			rest, ok := strings.CutPrefix(l, "line ")
			if n, msg, ok2 := strings.Cut(rest, ": "); ok && ok2 {
				if line, err := strconv.Atoi(n); err == nil {
					e.Pos.Line, l = line, msg
				}
			}
			e.Message = "rule file does not load: " + l
			if strings.Contains(l, " not found in type ") {
				e.Fix = "remove the field, or accept unknown fields (promtool's --ignore-unknown-fields)"
			}
			out = append(out, e)
		}
		return out
	default:
		msg := err.Error()
		if l, rest, ok := strings.Cut(msg, ":"); ok {
			if c, rest, ok := strings.Cut(rest, ": "); ok {
				line, err1 := strconv.Atoi(l)
				col, err2 := strconv.Atoi(c)
				if err1 == nil && err2 == nil {
					d.Pos.Line, d.Pos.Column, msg = line, col, rest
				}
			}
		}
		d.Message = "rule file does not load: " + msg
	}
	return []diag.Diagnostic{d}
}

// rulePos is the position of rule idx (from 1) of the group named name,
// or of the file when doc has no such rule.
func rulePos(fn string, doc *yaml.Node, name string, idx int) diag.Pos {
	if n, _ := ruleNode(doc, name, idx); n != nil {
		return yamlx.Pos(fn, n)
	}
	return diag.Pos{File: fn}
}

// ruleNode is rule idx (from 1) of the group named name in doc, or nil,
// and the last line the rule may take: the line before the next rule or
// group, as a scalar's node (a block scalar's) says only where it starts.
func ruleNode(doc *yaml.Node, name string, idx int) (*yaml.Node, int) {
	groups := yamlx.Resolve(yamlx.Get(yamlx.Resolve(yamlx.Root(doc)), "groups"))
	if groups == nil || groups.Kind != yaml.SequenceNode {
		return nil, 0
	}
	for gi, g := range groups.Content {
		g = yamlx.Resolve(g)
		if n := yamlx.Resolve(yamlx.Get(g, "name")); n == nil || n.Value != name {
			continue
		}
		rs := yamlx.Resolve(yamlx.Get(g, "rules"))
		if rs == nil || rs.Kind != yaml.SequenceNode || idx < 1 || idx > len(rs.Content) {
			return nil, 0
		}
		last := math.MaxInt
		switch {
		case idx < len(rs.Content):
			last = rs.Content[idx].Line - 1
		case gi+1 < len(groups.Content):
			last = groups.Content[gi+1].Line - 1
		}
		n := yamlx.Resolve(rs.Content[idx-1])
		return n, max(last, n.Line)
	}
	return nil, 0
}

// ruleFileYAML reports a rule file that is not YAML, or whose aliases are
// over the budget, before rulefmt decodes it: rulefmt's text gives a
// syntax error only a line, and the line of the enclosing construct. It
// returns the file's document node, to place rulefmt's other errors.
func ruleFileYAML(fn string, data []byte) (*yaml.Node, diag.Diagnostic, bool) {
	doc, err := yamlx.Parse(data)
	if err != nil {
		d := yamlx.Diagnostic(fn, CheckRuleFile, err)
		d.Message = "rule file does not load: " + d.Message
		return nil, d, false
	}
	if e := yamlx.Measure(doc); e.OverBudget() {
		return nil, e.Diagnostic(fn, CheckLimit), false
	}
	return doc, diag.Diagnostic{}, true
}

// seriesLine is one line of promqltest's load command. Newlines inside a
// YAML block scalar would split the line, so they become spaces.
func seriesLine(s Series) string {
	return strings.ReplaceAll(s.Series+" "+s.Values, "\n", " ")
}

func (r *runner) runGroup(g *Group) GroupResult {
	res := GroupResult{Name: g.DisplayName(), Pos: g.Pos}
	fail := func(f Failure) { res.Failures = append(res.Failures, f) }

	interval := g.Interval
	if interval == 0 {
		interval = r.file.EvaluationInterval
	}
	evalInterval := r.file.EvaluationInterval

	var load strings.Builder
	fmt.Fprintf(&load, "load %s\n", model.Duration(interval))
	for _, s := range g.InputSeries {
		fmt.Fprintf(&load, "  %s\n", seriesLine(s))
	}
	suite, err := promqltest.NewLazyLoader(load.String(), promqltest.LazyLoaderOpts{
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
		StartTime:            g.StartTimestamp,
		Parser:               r.opts.Parser,
	})
	if err != nil {
		fail(Failure{Pos: g.Pos, Err: fmt.Errorf("loading input series: %w", err)})
		return res
	}
	defer suite.Close()
	suite.SubqueryInterval = evalInterval
	// The loader's own engine has a fixed 100s timeout; this one takes the
	// budget, as a second line behind the checks of prepare.
	engine := promql.NewEngine(promql.EngineOpts{
		MaxSamples:               r.lim.QuerySamples,
		Timeout:                  r.lim.QueryTimeout,
		NoStepSubqueryIntervalFn: func(int64) int64 { return evalInterval.Milliseconds() },
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		Parser:                   r.opts.Parser,
	})
	defer engine.Close()

	mgr := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:    rules.EngineQueryFunc(engine, suite.Storage()),
		GroupLoader:  memLoader{r},
		AppendableV2: suite.Storage(),
		Queryable:    suite.Storage(),
		Context:      context.Background(),
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       promslog.NewNopLogger(),
		Parser:       r.opts.Parser,
	})
	groupsByKey, errs := mgr.LoadGroups(interval, labels.FromMap(g.ExternalLabels), g.ExternalURL, nil, r.opts.IgnoreUnknownFields, r.ruleFiles...)
	if len(errs) > 0 {
		fail(Failure{Pos: g.Pos, Err: fmt.Errorf("loading rule files: %w", errors.Join(errs...))})
		return res
	}
	groups := make([]*rules.Group, 0, len(groupsByKey))
	for _, k := range r.groupKeys {
		if rg, ok := groupsByKey[k]; ok {
			groups = append(groups, rg)
			for _, rule := range rg.Rules() {
				if ar, ok := rule.(*rules.AlertingRule); ok {
					// Without this the rule would wait to restore `for` state from
					// storage and never write ALERTS series.
					ar.SetRestored(true)
				}
			}
		}
	}

	start := time.Unix(0, 0).UTC()
	if !g.StartTimestamp.IsZero() {
		start = g.StartTimestamp
	}
	var last time.Duration
	byTime := map[time.Duration][]AlertTest{}
	for _, at := range g.AlertTests {
		byTime[at.EvalTime] = append(byTime[at.EvalTime], at)
		last = max(last, at.EvalTime)
	}
	for _, et := range g.ExprTests {
		last = max(last, et.EvalTime)
	}
	times := make([]time.Duration, 0, len(byTime))
	for t := range byTime {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })

	fuzzy := r.file.FuzzyCompare
	next := 0
	for offset := time.Duration(0); ; offset += evalInterval {
		ts := start.Add(offset)
		var loadErr error
		var evalFailures []Failure
		suite.WithSamplesTill(ts, func(err error) {
			if err != nil {
				loadErr = err
				return
			}
			for _, rg := range groups {
				rg.Eval(suite.Context(), ts)
				for _, rule := range rg.Rules() {
					if err := rule.LastError(); err != nil {
						evalFailures = append(evalFailures, Failure{Pos: g.Pos, EvalTime: offset, Rule: rule.Name(), Err: err})
					}
				}
			}
		})
		if loadErr != nil {
			fail(Failure{Pos: g.Pos, EvalTime: offset, Err: fmt.Errorf("loading input series: %w", loadErr)})
			return res
		}
		if len(evalFailures) > 0 {
			// Later evaluations build on a broken one; stop like promtool.
			res.Failures = append(res.Failures, evalFailures...)
			return res
		}
		// An eval_time between two evaluations sees the earlier one.
		for next < len(times) && times[next] < offset+evalInterval {
			for _, at := range byTime[times[next]] {
				res.Cases++
				if want, got, ok := compareAlerts(at, groups); !ok {
					fail(Failure{Pos: at.Pos, EvalTime: at.EvalTime, Alertname: at.Alertname, Want: want, Got: got})
				}
			}
			next++
		}
		if offset > last-evalInterval {
			// Checked before adding, because test files reach for the end of
			// time.Duration (promtool's long-period test) and would overflow.
			break
		}
	}

	query := rules.EngineQueryFunc(engine, suite.Queryable())
	for ei, et := range g.ExprTests {
		want := r.expected[g.Index][ei]
		res.Cases++
		vec, err := query(suite.Context(), et.Expr, start.Add(et.EvalTime))
		if err != nil {
			fail(Failure{Pos: et.Pos, EvalTime: et.EvalTime, Expr: et.Expr, Err: err})
			continue
		}
		got := make([]expect, 0, len(vec))
		for _, s := range vec {
			got = append(got, expect{labels: s.Metric, value: s.F, hist: promqltest.HistogramTestExpression(s.H)})
		}
		if !sameSamples(want, got, fuzzy) {
			fail(Failure{Pos: et.Pos, EvalTime: et.EvalTime, Expr: et.Expr, Want: renderSamples(want), Got: renderSamples(got)})
		}
	}
	return res
}

// memLoader hands the rule manager the rule files prepare read and
// checked, parsed afresh for each test group (groups run in parallel and
// must not share rule objects), so a file is read once, within its size
// limit, and cannot change between the checks and the run.
type memLoader struct{ r *runner }

func (l memLoader) Load(fn string, ignoreUnknownFields bool, scheme model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	data, ok := l.r.ruleData[fn]
	if !ok {
		return nil, []error{fmt.Errorf("%s: rule file was not read", fn)}
	}
	return rulefmt.Parse(data, ignoreUnknownFields, scheme, l.r.opts.Parser, promslog.NewNopLogger())
}

func (l memLoader) Parse(query string) (parser.Expr, error) {
	return l.r.opts.Parser.ParseExpr(query)
}

type alertState struct {
	labels, annotations labels.Labels
}

// compareAlerts compares the firing alerts of every rule named
// at.Alertname (a name may appear in several groups) with the expectation.
func compareAlerts(at AlertTest, groups []*rules.Group) (want, got string, ok bool) {
	var gotAlerts, wantAlerts []alertState
	for _, rg := range groups {
		for _, rule := range rg.Rules() {
			ar, isAlert := rule.(*rules.AlertingRule)
			if !isAlert || ar.Name() != at.Alertname {
				continue
			}
			for _, a := range ar.ActiveAlerts() {
				if a.State == rules.StateFiring {
					gotAlerts = append(gotAlerts, alertState{a.Labels.Copy(), a.Annotations.Copy()})
				}
			}
		}
	}
	for _, e := range at.ExpAlerts {
		lb := make(map[string]string, len(e.Labels)+1)
		for k, v := range e.Labels {
			lb[k] = v
		}
		lb[labels.AlertName] = at.Alertname
		wantAlerts = append(wantAlerts, alertState{labels.FromMap(lb), labels.FromMap(e.Annotations)})
	}
	sortAlerts(gotAlerts)
	sortAlerts(wantAlerts)
	ok = len(gotAlerts) == len(wantAlerts)
	for i := 0; ok && i < len(gotAlerts); i++ {
		ok = labels.Equal(gotAlerts[i].labels, wantAlerts[i].labels) &&
			labels.Equal(gotAlerts[i].annotations, wantAlerts[i].annotations)
	}
	if ok {
		return "", "", true
	}
	return renderAlerts(wantAlerts), renderAlerts(gotAlerts), false
}

func sortAlerts(as []alertState) {
	sort.Slice(as, func(i, j int) bool {
		if c := labels.Compare(as[i].labels, as[j].labels); c != 0 {
			return c < 0
		}
		return labels.Compare(as[i].annotations, as[j].annotations) < 0
	})
}

// sameSamples compares samples as sets ordered by labels. With fuzzy,
// floats one ULP apart are equal (promtool's fuzzy_compare).
func sameSamples(want, got []expect, fuzzy bool) bool {
	if len(want) != len(got) {
		return false
	}
	sortSamples(want)
	sortSamples(got)
	for i := range want {
		w, g := want[i], got[i]
		if !labels.Equal(w.labels, g.labels) || w.hist != g.hist {
			return false
		}
		if w.value != g.value && !(fuzzy && (math.Nextafter(w.value, math.Inf(1)) == g.value || math.Nextafter(w.value, math.Inf(-1)) == g.value)) {
			return false
		}
	}
	return true
}

func sortSamples(s []expect) {
	sort.SliceStable(s, func(i, j int) bool { return labels.Compare(s[i].labels, s[j].labels) < 0 })
}
