package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// beyondPromtool are the checks of issue 14: real bugs that promtool and
// pint miss and that need no live server. Each lives in its own file.
var beyondPromtool = []*lint.Check{
	vectorMatching,
	deltaCounter,
	alertIrate,
	rateOfSum,
	rateOfGauge,
	counterRatio,
	rawCumulative,
	ratioScale,
	unitScale,
	templatePercentScale,
	templateRuntime,
	templateQuery,
	templateDroppedName,
	groupLongInterval,
	recordDuplicate,
	alertTopk,
	alertTemplatedName,
	upWithoutJob,
	floatEquality,
	sumOfRatio,
	countZero,
	negativeOffset,
	unknownRecord,
	recordedLabel,
	anchoredRegex,
	regexInEquality,
	grafanaVariable,
	metricNameCase,
	timestampOfTime,
	cpuModes,
	redundantCondition,
	impossibleCondition,
	alwaysTrue,
	alertAbsence,
	alertStatusClass,
	absentLabels,
	annotationsDuration,
	annotationsThreshold,
	aggregateOfComparison,
	namingRecordingRule,
	namingAlertName,
}

// scalarValue returns the number a scalar side is, when it is a literal
// or arithmetic of literals (14.4 * 0.9), possibly negated or in
// parentheses.
func scalarValue(e parser.Expr) (float64, bool) {
	switch e := unwrap(e).(type) {
	case *parser.NumberLiteral:
		return e.Val, true
	case *parser.BinaryExpr:
		l, lok := scalarValue(e.LHS)
		r, rok := scalarValue(e.RHS)
		if !lok || !rok {
			return 0, false
		}
		switch e.Op {
		case parser.ADD:
			return l + r, true
		case parser.SUB:
			return l - r, true
		case parser.MUL:
			return l * r, true
		case parser.DIV:
			if r != 0 {
				return l / r, true
			}
		}
	case *parser.UnaryExpr:
		if v, ok := scalarValue(e.Expr); ok {
			if e.Op == parser.SUB {
				return -v, true
			}
			return v, true
		}
	}
	return 0, false
}

// comparedWithScalar splits a comparison of a vector with a literal into
// the vector side and the number; ok is false for anything else. The
// operator is returned as written with the vector on the left (5 < x is
// returned as x > 5).
func comparedWithScalar(b *parser.BinaryExpr) (side parser.Expr, op parser.ItemType, v float64, ok bool) {
	if !b.Op.IsComparisonOperator() {
		return nil, 0, 0, false
	}
	if v, ok := scalarValue(b.RHS); ok && !isScalar(b.LHS) {
		return b.LHS, b.Op, v, true
	}
	if v, ok := scalarValue(b.LHS); ok && !isScalar(b.RHS) {
		return b.RHS, flipOp(b.Op), v, true
	}
	return nil, 0, 0, false
}

func flipOp(op parser.ItemType) parser.ItemType {
	switch op {
	case parser.GTR:
		return parser.LSS
	case parser.LSS:
		return parser.GTR
	case parser.GTE:
		return parser.LTE
	case parser.LTE:
		return parser.GTE
	}
	return op
}

// selectors lists the vector selectors under e.
func selectors(e parser.Node) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return true
	})
	return out
}

// hasCall reports whether e calls one of fns anywhere.
func hasCall(e parser.Node, fns map[string]bool) bool {
	found := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if fns[callName(n)] {
			found = true
		}
		return !found
	})
	return found
}
