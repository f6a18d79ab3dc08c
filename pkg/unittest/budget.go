package unittest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// CheckLimit is the id of a refusal because the input asks for more work
// or memory than a budget of Limits allows.
const CheckLimit = "unittest/limit"

// CheckPanic is the id of an internal error: a panic while running one
// test file, turned into an error for that file so the others still run.
const CheckPanic = "unittest/panic"

// CheckEmpty is the id of a test file with no test groups at all: an
// empty file or a wrong path would otherwise pass without testing anything.
const CheckEmpty = "unittest/empty"

// Budget defaults. They sit far above what real test files ask for (the
// largest series of the promtool corpus expands to 176,401 samples, the
// longest group evaluates 11,581 times, the largest file has 25 groups) and far below what exhausts the
// memory or the patience of a CI runner.
const (
	DefaultSeriesSamples = 1_000_000
	DefaultSamples       = 5_000_000
	DefaultEvalSteps     = 1_000_000
	DefaultSubquerySteps = 1_000_000
	DefaultGroups        = 5_000
	DefaultCases         = 10_000
	DefaultRuleFiles     = 1_000
	DefaultLabelSize     = 1 << 20
	// DefaultQuerySamples is the engine's MaxSamples in promtool's test
	// runner; keeping it means the same queries fail the same way.
	DefaultQuerySamples = 10_000
	DefaultQueryTimeout = 30 * time.Second
)

// MaxLabelSize is the longest label name or value Prometheus's labels can
// hold; a longer one makes the labels package panic, so LabelSize cannot
// be raised beyond it.
const MaxLabelSize = 1 << 24

// Limits bound what one test file may ask of the runner. Each is checked
// on the input before the work it bounds starts, so hostile input is
// refused with the place that asks too much instead of running out of
// memory or time. Zero fields take the Default values.
type Limits struct {
	FileSize      int64         // bytes of a test file or a rule file (internal/limits.DefaultMaxFileSize)
	RuleFiles     int           // distinct rule files one test file's rule_files match
	SeriesSamples int64         // samples (and gaps) one input series expands to
	Samples       int64         // samples of all input series of a test file
	EvalSteps     int64         // rule evaluations of a test file: per group, last eval_time / evaluation_interval + 1
	Groups        int           // test groups of a test file that run
	Cases         int           // alert_rule_test and promql_expr_test cases of a test file that run
	SubquerySteps int64         // evaluation steps of one expression's subqueries, nested ones multiplied
	LabelSize     int           // bytes of one label name or value, annotation included
	QuerySamples  int           // the PromQL engine's MaxSamples for one query
	QueryTimeout  time.Duration // the PromQL engine's timeout for one query
}

// The limits a diagnostic of this package can be over
// (diag.Diagnostic.Limit), one per field of Limits; the caller says how to
// raise them.
const (
	LimitFileSize      diag.Limit = "test.file_size"
	LimitRuleFiles     diag.Limit = "test.rule_files"
	LimitSeriesSamples diag.Limit = "test.series_samples"
	LimitSamples       diag.Limit = "test.samples"
	LimitEvalSteps     diag.Limit = "test.eval_steps"
	LimitGroups        diag.Limit = "test.groups"
	LimitCases         diag.Limit = "test.cases"
	LimitSubquerySteps diag.Limit = "test.subquery_steps"
	LimitLabelSize     diag.Limit = "test.label_size"
)

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.SeriesSamples, DefaultSeriesSamples)
	def(&l.Samples, DefaultSamples)
	def(&l.EvalSteps, DefaultEvalSteps)
	def(&l.SubquerySteps, DefaultSubquerySteps)
	if l.RuleFiles <= 0 {
		l.RuleFiles = DefaultRuleFiles
	}
	if l.Cases <= 0 {
		l.Cases = DefaultCases
	}
	if l.Groups <= 0 {
		l.Groups = DefaultGroups
	}
	if l.LabelSize <= 0 {
		l.LabelSize = DefaultLabelSize
	}
	l.LabelSize = min(l.LabelSize, MaxLabelSize)
	if l.QuerySamples <= 0 {
		l.QuerySamples = DefaultQuerySamples
	}
	if l.QueryTimeout <= 0 {
		l.QueryTimeout = DefaultQueryTimeout
	}
	return l
}

