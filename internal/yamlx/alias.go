package yamlx

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// The alias budget of every decoder: a document may expand to more than
// MaxAliasNodes nodes only if that is less than MaxAliasFactor times the
// nodes written. Real files stay far below; "billion laughs" expands a few
// kilobytes exponentially.
const (
	MaxAliasNodes  = 1_000_000
	MaxAliasFactor = 10
)

// Expansion is the size of a tree once its aliases are expanded.
type Expansion struct {
	// Written counts the nodes as written, aliases included.
	Written int
	// Expanded counts the nodes of the tree with every alias replaced by
	// a copy of what it names: what a decoder into values builds.
	Expanded int
	// Worst is the alias with the largest expansion, WorstSize that
	// expansion; nil when there is no alias.
	Worst     *yaml.Node
	WorstSize int
}

// OverBudget reports whether the expansion is over the alias budget.
func (e Expansion) OverBudget() bool {
	return e.Worst != nil && e.Expanded > MaxAliasNodes && e.Expanded > MaxAliasFactor*e.Written
}

// Diagnostic reports an expansion over the budget as an error of check at
// the alias with the largest expansion.
func (e Expansion) Diagnostic(file, check string) diag.Diagnostic {
	return diag.Diagnostic{
		Pos: Pos(file, e.Worst), Check: check, Severity: diag.Error,
		Message: fmt.Sprintf("YAML aliases expand %d nodes written to %s (alias *%s alone to %s), over the limit of %d: an alias bomb?",
			e.Written, count(e.Expanded), e.Worst.Value, count(e.WorstSize), MaxAliasNodes),
	}
}

func count(n int) string {
	if n >= 1<<40 {
		return "over 10^12"
	}
	return fmt.Sprint(n)
}

// Measure measures n's alias expansion. The count is memoized per anchored
// node, so it is linear in the nodes written however large the expansion
// ("billion laughs" expands a few kilobytes exponentially), and saturates
// instead of overflowing.
func Measure(n *yaml.Node) Expansion {
	var e Expansion
	memo := map[*yaml.Node]int{}
	var size, walk func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if n == nil {
			return 0
		}
		if n.Kind == yaml.AliasNode {
			e.Written++
			s, ok := memo[n.Alias]
			if !ok && n.Alias != nil {
				s = walk(n.Alias)
			}
			s = max(s, 0) // -1: an alias inside its own anchor adds nothing
			if s > e.WorstSize {
				e.Worst, e.WorstSize = n, s
			}
			return s
		}
		if s, ok := memo[n]; ok {
			return max(s, 0) // written once: its definition counted it
		}
		return walk(n)
	}
	walk = func(n *yaml.Node) int {
		if n.Anchor != "" {
			memo[n] = -1
		}
		e.Written++
		total := 1
		for _, c := range n.Content {
			total = min(total+size(c), 1<<40) // no overflow, however deep
		}
		if n.Anchor != "" {
			memo[n] = total
		}
		return total
	}
	e.Expanded = size(n)
	return e
}

// Inline replaces every alias under n by the node it names, so a walker
// needs no alias case. The anchored nodes are shared, not copied, and each
// is visited once: the cost is the nodes written, whatever the expansion
// (which the caller bounds with Measure before walking the result).
func Inline(n *yaml.Node) {
	Walk(n, func(n *yaml.Node) {
		for i, c := range n.Content {
			n.Content[i] = Resolve(c)
		}
	})
}
