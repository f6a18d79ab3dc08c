// Package yamlx is the one YAML front end of the project: the spec, the
// lint configuration, rule files and test files are all decoded through
// it, so the same broken line is reported at the same line:col by every
// command, aliases are expanded under one budget, and unknown, repeated
// and mistyped keys are found by one walker.
//
// It decodes to yaml.v3 nodes and leaves the model to its callers: each
// decoder keeps its own messages and check ids, and asks yamlx only for
// the mechanics that used to be copied between them.
package yamlx

import (
	"bytes"
	"errors"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Parse decodes the first document of src, as yaml.Unmarshal does: the
// document node, nil when src holds no document (Root gives its root). A
// syntax error is a *SyntaxError at the offending line and column.
func Parse(src []byte) (*yaml.Node, error) {
	var doc *yaml.Node
	err := Documents(src, func(n *yaml.Node) bool {
		doc = n
		return false
	})
	return doc, err
}

// Root is the root node of document doc, nil for an empty document.
func Root(doc *yaml.Node) *yaml.Node {
	if doc == nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// Documents calls fn with each document node of src in turn until fn
// returns false. A document that does not parse ends the walk with a
// *SyntaxError.
func Documents(src []byte, fn func(doc *yaml.Node) bool) error {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return Syntax(src, err)
		}
		if !fn(&doc) {
			return nil
		}
	}
}

// Pos is the position of n in file; the file alone when n is nil.
func Pos(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Column: n.Column}
}

// Resolve follows an alias to the node it names.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// IsNull reports whether n is the null scalar (null, ~ or nothing).
func IsNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Shape names what n is for "expected X, got Y" messages when it is no
// value: "a mapping", "a list", "an alias", "a document" or "null". It is
// "" for any other scalar, which each decoder words in its own way (its
// value, its type).
func Shape(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if IsNull(n) {
			return "null"
		}
		return ""
	}
	return "a document"
}

// Walk calls fn on n and every node under it, each once however many
// aliases or shared subtrees lead to it, parents before children.
func Walk(n *yaml.Node, fn func(*yaml.Node)) {
	seen := map[*yaml.Node]bool{}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		fn(n)
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
}

// Get is the value of key in mapping n, nil when n is no mapping or lacks
// the key.
func Get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Val is a value read from a file with the place it was written, so a
// later stage can report a problem with it (an inverted threshold) at the
// user's text. Set tells a value written as the zero value from one left
// out.
type Val[T any] struct {
	V   T
	Pos diag.Pos
	Set bool
}