// SeriesSamples counts the values promqltest's series notation in line
// ("metric{labels} 1+2x10 _x3 stale") expands to, without expanding it:
// the parser appends every value to a slice, so "_x100000000000" would
// take the memory before any check could run. It is a count over
// whitespace-separated items, not a parser: each "AxN", "A+BxN" and
// "{{...}}xN" item counts N+1, "_xN" counts N, any other item 1, and the
// first item (the series) none. Counting stops where the lexer would stop
// (a '#', a quote outside braces). The result saturates at MaxUint64.
func SeriesSamples(line string) uint64 {
	var total uint64
	first := true
	depth := 0
	start := -1
	item := func(end int) {
		if start < 0 {
			return
		}
		tok := line[start:end]
		start = -1
		if first {
			first = false
			return
		}
		total = addSat(total, itemSamples(tok))
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			if depth == 0 {
				// The value lexer stops at a quote; nothing after it expands.
				item(i)
				return total
			}
			if start < 0 {
				start = i
			}
			for i++; i < len(line) && line[i] != c; i++ {
				if line[i] == '\\' && c != '`' {
					i++
				}
			}
		case c == '{':
			if start < 0 {
				start = i
			}
			depth++
		case c == '}':
			if depth > 0 {
				depth--
			}
		case c == '#' && depth == 0:
			item(i)
			return total
		case (c == ' ' || c == '\t' || c == '\n' || c == '\r') && depth == 0:
			item(i)
		default:
			if start < 0 {
				start = i
			}
		}
	}
	item(len(line))
	return total
}

// itemSamples is the number of values one item of the series notation
// expands to: N+1 for "AxN" ("_xN": N), 1 without a repetition. An item
// with more than one repetition ("0x1x5") is an error, but only after the
// parser has expanded the first, so every repetition outside braces
// counts: an upper bound where the item is wrong, exact where it is right.
func itemSamples(tok string) uint64 {
	var n uint64
	repeated := false
	depth := 0
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c == '"' || c == '\'' || c == '`':
			for i++; i < len(tok) && tok[i] != c; i++ {
				if tok[i] == '\\' && c != '`' {
					i++
				}
			}
		case c == '{':
			depth++
		case c == '}':
			if depth > 0 {
				depth--
			}
		case c == 'x' && depth == 0 && i > 0 && i+1 < len(tok) && isDigit(tok[i+1]):
			j := i + 1
			for j < len(tok) && isDigit(tok[j]) {
				j++
			}
			times, err := strconv.ParseUint(tok[i+1:j], 10, 64)
			if err != nil {
				// Over 2^64: the parser refuses it, but only after the count.
				times = math.MaxUint64
			}
			if tok[:i] != "_" {
				times = addSat(times, 1)
			}
			n, repeated = addSat(n, times), true
			i = j - 1
		}
	}
	if !repeated {
		return 1
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// SubquerySteps is the most evaluation steps one evaluation of e spends
// in subqueries: range/step+1 for each subquery, multiplied along nested
// ones. A subquery without a step uses noStep (the evaluation interval,
// as in promtool). The product is a float64 so that it cannot overflow.
func SubquerySteps(e parser.Expr, noStep time.Duration) float64 {
	var worst float64
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		if _, ok := n.(*parser.SubqueryExpr); !ok {
			return nil
		}
		steps := 1.0
		for _, p := range append(path[:len(path):len(path)], n) {
			sq, ok := p.(*parser.SubqueryExpr)
			if !ok {
				continue
			}
			step := sq.Step
			if step <= 0 {
				step = noStep
			}
			if step <= 0 {
				step = time.Minute
			}
			steps *= float64(sq.Range/step) + 1
		}
		worst = max(worst, steps)
		return nil
	})
	return worst
}

// quotedOver returns the byte offset of the first quoted string or bare
// name in text that is certainly longer than max once unquoted, or -1.
// An escape is at most four bytes for one, so a raw string over 4*max+2
// bytes is over max whatever it holds. It guards the PromQL parser, which
// panics on a label over MaxLabelSize instead of returning an error.
func quotedOver(text string, max int) int {
	limit := 4*max + 2
	for i := 0; i < len(text); i++ {
		c := text[i]
		start := i
		switch {
		case c == '"' || c == '\'' || c == '`':
			for i++; i < len(text) && text[i] != c; i++ {
				if text[i] == '\\' && c != '`' {
					i++
				}
			}
			if i-start+1 > limit {
				return start
			}
		case isNameByte(c):
			for i+1 < len(text) && isNameByte(text[i+1]) {
				i++
			}
			if i-start+1 > max {
				return start
			}
		}
	}
	return -1
}

