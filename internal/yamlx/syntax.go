package yamlx

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// SyntaxError is YAML that does not parse, placed at the line and column
// of the offending text rather than where yaml.v3 says the enclosing
// construct starts.
type SyntaxError struct {
	Line, Column int
	// Msg is yaml.v3's description without its "yaml: line N: " prefix,
	// or a plainer one where yaml.v3's says nothing useful.
	Msg string
	// TooDeep marks the decoder's nesting limit: hostile input, not a
	// typo, which callers refuse as a limit.
	TooDeep bool
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
}

// Diagnostic reports err, an error of Parse or Documents, as an error of
// check at its place in file, worded "invalid YAML: ..." as generate and
// test word it.
func Diagnostic(file, check string, err error) diag.Diagnostic {
	d := diag.Diagnostic{Pos: diag.Pos{File: file}, Check: check, Severity: diag.Error, Message: "invalid YAML: " + err.Error()}
	var se *SyntaxError
	if errors.As(err, &se) {
		d.Pos.Line, d.Pos.Column, d.Message = se.Line, se.Column, "invalid YAML: "+se.Msg
	}
	return d
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserErrors are yaml.v3 messages from its parser (as opposed to its
// scanner); for those it prints the 0-based line of the construct.
var parserErrors = []string{
	"did not find expected <document start>", "did not find expected node content",
	"did not find expected key", "did not find expected '-' indicator",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
}

// Syntax places err, an error yaml.v3 returned while parsing src, at a
// line and column of src. yaml.v3 prints only a line, and for parser
// errors the 0-based line where the enclosing construct starts; Syntax
// corrects the base and, where the cause can be found in the text (a tab
// in the indentation, a control character, a line dedented out of a
// list), moves the position onto it.
func Syntax(src []byte, err error) *SyntaxError {
	t := newText(src)
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		for _, p := range parserErrors {
			if strings.HasPrefix(msg, p) {
				line++
				break
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	line = max(min(line, t.count()), 1)
	for line > 1 && len(bytes.TrimSpace(t.line(line))) == 0 {
		line-- // a problem "at" a trailing blank line belongs to the text above
	}
	line, col := t.refine(msg, line)
	if slices.ContainsFunc(parserErrors, func(p string) bool { return strings.HasPrefix(msg, p) }) {
		if l, ok := t.failingLine(err, line); ok && l != line {
			line, col = l, t.firstColumn(l)
		}
	}
	if msg == "control characters are not allowed" {
		// yaml.v3 gives no position for this one: find the character.
		if l, c, ch, ok := firstControl(src); ok {
			line, col = l, c
			msg = fmt.Sprintf("control character %U is not allowed (YAML allows tab, line breaks and printable characters)", ch)
		}
	}
	return &SyntaxError{Line: line, Column: col, Msg: msg, TooDeep: strings.Contains(msg, "exceeded max depth")}
}

// text indexes the lines of a source.
type text struct {
	src   []byte
	lines []int // byte offset at which each line starts
}

func newText(src []byte) text {
	lines := []int{0}
	for i, c := range src {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	return text{src, lines}
}

func (t text) count() int { return len(t.lines) }

// line is the text of 1-based line l without its line break.
func (t text) line(l int) []byte {
	if l < 1 || l > len(t.lines) {
		return nil
	}
	s := t.src[t.lines[l-1]:]
	if i := bytes.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return bytes.TrimSuffix(s, []byte("\r"))
}

// firstColumn is the column of the first character of line l that is not
// indentation.
func (t text) firstColumn(l int) int {
	s := t.line(l)
	return len(s) - len(bytes.TrimLeft(s, " \t")) + 1
}

// maxRetryBytes bounds the bytes failingLine parses in all: it re-parses
// prefixes of a file that does not parse, which must not multiply the
// cost of a large hostile one.
const maxRetryBytes = 4 << 20

// failingLine finds the line on which yaml.v3's parser fails, where its
// message names only the construct the failure is in (line from): the
// shortest prefix of whole lines that fails with the very error err. The
// parser reads forward, so every longer prefix fails the same way, and a
// shorter one parses or fails otherwise (cut inside a flow list or a
// quoted string); the prefixes grow from the construct's line, as the
// failure is usually close, then halve.
func (t text) failingLine(err error, from int) (int, bool) {
	budget := maxRetryBytes
	same := func(lines int) (bool, bool) {
		end := len(t.src)
		if lines < len(t.lines) {
			end = t.lines[lines]
		}
		if budget -= end; budget < 0 {
			return false, false
		}
		dec := yaml.NewDecoder(bytes.NewReader(t.src[:end]))
		for {
			var n yaml.Node
			e := dec.Decode(&n)
			if e == nil {
				continue
			}
			return e.Error() == err.Error(), true
		}
	}
	lo, hi := from-1, from // lo: fails otherwise or not at all; hi: to try
	for {
		if hi >= t.count() {
			hi = t.count() // the whole text fails with err
			break
		}
		ok, within := same(hi)
		if !within {
			return 0, false
		}
		if ok {
			break
		}
		lo, hi = hi, hi+2*(hi-lo)
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, within := same(mid)
		if !within {
			return 0, false
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	for hi > 1 && len(bytes.TrimSpace(t.line(hi))) == 0 {
		hi-- // the end of the text, after trailing blank lines
	}
	return hi, true
}

// refine moves a syntax error from the construct yaml.v3 names (where the
// enclosing list or mapping starts) to the offending line, for the errors
// whose cause can be found from the text: a tab in the indentation, and a
// line dedented to a list's column without "- ".
func (t text) refine(msg string, line int) (int, int) {
	indent := func(l int) (int, []byte) {
		s := t.line(l)
		return len(s) - len(bytes.TrimLeft(s, " ")), s
	}
	switch {
	case strings.HasPrefix(msg, "found a tab character"), strings.HasPrefix(msg, "found character that cannot start any token"):
		for l := line; l <= min(line+3, t.count()); l++ {
			if n, s := indent(l); n < len(s) && s[n] == '\t' {
				return l, n + 1
			}
		}
	case strings.HasPrefix(msg, "did not find expected '-' indicator"):
		want, s := indent(line)
		if want < len(s) && s[want] == '-' {
			rest := s[want+1:]
			itemIndent := want + 1 + len(rest) - len(bytes.TrimLeft(rest, " "))
			for l := line + 1; l <= t.count(); l++ {
				n, s := indent(l)
				body := bytes.TrimSpace(s)
				if len(body) == 0 || body[0] == '#' {
					continue
				}
				if n > want && n < itemIndent {
					return l, n + 1 // between the "-" and the item's keys
				}
				if n > want {
					continue
				}
				if n == want && body[0] != '-' {
					return l, n + 1
				}
				break
			}
		}
	}
	return line, t.firstColumn(line)
}

// firstControl finds the first character of src that YAML's reader
// refuses (yaml.v3's own test: not tab, line feed, carriage return, NEL
// or a printable character), as a 1-based line and column in characters.
func firstControl(src []byte) (line, col int, ch rune, ok bool) {
	line, start := 1, 0
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == '\n' {
			line, start = line+1, i+1
		} else if !(r == 0x09 || r == 0x0D || r >= 0x20 && r <= 0x7E || r == 0x85 || r >= 0xA0 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) || r == utf8.RuneError && size <= 1 {
			return line, utf8.RuneCount(src[start:i]) + 1, r, true
		}
		i += size
	}
	return 0, 0, 0, false
}
