package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"
)

// JSON is the machine format of issue 3: every field is always present so
// consumers never have to guess whether a key was omitted or empty.
// end_line/end_column are inclusive and equal line/column for a finding
// at a single character.
type JSON struct{}

type jsonReport struct {
	Problems []jsonProblem `json:"problems"`
	Summary  jsonSummary   `json:"summary"`
}

type jsonProblem struct {
	Check     string `json:"check"`
	Severity  string `json:"severity"`
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
	Group     string `json:"group"`
	Rule      string `json:"rule"`
	Message   string `json:"message"`
	Fix       string `json:"fix"`
}

type jsonSummary struct {
	Files    int `json:"files"`
	Rules    int `json:"rules"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
}

// Format implements Formatter. It writes one problem at a time, so a run
// with tens of thousands of findings never holds its whole report in
// memory; the bytes are those of encoding jsonReport with a two-space
// indent.
func (JSON) Format(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	// put writes v indented as a value nested at depth, without the
	// newline the encoder ends it with.
	put := func(v any, depth string) error {
		raw.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, bytes.TrimSuffix(raw.Bytes(), []byte("\n")), depth, "  "); err != nil {
			return err
		}
		_, err := bw.Write(ind.Bytes())
		return err
	}
	if len(r.Diagnostics) == 0 {
		bw.WriteString("{\n  \"problems\": [],\n")
	} else {
		bw.WriteString("{\n  \"problems\": [\n")
		var buf []byte
		for i, d := range r.Diagnostics {
			e := end(d)
			buf = appendProblem(buf[:0], jsonProblem{
				Check:     d.Check,
				Severity:  d.Severity.String(),
				File:      d.Pos.File,
				Line:      d.Pos.Line,
				Column:    d.Pos.Column,
				EndLine:   e.Line,
				EndColumn: e.Column,
				Group:     d.Group,
				Rule:      d.Rule,
				Message:   d.Message,
				Fix:       d.Fix,
			})
			if i < len(r.Diagnostics)-1 {
				buf = append(buf, ',')
			}
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		bw.WriteString("  ],\n")
	}
	var sum jsonSummary
	sum.Files, sum.Rules = r.Files, r.Rules
	sum.Errors, sum.Warnings, sum.Infos = r.Counts()
	bw.WriteString("  \"summary\": ")
	if err := put(sum, "  "); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// appendProblem appends p as encoding/json with a two-space indent writes
// it as an item of the problems list; written by hand because a monorepo
// run has tens of thousands of problems and reflection plus json.Indent
// was a tenth of the run (TestAppendProblemMatchesEncodingJSON).
func appendProblem(b []byte, p jsonProblem) []byte {
	const in = "\n      "
	b = append(b, "    {"+in+`"check": `...)
	b = appendJSONString(b, p.Check)
	b = append(b, ","+in+`"severity": `...)
	b = appendJSONString(b, p.Severity)
	b = append(b, ","+in+`"file": `...)
	b = appendJSONString(b, p.File)
	b = append(b, ","+in+`"line": `...)
	b = strconv.AppendInt(b, int64(p.Line), 10)
	b = append(b, ","+in+`"column": `...)
	b = strconv.AppendInt(b, int64(p.Column), 10)
	b = append(b, ","+in+`"end_line": `...)
	b = strconv.AppendInt(b, int64(p.EndLine), 10)
	b = append(b, ","+in+`"end_column": `...)
	b = strconv.AppendInt(b, int64(p.EndColumn), 10)
	b = append(b, ","+in+`"group": `...)
	b = appendJSONString(b, p.Group)
	b = append(b, ","+in+`"rule": `...)
	b = appendJSONString(b, p.Rule)
	b = append(b, ","+in+`"message": `...)
	b = appendJSONString(b, p.Message)
	b = append(b, ","+in+`"fix": `...)
	b = appendJSONString(b, p.Fix)
	return append(b, "\n    }"...)
}

// appendJSONString quotes s the way encoding/json does with HTML escaping
// off: control characters, quote and backslash escaped, invalid UTF-8 as
// U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			switch r {
			case utf8.RuneError:
				b = append(b, `\ufffd`...)
			default:
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
