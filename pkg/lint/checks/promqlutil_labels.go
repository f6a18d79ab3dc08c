package checks

import (
	"sort"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// labelSet is what the analysis knows about the labels an expression's
// output series carry. It is conservative: it only ever claims a label is
// absent when PromQL's semantics guarantee it.
//
// When exact is true, the series carry at most the labels in only (e.g.
// after `sum by (a, b)`). Otherwise they carry whatever the input series
// carry except the labels in drop (e.g. after `sum without (le)`).
type labelSet struct {
	exact bool
	only  map[string]bool
	drop  map[string]bool
}

func allLabels() labelSet { return labelSet{drop: map[string]bool{}} }

func noLabels() labelSet { return labelSet{exact: true, only: map[string]bool{}} }

func exactly(names ...string) labelSet {
	s := noLabels()
	for _, n := range names {
		s.only[n] = true
	}
	return s
}

// absent reports whether the label is certainly not on any output series.
// __name__ is never claimed absent: the checks do not reason about it.
func (s labelSet) absent(name string) bool {
	if name == labels.MetricName {
		return false
	}
	if s.exact {
		return !s.only[name]
	}
	return s.drop[name]
}

// known lists the labels an exact set may carry, sorted, for messages.
func (s labelSet) known() []string {
	out := make([]string, 0, len(s.only))
	for n := range s.only {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s labelSet) clone() labelSet {
	c := labelSet{exact: s.exact, only: map[string]bool{}, drop: map[string]bool{}}
	for k := range s.only {
		c.only[k] = true
	}
	for k := range s.drop {
		c.drop[k] = true
	}
	return c
}

// keep restricts s to names (`by`, `on`).
func (s labelSet) keep(names []string) labelSet {
	out := noLabels()
	for _, n := range names {
		if (s.exact && s.only[n]) || (!s.exact && !s.drop[n]) {
			out.only[n] = true
		}
	}
	return out
}

// without removes names from s (`without`, `ignoring`).
func (s labelSet) without(names []string) labelSet {
	out := s.clone()
	for _, n := range names {
		if out.exact {
			delete(out.only, n)
		} else {
			out.drop[n] = true
		}
	}
	return out
}

// with adds names to s (label_replace targets, group_left includes).
func (s labelSet) with(names ...string) labelSet {
	out := s.clone()
	for _, n := range names {
		if out.exact {
			out.only[n] = true
		} else {
			delete(out.drop, n)
		}
	}
	return out
}

// union is the label set of `a or b`: a label is absent only when it is
// absent from both sides.
func union(a, b labelSet) labelSet {
	switch {
	case a.exact && b.exact:
		return a.with(b.known()...)
	case a.exact:
		a, b = b, a
		fallthrough
	case b.exact:
		out := allLabels()
		for n := range a.drop {
			if !b.only[n] {
				out.drop[n] = true
			}
		}
		return out
	}
	out := allLabels()
	for n := range a.drop {
		if b.drop[n] {
			out.drop[n] = true
		}
	}
	return out
}

// outputLabels computes the label set of an expression's result.
func outputLabels(e parser.Expr) labelSet {
	switch e := unwrap(e).(type) {
	case nil:
		return allLabels()
	case *parser.NumberLiteral, *parser.StringLiteral:
		return noLabels()
	case *parser.VectorSelector:
		return allLabels()
	case *parser.MatrixSelector:
		return allLabels()
	case *parser.SubqueryExpr:
		return outputLabels(e.Expr)
	case *parser.UnaryExpr:
		return outputLabels(e.Expr)
	case *parser.AggregateExpr:
		return aggregateLabels(e)
	case *parser.Call:
		return callLabels(e)
	case *parser.BinaryExpr:
		return binaryLabels(e)
	}
	return allLabels()
}

func aggregateLabels(e *parser.AggregateExpr) labelSet {
	in := outputLabels(e.Expr)
	switch e.Op {
	case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
		// These pick series; the picked series keep all their labels.
		return in
	}
	var out labelSet
	if e.Without {
		out = in.without(e.Grouping)
	} else {
		out = in.keep(e.Grouping)
	}
	if e.Op == parser.COUNT_VALUES {
		if s, ok := unwrap(e.Param).(*parser.StringLiteral); ok {
			out = out.with(s.Val)
		} else {
			return allLabels()
		}
	}
	return out
}

func callLabels(e *parser.Call) labelSet {
	if e.Func == nil {
		return allLabels()
	}
	switch e.Func.Name {
	case "absent", "absent_over_time":
		// The one output series carries the selector's equality matchers,
		// the way the engine builds it: only for a plain selector
		// argument, and a label matched twice (or by any other matcher)
		// is dropped.
		if len(e.Args) == 0 {
			return noLabels()
		}
		var vs *parser.VectorSelector
		switch a := unwrap(e.Args[0]).(type) {
		case *parser.VectorSelector:
			vs = a
		case *parser.MatrixSelector:
			vs, _ = a.VectorSelector.(*parser.VectorSelector)
		}
		out := noLabels()
		if vs == nil {
			return out
		}
		seen := map[string]bool{}
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName {
				continue
			}
			if m.Type == labels.MatchEqual && !seen[m.Name] {
				out.only[m.Name] = true
			} else {
				delete(out.only, m.Name)
			}
			seen[m.Name] = true
		}
		return out
	case "label_replace", "label_join":
		if len(e.Args) < 2 {
			return allLabels()
		}
		in := outputLabels(e.Args[0])
		if dst, ok := unwrap(e.Args[1]).(*parser.StringLiteral); ok {
			return in.with(dst.Val)
		}
		return allLabels()
	case "histogram_quantile", "histogram_fraction":
		// The bucket label is consumed; everything else stays.
		for _, a := range e.Args {
			if t := a.Type(); t == parser.ValueTypeVector {
				return outputLabels(a).without([]string{"le"})
			}
		}
		return allLabels()
	case "info":
		// info() adds data labels from other series: unknown.
		return allLabels()
	}
	if e.Type() != parser.ValueTypeVector {
		return noLabels()
	}
	for _, a := range e.Args {
		if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
			return outputLabels(a)
		}
	}
	// vector(s) and friends: one series with no labels.
	return noLabels()
}

func binaryLabels(e *parser.BinaryExpr) labelSet {
	ls, rs := isScalar(e.LHS), isScalar(e.RHS)
	switch {
	case ls && rs:
		return noLabels()
	case ls:
		return outputLabels(e.RHS)
	case rs:
		return outputLabels(e.LHS)
	}
	lhs, rhs := outputLabels(e.LHS), outputLabels(e.RHS)
	m := e.VectorMatching
	switch e.Op {
	case parser.LAND, parser.LUNLESS:
		return lhs
	case parser.LOR:
		return union(lhs, rhs)
	}
	if m == nil {
		return lhs
	}
	switch m.Card {
	case parser.CardOneToOne:
		if m.On {
			return lhs.keep(m.MatchingLabels)
		}
		return lhs.without(m.MatchingLabels)
	case parser.CardManyToOne:
		return lhs.with(m.Include...)
	case parser.CardOneToMany:
		return rhs.with(m.Include...)
	}
	return allLabels()
}
