package rules

import (
	"bytes"
	"fmt"
	"maps"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/templates"
)

// Writing rule files.
//
// yaml.v3's encoder decides every scalar's style by analysing it byte by
// byte through an event pipeline; on a spec of a thousand services that is
// most of a second. Almost every scalar a rule file holds is a name, a
// PromQL expression or an annotation sentence, whose style is easy to
// decide, so emitFile writes those directly and hands anything else to
// yaml.v3 itself: a whole rule when one of its values is not obviously
// plain, single-quoted or a literal block, the whole file when a header
// line or group name is unusual. The bytes are yaml.v3's either way
// (TestEmitMatchesYAMLv3, FuzzEmitScalar), and Render re-reads every file
// with rulefmt and compares what it decodes with what was meant
// (checkDecoded), so a mistake here is caught before anything is written.

// encodeYAML is the reference writer: yaml.v3 over a node tree.
func encodeYAML(svcs []*ServiceRules, head string) ([]byte, error) {
	groups := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range svcs {
		for _, g := range s.Groups {
			rules := &yaml.Node{Kind: yaml.SequenceNode}
			for _, r := range g.Records {
				rules.Content = append(rules.Content, recordNode(r))
			}
			for _, a := range g.Alerts {
				rules.Content = append(rules.Content, alertNode(a))
			}
			groups.Content = append(groups.Content, mapping("name", str(g.Name), "rules", rules))
		}
	}
	root := mapping("groups", groups)
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: head, Content: []*yaml.Node{root}}
	return encodeNode(doc)
}

func encodeNode(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("bug: encoding rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("bug: encoding rules: %w", err)
	}
	return buf.Bytes(), nil
}

// emitFile writes the file encodeYAML writes, faster; ok is false when the
// header or a group name needs yaml.v3, and then nothing was written.
func emitFile(svcs []*ServiceRules, head string) (out []byte, ok bool, err error) {
	var b bytes.Buffer
	for _, line := range strings.Split(head, "\n") {
		if line == "" || line[0] == '#' || !printableASCII(line) || strings.HasSuffix(line, " ") {
			return nil, false, nil
		}
		b.WriteString("# " + line + "\n")
	}
	b.WriteString("\ngroups:\n")
	var groups []*Group
	for _, s := range svcs {
		for i := range s.Groups {
			groups = append(groups, &s.Groups[i])
		}
	}
	if len(groups) == 0 {
		return nil, false, nil // yaml.v3 writes "groups: []"
	}
	// Groups are written on every core: a spec of a thousand services
	// is megabytes of rules.
	parts := make([][]byte, len(groups))
	oks := make([]bool, len(groups))
	errs := make([]error, len(groups))
	parallel(len(groups), func(i int) {
		parts[i], oks[i], errs[i] = emitGroup(groups[i])
	})
	size := b.Len()
	for i := range groups {
		if errs[i] != nil {
			return nil, false, errs[i]
		}
		if !oks[i] {
			return nil, false, nil
		}
		size += len(parts[i])
	}
	b.Grow(size - b.Len())
	for _, p := range parts {
		b.Write(p)
	}
	return b.Bytes(), true, nil
}

// emitGroup writes one item of the groups list; ok is false when it needs
// yaml.v3.
func emitGroup(g *Group) (out []byte, ok bool, err error) {
	name, ok := scalarText(g.Name, false)
	if !ok {
		return nil, false, nil
	}
	if len(g.Alerts) == 0 && len(g.Records) == 0 {
		return nil, false, nil // yaml.v3 writes "rules: []"
	}
	var b bytes.Buffer
	b.WriteString("  - name: " + name + "\n    rules:\n")
	for _, r := range g.Records {
		if err := emitRecord(&b, r); err != nil {
			return nil, false, err
		}
	}
	for _, a := range g.Alerts {
		if err := emitAlert(&b, a); err != nil {
			return nil, false, err
		}
	}
	return b.Bytes(), true, nil
}

