package main

import (
	"bytes"
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/rules"
)

// manyServices returns a spec of n services, each a copy of the first
// service of the built-in example (every family it enables, its defaults)
// under its own name and job. Built from the example rather than written
// here, so it follows the spec as the spec changes.
func manyServices(n int) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(rules.ExampleSpec(), &doc); err != nil {
		return nil, fmt.Errorf("example spec: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("example spec: empty")
	}
	root := doc.Content[0]
	services := lint.MapGet(root, "services")
	if services == nil || services.Kind != yaml.SequenceNode || len(services.Content) == 0 {
		return nil, errors.New("example spec: no services")
	}
	proto := services.Content[0]
	name, job := lint.MapGet(proto, "name"), lint.MapGet(proto, "job")
	if name == nil || job == nil {
		return nil, errors.New("example spec: first service has no name or job")
	}
	baseName, baseJob := name.Value, job.Value
	services.Content = services.Content[:0]
	for i := 1; i <= n; i++ {
		name.Value = fmt.Sprintf("%s-%04d", baseName, i)
		job.Value = fmt.Sprintf("%s-%04d", baseJob, i)
		services.Content = append(services.Content, clone(proto))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(stripComments(&doc)); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// clone copies a node tree without its comments (the example's comments,
// repeated a thousand times, would only pad the spec).
func clone(n *yaml.Node) *yaml.Node {
	c := *n
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = clone(k)
	}
	return &c
}

func stripComments(n *yaml.Node) *yaml.Node {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, k := range n.Content {
		stripComments(k)
	}
	return n
}
