package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var redundantCondition = &lint.Check{
	ID:       "promql/redundant-condition",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "Two bounds on one expression in the same direction, joined by and/or",
		Text: `x > 1 and x > 3 keeps the series where both hold, which is x > 3: the
first bound does nothing. Written that way, the rule almost always
meant a range (x > 1 and x < 3, "load between 1 and 3") and fires
outside it instead (ricardoasmarques/ceph-dev-docker#80). The same goes
for or: x > 1 or x > 3 is x > 1, where x < 1 or x > 3 was meant.

Reported when both sides of and/or are filter comparisons (no bool) of
the same expression against a number, both lower bounds (> or >=) or
both upper bounds (< or <=), in one and/or chain. Bounds on different
expressions, and a range written with one lower and one upper bound,
are left alone.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentLoadModerate
        expr: node_load1{job="agent"} > 1 and node_load1{job="agent"} > 3
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentLoadModerate
        expr: node_load1{job="agent"} > 1 and node_load1{job="agent"} < 3
        for: 5m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		eachBoundPair(r, func(set *parser.BinaryExpr, a, b bound) {
			if a.lower() != b.lower() {
				return
			}
			// and keeps the tighter bound, or the looser one.
			kept, dropped := a, b
			if a.tighter(b) != (set.Op == parser.LAND) {
				kept, dropped = b, a
			}
			start, end := nodeRange(set)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s %s %s: %s alone says the same, so %s does nothing; a range needs one lower and one upper bound",
					a.text(), setOpName(set.Op), b.text(), kept.text(), dropped.text()),
				fmt.Sprintf("if a range was meant, turn one comparison round (%s %s %s %s %s); else drop %s",
					dropped.text(), setOpName(set.Op), kept.lhs, kept.flip(), fmtNum(kept.num), dropped.text()))
		})
	},
}

var impossibleCondition = &lint.Check{
	ID:       "promql/impossible-condition",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A range whose bounds exclude each other, so the condition never holds",
		Text: `x > 3 and x < 1 asks for a value above 3 and below 1 at once: no
sample is both, so the rule returns nothing and the alert never fires.
It happens when a range is written with its bounds swapped, or when two
thresholds are edited apart.

Reported when both sides of an and are filter comparisons (no bool) of
the same expression against a number, one a lower and one an upper
bound, and no number passes both. An or of such bounds (outside a range)
is left alone. The same holds for two comparisons chained without and:
x > 85 < 75 filters x > 85, then keeps those of its values below 75.

An uptime is a bound that moves: mysql_global_status_uptime < 60 (or
time() - process_start_time_seconds < 60) holds for the first minute
after a restart only, so with for: 5m the alert never fires
(awesome-prometheus-alerts' MysqlRestarted). Reported when an alert's
condition is an uptime in seconds below a number that its for: is at
least as long as.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured, though no such
condition can be meant.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentLoadModerate
        expr: node_load1{job="agent"} > 3 and node_load1{job="agent"} < 1
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentLoadModerate
        expr: node_load1{job="agent"} > 1 and node_load1{job="agent"} < 3
        for: 5m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		eachBoundPair(r, func(set *parser.BinaryExpr, a, b bound) {
			if set.Op != parser.LAND || a.lower() == b.lower() {
				return
			}
			lo, hi := a, b
			if !lo.lower() {
				lo, hi = b, a
			}
			if lo.num < hi.num || lo.num == hi.num && lo.op == parser.GTE && hi.op == parser.LTE {
				return
			}
			start, end := nodeRange(set)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s and %s: no value is both, so the condition never holds and the rule returns nothing", lo.text(), hi.text()),
				fmt.Sprintf("swap the numbers (%s %s %s and %s %s %s)", lo.lhs, lo.op, fmtNum(hi.num), hi.lhs, hi.op, fmtNum(lo.num)))
		})
		checkUptimeFor(p, r)
		checkChainedBounds(p, r)
	},
}

