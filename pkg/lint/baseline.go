package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// A baseline lets a repository with many old findings adopt lint and fail
// only on new ones. It records findings by file, group, rule and check,
// with a count, never by line: editing a rule file moves lines, and a
// baseline keyed by them would let old findings back in on every edit.
// A rule with more findings of one check than the baseline holds reports
// the excess.

// BaselineVersion is the format version written and accepted.
const BaselineVersion = 1

// Baseline is the content of a --baseline file.
type Baseline struct {
	Version  int             `json:"version"`
	Findings []BaselineEntry `json:"findings"`
}

// BaselineEntry counts one key's findings.
type BaselineEntry struct {
	File  string `json:"file"`
	Group string `json:"group"`
	Rule  string `json:"rule"`
	Check string `json:"check"`
	Count int    `json:"count"`
}

type baselineKey struct{ file, group, rule, check string }

func keyOfDiag(d diag.Diagnostic) baselineKey {
	return baselineKey{filepath.ToSlash(d.Pos.File), d.Group, d.Rule, d.Check}
}

// NewBaseline records ds. Errors that stop a file from being read (io/…)
// are left out: they are about the run, not the rules.
func NewBaseline(ds []diag.Diagnostic) *Baseline {
	counts := map[baselineKey]int{}
	for _, d := range ds {
		if isRunError(d) {
			continue
		}
		counts[keyOfDiag(d)]++
	}
	b := &Baseline{Version: BaselineVersion, Findings: []BaselineEntry{}}
	for k, n := range counts {
		b.Findings = append(b.Findings, BaselineEntry{File: k.file, Group: k.group, Rule: k.rule, Check: k.check, Count: n})
	}
	sort.Slice(b.Findings, func(i, j int) bool {
		x, y := b.Findings[i], b.Findings[j]
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Group != y.Group {
			return x.Group < y.Group
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Check < y.Check
	})
	return b
}

// Marshal is the baseline as written to disk: indented JSON, sorted, so
// that it diffs well in review.
func (b *Baseline) Marshal() []byte {
	out, _ := json.MarshalIndent(b, "", "  ")
	return append(out, '\n')
}

// ParseBaseline reads a baseline file's content.
func ParseBaseline(path string, src []byte) (*Baseline, error) {
	var b Baseline
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		line, col := 1, 1
		if se, ok := err.(*json.SyntaxError); ok {
			line, col = lineCol(src, int(se.Offset))
		} else if te, ok := err.(*json.UnmarshalTypeError); ok {
			line, col = lineCol(src, int(te.Offset))
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			// Cut short: point at the last character there is.
			line, col = lineCol(src, len(bytes.TrimRight(src, " \t\r\n"))-1)
		}
		return nil, fmt.Errorf("%s:%d:%d: not a lint baseline: %v", path, line, col, err)
	}
	if b.Version != BaselineVersion {
		return nil, fmt.Errorf("%s:1:1: baseline version %d, expected %d", path, b.Version, BaselineVersion)
	}
	return &b, nil
}

// LoadBaseline reads a baseline file.
func LoadBaseline(path string) (*Baseline, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseBaseline(path, src)
}

// Filter returns the findings the baseline does not cover, in order, and
// how many it covered.
func (b *Baseline) Filter(ds []diag.Diagnostic) (kept []diag.Diagnostic, hidden int) {
	left := map[baselineKey]int{}
	for _, e := range b.Findings {
		left[baselineKey{e.File, e.Group, e.Rule, e.Check}] += e.Count
	}
	for _, d := range ds {
		k := keyOfDiag(d)
		if !isRunError(d) && left[k] > 0 {
			left[k]--
			hidden++
			continue
		}
		kept = append(kept, d)
	}
	return kept, hidden
}

// isRunError reports whether d is about reading the input rather than
// about a rule.
func isRunError(d diag.Diagnostic) bool {
	return len(d.Check) > 3 && d.Check[:3] == "io/"
}

// lineCol is the 1-based line and column of byte offset off in src.
func lineCol(src []byte, off int) (int, int) {
	off = max(0, min(off, len(src)))
	line, col := 1, 1
	for _, c := range src[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
