package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// Checking generated files before they are written.
//
// Issue 2 asks that every file be re-read the way Prometheus reads it
// before it is written: rulefmt, strictly. rulefmt.Parse decodes a file
// twice (into its structs, then into nodes for positions) and, for every
// label value and annotation of every alerting rule, builds a fresh
// Prometheus template expander and parses the text; that costs about 27 µs
// a string whatever its length, because each expander copies Prometheus's
// whole function map. A spec of a thousand services holds 84,000 such
// strings, of which a third are distinct: 2.3 s of CPU spent proving the
// same strings again.
//
// So a checker runs rulefmt's own steps, with its own types and code, and
// skips only what cannot change the verdict. It decodes once, strictly,
// with the decoder settings rulefmt.Parse uses (the node decode only
// serves error positions); calls rulefmt's Rule.Validate on every rule
// with the PromQL parser; does the group checks of RuleGroups.Validate
// (which takes an unexported argument), except that any group label is
// refused outright (Prometheus 2.42 has none); and leaves out of an alerting
// rule's labels and annotations every (name, value) pair that an earlier
// alerting rule passed, or that plainly passes (plainPair). A pair's
// checks (name and value valid, template parses) depend on the pair
// alone, except as nameDependent says, so the verdict is the same:
// TestCheckerMatchesRulefmt and FuzzCheckerMatchesRulefmt hold it to
// rulefmt.Parse on the corpus, the goldens and fuzzed files. When a file
// fails, rulefmt.Parse runs on it for its exact messages and positions.

// A checker validates rule files as rulefmt.Parse does, remembering the
// label and annotation pairs already proven. It is safe for concurrent
// use; one checker serves all the files of a Render.
type checker struct {
	mu   sync.Mutex
	seen map[pairKey]struct{}
}

// pairKey is a label (kind 'l') or annotation (kind 'a') of an alerting rule.
type pairKey struct {
	kind        byte
	name, value string
}

func newChecker() *checker { return &checker{seen: map[pairKey]struct{}{}} }

// Validate loads rule file content the way Prometheus 2.x and 3.x do:
// rulefmt strictly (unknown fields are errors), legacy name validation
// (so Prometheus 2.42 accepts it), and every expression and template
// through the real parsers.
func Validate(content []byte) error {
	if _, errs := newChecker().check(content); len(errs) > 0 {
		return &BugError{Errs: errs}
	}
	return nil
}

// check is rulefmt.Parse(content, false, model.LegacyValidation, ...),
// plus the one rule Prometheus 2.42 adds: no group labels. It returns the
// groups read.
func (c *checker) check(content []byte) (*rulefmt.RuleGroups, []error) {
	rgs, errs := c.validate(content)
	if len(errs) == 0 {
		return rgs, nil
	}
	// Something is wrong: let rulefmt say what, and where.
	if rerrs := parseErrors(content); len(rerrs) > 0 {
		return nil, rerrs
	}
	return nil, append([]error{errors.New("rulefmt.Parse accepts this file and agentalerts' check of it does not")}, errs...)
}

// parseErrors is rulefmt.Parse's verdict on content, with its messages.
func parseErrors(content []byte) []error {
	p := parser.NewParser(parser.Options{})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	rgs, errs := rulefmt.Parse(content, false, model.LegacyValidation, p, logger)
	if len(errs) == 0 && rgs != nil {
		errs = groupLabelErrors(rgs)
	}
	return errs
}

// validate is check without rulefmt's messages: positions are missing.
func (c *checker) validate(content []byte) (*rulefmt.RuleGroups, []error) {
	var rgs rulefmt.RuleGroups
	dec := yaml.NewDecoder(bytes.NewReader(content))
	dec.KnownFields(true) // rulefmt.Parse's ignoreUnknownFields=false
	if err := dec.Decode(&rgs); err != nil && !errors.Is(err, io.EOF) {
		return nil, []error{err}
	}
	p := parser.NewParser(parser.Options{})
	var errs []error
	names := make(map[string]struct{}, len(rgs.Groups))
	for _, g := range rgs.Groups {
		if g.Name == "" {
			errs = append(errs, errors.New("Groupname must not be empty"))
		}
		if _, dup := names[g.Name]; dup {
			errs = append(errs, fmt.Errorf("groupname: %q is repeated in the same file", g.Name))
		}
		names[g.Name] = struct{}{}
		for i, r := range g.Rules {
			alerting := r.Alert != "" && r.Record == ""
			var newL, newA []pairKey
			if alerting {
				r.Labels, newL = c.unseen('l', r.Labels)
				r.Annotations, newA = c.unseen('a', r.Annotations)
			}
			ws := r.Validate(rulefmt.RuleNode{}, model.LegacyValidation, p)
			for _, w := range ws {
				name := r.Alert
				if name == "" {
					name = r.Record
				}
				errs = append(errs, fmt.Errorf("group %q, rule %d, %q: %w", g.Name, i+1, name, w.Unwrap()))
			}
			if alerting && len(ws) == 0 {
				c.remember(newL, newA)
			}
		}
	}
	// Any group label is refused (rulefmt's checks of their names and
	// values would add nothing to the verdict).
	return &rgs, append(errs, groupLabelErrors(&rgs)...)
}

// unseen returns the pairs of m not yet proven, as a map for
// Rule.Validate and as keys to remember once it passes. m itself, shared
// with the decoded groups, is left alone.
func (c *checker) unseen(kind byte, m map[string]string) (map[string]string, []pairKey) {
	var out map[string]string
	var keys []pairKey
	var rest []pairKey
	for k, v := range m {
		if !plainPair(kind, k, v) {
			rest = append(rest, pairKey{kind, k, v})
		}
	}
	if len(rest) == 0 {
		return nil, nil
	}
	c.mu.Lock()
	for _, key := range rest {
		if _, ok := c.seen[key]; ok {
			continue
		}
		k, v := key.name, key.value
		if out == nil {
			out = make(map[string]string, len(m))
		}
		out[k] = v
		if !nameDependent(v) {
			keys = append(keys, key)
		}
	}
	c.mu.Unlock()
	return out, keys
}

