package mutants

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Operator kinds, the first column of the report. Each names one way a
// generator (or a hand edit) can get a rule subtly wrong.
const (
	OpConstUp       = "const*1.25"      // a number literal raised 25 %
	OpConstDown     = "const*0.8"       // a number literal lowered 20 %
	OpConstZero     = "const0+-1"       // a literal 0 moved to 1 or -1
	OpFlip          = "comparison-flip" // > to <, > to >=, == to != ...
	OpCompareDrop   = "comparison-drop" // a filtering comparison removed
	OpSetDrop       = "and-drop"        // the guard of an and/or/unless removed
	OpWindow        = "window"          // a range halved or doubled
	OpMatcherDrop   = "matcher-drop"    // a label matcher removed
	OpMatcherNegate = "matcher-negate"  // = to !=, =~ to !~ and back
	OpFor           = "for"             // for halved or doubled
	OpKeepFiring    = "keep_firing_for" // halved, doubled or removed
)

// exprMutant is one changed expression.
type exprMutant struct {
	op, desc, expr string
}

// flips are the comparison operators each one is mutated to: the
// opposite direction, and the neighbour that differs only at equality.
var flips = map[parser.ItemType][]parser.ItemType{
	parser.GTR:  {parser.LSS, parser.GTE},
	parser.GTE:  {parser.LTE, parser.GTR},
	parser.LSS:  {parser.GTR, parser.LTE},
	parser.LTE:  {parser.GTE, parser.LSS},
	parser.EQLC: {parser.NEQ},
	parser.NEQ:  {parser.EQLC},
}

// negated are the matcher types each one is negated to.
var negated = map[labels.MatchType]labels.MatchType{
	labels.MatchEqual:     labels.MatchNotEqual,
	labels.MatchNotEqual:  labels.MatchEqual,
	labels.MatchRegexp:    labels.MatchNotRegexp,
	labels.MatchNotRegexp: labels.MatchRegexp,
}

// change is one mutation of the node at a site: it edits the node in
// place, or returns a replacement for it (nil: keep the node).
type change struct {
	op, desc string
	apply    func(n parser.Node) parser.Expr
}

// changesAt lists the mutations that apply to one node; path are its
// ancestors, root first.
func changesAt(n parser.Node, path []parser.Node) []change {
	var out []change
	switch n := n.(type) {
	case *parser.NumberLiteral:
		if n.Val == 0 {
			for _, v := range []float64{1, -1} {
				out = append(out, change{OpConstZero, fmt.Sprintf("0 -> %g", v), setNumber(v)})
			}
			break
		}
		out = append(out,
			change{OpConstUp, fmt.Sprintf("%s -> %s", fnum(n.Val), fnum(round(n.Val*1.25))), setNumber(round(n.Val * 1.25))},
			change{OpConstDown, fmt.Sprintf("%s -> %s", fnum(n.Val), fnum(round(n.Val*0.8))), setNumber(round(n.Val * 0.8))})
	case *parser.BinaryExpr:
		if n.Op.IsComparisonOperator() && !n.ReturnBool {
			for _, to := range flips[n.Op] {
				to := to
				rhs := short(n.RHS)
				out = append(out, change{OpFlip, n.Op.String() + " " + rhs + " -> " + to.String() + " " + rhs, func(m parser.Node) parser.Expr {
					m.(*parser.BinaryExpr).Op = to
					return nil
				}})
			}
			// A filter whose other side is a literal: without it every
			// sample passes (the alert fires on any value).
			if _, ok := n.RHS.(*parser.NumberLiteral); ok {
				out = append(out, change{OpCompareDrop, "drop " + n.Op.String() + " " + n.RHS.String(), func(m parser.Node) parser.Expr {
					return m.(*parser.BinaryExpr).LHS
				}})
			}
		}
		if n.Op.IsSetOperator() {
			out = append(out, change{OpSetDrop, "drop " + n.Op.String() + " " + short(n.RHS), func(m parser.Node) parser.Expr {
				return m.(*parser.BinaryExpr).LHS
			}})
		}
	case *parser.MatrixSelector:
		if n.RangeExpr == nil && n.Range > 0 {
			for _, f := range []float64{0.5, 2} {
				r := time.Duration(float64(n.Range) * f)
				out = append(out, change{OpWindow, fmt.Sprintf("[%s] -> [%s]", model.Duration(n.Range), model.Duration(r)), func(m parser.Node) parser.Expr {
					m.(*parser.MatrixSelector).Range = r
					return nil
				}})
			}
		}
	case *parser.VectorSelector:
		for i, lm := range n.LabelMatchers {
			if lm.Name == labels.MetricName {
				continue
			}
			i, lm := i, lm
			if pinnedByPartner(n, lm, path) {
				// Equivalent, so not a mutant: the one-to-one match on
				// every label already demands the partner's value.
				goto negate
			}
			out = append(out, change{OpMatcherDrop, "drop " + lm.String(), func(m parser.Node) parser.Expr {
				vs := m.(*parser.VectorSelector)
				vs.LabelMatchers = append(vs.LabelMatchers[:i:i], vs.LabelMatchers[i+1:]...)
				return nil
			}})
		negate:
			if t, ok := negated[lm.Type]; ok {
				out = append(out, change{OpMatcherNegate, lm.String() + " -> " + lm.Name + t.String() + strconv.Quote(lm.Value), func(m parser.Node) parser.Expr {
					vs := m.(*parser.VectorSelector)
					nm, err := labels.NewMatcher(t, lm.Name, lm.Value)
					if err != nil {
						return nil
					}
					vs.LabelMatchers = append(append(vs.LabelMatchers[:i:i], nm), vs.LabelMatchers[i+1:]...)
					return nil
				}})
			}
		}
	}
	return out
}

