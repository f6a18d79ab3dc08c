package lint

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/internal/yamlx"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Limits on hostile input. lint runs on pull requests from anyone, so a
// file must not be able to make it hang or exhaust memory. Each limit is
// far above what a rule file written or generated for Prometheus needs;
// input over one is reported as io/read (exit 2), never linted in part.
const (
	// MaxLineLength is the longest line read, in bytes.
	MaxLineLength = 1 << 20
	// MaxExprOperators is the most operators, parentheses and set
	// keywords one expression may have (see limits.MaxExprOperators).
	MaxExprOperators = limits.MaxExprOperators
	// maxExprCost bounds the sum, over a file, of each expression's
	// operators squared: the parser's total work. A generated file of
	// 100,000 ordinary rules stays far below it.
	maxExprCost = 1 << 28
)

// screen rejects, before any YAML is decoded, input that is not a text
// rule file: binary data, invalid UTF-8 and overlong lines. The
// diagnostic names the line and column of the first offending byte.
func screen(path string, src []byte) *diag.Diagnostic {
	bad := func(line, col int, msg string) *diag.Diagnostic {
		return &diag.Diagnostic{
			Pos: diag.Pos{File: path, Line: line, Column: col}, Check: IDRead, Severity: diag.Error,
			Message: msg,
		}
	}
	if enc := utf16(src); enc != "" {
		return bad(1, 1, "UTF-16 text ("+enc+"), not UTF-8: re-save the file as UTF-8")
	}
	nul := bytes.IndexByte(src, 0)
	valid := utf8.Valid(src)
	line := 1
	for rest := src; len(rest) > 0; line++ {
		n := bytes.IndexByte(rest, '\n')
		if n < 0 {
			n = len(rest)
		}
		l := rest[:n]
		if nul >= 0 {
			if i := bytes.IndexByte(l, 0); i >= 0 {
				return bad(line, utf8.RuneCount(l[:i])+1, "binary data (a NUL byte), not a YAML rule file")
			}
		}
		if !valid && !utf8.Valid(l) {
			i := 0
			for i < len(l) {
				r, size := utf8.DecodeRune(l[i:])
				if r == utf8.RuneError && size <= 1 {
					break
				}
				i += size
			}
			return bad(line, utf8.RuneCount(l[:i])+1, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): rule files are UTF-8 text", l[i]))
		}
		if len(l) > MaxLineLength {
			return bad(line, 1, fmt.Sprintf("line of %d bytes, over the limit of %d: not a rule file?", len(l), MaxLineLength))
		}
		if n == len(rest) {
			break
		}
		rest = rest[n+1:]
	}
	return nil
}

// utf16 says how src looks like UTF-16 text (a byte order mark, or NUL
// bytes alternating with ASCII at the start), or "" when it does not:
// editors on Windows save it, and it would otherwise be reported as
// binary data or invalid UTF-8, which does not say what to do.
func utf16(src []byte) string {
	if len(src) >= 2 && (src[0] == 0xff && src[1] == 0xfe || src[0] == 0xfe && src[1] == 0xff) {
		return fmt.Sprintf("byte order mark 0x%02x 0x%02x", src[0], src[1])
	}
	n := min(len(src), 64) &^ 1
	if n < 4 {
		return ""
	}
	zero := 1 // UTF-16LE: the high byte of ASCII, second, is NUL
	if src[0] == 0 {
		zero = 0
	}
	for i := 0; i < n; i += 2 {
		if src[i+zero] != 0 || src[i+1-zero] == 0 || src[i+1-zero] >= 0x80 {
			return ""
		}
	}
	return "NUL bytes between ASCII characters"
}

// aliasBomb reports a document whose aliases expand to far more nodes
// than are written, at the alias with the largest expansion.
func aliasBomb(path string, doc *yaml.Node) *diag.Diagnostic {
	e := yamlx.Measure(doc)
	if !e.OverBudget() {
		return nil
	}
	d := e.Diagnostic(path, IDRead)
	return &d
}

// exprOperators is limits.ExprOperators (shared with the test runner).
func exprOperators(s string) int { return limits.ExprOperators(s) }

// The limits a read diagnostic can be over (diag.Diagnostic.Limit), set
// by ReadLimits; the caller says how to raise them.
const (
	LimitDocuments diag.Limit = "lint.documents"  // ReadLimits.MaxDocuments
	LimitRegexSize diag.Limit = "lint.regex_size" // ReadLimits.MaxRegexBytes
)

// errExprLimit is the Expr.Err of an expression over a limit: it was
// not parsed, and io/read says why.
type errExprLimit struct {
	msg   string
	limit diag.Limit // the configurable limit, or "" for a fixed one
}

func (e *errExprLimit) Error() string { return e.msg }

// IsLimitError reports whether err is the Expr.Err of an expression that
// was not parsed because it is over a limit (already reported as io/read,
// so checks need not report it again).
func IsLimitError(err error) bool {
	_, ok := err.(*errExprLimit)
	return ok
}

// exprLimit reports whether expression s, about to be parsed, is over a
// limit, charging its cost to the file's budgets.
func (r *reader) exprLimit(s string) error {
	ops := exprOperators(s)
	if ops > MaxExprOperators {
		return &errExprLimit{msg: limits.ExprError(ops).Error()}
	}
	r.exprCost += int64(ops) * int64(ops)
	if r.exprCost > maxExprCost {
		return &errExprLimit{msg: "the expressions of this file together are too large to parse (over the parser's work limit); split the file"}
	}
	if strings.Contains(s, "~") {
		longest, total := regexPatterns(s)
		if longest > r.lim.MaxRegexBytes {
			return &errExprLimit{fmt.Sprintf("regex matcher of %d bytes, over the limit of %d: not parsed", longest, r.lim.MaxRegexBytes), LimitRegexSize}
		}
		r.regexBytes += int64(total)
		if r.regexBytes > int64(regexFileFactor)*int64(r.lim.MaxRegexBytes) {
			return &errExprLimit{fmt.Sprintf("the regex matchers of this file together are over %d bytes, too large to compile: not parsed; split the file", int64(regexFileFactor)*int64(r.lim.MaxRegexBytes)), LimitRegexSize}
		}
	}
	return nil
}