func isNameByte(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// labelOver describes the first name or value in m longer than max, or "".
func labelOver(m map[string]string, what string, max int) string {
	for k, v := range m {
		if len(k) > max {
			return fmt.Sprintf("%s name of %d bytes, over the limit of %d", what, len(k), max)
		}
		if len(v) > max {
			return fmt.Sprintf("%s %q has a value of %d bytes, over the limit of %d", what, clip(k), len(v), max)
		}
	}
	return ""
}

// clip shortens a name for a message; the name may itself be the problem.
func clip(s string) string {
	if len(s) > 64 {
		return s[:61] + "..."
	}
	return s
}

// seriesOver checks one input series against the sample budgets and the
// label size before it is parsed; n is its count and total the file's so
// far, this series included.
func (r *runner) seriesOver(s Series, line string, n, total uint64) (diag.Diagnostic, bool) {
	d := diag.Diagnostic{Pos: s.ValuesAt.Pos, Check: CheckLimit, Severity: diag.Error}
	if d.Pos.Line == 0 {
		d.Pos = s.Pos
	}
	switch {
	case n > uint64(r.lim.SeriesSamples):
		d.Limit, d.Message = LimitSeriesSamples, fmt.Sprintf("input series %s expands to %s samples, over the limit of %d per series",
			clip(s.Series), countString(n), r.lim.SeriesSamples)
		return d, true
	case total > uint64(r.lim.Samples):
		d.Limit, d.Message = LimitSamples, fmt.Sprintf("the input series of this file expand to %s samples up to here, over the limit of %d per file",
			countString(total), r.lim.Samples)
		return d, true
	}
	if off := quotedOver(line, r.lim.LabelSize); off >= 0 {
		d.Pos = s.SeriesAt.at(off)
		if off > len(s.Series) {
			d.Pos = s.ValuesAt.at(off - len(s.Series) - 1)
		}
		if d.Pos.Line == 0 {
			d.Pos = s.Pos
		}
		d.Limit, d.Message = LimitLabelSize, fmt.Sprintf("input series %s has a label name or value over %d bytes", clip(s.Series), r.lim.LabelSize)
		return d, true
	}
	return d, false
}

func countString(n uint64) string {
	if n == math.MaxUint64 {
		return "more than 2^64"
	}
	return strconv.FormatUint(n, 10)
}

// parseSafe runs one call of the PromQL parser, turning a panic into an
// error: the parser's own recovery panics again on a label over
// MaxLabelSize, which quotedOver should have caught first.
func parseSafe(parse func() (labels.Labels, error)) (lb labels.Labels, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the parser failed: %v", p)
		}
	}()
	return parse()
}

// labelsOver describes the first label of ls over max bytes, or "".
func labelsOver(ls labels.Labels, max int) string {
	var msg string
	ls.Range(func(l labels.Label) {
		if msg != "" {
			return
		}
		msg = labelOver(map[string]string{l.Name: l.Value}, "label", max)
	})
	return msg
}

