package checks

import (
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// ruleLabel returns the value of a label an alert gets from its own
// labels or, failing that, from its group's labels (Prometheus 3.x).
func ruleLabel(r *lint.Rule, name string) (lint.KV, bool) {
	if kv, ok := r.Label(name); ok {
		return kv, true
	}
	if r.Group != nil {
		for _, kv := range r.Group.Labels {
			if kv.Key.Value == name {
				return kv, true
			}
		}
	}
	return lint.KV{}, false
}

// misplacedKey returns the node of a key written directly in the rule
// mapping (beside expr:) that Prometheus would not accept there, such as
// the seed's `severity: page` or `description: …`. The malformed checks
// report the key itself; other checks use it to make their hint precise.
func misplacedKey(r *lint.Rule, name string) (key, value *yaml.Node) {
	if r.Node == nil || r.Node.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(r.Node.Content); i += 2 {
		if r.Node.Content[i].Value == name {
			return r.Node.Content[i], r.Node.Content[i+1]
		}
	}
	return nil, nil
}

// isTemplated reports whether a label or annotation value holds a Go
// template action, whose expanded value a static check cannot know.
func isTemplated(s string) bool { return strings.Contains(s, "{{") }

// splitWords turns an alert name into lower-case words
// (HighAgentErrorRate → "high agent error rate", KubeAPIErrorsHigh →
// "kube api errors high").
func splitWords(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, c := range rs {
		if c == '_' || c == '-' || c == '.' || c == ':' {
			b.WriteByte(' ')
			continue
		}
		if i > 0 && unicode.IsUpper(c) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