// count prints a node count, saturated at the 2^40 the walk stops at.

// irregular reports a file found in a walked directory that is not a
// regular file once symlinks are followed: a dangling link or a loop, or
// a named pipe or device, which would block the run forever when opened.
// (A pipe named on the command line, as by <(helm template ...), is read:
// it was asked for.)
func irregular(path string, d fs.DirEntry) *diag.Diagnostic {
	if d.Type().IsRegular() {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil {
		r := readError(filepath.ToSlash(path), err)
		return &r
	}
	if info.Mode().IsRegular() {
		return nil
	}
	kind := "a special file"
	switch t := info.Mode().Type(); {
	case t&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case t&fs.ModeSocket != 0:
		kind = "a socket"
	case t&fs.ModeDevice != 0:
		kind = "a device"
	case t&fs.ModeDir != 0:
		kind = "a directory"
	}
	return &diag.Diagnostic{
		Pos: diag.Pos{File: filepath.ToSlash(path)}, Check: IDRead, Severity: diag.Error,
		Message: fmt.Sprintf("%s is %s, not a regular file; skipped", filepath.ToSlash(path), kind),
	}
}

// Defaults of the limits a run may raise (Options, ReadLimits).
const (
	// DefaultMaxDocuments is the most YAML documents one file may hold.
	// Real files hold one, a rendered chart a few dozen; a file of
	// millions of empty documents ("---" lines) would otherwise take
	// gigabytes to decode, all within the file size limit.
	DefaultMaxDocuments = 1000
	// DefaultMaxRegexBytes is the longest pattern of one =~ or !~
	// matcher, in bytes as written. The longest in ../shared/corpus is
	// 132 bytes (1,291 regex matchers); 16 KiB is over 100 times that and
	// holds an alternation of a thousand service names. Prometheus's
	// parser compiles each pattern: nested patterns of 1 MiB take over a
	// second each, and a file may repeat one through aliases.
	DefaultMaxRegexBytes = 16 << 10
	// regexFileFactor bounds the patterns of one file together, as a
	// multiple of the per-matcher limit (1 MiB by default): the compile
	// work of a file, however the patterns are spread or repeated.
	regexFileFactor = 64
)

// ReadLimits are the bounds on one file's content that a run may raise;
// zero fields mean the defaults.
type ReadLimits struct {
	// MaxDocuments is the most YAML documents a file may hold; a file
	// with more is not decoded at all.
	MaxDocuments int
	// MaxRegexBytes is the longest =~ or !~ pattern; an expression with a
	// longer one is not parsed.
	MaxRegexBytes int
}

func (l ReadLimits) withDefaults() ReadLimits {
	if l.MaxDocuments <= 0 {
		l.MaxDocuments = DefaultMaxDocuments
	}
	if l.MaxRegexBytes <= 0 {
		l.MaxRegexBytes = DefaultMaxRegexBytes
	}
	return l
}

// documentStart returns the 1-based line where document number n+1 of
// src starts, or 0 when src holds at most n documents. It looks only at
// the first bytes of each line, never decoding: as yaml.v3 reads a
// stream, a document starts at each "---" marker, and at the first
// content line when that comes before any marker. (Content after a
// "..." marker with no "---" is a syntax error to yaml.v3, so it starts
// nothing here either.) Comment, blank and directive lines start nothing.
func documentStart(src []byte, n int) int {
	docs := 0
	first := true // no marker and no content yet
	line := 0
	for i := 0; i < len(src); {
		line++
		end := bytes.IndexByte(src[i:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += i
		}
		l := src[i:end]
		i = end + 1
		switch {
		case isMarker(l, '-'):
			docs++
			first = false
		case !first:
			continue
		default:
			t := bytes.TrimLeft(l, " \t\r")
			if line == 1 {
				t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
			}
			if len(t) == 0 || t[0] == '#' || (t[0] == '%' && len(t) == len(l)) {
				continue
			}
			docs++
			first = false
		}
		if docs > n {
			return line
		}
	}
	return 0
}

// isMarker reports whether line l is the document marker "---" or "..."
// (c is '-' or '.'): three at the start of the line, then nothing or a
// blank.
func isMarker(l []byte, c byte) bool {
	return len(l) >= 3 && l[0] == c && l[1] == c && l[2] == c &&
		(len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r')
}

// regexPatterns returns the length of the longest =~ or !~ pattern in
// PromQL expression s and the total of them all, in bytes as written.
// Like exprOperators it scans bytes, skipping other string literals, so
// it is linear whatever the input.
func regexPatterns(s string) (longest, total int) {
	regex := false // the last token was =~ or !~
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'', '`':
			start := i
			for i++; i < len(s) && s[i] != c; i++ {
				if s[i] == '\\' && c != '`' {
					i++
				}
			}
			if regex {
				n := min(i, len(s)) - start - 1
				longest = max(longest, n)
				total += n
			}
			regex = false
		case '=', '!':
			regex = i+1 < len(s) && s[i+1] == '~'
			if regex {
				i++
			}
		case ' ', '\t', '\n', '\r':
		default:
			regex = false
		}
	}
	return longest, total
}