// checkGroup checks one test group against the budgets before it runs:
// rule evaluations, subquery steps of its expressions and label sizes.
func (r *runner) checkGroup(g *Group) diag.List {
	var errs diag.List
	limit := func(p diag.Pos, l diag.Limit, format string, args ...any) {
		errs = append(errs, diag.Diagnostic{Pos: p, Check: CheckLimit, Severity: diag.Error, Message: fmt.Sprintf(format, args...), Limit: l})
	}
	ei := r.file.EvaluationInterval
	var last time.Duration
	var lastPos diag.Pos
	for _, at := range g.AlertTests {
		if at.EvalTime >= last {
			last, lastPos = at.EvalTime, at.Pos
		}
		for _, a := range at.ExpAlerts {
			for _, m := range []struct {
				what string
				m    map[string]string
			}{{"exp_labels", a.Labels}, {"exp_annotations", a.Annotations}} {
				if msg := labelOver(m.m, m.what, r.lim.LabelSize); msg != "" {
					limit(at.Pos, LimitLabelSize, "%s", msg)
				}
			}
		}
	}
	for _, et := range g.ExprTests {
		if et.EvalTime >= last {
			last, lastPos = et.EvalTime, et.Pos
		}
		if strings.TrimSpace(et.Expr) == "" {
			continue
		}
		e, err := r.opts.Parser.ParseExpr(et.Expr)
		if err != nil {
			continue // a failing case when it runs, as in promtool
		}
		if steps := SubquerySteps(e, ei); steps > float64(r.lim.SubquerySteps) {
			limit(et.Pos, LimitSubquerySteps, "expr %q evaluates %s subquery steps, over the limit of %d",
				clip(et.Expr), stepsString(steps), r.lim.SubquerySteps)
		}
	}
	if r.run == nil || r.run.MatchString(g.Name) {
		// Only the groups that will run cost anything; each costs a
		// storage and a rule manager, so a file of thousands of empty
		// groups is as slow as one of long evaluations.
		r.groups++
		if r.groups == r.lim.Groups+1 {
			limit(g.Pos, LimitGroups, "test group number %d, over the limit of %d test groups per file", r.groups, r.lim.Groups)
		}
		cases := len(g.AlertTests) + len(g.ExprTests)
		if r.cases <= r.lim.Cases && r.cases+cases > r.lim.Cases {
			limit(g.Pos, LimitCases, "this test group brings the alert_rule_test and promql_expr_test cases of the file to %d, over the limit of %d per test file",
				r.cases+cases, r.lim.Cases)
		}
		r.cases += cases
		steps := int64(last/ei) + 1
		before := r.evalSteps
		r.evalSteps = min(r.evalSteps+steps, math.MaxInt64/2)
		switch {
		case steps > r.lim.EvalSteps:
			limit(lastPos, LimitEvalSteps, "eval_time %s at evaluation_interval %s takes %d rule evaluations, over the limit of %d per test file",
				model.Duration(last), model.Duration(ei), steps, r.lim.EvalSteps)
		case before <= r.lim.EvalSteps && r.evalSteps > r.lim.EvalSteps:
			limit(lastPos, LimitEvalSteps, "this test group brings the rule evaluations of the file to %d, over the limit of %d per test file",
				r.evalSteps, r.lim.EvalSteps)
		}
	}
	if msg := labelOver(g.ExternalLabels, "external_labels", r.lim.LabelSize); msg != "" {
		limit(g.Pos, LimitLabelSize, "%s", msg)
	}
	return errs
}

func stepsString(f float64) string {
	if f >= 1e18 {
		return fmt.Sprintf("%.3g", f)
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}

// checkRules checks the rules of one rule file, which rulefmt accepted,
// against the subquery and label budgets, at the rule's expr.
func (r *runner) checkRules(fn string, rgs *rulefmt.RuleGroups) diag.List {
	var errs diag.List
	// Positions only: rulefmt has decoded and validated the same bytes.
	var nodes struct {
		Groups []rulefmt.RuleGroupNode `yaml:"groups"`
	}
	_ = yaml.Unmarshal(r.ruleData[fn], &nodes)
	for gi, g := range rgs.Groups {
		var rnodes []rulefmt.RuleNode
		if gi < len(nodes.Groups) {
			rnodes = nodes.Groups[gi].Rules
		}
		if msg := labelOver(g.Labels, fmt.Sprintf("group %q: label", clip(g.Name)), r.lim.LabelSize); msg != "" {
			errs = append(errs, diag.Diagnostic{Pos: diag.Pos{File: fn}, Check: CheckLimit, Severity: diag.Error,
				Message: msg, Limit: LimitLabelSize})
		}
		for ri, rule := range g.Rules {
			p := diag.Pos{File: fn}
			if ri < len(rnodes) {
				p.Line, p.Column = rnodes[ri].Expr.Line, rnodes[ri].Expr.Column
			}
			name := rule.Alert + rule.Record
			limit := func(l diag.Limit, format string, args ...any) {
				errs = append(errs, diag.Diagnostic{Pos: p, Check: CheckLimit, Severity: diag.Error, Limit: l,
					Message: fmt.Sprintf("group %q, rule %q: ", clip(g.Name), clip(name)) + fmt.Sprintf(format, args...)})
			}
			for _, m := range []struct {
				what string
				m    map[string]string
			}{{"label", rule.Labels}, {"annotation", rule.Annotations}} {
				if msg := labelOver(m.m, m.what, r.lim.LabelSize); msg != "" {
					limit(LimitLabelSize, "%s", msg)
				}
			}
			e, err := r.opts.Parser.ParseExpr(rule.Expr)
			if err != nil {
				continue
			}
			if steps := SubquerySteps(e, r.file.EvaluationInterval); steps > float64(r.lim.SubquerySteps) {
				limit(LimitSubquerySteps, "expr evaluates %s subquery steps, over the limit of %d",
					stepsString(steps), r.lim.SubquerySteps)
			}
		}
	}
	return errs
}
