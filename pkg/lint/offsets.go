package lint

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// srcMap converts between byte offsets of a file and 1-based line and
// rune column, the unit yaml.v3 reports columns in.
type srcMap struct {
	src   []byte
	lines []int // byte offset at which each line starts
}

func newSrcMap(src []byte) *srcMap {
	lines := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	for i, c := range src {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	return &srcMap{src: src, lines: lines}
}

// offset returns the byte offset of 1-based line and rune column, or -1.
func (m *srcMap) offset(line, col int) int {
	if line < 1 || line > len(m.lines) || col < 1 {
		return -1
	}
	j := m.lines[line-1]
	for n := 1; n < col; n++ {
		if j >= len(m.src) || m.src[j] == '\n' {
			return -1
		}
		_, w := utf8.DecodeRune(m.src[j:])
		j += w
	}
	return j
}

// lineCol returns the 1-based line and rune column of byte offset j.
func (m *srcMap) lineCol(j int) (int, int) {
	l := sort.Search(len(m.lines), func(i int) bool { return m.lines[i] > j }) - 1
	if l < 0 {
		l = 0
	}
	start := m.lines[l]
	if j > len(m.src) {
		j = len(m.src)
	}
	return l + 1, utf8.RuneCount(m.src[start:j]) + 1
}

// lineText returns the text of 1-based line without its line break.
func (m *srcMap) lineText(line int) []byte {
	if line < 1 || line > len(m.lines) {
		return nil
	}
	start := m.lines[line-1]
	end := len(m.src)
	if line < len(m.lines) {
		end = m.lines[line] - 1
	}
	return bytes.TrimSuffix(m.src[start:end], []byte{'\r'})
}

// segBuilder records where each byte of a scalar's value came from.
type segBuilder struct {
	m            *srcMap
	segs         []seg
	lastI, lastJ int
	copying      bool
}

// copy records that value byte i is source byte j, verbatim.
func (b *segBuilder) copy(i, j int) {
	if b.copying && i == b.lastI+1 && j == b.lastJ+1 && b.m.src[b.lastJ] != '\n' {
		b.lastI, b.lastJ = i, j
		return
	}
	b.add(i, j)
	b.copying = true
	b.lastI, b.lastJ = i, j
}

// point records that value byte i stands for source byte j without being a
// copy of it: an escape sequence, a folded line break, a doubled quote.
func (b *segBuilder) point(i, j int) {
	b.add(i, j)
	b.copying = false
}

func (b *segBuilder) add(i, j int) {
	if n := len(b.segs); n > 0 && int(b.segs[n-1].off) == i {
		return // a byte already placed keeps its first position
	}
	l, c := b.m.lineCol(j)
	b.segs = append(b.segs, seg{off: int32(i), line: int32(l), col: int32(c)})
}

// mapScalar returns the segments that place every byte of scalar node n's
// value in the source, or nil when the source cannot be matched against
// the value (PosAt then falls back to the node position). Matching the
// known value against the text, instead of re-implementing YAML's scalar
// grammar, keeps this short and makes a wrong guess fail safe.
func mapScalar(m *srcMap, n *yaml.Node) []seg {
	if n == nil || n.Kind != yaml.ScalarNode || n.Value == "" {
		return nil
	}
	s := m.offset(n.Line, n.Column)
	if s < 0 {
		return nil
	}
	s = skipProperties(m.src, s)
	b := &segBuilder{m: m}
	var ok bool
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		ok = mapBlock(b, s, n.Value)
	case n.Style&yaml.DoubleQuotedStyle != 0:
		ok = mapFlow(b, s, n.Value, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		ok = mapFlow(b, s, n.Value, '\'')
	default:
		ok = mapFlow(b, s, n.Value, 0)
	}
	if !ok {
		return nil
	}
	return b.segs
}

// skipProperties steps over a node's tag (!!str) and anchor (&a), which
// yaml.v3 may include in the node position.
func skipProperties(src []byte, j int) int {
	for j < len(src) && (src[j] == '!' || src[j] == '&') {
		for j < len(src) && src[j] != ' ' && src[j] != '\t' && src[j] != '\n' {
			j++
		}
		for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
			j++
		}
	}
	return j
}