// checkChainedBounds reports x > 85 < 75: a filter comparison applied to
// the result of another, the two bounds excluding each other. PromQL
// keeps the left side's value through a filter, so this is x > 85 and
// x < 75, which nothing passes.
func checkChainedBounds(p *lint.Pass, r *lint.Rule) {
	if src := r.Expr.Value.Value; ast(r) == nil || strings.Count(src, ">")+strings.Count(src, "<") < 2 {
		return
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		outer, ok := n.(*parser.BinaryExpr)
		if !ok || !outer.Op.IsComparisonOperator() {
			return true
		}
		inner := outer.LHS
		if _, isNum := scalarValue(outer.LHS); isNum {
			inner = outer.RHS
		}
		// Structure first: asBound formats its expression.
		ie, ok := unwrap(inner).(*parser.BinaryExpr)
		if !ok || !ie.Op.IsComparisonOperator() {
			return true
		}
		b, ok := asBound(outer)
		if !ok {
			return true
		}
		a, ok := asBound(ie)
		if !ok || a.lower() == b.lower() {
			return true
		}
		// The outer bound reads the inner comparison's kept values,
		// those of the inner bound's expression.
		b.lhs = a.lhs
		lo, hi := a, b
		if !lo.lower() {
			lo, hi = b, a
		}
		if lo.num < hi.num || lo.num == hi.num && lo.op == parser.GTE && hi.op == parser.LTE {
			return true
		}
		start, end := nodeRange(outer)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s then %s %s: a filter keeps the values it passes, so this asks for %s and %s at once, and no value is both", a.text(), b.op, fmtNum(b.num), lo.text(), hi.text()),
			"for a band, swap the numbers; for two separate conditions, write them with or")
		return false
	})
}

// checkNonNegative reports rate(x[5m]) >= 0 and kin: rate, irate,
// increase, count and the like never return a negative number, so the
// comparison holds for every series they return.
func checkNonNegative(p *lint.Pass, r *lint.Rule) {
	// Only >= and <= can hold for every value of a bounded function
	// (or > below 0): the other comparisons cost no walk.
	src := r.Expr.Value.Value
	if ast(r) == nil || !strings.Contains(src, ">=") && !strings.Contains(src, "<=") && !strings.Contains(src, "> -") && !strings.Contains(src, ">-") {
		return
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || b.ReturnBool {
			return true
		}
		side, op, v, ok := comparedWithScalar(b)
		if !ok {
			return true
		}
		// A share between 0 and 1 is at most 1:
		// avg_over_time(probe_success[5m]) <= 1 holds for every target.
		if op == parser.LTE && v >= 1 {
			if why := fractionOf(side, nil); why != "" {
				start, end := thresholdRange(r, b)
				p.ReportExpr(r, start, end,
					fmt.Sprintf("%s lies between 0 and 1, so %s %s holds for every series: the comparison filters nothing", why, op, fmtNum(v)),
					"compare with a threshold below 1 (< 0.99 for an availability under 99 %)")
				return false
			}
		}
		if !(op == parser.GTE && v <= 0 || op == parser.GTR && v < 0) {
			return true
		}
		fn := nonNegative(side)
		if fn == "" {
			return true
		}
		start, end := thresholdRange(r, b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s() is never negative, so %s %s holds for every series it returns: the comparison filters nothing", fn, op, fmtNum(v)),
			"compare with a threshold above 0 (> 0 for any event at all)")
		return false
	})
}

// nonNegative returns the function that makes e never negative (rate,
// increase, count …, through sum, max, min and avg of them), or "".
func nonNegative(e parser.Expr) string {
	switch e := unwrap(e).(type) {
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.COUNT, parser.COUNT_VALUES, parser.GROUP:
			return e.Op.String()
		case parser.SUM, parser.MAX, parser.MIN, parser.AVG:
			return nonNegative(e.Expr)
		}
	case *parser.Call:
		switch fn := callName(e); fn {
		case "rate", "irate", "increase", "count_over_time", "changes", "resets", "abs", "absent", "absent_over_time", "present_over_time":
			return fn
		}
	}
	return ""
}

