package lint

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

var directiveMarker = []byte("agentalerts")

// directives finds every `# agentalerts ...` comment, parses it, and ties
// each disable directive to the rule it is on or directly above.
func (r *reader) directives() {
	src := r.f.Source
	if !bytes.Contains(src, directiveMarker) {
		return // the common case, at the cost of one scan
	}
	spans := r.ruleSpans()
	for line := 1; line <= len(r.m.lines); line++ {
		text := r.m.lineText(line)
		i := commentStart(text)
		if i < 0 {
			continue
		}
		body := strings.TrimSpace(string(text[i+1:]))
		rest, ok := strings.CutPrefix(body, "agentalerts")
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		col := 1 + len([]rune(string(text[:i])))
		// A further " #" starts a note about the directive, not part of it.
		if j := strings.Index(rest, " #"); j >= 0 {
			rest = rest[:j]
		}
		d, err := parseDirective(strings.TrimSpace(rest))
		if err != "" {
			r.diags = append(r.diags, diag.Diagnostic{
				Pos:      diag.Pos{File: r.f.Path, Line: line, Column: col},
				Check:    IDDirectiveSyntax,
				Severity: diag.Warning,
				Message:  err,
				Fix:      "write # agentalerts disable=ID[,ID] reason, or # agentalerts file-disable=ID[,ID] reason",
			})
			continue
		}
		d.Line, d.Column = line, col
		if d.File {
			for _, id := range d.IDs {
				if _, dup := r.f.Disabled[id]; !dup {
					r.f.Disabled[id] = d
				}
			}
		} else if sp := spans.ruleFor(line, r.m); sp != nil {
			d.Rule, d.RuleName = sp.rule, sp.rule.Name()
			d.ruleStart, d.ruleEnd = sp.start, sp.end
		}
		r.f.Directives = append(r.f.Directives, d)
	}
}

// parseDirective reads what follows "# agentalerts"; it returns a message
// when the text is not a directive we understand.
func parseDirective(s string) (*Directive, string) {
	verb, rest, _ := strings.Cut(s, "=")
	d := &Directive{}
	switch verb {
	case "disable":
	case "file-disable":
		d.File = true
	default:
		if s == "" {
			return nil, "empty agentalerts directive"
		}
		return nil, fmt.Sprintf("unknown agentalerts directive %q; expected disable= or file-disable=", strings.Fields(s)[0])
	}
	ids, reason, _ := strings.Cut(rest, " ")
	for _, id := range strings.Split(ids, ",") {
		if id = strings.TrimSpace(id); id != "" {
			d.IDs = append(d.IDs, id)
		}
	}
	if len(d.IDs) == 0 {
		return nil, fmt.Sprintf("%s= names no check id", verb)
	}
	d.Reason = strings.TrimSpace(reason)
	return d, ""
}

// commentStart returns the index of the '#' that starts a comment on a
// line: at its start or after a blank. It ignores '#' inside quotes well
// enough for directive lines, which are rare and simple.
func commentStart(text []byte) int {
	var quote byte
	for i, c := range text {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			if i == 0 || text[i-1] == ' ' || text[i-1] == ':' || text[i-1] == '[' || text[i-1] == '{' || text[i-1] == ',' {
				quote = c
			}
		case c == '#' && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t'):
			return i
		}
	}
	return -1
}

type ruleSpan struct {
	start, end int
	rule       *Rule
}

type ruleSpans []ruleSpan

// ruleSpans lists the lines each rule of the file covers, in file order.
func (r *reader) ruleSpans() ruleSpans {
	var spans ruleSpans
	for _, d := range r.f.Docs {
		for _, g := range d.Groups {
			for _, rl := range g.Rules {
				end := lastLine(rl.Node)
				for _, s := range rl.Expr.segs {
					end = max(end, int(s.line))
				}
				spans = append(spans, ruleSpan{start: rl.Node.Line, end: end, rule: rl})
			}
		}
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	return spans
}

// ruleFor returns the rule a disable comment on line applies to: the rule
// whose lines include it, else the rule that starts after it with nothing
// but comments, blank lines or a lone "-" in between.
func (s ruleSpans) ruleFor(line int, m *srcMap) *ruleSpan {
	i := sort.Search(len(s), func(i int) bool { return s[i].start > line })
	if i > 0 && line <= s[i-1].end {
		return &s[i-1]
	}
	if i < len(s) {
		for l := line + 1; l < s[i].start; l++ {
			t := strings.TrimSpace(string(m.lineText(l)))
			if t != "" && t != "-" && !strings.HasPrefix(t, "#") {
				return nil
			}
		}
		return &s[i]
	}
	return nil
}

// lastLine is the last line a node's text reaches.
func lastLine(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	n = resolve(n)
	end := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		body := strings.TrimRight(n.Value, "\n")
		end += strings.Count(body, "\n")
		if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			end++ // the content starts below the | or > header
		}
	}
	for _, c := range n.Content {
		end = max(end, lastLine(c))
	}
	return end
}
