// Package diag owns the one diagnostic type that every part of agentalerts
// reports through: spec errors from generate, findings from lint, and bad
// input to test. Positions are fields, never baked into message strings, so
// every output format (text, JSON, SARIF, checkstyle, GitHub) keeps them.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders how bad a diagnostic is. Error means Prometheus would
// refuse to load the file; Warning means it loads but gives wrong results
// or is not actionable; Info is style.
type Severity int

// Severities from least to most severe, so a plain comparison answers
// "is this at or above --fail-on".
const (
	Info Severity = iota + 1
	Warning
	Error
)

// String returns the lower-case name used in every output format.
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads the names String returns.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "info":
		return Info, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return 0, fmt.Errorf("unknown severity %q, expected error, warning or info", s)
}

// MarshalText lets JSON and YAML encode a Severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText lets JSON and YAML decode a Severity by name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Pos is a place in a file. Line and Column are 1-based; 0 means unknown
// (a whole-file problem such as an unreadable file has Line 0).
type Pos struct {
	File   string
	Line   int
	Column int
}

// String formats the position the way compilers and editors expect.
func (p Pos) String() string {
	switch {
	case p.Line <= 0:
		return p.File
	case p.Column <= 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Diagnostic is one problem at one place.
type Diagnostic struct {
	Pos Pos
	// End is the last character the problem covers (inclusive); the zero
	// value means "just Pos".
	End      Pos
	Check    string // stable id such as "promql/histogram-quantile" or "spec/unknown-field"
	Severity Severity
	Message  string
	Fix      string // a hint how to fix it; may be empty
	Group    string // rule group name, when the problem is inside one
	Rule     string // alert or record name, when the problem is inside one
	// Limit names the configurable limit the problem is over, if any.
	// Message then says what is over which value but not how to raise
	// it: only the program that sets the limit knows that (the CLI adds
	// its flag, see Limit).
	Limit Limit
}

// Limit names a configurable limit of a library (a spec's services, a
// test file's samples). Libraries name their limits, never the CLI flags
// that set them.
type Limit string

// LimitError is an error over a configurable limit of a library (a
// request budget, a timeout). Its text says what is over which value; the
// program that set the limit adds how to raise it, as for a Diagnostic's
// Limit.
type LimitError struct {
	Limit Limit
	Err   error
}

func (e *LimitError) Error() string { return e.Err.Error() }

func (e *LimitError) Unwrap() error { return e.Err }

// String is the one-line text form: file:line:col: severity: message (check).
func (d Diagnostic) String() string {
	s := fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Message)
	if d.Check != "" {
		s += " (" + d.Check + ")"
	}
	return s
}

// Error lets a single Diagnostic travel as an error.
func (d Diagnostic) Error() string { return d.String() }

// Sort orders diagnostics by file, line, column, then check id and message,
// so every output is stable whatever order checks ran in.
func Sort(ds []Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		return a.Message < b.Message
	})
}

// List is a set of diagnostics that together form one error, e.g. every
// problem found in a spec file.
type List []Diagnostic

// Error prints one diagnostic per line.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, d := range l {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns nil for an empty list, so callers can write `return l.Err()`.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
