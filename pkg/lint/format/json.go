package format

import (
	"encoding/json"
	"io"
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

// Format implements Formatter.
func (JSON) Format(w io.Writer, r *Report) error {
	out := jsonReport{Problems: make([]jsonProblem, 0, len(r.Diagnostics))}
	for _, d := range r.Diagnostics {
		e := end(d)
		out.Problems = append(out.Problems, jsonProblem{
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
	}
	out.Summary.Files, out.Summary.Rules = r.Files, r.Rules
	out.Summary.Errors, out.Summary.Warnings, out.Summary.Infos = r.Counts()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
