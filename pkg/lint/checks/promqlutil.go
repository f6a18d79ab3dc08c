package checks

import (
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// Shared PromQL AST helpers for the checks. They work on the AST the reader
// parsed once (lint.Expr.AST) and never re-parse or evaluate anything.

// ast is a rule's parsed expression, or nil when it did not parse: the
// parser may return a partial tree with its error, which promql/syntax
// reports; judging half an expression would only add noise.
func ast(r *lint.Rule) parser.Expr {
	if r.Expr.Err != nil {
		return nil
	}
	return r.Expr.AST
}

// walkFunc is called for each node with the path of its ancestors (root
// first). Returning false skips the node's children. path is reused
// between calls: copy it to keep it.
type walkFunc func(n parser.Node, path []parser.Node) bool

// walk visits n and its descendants depth-first. Unlike parser.Inspect it
// can skip a subtree, and it tolerates every node type (parser.ChildrenIter
// panics on node types it does not know, such as duration expressions).
func walk(n parser.Node, fn walkFunc) {
	// The path escapes into fn, so a local array would be a heap
	// allocation per walk: a pooled one is not. It is not cleared after
	// use: the few nodes it still points at stay alive only until the
	// pool drops its buffers (every second collection), and clearing it
	// on each of the checks' many walks cost 2 % of lint's CPU.
	bp := pathPool.Get().(*[]parser.Node)
	walkPath(n, (*bp)[:0], fn)
	pathPool.Put(bp)
}

var pathPool = sync.Pool{New: func() any { b := make([]parser.Node, 0, 16); return &b }}

func walkPath(n parser.Node, path []parser.Node, fn walkFunc) {
	if n == nil || !fn(n, path) {
		return
	}
	path = append(path, n)
	// A switch rather than a list of children: checks walk every
	// expression several times, and this allocates nothing.
	switch n := n.(type) {
	case *parser.AggregateExpr:
		if n.Param != nil {
			walkPath(n.Param, path, fn)
		}
		if n.Expr != nil {
			walkPath(n.Expr, path, fn)
		}
	case *parser.BinaryExpr:
		walkPath(n.LHS, path, fn)
		walkPath(n.RHS, path, fn)
	case *parser.Call:
		for _, a := range n.Args {
			if a != nil {
				walkPath(a, path, fn)
			}
		}
	case *parser.SubqueryExpr:
		walkPath(n.Expr, path, fn)
	case *parser.ParenExpr:
		walkPath(n.Expr, path, fn)
	case *parser.UnaryExpr:
		walkPath(n.Expr, path, fn)
	case *parser.MatrixSelector:
		if n.VectorSelector != nil {
			walkPath(n.VectorSelector, path, fn)
		}
	case *parser.StepInvariantExpr:
		walkPath(n.Expr, path, fn)
	}
}

// eachDistinctMatcher calls fn once for each distinct label matcher of
// the selectors in e (by its text), with the first selector holding it:
// a ratio repeats its selector's matchers on both sides, and one finding
// per matcher is enough.
func eachDistinctMatcher(e parser.Node, fn func(vs *parser.VectorSelector, m *labels.Matcher)) {
	// Keyed by the matcher's parts, not its String(): formatting every
	// matcher of every rule for the three checks that use this was 3 %
	// of lint's instructions on corpus/valid.
	type key struct {
		t           labels.MatchType
		name, value string
	}
	var seen map[key]bool
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return true
		}
		for _, m := range vs.LabelMatchers {
			k := key{m.Type, m.Name, m.Value}
			if seen[k] {
				continue
			}
			if seen == nil {
				seen = map[key]bool{}
			}
			seen[k] = true
			fn(vs, m)
		}
		return true
	})
}

// unwrap strips parentheses (and the engine's step-invariant wrapper), which
// never change what an expression means.
func unwrap(e parser.Expr) parser.Expr {
	for {
		switch p := e.(type) {
		case *parser.ParenExpr:
			e = p.Expr
		case *parser.StepInvariantExpr:
			e = p.Expr
		default:
			return e
		}
	}
}

// callName is the function name of a call, or "" for any other node.
func callName(n parser.Node) string {
	if c, ok := n.(*parser.Call); ok && c.Func != nil {
		return c.Func.Name
	}
	return ""
}

// selectorName is the metric name a selector selects: its written name or
// an equality matcher on __name__; "" when it selects by regexp or not at
// all.
func selectorName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// matrixSelector returns the vector selector inside a range selector
// argument (rate(x[5m]) → x), or nil for a subquery or anything else.
func matrixSelector(e parser.Expr) (*parser.MatrixSelector, *parser.VectorSelector) {
	ms, ok := unwrap(e).(*parser.MatrixSelector)
	if !ok {
		return nil, nil
	}
	vs, ok := ms.VectorSelector.(*parser.VectorSelector)
	if !ok {
		return nil, nil
	}
	return ms, vs
}

// counterFuncs take a range of a counter and account for resets.
var counterFuncs = map[string]bool{"rate": true, "irate": true, "increase": true}

// windowFuncs need at least two samples in their range to return anything.
var windowFuncs = map[string]bool{
	"rate": true, "irate": true, "increase": true,
	"delta": true, "idelta": true, "deriv": true, "predict_linear": true,
}

// counterSuffixes mark a metric name as a counter by Prometheus and
// OpenMetrics naming conventions: _total for counters, _count/_sum/_bucket
// for the cumulative series of histograms and summaries, _created for
// their creation timestamps.
var counterSuffixes = []string{"_total", "_count", "_sum", "_bucket", "_created"}