// plainPair says a pair passes every check Rule.Validate makes of it
// without a template parse: rulefmt's name and value checks, made with the
// same functions, pass, and the value holds no "{{". rulefmt parses the
// value after four definitions that end in "}}", and text/template's lexer
// reads everything up to the next "{{" as one text item, so such a value
// is one text node and cannot fail. Most summaries and every plain label
// value are such texts: half of the template parses of a large spec.
func plainPair(kind byte, k, v string) bool {
	if strings.Contains(v, "{{") || !model.LegacyValidation.IsValidLabelName(k) {
		return false
	}
	if kind == 'l' {
		return k != model.MetricNameLabel && model.LabelValue(v).IsValid()
	}
	return true
}

// nameDependent says a template text may pass in one alerting rule and
// fail in another: rulefmt parses it as a template named after the alert,
// and a {{define}} or {{block}} of that very name is a "multiple
// definition". Only those two keywords create templates, and a keyword
// cannot be spelled with escapes, so any other text's verdict depends on
// the text alone.
func nameDependent(v string) bool {
	return strings.Contains(v, "define") || strings.Contains(v, "block")
}

func (c *checker) remember(lists ...[]pairKey) {
	c.mu.Lock()
	for _, l := range lists {
		for _, k := range l {
			c.seen[k] = struct{}{}
		}
	}
	c.mu.Unlock()
}

// groupLabelErrors refuses group labels, which Prometheus 2.42 does not
// know (rulefmt of 3.x accepts them).
func groupLabelErrors(rgs *rulefmt.RuleGroups) []error {
	var errs []error
	for _, g := range rgs.Groups {
		if len(g.Labels) > 0 {
			errs = append(errs, fmt.Errorf("group %s: group labels need Prometheus 3", g.Name))
		}
	}
	return errs
}

// splitValidateMin is the size below which a file is validated whole:
// splitting only pays on large files.
const splitValidateMin = 256 << 10

// validateSplit is check on every core, for a large file as renderFile
// writes it: comment and blank lines, "groups:", then one item per group.
// The file is cut before each group item (a line starting with "  - ",
// which only a group item can: everything inside a group, block scalars
// included, is indented deeper) into pieces of consecutive groups. Each
// piece is checked as "groups:\n" followed by its exact bytes, and group
// names, the one thing rulefmt compares across a file, are compared
// across the pieces here. A file of any other shape is checked whole.
//
// It returns the groups read, in file order, for checkDecoded.
func validateSplit(c *checker, content []byte) ([]rulefmt.RuleGroup, error) {
	whole := func() ([]rulefmt.RuleGroup, error) {
		rgs, errs := c.check(content)
		if len(errs) > 0 {
			return nil, &BugError{Errs: errs}
		}
		if rgs == nil {
			return nil, nil
		}
		return rgs.Groups, nil
	}
	if len(content) < splitValidateMin {
		return whole()
	}
	head := []byte("groups:\n")
	body, cuts, ok := splitPoints(content)
	if !ok {
		return whole()
	}
	pieces := len(cuts) - 1
	groups := make([]*rulefmt.RuleGroups, pieces)
	errs := make([][]error, pieces)
	parallel(pieces, func(i int) {
		piece := make([]byte, 0, len(head)+cuts[i+1]-cuts[i])
		piece = append(append(piece, head...), body[cuts[i]:cuts[i+1]]...)
		groups[i], errs[i] = c.check(piece)
	})
	var all []error
	seen := map[string]bool{}
	for i := range groups {
		all = append(all, errs[i]...)
		if groups[i] == nil {
			continue
		}
		for _, g := range groups[i].Groups {
			if seen[g.Name] {
				all = append(all, fmt.Errorf("group %s: the name is repeated in the same file", g.Name))
			}
			seen[g.Name] = true
		}
	}
	if len(all) > 0 {
		return nil, &BugError{Errs: all}
	}
	var out []rulefmt.RuleGroup
	for _, g := range groups {
		if g != nil {
			out = append(out, g.Groups...)
		}
	}
	return out, nil
}

// splitPoints finds where validateSplit cuts a file: body is what follows
// the "groups:" line, cuts the offsets in body of the first group of each
// piece and then len(body); ok is false for a file not in renderFile's
// layout.
func splitPoints(content []byte) (body []byte, cuts []int, ok bool) {
	at := bytes.Index(content, []byte("\ngroups:\n"))
	if at < 0 {
		return nil, nil, false
	}
	for _, line := range bytes.Split(content[:at], []byte("\n")) {
		if len(line) > 0 && line[0] != '#' {
			return nil, nil, false
		}
	}
	body = content[at+len("\ngroups:\n"):]
	var starts []int
	for off := 0; off < len(body); {
		if !bytes.HasPrefix(body[off:], []byte("  - ")) {
			if len(starts) == 0 {
				return nil, nil, false
			}
		} else {
			starts = append(starts, off)
		}
		nl := bytes.IndexByte(body[off:], '\n')
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	if len(starts) == 0 {
		return nil, nil, false
	}
	// Pieces of about equal size, a few per core so that one slow piece
	// does not leave a core idle.
	n := min(len(starts), 4*runtime.GOMAXPROCS(0))
	target := len(body)/n + 1
	for _, s := range starts {
		if len(cuts) == 0 || s-cuts[len(cuts)-1] >= target {
			cuts = append(cuts, s)
		}
	}
	return body, append(cuts, len(body)), true
}
