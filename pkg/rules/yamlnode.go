package rules

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/yamlx"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

// decoder walks yaml.v3 nodes of one spec file, collecting every problem
// with its position instead of stopping at the first, the way rulefmt does.
type decoder struct {
	file   string
	diags  diag.List
	limits Limits
}

func (d *decoder) pos(n *yaml.Node) diag.Pos { return yamlx.Pos(d.file, n) }

func (d *decoder) errorf(n *yaml.Node, check, format string, args ...any) {
	d.diags = append(d.diags, diag.Diagnostic{
		Pos:      d.pos(n),
		Check:    check,
		Severity: diag.Error,
		Message:  fmt.Sprintf(format, args...),
	})
}

// kind names a node's YAML type for "expected X, got Y" messages.
func kind(n *yaml.Node) string {
	if s := yamlx.Shape(n); s != "" {
		return s
	}
	switch n.Tag {
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	}
	return "a string"
}

type field struct {
	key, val *yaml.Node
}

// fields returns a mapping's key/value pairs, reporting duplicate keys and
// keys not in allowed (with a did-you-mean). where names the mapping in
// messages, e.g. "error_rate.page".
func (d *decoder) fields(n *yaml.Node, where string, allowed []string) ([]field, bool) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "spec/type", "%s: expected a mapping, got %s", where, kind(n))
		return nil, false
	}
	var out []field
	for e := range (yamlx.Schema{Known: allowed}).Entries(n) {
		k := e.Key
		switch e.Problem {
		case yamlx.NotString:
			d.errorf(k, "spec/type", "%s: expected a string key, got %s", where, kind(k))
		case yamlx.Duplicate:
			d.errorf(k, "spec/duplicate", "duplicate field %q in %s", k.Value, where)
		case yamlx.Unknown:
			msg := fmt.Sprintf("unknown field %q in %s", k.Value, where)
			if e.Suggest != "" {
				msg += fmt.Sprintf(", did you mean %q?", e.Suggest)
			} else {
				msg += ", expected one of " + strings.Join(allowed, ", ")
			}
			d.errorf(k, "spec/unknown-field", "%s", msg)
		default:
			out = append(out, field{k, e.Value})
		}
	}
	return out, true
}

func (d *decoder) str(n *yaml.Node, where string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Tag == "!!map" || n.Tag == "!!seq" {
		d.errorf(n, "spec/type", "%s: expected a string, got %s", where, kind(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) nonEmpty(n *yaml.Node, where string) (string, bool) {
	s, ok := d.str(n, where)
	if ok && strings.TrimSpace(s) == "" {
		d.errorf(n, "spec/value", "%s: must not be empty", where)
		return "", false
	}
	return s, ok
}

func (d *decoder) boolean(n *yaml.Node) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, err := strconv.ParseBool(n.Value)
		return b, err == nil
	}
	return false, false
}

func (d *decoder) number(n *yaml.Node, where string) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		d.errorf(n, "spec/type", "%s: expected a number, got %s %q", where, kind(n), n.Value)
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil {
		d.errorf(n, "spec/type", "%s: %q is not a number", where, n.Value)
		return 0, false
	}
	return f, true
}

func (d *decoder) stringMap(n *yaml.Node, where string) (map[string]string, map[string]diag.Pos, bool) {
	fs, ok := d.fields(n, where, nil)
	if !ok {
		return nil, nil, false
	}
	out := map[string]string{}
	pos := map[string]diag.Pos{}
	for _, f := range fs {
		v, ok := d.str(f.val, where+"."+f.key.Value)
		if !ok {
			continue
		}
		out[f.key.Value] = v
		pos[f.key.Value] = d.pos(f.key)
	}
	return out, pos, true
}

func (d *decoder) stringList(n *yaml.Node, where string) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "spec/type", "%s: expected a list, got %s", where, kind(n))
		return nil, false
	}
	out := []string{}
	for _, e := range n.Content {
		s, ok := d.nonEmpty(e, where)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// suggest is yamlx.Suggest: one idea of a likely typo for every command.
func suggest(s string, allowed []string) string { return yamlx.Suggest(s, allowed) }

// merge overlays over onto base: mappings merge key by key (over wins),
// anything else in over replaces base. Nodes keep their own positions, so
// an error in an inherited value points at the defaults block.
func merge(base, over *yaml.Node) *yaml.Node {
	if base == nil {
		return over
	}
	if over == nil {
		return base
	}
	if base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: over.Tag, Line: over.Line, Column: over.Column}
	idx := map[string]int{}
	for i := 0; i+1 < len(base.Content); i += 2 {
		idx[base.Content[i].Value] = len(out.Content)
		out.Content = append(out.Content, base.Content[i], base.Content[i+1])
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		if j, ok := idx[k.Value]; ok {
			out.Content[j] = k
			out.Content[j+1] = merge(out.Content[j+1], v)
			continue
		}
		out.Content = append(out.Content, k, v)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