// checkUptimeFor reports an alert whose condition is an uptime below a
// number of seconds, held for at least as long: an uptime grows by one
// second per second, so uptime < 60 holds for the first minute after a
// restart only, and for: 5m never lets the alert fire (awesome-prometheus-
// alerts' MysqlRestarted, ho10).
func checkUptimeFor(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || !r.For.Present() || ast(r) == nil {
		return
	}
	d, err := model.ParseDuration(r.For.Value)
	if err != nil || d <= 0 {
		return
	}
	b, ok := unwrap(ast(r)).(*parser.BinaryExpr)
	if !ok {
		return
	}
	side, op, v, ok := comparedWithScalar(b)
	if !ok || (op != parser.LSS && op != parser.LTE) || v <= 0 {
		return
	}
	what := uptimeIn(side)
	if what == "" || time.Duration(v*float64(time.Second)) > time.Duration(d) {
		return
	}
	p.ReportAt(r, r.For.Node,
		fmt.Sprintf("%s grows by a second every second, so %s %s %s holds for the first %s after a start only, and for: %s never lets the alert fire", what, what, op, fmtNum(v), model.Duration(time.Duration(v*float64(time.Second))), r.For.Value),
		"drop for: (or make it shorter than the threshold), or raise the threshold above it; to catch restarts, use changes(process_start_time_seconds[10m]) > 0 or resets()")
}

// uptimeIn names e when it is an uptime in seconds: a series named for
// its uptime (mysql_global_status_uptime, redis_uptime_in_seconds,
// …_uptime_seconds), or time() minus a start time.
func uptimeIn(e parser.Expr) string {
	e = unwrap(e)
	if vs, ok := e.(*parser.VectorSelector); ok {
		name := selectorName(vs)
		if strings.Contains(name, "uptime") && !strings.Contains(name, ":") && !strings.HasSuffix(name, "_total") &&
			!strings.HasSuffix(name, "_ms") && !strings.Contains(name, "millis") {
			return name
		}
		return ""
	}
	b, ok := e.(*parser.BinaryExpr)
	if !ok || b.Op != parser.SUB || callName(unwrap(b.LHS)) != "time" {
		return ""
	}
	if vs := spineSelector(b.RHS); vs != nil {
		if name := selectorName(vs); strings.HasSuffix(name, "start_time_seconds") || name == "node_boot_time_seconds" {
			return "time() - " + name
		}
	}
	return ""
}