// mapFlow maps a plain (quote 0), single- or double-quoted scalar that
// starts at source byte s.
func mapFlow(b *segBuilder, s int, v string, quote byte) bool {
	src := b.m.src
	j := s
	if quote != 0 {
		if j >= len(src) || src[j] != quote {
			return false
		}
		j++
	}
	i := 0
	for i < len(v) {
		if j >= len(src) {
			return false
		}
		c := src[j]
		switch {
		case quote == '"' && c == '\\':
			if j+1 >= len(src) {
				return false
			}
			e := src[j+1]
			if e == '\n' || e == '\r' { // escaped line break: joins lines, no character
				j += 2
				if e == '\r' && j < len(src) && src[j] == '\n' {
					j++
				}
				for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
					j++
				}
				continue
			}
			r, n, ok := unescape(src[j+1:])
			if !ok {
				return false
			}
			w := utf8.RuneLen(r)
			if w < 0 {
				w = 1
			}
			if i+w > len(v) {
				return false
			}
			b.point(i, j)
			i += w
			j += 1 + n
		case quote == '\'' && c == '\'':
			if j+1 < len(src) && src[j+1] == '\'' && v[i] == '\'' {
				b.point(i, j)
				i++
				j += 2
				continue
			}
			return false
		case c == '\n' || c == '\r' || ((c == ' ' || c == '\t') && v[i] != c):
			// A line fold: trailing blanks, one or more breaks, leading
			// blanks. One break reads as a space, n breaks as n-1 newlines.
			k, breaks, first := j, 0, -1
			for k < len(src) {
				switch src[k] {
				case ' ', '\t', '\r':
					k++
					continue
				case '\n':
					if first < 0 {
						first = k
					}
					breaks++
					k++
					continue
				}
				break
			}
			if breaks == 0 {
				return false
			}
			want, n := byte(' '), 1
			if breaks > 1 {
				want, n = '\n', breaks-1
			}
			for ; n > 0 && i < len(v) && v[i] == want; n-- {
				b.point(i, first)
				i++
			}
			j = k
		default:
			if c != v[i] {
				return false
			}
			b.copy(i, j)
			i++
			j++
		}
	}
	return true
}

var simpleEscapes = map[byte]rune{
	'0': 0, 'a': '\a', 'b': '\b', 't': '\t', '\t': '\t', 'n': '\n', 'v': '\v',
	'f': '\f', 'r': '\r', 'e': 0x1b, ' ': ' ', '"': '"', '/': '/', '\\': '\\',
	'N': 0x85, '_': 0xa0, 'L': 0x2028, 'P': 0x2029,
}

// unescape decodes the YAML double-quoted escape whose letter starts e
// (after the backslash), returning the rune and how many source bytes
// follow the backslash.
func unescape(e []byte) (rune, int, bool) {
	if r, ok := simpleEscapes[e[0]]; ok {
		return r, 1, true
	}
	digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e[0]]
	if digits == 0 || len(e) < 1+digits {
		return 0, 0, false
	}
	u, err := strconv.ParseUint(string(e[1:1+digits]), 16, 32)
	if err != nil {
		return 0, 0, false
	}
	return rune(u), 1 + digits, true
}

// mapBlock maps a literal (|) or folded (>) scalar whose indicator is at
// source byte s. Each content line of the source is matched against the
// value after the indentation is removed; what lies between two content
// lines in the value (a newline, a folding space, kept empty lines) is
// placed at the end of the earlier line.
func mapBlock(b *segBuilder, s int, v string) bool {
	src := b.m.src
	if s >= len(src) || (src[s] != '|' && src[s] != '>') {
		return false
	}
	nl := bytes.IndexByte(src[s:], '\n')
	if nl < 0 {
		return false
	}
	prevEnd := s + nl // the header's line break
	j := prevEnd + 1
	i, ind := 0, -1
	for i < len(v) && j < len(src) {
		e := bytes.IndexByte(src[j:], '\n')
		if e < 0 {
			e = len(src)
		} else {
			e += j
		}
		line := string(bytes.TrimSuffix(src[j:e], []byte{'\r'}))
		if strings.TrimLeft(line, " \t") == "" {
			j = e + 1
			continue
		}
		lead := len(line) - len(strings.TrimLeft(line, " "))
		k := i
		for k < len(v) && v[k] == '\n' {
			k++
		}
		if ind < 0 {
			// The indentation is the smallest one after which the line is
			// what the value holds: with an indentation indicator the value
			// may itself start with spaces.
			for x := 0; x <= lead; x++ {
				if strings.HasPrefix(v[k:], line[x:]) || strings.HasPrefix(v[k:], strings.TrimRight(line[x:], " \t")) {
					ind = x
					break
				}
			}
			if ind < 0 {
				return false
			}
		}
		if lead < ind {
			break // dedented: the scalar ended
		}
		content := line[ind:]
		sep := separatorLen(v[i:], content)
		if sep < 0 {
			content = strings.TrimRight(content, " \t")
			if sep = separatorLen(v[i:], content); sep < 0 {
				return false
			}
		}
		for q := 0; q < sep; q++ {
			b.point(i+q, prevEnd)
		}
		i += sep
		for q := 0; q < len(content); q++ {
			b.copy(i+q, j+ind+q)
		}
		i += len(content)
		prevEnd = e
		if prevEnd >= len(src) {
			prevEnd = len(src) - 1
		}
		j = e + 1
	}
	for ; i < len(v); i++ {
		if v[i] != '\n' && v[i] != ' ' {
			return false
		}
		b.point(i, prevEnd)
	}
	return true
}

// separatorLen returns how many line-break or folding bytes at the start
// of v come before content, or -1 when content does not follow.
func separatorLen(v, content string) int {
	for k := 0; k <= len(v); k++ {
		if strings.HasPrefix(v[k:], content) {
			return k
		}
		if k == len(v) || (v[k] != ' ' && v[k] != '\n') {
			return -1
		}
	}
	return -1
}
