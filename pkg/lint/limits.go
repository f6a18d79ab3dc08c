package lint

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/limits"

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
	// maxAliasNodes and maxAliasFactor bound YAML alias expansion: a
	// document may expand to more than maxAliasNodes nodes only if that
	// is less than maxAliasFactor times the nodes written ("billion
	// laughs" expands a few kilobytes exponentially).
	maxAliasNodes  = 1_000_000
	maxAliasFactor = 10
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

// aliasBomb reports a document whose aliases expand to far more nodes
// than are written, at the alias with the largest expansion. The count is
// memoized per anchored node, so it is linear in the nodes written
// whatever the expansion.
func aliasBomb(path string, doc *yaml.Node) *diag.Diagnostic {
	memo := map[*yaml.Node]int{}
	written := 0
	var worst *yaml.Node
	worstSize := 0
	var size, walk func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if n == nil {
			return 0
		}
		if n.Kind == yaml.AliasNode {
			written++
			s, ok := memo[n.Alias]
			if !ok {
				s = walk(n.Alias)
			}
			s = max(s, 0) // -1: an alias inside its own anchor adds nothing
			if s > worstSize {
				worst, worstSize = n, s
			}
			return s
		}
		if s, ok := memo[n]; ok {
			return max(s, 0) // written once: its definition counted it
		}
		return walk(n)
	}
	walk = func(n *yaml.Node) int {
		if n.Anchor != "" {
			memo[n] = -1
		}
		written++
		total := 1
		for _, c := range n.Content {
			total = min(total+size(c), 1<<40) // no overflow, however deep
		}
		if n.Anchor != "" {
			memo[n] = total
		}
		return total
	}
	expanded := size(doc)
	if expanded <= maxAliasNodes || expanded <= maxAliasFactor*written || worst == nil {
		return nil
	}
	return &diag.Diagnostic{
		Pos: diag.Pos{File: path, Line: worst.Line, Column: worst.Column}, Check: IDRead, Severity: diag.Error,
		Message: fmt.Sprintf("YAML aliases expand %d nodes written to %s (alias *%s alone to %s), over the limit of %d: an alias bomb?",
			written, count(expanded), worst.Value, count(worstSize), maxAliasNodes),
	}
}

// exprOperators is limits.ExprOperators (shared with the test runner).
func exprOperators(s string) int { return limits.ExprOperators(s) }

// errExprLimit is the Expr.Err of an expression over a limit: it was
// not parsed, and io/read says why.
type errExprLimit struct{ msg string }

func (e *errExprLimit) Error() string { return e.msg }

// IsLimitError reports whether err is the Expr.Err of an expression that
// was not parsed because it is over a limit (already reported as io/read,
// so checks need not report it again).
func IsLimitError(err error) bool {
	_, ok := err.(*errExprLimit)
	return ok
}

// exprLimit reports whether expression s, about to be parsed, is over a
// limit, charging its cost to the file's budget in *cost.
func exprLimit(s string, cost *int64) error {
	ops := exprOperators(s)
	if ops > MaxExprOperators {
		return &errExprLimit{limits.ExprError(ops).Error()}
	}
	*cost += int64(ops) * int64(ops)
	if *cost > maxExprCost {
		return &errExprLimit{"the expressions of this file together are too large to parse (over the parser's work limit); split the file"}
	}
	return nil
}

// count prints a node count, saturated at the 2^40 the walk stops at.
func count(n int) string {
	if n >= 1<<40 {
		return "over 10^12"
	}
	return fmt.Sprint(n)
}

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
