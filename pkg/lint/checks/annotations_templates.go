package checks

import (
	"regexp"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// Helpers for what alert label and annotation templates refer to. They look
// only inside {{ … }} actions, so a literal "%" or "$value" in plain text is
// never mistaken for a template reference.

// action is one {{ … }} action of a template, with its byte range in the
// template text (braces included).
type action struct {
	text       string
	start, end int
}

// actions splits a template into its {{ … }} actions. An unterminated
// action runs to the end of the text (the malformed checks report it).
func actions(s string) []action {
	var out []action
	for i := 0; ; {
		j := strings.Index(s[i:], "{{")
		if j < 0 {
			return out
		}
		start := i + j
		k := strings.Index(s[start+2:], "}}")
		end := len(s)
		if k >= 0 {
			end = start + 2 + k + 2
		}
		out = append(out, action{text: s[start:end], start: start, end: end})
		i = end
	}
}

// plainText is the template with every action removed.
func plainText(s string) string {
	var b strings.Builder
	last := 0
	for _, a := range actions(s) {
		b.WriteString(s[last:a.start])
		b.WriteByte(' ')
		last = a.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// labelRef is one reference to an alert label inside a template.
type labelRef struct {
	name       string
	start, end int // byte range of the reference in the template
}

// labelRefRes match the rarer reference forms, .Labels.x and index;
// $labels.x, the common one, is scanned by appendDollarLabels.
var labelRefRes = []*regexp.Regexp{
	regexp.MustCompile(`(?:^|[^A-Za-z0-9_$])\$?\.Labels\.([A-Za-z_][A-Za-z0-9_]*)`),
	regexp.MustCompile(`index\s+(?:\$labels|\$?\.Labels)\s+(?:"([^"]+)"|` + "`([^`]+)`)"),
}

// labelRefLits are literals each match of labelRefRes[i] contains; most
// actions lack them, and a substring search is far cheaper than a regexp
// without a literal prefix.
var labelRefLits = []string{".Labels.", "index"}

// blockKeyword returns the keyword an action opens or closes a block with
// (if, range, with, block, define, else, end), or "".
func blockKeyword(action string) string {
	t, ok := strings.CutPrefix(action, "{{")
	if !ok {
		return ""
	}
	t = strings.TrimPrefix(t, "-")
	t = strings.TrimLeft(t, " \t\n\r\f")
	for _, kw := range []string{"if", "range", "with", "block", "define", "else", "end"} {
		if rest, ok := strings.CutPrefix(t, kw); ok && (rest == "" || !isIdentByte(rest[0])) {
			return kw
		}
	}
	return ""
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// appendDollarLabels appends every $labels.name in text (at offset base
// in the template), in order: what `\$labels\.([A-Za-z_][A-Za-z0-9_]*)`
// matches, without a regexp (one per action was a large part of linting a
// big repository).
func appendDollarLabels(out []labelRef, text string, base int) []labelRef {
	const lit = "$labels."
	for pos := 0; ; {
		i := strings.Index(text[pos:], lit)
		if i < 0 {
			return out
		}
		start := pos + i
		j := start + len(lit)
		if j < len(text) && isIdentByte(text[j]) && !(text[j] >= '0' && text[j] <= '9') {
			k := j + 1
			for k < len(text) && isIdentByte(text[k]) {
				k++
			}
			out = append(out, labelRef{name: text[j:k], start: base + start, end: base + k})
			pos = k
			continue
		}
		pos = start + 1
	}
}

// labelRefs finds every $labels.x, .Labels.x and index $labels "x" in the
// actions of a template. Inside range and with, the dot is rebound (to a
// query result, say), so a bare .Labels there is not the alert's.
func labelRefs(s string) []labelRef {
	if !strings.Contains(s, "abels") {
		return nil // neither $labels nor .Labels: skip the regexps
	}
	var out []labelRef
	var blocks []string // open block keywords
	rebound := func() bool {
		for _, b := range blocks {
			if b == "range" || b == "with" || b == "define" || b == "block" {
				return true
			}
		}
		return false
	}
	for _, a := range actions(s) {
		if kw := blockKeyword(a.text); kw != "" {
			switch kw {
			case "end":
				if len(blocks) > 0 {
					blocks = blocks[:len(blocks)-1]
				}
			case "else":
			default:
				blocks = append(blocks, kw)
			}
		}
		if !strings.Contains(a.text, "abels") {
			continue
		}
		out = appendDollarLabels(out, a.text, a.start)
		for i, re := range labelRefRes {
			if i == 0 && rebound() {
				continue // .Labels is the rebound dot's; $.Labels is rare enough to skip
			}
			if !strings.Contains(a.text, labelRefLits[i]) {
				continue // the literal every match has is missing: skip the regexp
			}
			for _, m := range re.FindAllStringSubmatchIndex(a.text, -1) {
				start := m[0]
				// The .Labels pattern also matched the byte before the dot.
				for start < m[1] && a.text[start] != '$' && a.text[start] != '.' && a.text[start] != 'i' {
					start++
				}
				for g := 2; g+1 < len(m); g += 2 {
					if m[g] >= 0 {
						out = append(out, labelRef{
							name:  a.text[m[g]:m[g+1]],
							start: a.start + start,
							end:   a.start + m[1],
						})
						break
					}
				}
			}
		}
	}
	return out
}

var valueRefRe = regexp.MustCompile(`\$value\b|(?:^|[^A-Za-z0-9_])\$?\.Value\b`)

// valueRef returns the byte range of the first reference to the alert's
// value ($value, .Value) in the actions of a template.
func valueRef(s string) (int, int, bool) {
	for _, a := range actions(s) {
		if m := valueRefRe.FindStringIndex(a.text); m != nil {
			start := a.start + m[0]
			// The alternative with a leading non-identifier byte matched it too.
			for start < a.start+m[1] && s[start] != '$' && s[start] != '.' {
				start++
			}
			return start, a.start + m[1], true
		}
	}
	return 0, 0, false
}

// reportInValue reports a finding covering bytes [start,end) of the value
// of kv (a rule label or annotation).
func reportInValue(p *lint.Pass, r *lint.Rule, kv lint.KV, start, end int, msg, fix string) {
	reportInValueSeverity(p, 0, r, kv, start, end, msg, fix)
}

// reportInValueSeverity is reportInValue at a severity of the check's
// choosing (0 for the check's own), unless the team configured one.
func reportInValueSeverity(p *lint.Pass, sev diag.Severity, r *lint.Rule, kv lint.KV, start, end int, msg, fix string) {
	if set, ok := p.ConfiguredSeverity(); ok {
		sev = set
	}
	f := p.File
	if r.Group != nil && r.Group.Doc != nil && r.Group.Doc.File != nil {
		f = r.Group.Doc.File
	}
	n := kv.Value.Node
	if n == nil || f == nil {
		if sev != 0 {
			p.ReportAtSeverity(sev, r, kv.Key.Node, msg, fix)
		} else {
			p.ReportAt(r, kv.Key.Node, msg, fix)
		}
		return
	}
	d := diag.Diagnostic{
		Pos:      f.ScalarPos(n, start),
		Message:  msg,
		Fix:      fix,
		Rule:     r.Name(),
		Severity: sev,
	}
	if end > start+1 {
		if e := f.ScalarPos(n, end-1); e != d.Pos {
			d.End = e
		}
	}
	if r.Group != nil {
		d.Group = r.Group.Name.Value
	}
	p.Report(d)
}
