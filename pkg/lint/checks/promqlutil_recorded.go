package checks

import (
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// recordedInFile maps each name that one rule of f records, with a
// parsed expression and no static labels, to that expression: what a
// selector of the name in the same file reads. Names recorded twice, or
// with labels the expression does not show (the rule's or its group's),
// are left out. nil when the
// file records nothing.
func recordedInFile(f *lint.File) map[string]parser.Expr {
	n := 0
	forEachRule(f, func(r *lint.Rule) {
		if r.Record.Value != "" {
			n++
		}
	})
	if n == 0 {
		return nil
	}
	// A name seen but not usable maps to nil, so one map, sized once,
	// does.
	rec := make(map[string]parser.Expr, n)
	forEachRule(f, func(r *lint.Rule) {
		name := r.Record.Value
		if name == "" {
			return
		}
		if _, seen := rec[name]; seen || ast(r) == nil || len(r.Labels) > 0 || r.Group != nil && len(r.Group.Labels) > 0 {
			rec[name] = nil
			return
		}
		rec[name] = ast(r)
	})
	return rec
}

// readsRecorded reports whether e selects a name of rec.
func readsRecorded(e parser.Expr, rec map[string]parser.Expr) bool {
	if len(rec) == 0 {
		return false
	}
	found := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if vs, ok := n.(*parser.VectorSelector); ok && rec[selectorName(vs)] != nil {
			found = true
		}
		return !found
	})
	return found
}

// maxInlineDepth bounds how many recording rules deep inlineRecorded
// follows names recorded from other recorded names.
const maxInlineDepth = 3

// inlineRecorded returns a copy of e in which every selector of a name
// recorded in the same file (rec) is replaced by the expression that
// records it (in a range, by a subquery over it), for the label
// inference: the copy's series carry the labels the recorded series
// carry. orig maps each binary operation of the copy that stands for
// one of e (depth 0) to it, so findings are reported at e's own nodes.
// The copy's inlined parts keep another rule's positions: report only
// through orig.
func inlineRecorded(e parser.Expr, rec map[string]parser.Expr, orig map[*parser.BinaryExpr]*parser.BinaryExpr, depth int) parser.Expr {
	switch e := e.(type) {
	case *parser.ParenExpr:
		cp := *e
		cp.Expr = inlineRecorded(e.Expr, rec, orig, depth)
		return &cp
	case *parser.VectorSelector:
		if x := rec[selectorName(e)]; x != nil && depth < maxInlineDepth {
			return &parser.ParenExpr{Expr: inlineRecorded(x, rec, orig, depth+1)}
		}
	case *parser.MatrixSelector:
		if vs, ok := e.VectorSelector.(*parser.VectorSelector); ok {
			if x := rec[selectorName(vs)]; x != nil && depth < maxInlineDepth {
				return &parser.SubqueryExpr{Expr: inlineRecorded(x, rec, orig, depth+1), Range: e.Range}
			}
		}
	case *parser.SubqueryExpr:
		cp := *e
		cp.Expr = inlineRecorded(e.Expr, rec, orig, depth)
		return &cp
	case *parser.UnaryExpr:
		cp := *e
		cp.Expr = inlineRecorded(e.Expr, rec, orig, depth)
		return &cp
	case *parser.AggregateExpr:
		cp := *e
		cp.Expr = inlineRecorded(e.Expr, rec, orig, depth)
		return &cp
	case *parser.Call:
		cp := *e
		cp.Args = make(parser.Expressions, len(e.Args))
		for i, a := range e.Args {
			cp.Args[i] = inlineRecorded(a, rec, orig, depth)
		}
		return &cp
	case *parser.BinaryExpr:
		cp := *e
		cp.LHS = inlineRecorded(e.LHS, rec, orig, depth)
		cp.RHS = inlineRecorded(e.RHS, rec, orig, depth)
		if depth == 0 {
			orig[&cp] = e
		}
		return &cp
	}
	return e
}