// emitRecord writes one recording rule as an item of a group's rules
// list, falling back to yaml.v3 like emitAlert.
func emitRecord(b *bytes.Buffer, r *Record) error {
	if emitRecordFast(b, r) {
		return nil
	}
	return indentItem(b, recordNode(r))
}

func emitRecordFast(b *bytes.Buffer, r *Record) bool {
	start := b.Len()
	fail := func() bool { b.Truncate(start); return false }
	name, ok := scalarText(r.Name, false)
	if !ok {
		return fail()
	}
	b.WriteString("      - record: " + name + "\n        expr: ")
	if strings.Contains(r.Expr, "\n") {
		if !literalBlock(b, r.Expr, "          ") {
			return fail()
		}
	} else {
		expr, ok := scalarText(r.Expr, false)
		if !ok {
			return fail()
		}
		b.WriteString(expr + "\n")
	}
	if len(r.Labels) == 0 {
		return true
	}
	b.WriteString("        labels:\n")
	for _, k := range templates.SortedKeys(r.Labels) {
		key, ok := scalarText(k, true)
		if !ok {
			return fail()
		}
		v, ok := scalarText(r.Labels[k], false)
		if !ok {
			return fail()
		}
		b.WriteString("          " + key + ": " + v + "\n")
	}
	return true
}

// emitAlert writes one rule as an item of a group's rules list.
func emitAlert(b *bytes.Buffer, a *Alert) error {
	if emitAlertFast(b, a) {
		return nil
	}
	// One value yaml.v3 must style: let it write the whole rule, as the
	// only item of a list, and indent that to the rule's place. Indenting
	// every line alike keeps any block scalar's meaning, and yaml.v3 never
	// wraps lines here.
	return indentItem(b, alertNode(a))
}

// indentItem writes n with yaml.v3 as the only item of a list, indented
// to a rule's place.
func indentItem(b *bytes.Buffer, n *yaml.Node) error {
	item, err := encodeNode(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}})
	if err != nil {
		return err
	}
	for _, line := range bytes.SplitAfter(item, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if len(line) > 1 {
			b.WriteString("      ")
		}
		b.Write(line)
	}
	return nil
}

func emitAlertFast(b *bytes.Buffer, a *Alert) bool {
	start := b.Len()
	fail := func() bool { b.Truncate(start); return false }
	name, ok := scalarText(a.Name, false)
	if !ok {
		return fail()
	}
	b.WriteString("      - alert: " + name + "\n        expr: ")
	if strings.Contains(a.Expr, "\n") {
		if !literalBlock(b, a.Expr, "          ") {
			return fail()
		}
	} else {
		expr, ok := scalarText(a.Expr, false)
		if !ok {
			return fail()
		}
		b.WriteString(expr + "\n")
	}
	b.WriteString("        for: " + templates.Duration(a.For) + "\n")
	if a.KeepFiringFor > 0 {
		b.WriteString("        keep_firing_for: " + templates.Duration(a.KeepFiringFor) + "\n")
	}
	b.WriteString("        labels:")
	if len(a.Labels) == 0 {
		b.WriteString(" {}")
	}
	b.WriteString("\n")
	for _, k := range templates.SortedKeys(a.Labels) {
		key, ok := scalarText(k, true)
		if !ok {
			return fail()
		}
		v, ok := scalarText(a.Labels[k], false)
		if !ok {
			return fail()
		}
		b.WriteString("          " + key + ": " + v + "\n")
	}
	b.WriteString("        annotations:\n")
	for _, k := range annotationKeys {
		v, ok := scalarText(a.Annotations[k], false)
		if !ok {
			return fail()
		}
		b.WriteString("          " + k + ": " + v + "\n")
	}
	return true
}

