package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// sourceFile is one rule file of the source corpus, read once.
type sourceFile struct {
	rel string // slash-separated path under the corpus root
	src []byte
}

// corpus is the assembled copies: copy i (0-based) is dirs[i], holding
// files[i]. Copies are separate directories so a scale k is simply the
// first k of them, passed to every tool as the same paths.
type corpus struct {
	root  string
	dirs  []string
	files [][]string
	// Per copy, identical for every copy.
	filesPerCopy, rulesPerCopy int
	bytesPerCopy               int64
	// Names the renamer could not suffix (block-scalar or multi-line
	// names); they stay duplicated across copies.
	unrenamed int
}

// scaled returns the directories and files of the first k copies.
func (c *corpus) scaled(k int) (dirs, files []string) {
	for i := 0; i < k && i < len(c.dirs); i++ {
		dirs = append(dirs, c.dirs[i])
		files = append(files, c.files[i]...)
	}
	return dirs, files
}

// readSource reads every *.yml and *.yaml under root whose base name is not
// in exclude, in a stable order. Hidden directories are skipped, as lint
// skips them.
func readSource(root string, exclude map[string]bool) ([]sourceFile, error) {
	var out []sourceFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); (ext != ".yml" && ext != ".yaml") || exclude[d.Name()] {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out = append(out, sourceFile{rel: filepath.ToSlash(rel), src: src})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out, err
}

// assemble writes copies of the source files under root/copyNN/, each with
// every alert and record name suffixed by the copy number, so that no two
// copies define the same rule and cross-file checks see as many distinct
// rules as the corpus holds. Everything but the names stays byte for byte,
// so each copy is as hard to lint as the original.
func assemble(root string, src []sourceFile, copies int) (*corpus, error) {
	c := &corpus{root: root, filesPerCopy: len(src)}
	for _, f := range src {
		c.bytesPerCopy += int64(len(f.src))
	}
	for i := 1; i <= copies; i++ {
		dir := filepath.Join(root, fmt.Sprintf("copy%02d", i))
		suffix := fmt.Sprintf("_c%02d", i)
		var files []string
		for _, f := range src {
			out, names, unrenamed, err := renameRules(f.src, suffix)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.rel, err)
			}
			if i == 1 {
				c.rulesPerCopy += names
				c.unrenamed += unrenamed
			}
			p := filepath.Join(dir, filepath.FromSlash(f.rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, out, 0o644); err != nil {
				return nil, err
			}
			files = append(files, p)
		}
		c.dirs = append(c.dirs, dir)
		c.files = append(c.files, files)
	}
	return c, nil
}

// renameRules appends suffix to the value of every alert: and record: key
// of every rule (groups[].rules[]) in every YAML document of src, in place:
// the rest of the file is untouched. It returns the new content, the
// number of rules in the first document (the only one Prometheus loads)
// and how many names it could not rename. A file that
// is not YAML is returned as it is (the linters should see it unchanged).
func renameRules(src []byte, suffix string) (out []byte, rules, unrenamed int, err error) {
	var names []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for i := 0; ; i++ {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if !errors.Is(err, io.EOF) {
				return src, rules, unrenamed, nil
			}
			break
		}
		for _, rule := range ruleNodes(&doc) {
			if i == 0 {
				rules++
			}
			for _, key := range []string{"alert", "record"} {
				if v := lint.MapGet(rule, key); v != nil && v.Kind == yaml.ScalarNode {
					names = append(names, v)
				}
			}
		}
	}
	lines := lineStarts(src)
	var ends []int
	for _, n := range names {
		end, ok := scalarEnd(src, lines, n)
		if !ok {
			unrenamed++
			continue
		}
		ends = append(ends, end)
	}
	sort.Ints(ends)
	out = make([]byte, 0, len(src)+len(ends)*len(suffix))
	last := 0
	for _, at := range ends {
		out = append(out, src[last:at]...)
		out = append(out, suffix...)
		last = at
	}
	out = append(out, src[last:]...)
	return out, rules, unrenamed, nil
}

// ruleNodes returns the mappings at groups[].rules[] of a rule-file
// document, the shape Prometheus loads.
func ruleNodes(doc *yaml.Node) []*yaml.Node {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	groups := lint.MapGet(root, "groups")
	if groups == nil || groups.Kind != yaml.SequenceNode {
		return nil
	}
	var out []*yaml.Node
	for _, g := range groups.Content {
		rules := lint.MapGet(g, "rules")
		if rules == nil || rules.Kind != yaml.SequenceNode {
			continue
		}
		for _, r := range rules.Content {
			if r.Kind == yaml.MappingNode {
				out = append(out, r)
			}
		}
	}
	return out
}

// lineStarts returns the byte offset at which each line begins.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// scalarEnd returns the byte offset just after the text of a single-line
// scalar's value: after the last character of a plain scalar, before the
// closing quote of a quoted one. Block scalars and scalars spanning lines
// are not handled (ok false).
func scalarEnd(src []byte, lines []int, n *yaml.Node) (int, bool) {
	if n.Line < 1 || n.Line > len(lines) || n.Column < 1 {
		return 0, false
	}
	// yaml.v3 columns count characters, not bytes.
	start := lines[n.Line-1]
	for c := 1; c < n.Column; c++ {
		if start >= len(src) {
			return 0, false
		}
		_, size := utf8.DecodeRune(src[start:])
		start += size
	}
	lineEnd := len(src)
	if n.Line < len(lines) {
		lineEnd = lines[n.Line] - 1
	}
	text := src[start:lineEnd]
	// The node starts at its anchor or tag, if it has them (&name !!str x).
	for len(text) > 0 && (text[0] == '&' || text[0] == '!') {
		i := bytes.IndexAny(text, " \t")
		if i < 0 {
			return 0, false
		}
		skip := i
		for skip < len(text) && (text[skip] == ' ' || text[skip] == '\t') {
			skip++
		}
		start += skip
		text = text[skip:]
	}
	switch n.Style &^ yaml.TaggedStyle {
	case 0:
		// A plain scalar's text is its value when it fits on one line.
		if !bytes.HasPrefix(text, []byte(n.Value)) || n.Value == "" {
			return 0, false
		}
		return start + len(n.Value), true
	case yaml.DoubleQuotedStyle:
		for i := 1; i < len(text); i++ {
			switch text[i] {
			case '\\':
				i++
			case '"':
				return start + i, true
			}
		}
	case yaml.SingleQuotedStyle:
		for i := 1; i < len(text); i++ {
			if text[i] == '\'' {
				if i+1 < len(text) && text[i+1] == '\'' {
					i++
					continue
				}
				return start + i, true
			}
		}
	}
	return 0, false
}

// rulesIn counts the rules of a file's first document, as Prometheus
// loads it; 0 when the file cannot be read or decoded.
func rulesIn(path string) int {
	src, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var doc yaml.Node
	if yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc) != nil {
		return 0
	}
	return len(ruleNodes(&doc))
}