var alwaysTrue = &lint.Check{
	ID:       "promql/always-true",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "An or of a lower and an upper bound on one expression that together take every value",
		Text: `x > 0.05 or x < 0.05 lets every value through but 0.05 itself: the rule
meant a band outside ±0.05 (x > 0.05 or x < -0.05) and got a sign wrong,
so it fires for almost every series (prometheus/node_exporter#1649,
where NodeClockSkewDetected fired on hosts with no offset at all). The
same holds when each side of the or is an and with other conditions, as
long as the bounds of the two sides overlap.

Reported when two sides of one or chain each hold a filter comparison
(no bool) of the same expression against a number, directly or as a
side of an and, one a lower and one an upper bound, and the upper bound
is not below the lower one: x > 0.05 or x < 0.05 is reported (every
value but 0.05), x >= 0 or x <= 0 is not (a split by sign, each side
with its own conditions, as the same clock-skew rule does with deriv()).

It also reports a comparison that every value of a function that is
never negative passes: increase(restarts_total[15m]) >= 0, count(…) >= 0
(rate, irate, increase, changes, resets, count, count_over_time, abs,
absent, through sum, max, min and avg), and a 0–1 share compared with
<= 1 (avg_over_time(probe_success[5m]) <= 1). And a bool comparison as a side of and or unless (x > 1 and
y > bool 20): it has a sample for every series, so the set operator
filters on nothing; and vector(0) or x where x has no labels: or never reads
x, and the expression is the constant 0 (the default belongs on the
right, x or vector(0)). And an age written without parentheses:
time() - x / 3600 > 24 subtracts hours from today's Unix time, since /
binds tighter than -, and holds for every series; so does a share written
as total - used / total > 0.9 (a total minus a fraction, where
(total - used) / total was meant).

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentClockSkew
        expr: agent_clock_offset_seconds > 0.05 or agent_clock_offset_seconds < 0.05
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentClockSkew
        expr: agent_clock_offset_seconds > 0.05 or agent_clock_offset_seconds < -0.05
        for: 10m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		eachOrBoundPair(r, func(set *parser.BinaryExpr, a, b bound) {
			if a.lower() == b.lower() {
				return
			}
			lo, hi := a, b
			if !lo.lower() {
				lo, hi = b, a
			}
			// x >= 0 or x <= 0 splits by sign, on purpose (each side has
			// its own other conditions).
			if hi.num < lo.num || hi.num == 0 && lo.num == 0 {
				return
			}
			start, end := nodeRange(set)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s or %s: every value (but at most %s itself) passes one of the two bounds, so the condition holds for almost every series", lo.text(), hi.text(), fmtNum(lo.num)),
				fmt.Sprintf("for a band outside the range, the upper bound goes below the lower one (%s %s %s)", hi.lhs, hi.op, fmtNum(-hi.num)))
		})
		checkAgePrecedence(p, r)
		checkConstantOr(p, r)
		checkBoolInSet(p, r)
		checkNonNegative(p, r)
	},
}

// checkBoolInSet reports a bool comparison as a side of and or unless:
// it returns a sample for every series, 0 or 1, and the set operators
// look only at which label sets have a sample, so the comparison filters
// nothing (x > 1 and on (instance) y > bool 20 is x > 1 and y).
func checkBoolInSet(p *lint.Pass, r *lint.Rule) {
	if ast(r) == nil || !strings.Contains(r.Expr.Value.Value, "bool") {
		return
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || (b.Op != parser.LAND && b.Op != parser.LUNLESS) {
			return true
		}
		for _, side := range []parser.Expr{b.LHS, b.RHS} {
			c, ok := unwrap(side).(*parser.BinaryExpr)
			if !ok || !c.ReturnBool {
				continue
			}
			start, end := nodeRange(c)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s with bool returns 0 or 1 for every series, and %s looks only at which series have a sample: the comparison filters nothing", exprText(r, c), b.Op),
				"drop bool, so the comparison keeps only the series that pass it")
		}
		return true
	})
}

// checkConstantOr reports vector(n) or x where x has no labels either:
// or keeps the left side's series and adds the right side's only for
// label sets the left lacks, so x is never read and the expression is
// the constant n. vector(0) belongs on the right, as the default when x
// is empty (pint's promql/impossible shape, p7-vector-zero-before-or).
func checkConstantOr(p *lint.Pass, r *lint.Rule) {
	if ast(r) == nil || !strings.Contains(r.Expr.Value.Value, "vector(") {
		return
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || b.Op != parser.LOR || callName(unwrap(b.LHS)) != "vector" {
			return true
		}
		if out := outputLabels(b.RHS); !out.exact || len(out.known()) > 0 {
			return true
		}
		start, end := nodeRange(b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s or …: the left side always returns one series with no labels, and the right side has no labels either, so or never reads it: the expression is the constant %s", exprText(r, unwrap(b.LHS)), exprText(r, unwrap(b.LHS))),
			"put the default on the right: … or vector(0)")
		return true
	})
}

// shareWithoutParens returns a's name for a - b / a written without
// parentheses (node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes
// / node_memory_MemTotal_bytes), where the share (a - b) / a was meant;
// "" otherwise.
func shareWithoutParens(b *parser.BinaryExpr) string {
	d, ok := b.RHS.(*parser.BinaryExpr)
	if !ok || d.Op != parser.DIV {
		return ""
	}
	a, den := spineSelector(b.LHS), spineSelector(d.RHS)
	if a == nil || den == nil || selectorName(a) == "" || selectorName(a) != selectorName(den) {
		return ""
	}
	if _, ok := unwrap(b.LHS).(*parser.VectorSelector); !ok {
		return ""
	}
	return selectorName(a)
}

// checkAgePrecedence reports time() - x / 3600, where the division binds
// tighter than the subtraction: the result is
// today's Unix time less a few hours' worth, about 1.7e9, above any age
// threshold, where (time() - x) / 3600 was meant (thanos-io/thanos's
// ThanosCompactHasNotRun as rendered by perses, ho10).
func checkAgePrecedence(p *lint.Pass, r *lint.Rule) {
	if ast(r) == nil || !strings.Contains(r.Expr.Value.Value, "/") {
		return
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || b.Op != parser.SUB {
			return true
		}
		if name := shareWithoutParens(b); name != "" {
			start, end := nodeRange(b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("/ binds tighter than -: this is %s minus a share of it, not the share (a - b) / a, so it is about the size of %s and any comparison with a fraction holds for every series", name, name),
				"put the subtraction in parentheses: (a - b) / a")
			return false
		}
		if callName(unwrap(b.LHS)) != "time" {
			return true
		}
		// An explicit (x / 60) is the author's own grouping.
		scaled, ok := b.RHS.(*parser.BinaryExpr)
		if !ok || scaled.Op != parser.DIV {
			return true
		}
		// Only a divisor that turns seconds into minutes, hours, days
		// or weeks: time() - x_ms / 1000 converts x to seconds first,
		// which is right.
		inner, divisor := scaled, 1.0
		for {
			v, ok := scalarValue(inner.RHS)
			if !ok {
				return true
			}
			divisor *= v
			l, ok := inner.LHS.(*parser.BinaryExpr)
			if !ok || l.Op != parser.DIV {
				break
			}
			inner = l
		}
		switch divisor {
		case 60, 3600, 86400, 604800:
		default:
			return true
		}
		if isScalar(inner.LHS) {
			return true
		}
		what := exprText(r, inner.LHS)
		if len(what) > 40 || strings.Contains(what, "\n") {
			what = "the timestamp"
			if vs := spineSelector(inner.LHS); vs != nil {
				what = selectorName(vs)
			}
		}
		start, end := nodeRange(b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s binds tighter than -: this is time() minus %s in %s, about the current Unix time (1.7e9), so any comparison with an age holds for every series", scaled.Op, what, map[float64]string{60: "minutes", 3600: "hours", 86400: "days", 604800: "weeks"}[divisor]),
			"put the subtraction in parentheses: (time() - x) / 3600")
		return false
	})
}

// bound is one filter comparison of an expression against a number,
// turned round so that the expression is on the left (1 < x is x > 1).
type bound struct {
	lhs string
	op  parser.ItemType
	num float64
}

// flip is the comparison of the other direction.
func (b bound) flip() parser.ItemType { return flipOp(b.op) }

func (b bound) lower() bool { return b.op == parser.GTR || b.op == parser.GTE }

func (b bound) text() string { return fmt.Sprintf("%s %s %s", b.lhs, b.op, fmtNum(b.num)) }

// tighter reports whether b lets fewer values through than o, a bound in
// the same direction.
func (b bound) tighter(o bound) bool {
	if b.num == o.num {
		return b.op == parser.GTR || b.op == parser.LSS
	}
	return b.lower() == (b.num > o.num)
}

func setOpName(op parser.ItemType) string {
	if op == parser.LOR {
		return "or"
	}
	return "and"
}

// asBound reads e as a bound, when it is a filter comparison of an
// instant vector against a number literal.
func asBound(e parser.Expr) (bound, bool) {
	be, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok || be.ReturnBool {
		return bound{}, false
	}
	op := be.Op
	switch op {
	case parser.GTR, parser.GTE, parser.LSS, parser.LTE:
	default:
		return bound{}, false
	}
	x, n := be.LHS, be.RHS
	v, ok := scalarValue(n)
	if !ok {
		x, n = be.RHS, be.LHS
		if v, ok = scalarValue(n); !ok {
			return bound{}, false
		}
		op = flipOp(op)
	}
	if x.Type() != parser.ValueTypeVector {
		return bound{}, false
	}
	return bound{lhs: unwrap(x).String(), op: op, num: v}, true
}

// eachBoundPair calls fn for each pair of bounds on the same expression
// on two different sides of one chain of and (or of or) operators.
func eachBoundPair(r *lint.Rule, fn func(set *parser.BinaryExpr, a, b bound)) {
	eachChainBoundPair(r, false, fn)
}

// eachOrBoundPair calls fn for each pair of bounds on the same expression
// on two different sides of one chain of or operators, a side's bounds
// being itself or the sides of its and chain.
func eachOrBoundPair(r *lint.Rule, fn func(set *parser.BinaryExpr, a, b bound)) {
	eachChainBoundPair(r, true, fn)
}

// eachChainBoundPair walks the chains of and/or (only or with orOnly) from
// their tops; with orOnly a side's bounds include its and chain's sides.
func eachChainBoundPair(r *lint.Rule, orOnly bool, fn func(set *parser.BinaryExpr, a, b bound)) {
	e := ast(r)
	if e == nil || !twoComparisons(r.Expr.Value.Value) {
		return
	}
	walk(e, func(n parser.Node, path []parser.Node) bool {
		set, ok := n.(*parser.BinaryExpr)
		if !ok || set.Op != parser.LOR && (orOnly || set.Op != parser.LAND) || chainedInto(set, path) {
			return true
		}
		var sides [][]bound
		var bounds func(e parser.Expr, op parser.ItemType, bs []bound) []bound
		bounds = func(e parser.Expr, op parser.ItemType, bs []bound) []bound {
			if be, ok := unwrap(e).(*parser.BinaryExpr); ok && be.Op == op {
				return bounds(be.RHS, op, bounds(be.LHS, op, bs))
			}
			if b, ok := asBound(e); ok {
				bs = append(bs, b)
			}
			return bs
		}
		var chain func(e parser.Expr)
		chain = func(e parser.Expr) {
			if be, ok := unwrap(e).(*parser.BinaryExpr); ok && be.Op == set.Op {
				chain(be.LHS)
				chain(be.RHS)
				return
			}
			if orOnly {
				sides = append(sides, bounds(e, parser.LAND, nil))
			} else if b, ok := asBound(e); ok {
				sides = append(sides, []bound{b})
			}
		}
		chain(set)
		for i := range sides {
			for j := i + 1; j < len(sides); j++ {
				for _, a := range sides[i] {
					for _, b := range sides[j] {
						if a.lhs == b.lhs {
							fn(set, a, b)
						}
					}
				}
			}
		}
		return true
	})
}

// chainedInto reports whether set is a side of a parent with the same
// operator (parentheses aside): the chain is read from its top.
func chainedInto(set *parser.BinaryExpr, path []parser.Node) bool {
	for i := len(path) - 1; i >= 0; i-- {
		if _, ok := path[i].(*parser.ParenExpr); ok {
			continue
		}
		parent, ok := path[i].(*parser.BinaryExpr)
		return ok && parent.Op == set.Op
	}
	return false
}

// twoComparisons reports whether src may hold two comparisons joined by a
// set operator: two of < and >, and "and" or "or". Most expressions have
// neither, and this runs before any walk.
func twoComparisons(src string) bool {
	n := strings.Count(src, ">") + strings.Count(src, "<")
	return n >= 2 && (hasWord(src, "and") || hasWord(src, "or"))
}

// hasWord reports whether w stands in src as a word of its own: "or" in
// "errors" or "storage" is not the operator.
func hasWord(src, w string) bool {
	for i := 0; ; {
		j := strings.Index(src[i:], w)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(w)
		if (at == 0 || !isIdentByte(src[at-1]) && src[at-1] != ':') && (end == len(src) || !isIdentByte(src[end]) && src[end] != ':') {
			return true
		}
		i = end
	}
}