// isRecordedName reports whether name follows the recording-rule
// convention level:metric:operations (or the shorter metric:operations,
// e.g. x_bucket:rate5m). Such series are usually already rates or
// ratios, so name-based checks cannot tell what they hold. Any other
// single colon is an exporter prefix (vLLM's vllm:…), not a recording rule.
func isRecordedName(name string) bool {
	switch strings.Count(name, ":") {
	case 0:
		return false
	case 1:
		return recordedOps.MatchString(name[strings.IndexByte(name, ':')+1:])
	}
	return true
}

// recordedOps matches the operations part of a recorded series' name:
// rate5m, sum_rate1h, ratio_rate30m, avg, irate.
var recordedOps = regexp.MustCompile(`^(sum_|avg_|max_|min_|count_)?(i?rate|increase|ratio|sum|avg|max|min|count|deriv|delta)(_i?rate)?(\d+[smhdwy])*$`)

// baseName is the part of a metric name after an exporter prefix with a
// colon (vllm:prompt_tokens_total → prompt_tokens_total).
func baseName(name string) string {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// isCounterName reports whether a metric name says it is a counter.
func isCounterName(name string) bool {
	b := baseName(name)
	for _, s := range counterSuffixes {
		if strings.HasSuffix(b, s) {
			return true
		}
	}
	return false
}

// hasAncestorCall reports whether one of the ancestors in path is a call
// to a function for which pred is true.
func hasAncestorCall(path []parser.Node, pred func(string) bool) bool {
	for _, a := range path {
		if n := callName(a); n != "" && pred(n) {
			return true
		}
	}
	return false
}

// isHistogramFunc reports whether a function works on native histograms,
// whose series carry no counter suffix.
func isHistogramFunc(name string) bool {
	return strings.HasPrefix(name, "histogram_")
}

// nodeRange is the byte range [start,end) of a node in the expression text.
func nodeRange(n parser.Node) (int, int) {
	pr := n.PositionRange()
	return int(pr.Start), int(pr.End)
}

// pairRange is the range of a finding about how a binary operation pairs
// its sides (labels that never match, raw counters divided, a bool
// comparison): from the operator to the operation's end when the operator
// begins its line (`/ on (job)` or `unless` on a line of their own), else
// from where the right operand starts. On one line only the column
// differs from nodeRange; in a multi-line expression it is the line of
// the operator, where the matching modifiers are, or of the second side.
// Six hands writing bugs without reading the checks (the pitfall
// batches b6, b8, b9, b11, b12 and a real-bug collector) marked the
// operator's line, two (the first batch, b5) the right side's: measured
// on all of them, 606 files at the right line against 604.
func pairRange(r *lint.Rule, b *parser.BinaryExpr) (int, int) {
	_, end := nodeRange(b)
	start, _ := nodeRange(b.RHS)
	if op := leadingOperator(r.Expr.Value.Value, b); op >= 0 {
		start = op
	}
	return start, end
}

// leadingOperator returns the offset of b's operator in src when the
// operator is the first token of its line and the right operand starts on
// a later line, or -1.
func leadingOperator(src string, b *parser.BinaryExpr) int {
	_, lhsEnd := nodeRange(b.LHS)
	rhsStart, _ := nodeRange(b.RHS)
	if lhsEnd < 0 || rhsStart > len(src) || lhsEnd >= rhsStart {
		return -1
	}
	op := -1
	for i := lhsEnd; i < rhsStart && op < 0; i++ {
		switch c := src[i]; {
		case c == '#':
			// A comment runs to the end of its line.
			for i < rhsStart && src[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ')':
		default:
			op = i
		}
	}
	if op < 0 || !strings.Contains(src[op:rhsStart], "\n") {
		return -1
	}
	// Only spaces between the line's start and the operator.
	ls := strings.LastIndexByte(src[:op], '\n') + 1
	if strings.TrimLeft(src[ls:op], " \t") != "" {
		return -1
	}
	return op
}

// thresholdRange is the range of a finding about a comparison with a
// number (== 1 after increase(), a threshold in the wrong unit): the
// threshold and what follows when the number is on the right, where a
// multi-line expression puts `> 0.5` on a line of its own; the whole
// comparison when the number comes first.
func thresholdRange(r *lint.Rule, b *parser.BinaryExpr) (int, int) {
	if isScalar(b.RHS) && !isScalar(b.LHS) {
		return pairRange(r, b)
	}
	return nodeRange(b)
}

// isScalar reports whether e evaluates to a scalar (a number literal or an
// expression of numbers, scalar() or time()).
func isScalar(e parser.Expr) bool {
	return e != nil && e.Type() == parser.ValueTypeScalar
}

// isFilter reports whether a binary expression drops series: a comparison
// without bool, or the set operators and / unless.
func isFilter(b *parser.BinaryExpr) bool {
	switch {
	case b.Op.IsComparisonOperator():
		return !b.ReturnBool
	case b.Op == parser.LAND || b.Op == parser.LUNLESS:
		return true
	}
	return false
}

// fmtDuration prints a duration the way PromQL writes it (5m, 1h30m).
func fmtDuration(d time.Duration) string { return model.Duration(d).String() }

// suggestedWindow is the rate window fixes suggest: 5m, or four scrape
// intervals when the configured interval is long enough for 5m to be
// too short.
func suggestedWindow(scrape time.Duration) string {
	w := 5 * time.Minute
	if 4*scrape > w {
		w = 4 * scrape
	}
	return fmtDuration(w)
}