// scalarText is s as yaml.v3 writes a !!str scalar in block context, when
// that is plain or single-quoted and easy to be sure of; ok is false for
// anything else (numbers and words YAML reads as another type, leading or
// trailing spaces, non-ASCII, control characters, long keys).
func scalarText(s string, key bool) (string, bool) {
	if s == "" || !printableASCII(s) || s[0] == ' ' || s[len(s)-1] == ' ' {
		return "", false
	}
	if key && len(s) > 100 {
		return "", false // yaml.v3 writes a long key in "? key" form
	}
	switch s[0] {
	case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-', '.', '~', '<':
		return "", false // maybe a number, a date, .inf, null or a merge key
	}
	if otherTypeWords[strings.ToLower(s)] {
		return "", false
	}
	blockIndicator := strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":")
	switch {
	case isPlainStart(s[0]) && !blockIndicator:
		return s, true
	case isPlainStart(s[0]) || strings.IndexByte("#,[]{}&*!|>'\"%@`", s[0]) >= 0:
		// Plain is not allowed, single quotes are (printable, no
		// line break, no leading or trailing space).
		return "'" + strings.ReplaceAll(s, "'", "''") + "'", true
	}
	return "", false
}

// otherTypeWords are the plain words YAML 1.1 or 1.2 reads as a boolean or
// null; yaml.v3 quotes some of them, and which is its business.
var otherTypeWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true,
}

// isPlainStart says whether a plain scalar may start with c: a letter,
// digit (excluded earlier), '_', '$', '(' or '/' is never an indicator.
func isPlainStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c == '(' || c == '/'
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// literalBlock writes s as a "|-" block indented by indent, when yaml.v3
// would: no final newline, no leading space or blank first line, no space
// before a line break, printable ASCII.
func literalBlock(b *bytes.Buffer, s, indent string) bool {
	lines := strings.Split(s, "\n")
	if lines[0] == "" || lines[0][0] == ' ' || lines[len(lines)-1] == "" {
		return false
	}
	for _, l := range lines {
		if !printableASCII(l) || strings.HasSuffix(l, " ") {
			return false
		}
	}
	b.WriteString("|-\n")
	for _, l := range lines {
		if l != "" {
			b.WriteString(indent + l)
		}
		b.WriteString("\n")
	}
	return true
}

// checkDecoded compares the groups rulefmt read back with the ones meant:
// a file Prometheus accepts but that says something else is as much a bug
// as one it refuses.
func checkDecoded(got []rulefmt.RuleGroup, svcs []*ServiceRules) error {
	var want []Group
	for _, s := range svcs {
		want = append(want, s.Groups...)
	}
	if len(got) != len(want) {
		return &BugError{Errs: []error{fmt.Errorf("wrote %d groups, read back %d", len(want), len(got))}}
	}
	for i, g := range want {
		if got[i].Name != g.Name || len(got[i].Rules) != len(g.Records)+len(g.Alerts) {
			return &BugError{Errs: []error{fmt.Errorf("group %s: read back as %q with %d rules, want %d", g.Name, got[i].Name, len(got[i].Rules), len(g.Records)+len(g.Alerts))}}
		}
		for j, rec := range g.Records {
			r := got[i].Rules[j]
			if r.Record != rec.Name || r.Alert != "" || r.Expr != rec.Expr || !maps.Equal(r.Labels, rec.Labels) {
				return &BugError{Errs: []error{fmt.Errorf("group %s, record %s: the rule read back differs from the rule written", g.Name, rec.Name)}}
			}
		}
		for j, a := range g.Alerts {
			r := got[i].Rules[len(g.Records)+j]
			ann := make(map[string]string, len(annotationKeys))
			for _, k := range annotationKeys {
				ann[k] = a.Annotations[k]
			}
			if r.Alert != a.Name || r.Expr != a.Expr || r.Record != "" ||
				r.For != model.Duration(a.For) || r.KeepFiringFor != model.Duration(a.KeepFiringFor) ||
				!maps.Equal(r.Labels, a.Labels) || !maps.Equal(r.Annotations, ann) {
				return &BugError{Errs: []error{fmt.Errorf("group %s, alert %s: the rule read back differs from the rule written", g.Name, a.Name)}}
			}
		}
	}
	return nil
}
