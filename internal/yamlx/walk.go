package yamlx

import (
	"iter"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/textdist"
)

// Problem is what is wrong with one key of a mapping.
type Problem int

const (
	// OK is a known key written once.
	OK Problem = iota
	// NotString is a key that is a mapping, a list or an alias.
	NotString
	// Duplicate is a key written a second time in the same mapping.
	Duplicate
	// Unknown is a key not in the schema's Known list.
	Unknown
)

// Entry is one key of a mapping as Schema.Entries yields it.
type Entry struct {
	Key   *yaml.Node
	Value *yaml.Node // as written: an alias is not resolved
	// Merged marks an entry that comes from a << merge key.
	Merged  bool
	Problem Problem
	// First is where a Duplicate key was first written.
	First *yaml.Node
	// Suggest is the known key an Unknown one is likely a typo of, or "".
	Suggest string
}

// Schema says which keys a mapping may have.
type Schema struct {
	// Known are the keys allowed; nil allows any key.
	Known []string
	// Merge follows << merge keys (YAML 1.1), yielding their entries
	// after the explicit ones. An explicit key overrides a merged one
	// silently, as the merge key's definition says.
	Merge bool
}

// Entries yields the entries of mapping n in file order (merged ones
// last), each with its problem, so a decoder reports every bad key at
// once in its own words and reads the good ones. A key is checked for
// being a string first, then for being repeated, then for being known.
// Nothing is yielded when n is not a mapping.
func (s Schema) Entries(n *yaml.Node) iter.Seq[Entry] {
	return func(yield func(Entry) bool) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		seen := map[string]*yaml.Node{}
		var merges []*yaml.Node
		visit := func(k, v *yaml.Node, merged bool) bool {
			e := Entry{Key: k, Value: v, Merged: merged}
			switch prev, dup := seen[k.Value]; {
			case k.Kind != yaml.ScalarNode:
				e.Problem = NotString
			case dup:
				if merged {
					return true
				}
				e.Problem, e.First = Duplicate, prev
			case s.Known != nil && !slices.Contains(s.Known, k.Value):
				seen[k.Value] = k
				e.Problem, e.Suggest = Unknown, Suggest(k.Value, s.Known)
			default:
				seen[k.Value] = k
			}
			return yield(e)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if s.Merge && k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge" {
				merges = append(merges, v)
				continue
			}
			if !visit(k, v, false) {
				return
			}
		}
		for _, m := range merges {
			m = Resolve(m)
			ms := []*yaml.Node{m}
			if m.Kind == yaml.SequenceNode {
				ms = m.Content
			}
			for _, mm := range ms {
				if mm = Resolve(mm); mm.Kind != yaml.MappingNode {
					continue
				}
				for i := 0; i+1 < len(mm.Content); i += 2 {
					if !visit(mm.Content[i], mm.Content[i+1], true) {
						return
					}
				}
			}
		}
	}
}

// Suggest returns the word of known that s is most likely a typo of: the
// nearest one within an edit distance of 2 and of a third of its length
// plus one, compared case-insensitively; "" when none is that close. It is
// the one did-you-mean of keys, check ids, presets and variants.
func Suggest(s string, known []string) string {
	i := textdist.Closest(strings.ToLower(s), known, func(d int, k string) bool { return d <= len(k)/3+1 })
	if i < 0 {
		return ""
	}
	return known[i]
}