// pinnedByPartner says whether dropping matcher lm from selector vs cannot
// change the result: vs is, through label-keeping nodes only (parentheses,
// arithmetic or a filter against a scalar, a per-series range function
// such as predict_linear), one side of a vector-to-vector operation that
// matches one-to-one on every label (or `and` on every label, which keeps
// the left series with a right partner of the same labels), and the other
// side is, through
// the same kind of nodes, a selector with the same equality matcher. Every
// series of the other side carries lm's value, so a series of vs without
// it finds no partner either way. used{job="a"} / (limit{job="a"} > 0)
// without the first job matcher is such an equivalent mutant.
func pinnedByPartner(vs *parser.VectorSelector, lm *labels.Matcher, path []parser.Node) bool {
	if lm.Type != labels.MatchEqual {
		return false
	}
	child := parser.Node(vs)
	for i := len(path) - 1; i >= 0; i-- {
		switch p := path[i].(type) {
		case *parser.ParenExpr, *parser.MatrixSelector:
			child = p
			continue
		case *parser.Call:
			if !keepsLabels(p) || len(p.Args) == 0 || parser.Node(p.Args[0]) != child {
				return false
			}
			child = p
			continue
		case *parser.BinaryExpr:
			if scalarSide(p) != nil {
				if p.ReturnBool {
					return false
				}
				child = p
				continue
			}
			vm := p.VectorMatching
			if vm == nil || vm.On || len(vm.MatchingLabels) > 0 {
				return false
			}
			// `and` keeps the left series that have a right series with
			// the very same labels, so it matches like one-to-one here.
			oneToOne := !p.Op.IsSetOperator() && vm.Card == parser.CardOneToOne
			if !oneToOne && (p.Op != parser.LAND || vm.Card != parser.CardManyToMany) {
				return false
			}
			other := p.LHS
			if parser.Node(p.LHS) == child {
				other = p.RHS
			}
			ovs := labelKeepingSelector(other)
			if ovs == nil {
				return false
			}
			for _, m := range ovs.LabelMatchers {
				if m.Type == labels.MatchEqual && m.Name == lm.Name && m.Value == lm.Value {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// scalarSide is the scalar side of b (a number, or arithmetic on numbers
// such as an SLO's error budget (1 - 0.999)), or nil.
func scalarSide(b *parser.BinaryExpr) parser.Expr {
	if b.RHS.Type() == parser.ValueTypeScalar {
		return b.RHS
	}
	if b.LHS.Type() == parser.ValueTypeScalar {
		return b.LHS
	}
	return nil
}

// keepsLabels says whether call c returns one sample per series of its
// first argument with that series's labels (less the metric name, which
// vector matching ignores): per-series functions of a range.
func keepsLabels(c *parser.Call) bool {
	switch c.Func.Name {
	case "predict_linear", "rate", "increase", "irate", "deriv", "delta", "idelta":
		return true
	}
	return false
}

// labelKeepingSelector is the selector e reads when everything between
// them keeps its labels (parentheses, filters against a number, the
// per-series range functions of keepsLabels), or nil.
func labelKeepingSelector(e parser.Expr) *parser.VectorSelector {
	for {
		switch x := e.(type) {
		case *parser.VectorSelector:
			return x
		case *parser.ParenExpr:
			e = x.Expr
		case *parser.MatrixSelector:
			e = x.VectorSelector
		case *parser.Call:
			if !keepsLabels(x) || len(x.Args) == 0 {
				return nil
			}
			e = x.Args[0]
		case *parser.BinaryExpr:
			if x.Op == parser.LAND && x.VectorMatching != nil && !x.VectorMatching.On && len(x.VectorMatching.MatchingLabels) == 0 {
				// The result is some of the left side's series.
				e = x.LHS
				continue
			}
			side := scalarSide(x)
			if side == nil || x.ReturnBool {
				return nil
			}
			if side == x.RHS {
				e = x.LHS
			} else {
				e = x.RHS
			}
		default:
			return nil
		}
	}
}

func setNumber(v float64) func(parser.Node) parser.Expr {
	return func(m parser.Node) parser.Expr {
		m.(*parser.NumberLiteral).Val = v
		return nil
	}
}

// fnum prints a mutated constant in 12 significant digits, so 0.05*0.8
// reads 0.04 in the rule and the report.
func fnum(f float64) string { return strconv.FormatFloat(f, 'g', 12, 64) }

func round(f float64) float64 {
	r, _ := strconv.ParseFloat(fnum(f), 64)
	return r
}

// short is an operand for a description: whole if short, else its head.
func short(e parser.Expr) string {
	s := e.String()
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// exprMutants returns every mutation of expr, each applied alone to a
// fresh parse, printed by the parser's own String. Mutants that print
// the same as the original are dropped: they change nothing.
func exprMutants(expr string) ([]exprMutant, error) {
	p := parser.NewParser(parser.Options{})
	root, err := p.ParseExpr(expr)
	if err != nil {
		return nil, fmt.Errorf("expression does not parse: %w", err)
	}
	orig := root.String()
	var sites [][]change
	parser.Inspect(root, func(n parser.Node, path []parser.Node) error {
		sites = append(sites, changesAt(n, path))
		return nil
	})
	var out []exprMutant
	seen := map[string]bool{orig: true}
	for i, cs := range sites {
		for _, c := range cs {
			fresh, err := p.ParseExpr(expr)
			if err != nil {
				return nil, err
			}
			mutated := applyAt(fresh, i, c)
			s := mutated.String()
			if seen[s] {
				continue
			}
			seen[s] = true
			out = append(out, exprMutant{op: c.op, desc: c.desc, expr: s})
		}
	}
	return out, nil
}

// applyAt applies c to the site-th node in Inspect order and returns the
// new root (a replaced root is returned as is).
func applyAt(root parser.Expr, site int, c change) parser.Expr {
	i := 0
	newRoot := root
	parser.Inspect(root, func(n parser.Node, path []parser.Node) error {
		if i != site {
			i++
			return nil
		}
		i++
		repl := c.apply(n)
		if repl == nil {
			return errStop
		}
		if len(path) == 0 {
			newRoot = repl
			return errStop
		}
		replaceChild(path[len(path)-1], n, repl)
		return errStop
	})
	return newRoot
}

var errStop = fmt.Errorf("stop")

// replaceChild puts repl where old is among parent's operands.
func replaceChild(parent, old parser.Node, repl parser.Expr) {
	switch p := parent.(type) {
	case *parser.BinaryExpr:
		if p.LHS == old {
			p.LHS = repl
		}
		if p.RHS == old {
			p.RHS = repl
		}
	case *parser.ParenExpr:
		p.Expr = repl
	case *parser.AggregateExpr:
		if p.Expr == old {
			p.Expr = repl
		}
		if p.Param == old {
			p.Param = repl
		}
	case *parser.Call:
		for j, a := range p.Args {
			if a == old {
				p.Args[j] = repl
			}
		}
	case *parser.UnaryExpr:
		p.Expr = repl
	case *parser.SubqueryExpr:
		p.Expr = repl
	case *parser.StepInvariantExpr:
		p.Expr = repl
	}
}
