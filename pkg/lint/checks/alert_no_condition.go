package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var alertNoCondition = &lint.Check{
	ID:       "alert/no-condition",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Precision: "1/1 true",
		Title:     "An alert whose expression has no condition",
		Text: `An alerting rule fires for every series its expression returns. An
expression with no comparison (>, <, ==, …) and no and/unless filter
returns every series that exists, so the alert fires permanently for each
of them: agent_queue_depth alerts on an empty queue too.

Deliberately always-firing alerts are accepted: expressions built on
absent()/absent_over_time() or the ALERTS series, an expression that is
just vector(1), alerts named like Watchdog or DeadMansSwitch, and a bare
selector that picks series by a regular expression on a label (an index
named .*ccnew.*), whose presence is the condition. A comparison with bool
does not count as a condition: it returns 0 or 1 for every series. Nor
does a fallback such as … or vector(0): it makes a sample exist when
nothing else does, so the alert fires in both cases. An alert whose
expression is vector(0) is reported too: 0 is not false to Prometheus,
which fires on the presence of a sample, never on its value. So is a
query quoted twice, '…' inside the YAML string: it is a PromQL string,
not a query, and the rule fails at every evaluation without firing
(grafana/jsonnet-libs#1137).`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth
        for: 15m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
`,
	},
	Rule: checkNoCondition,
}

// alwaysFiringName matches the names people give alerts that fire on
// purpose to prove the alerting pipeline works.
var alwaysFiringName = regexp.MustCompile(`(?i)watchdog|dead.?man|always.?firing|heartbeat|info.?inhibitor`)

func checkNoCondition(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || ast(r) == nil {
		return
	}
	condition := false
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		switch n := n.(type) {
		case *parser.BinaryExpr:
			if isFilter(n) {
				condition = true
			}
		case *parser.Call:
			switch callName(n) {
			case "absent", "absent_over_time":
				condition = true
			}
		case *parser.VectorSelector:
			// ALERTS is already filtered to firing alerts; a recorded
			// series may have been filtered by its recording rule.
			if name := selectorName(n); name == "ALERTS" || name == "ALERTS_FOR_STATE" || isRecordedName(name) {
				condition = true
			} else if isInfoName(name) && hasLabelFilter(n) {
				// Info series are always 1: their matchers are the condition
				// (foo_info{state="down"}).
				condition = true
			}
		}
		return !condition
	})
	if condition || alwaysFiringName.MatchString(r.Alert.Value) || regexPicked(ast(r)) {
		return
	}
	start, end := nodeRange(ast(r))
	if v, ok := vectorLiteral(ast(r)); ok {
		if v != 0 {
			// expr: vector(1) is an alert meant to fire all the time.
			return
		}
		// Whoever writes vector(0) means "false"; Prometheus alerts on
		// the presence of a sample, never on its value.
		p.ReportExpr(r, start, end,
			"alert has no condition: vector(0) returns one sample (of value 0) at every evaluation, and any sample fires the alert",
			"an alert that must never fire needs an expression that returns nothing, e.g. vector(1) == 0")
		return
	}
	if s, ok := unwrap(ast(r)).(*parser.StringLiteral); ok {
		// A query quoted twice ('…' inside the YAML string) is a PromQL
		// string: the rule errors at every evaluation instead of firing.
		p.ReportExpr(r, start, end,
			fmt.Sprintf("alert has no condition: the expression is the string %q, not a query, so every evaluation fails (\"rule result is not a vector or scalar\") and the alert never fires", s.Val),
			"remove the quotes around the query")
		return
	}
	text := exprText(r, ast(r))
	if len(text) > 60 {
		text = "the expression"
	}
	if b := boolComparison(ast(r)); b != nil {
		// … > bool 1: the bool is what turned the filter into a value,
		// on the line of the comparison's right side.
		start, end = pairRange(r, b)
	}
	p.ReportExpr(r, start, end,
		fmt.Sprintf("alert has no condition: %s returns every series, so the alert fires for each of them all the time", text),
		"add a comparison with a threshold (e.g. … > 100) or filter with and/unless")
}

// vectorLiteral returns c when the whole expression is vector(c) for a
// number c.
func vectorLiteral(e parser.Expr) (float64, bool) {
	c, ok := unwrap(e).(*parser.Call)
	if !ok || callName(c) != "vector" || len(c.Args) != 1 {
		return 0, false
	}
	return scalarValue(c.Args[0])
}

// regexPicked reports whether e is a bare selector that picks series by
// a regular expression on a label (pg_index_size{indexrelname=~".*ccnew.*"}):
// the series exist only while the state holds, so their presence is the
// condition.
func regexPicked(e parser.Expr) bool {
	vs, ok := unwrap(e).(*parser.VectorSelector)
	if !ok {
		return false
	}
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName && m.Type == labels.MatchRegexp {
			return true
		}
	}
	return false
}

// isInfoName reports whether a metric name marks an info series, whose
// value is always 1 and whose labels carry the information.
func isInfoName(name string) bool {
	return strings.HasSuffix(name, "_info") || strings.HasSuffix(name, "_metadata")
}

// hasLabelFilter reports whether a selector has a matcher besides its name.
func hasLabelFilter(vs *parser.VectorSelector) bool {
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName {
			return true
		}
	}
	return false
}

// boolComparison returns the outermost comparison with bool in e, or nil.
func boolComparison(e parser.Expr) *parser.BinaryExpr {
	var out *parser.BinaryExpr
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if b, ok := n.(*parser.BinaryExpr); ok && b.ReturnBool && b.Op.IsComparisonOperator() {
			out = b
			return false
		}
		return out == nil
	})
	return out
}
