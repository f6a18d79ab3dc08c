package format

import (
	"bufio"
	"bytes"
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
		for i, d := range r.Diagnostics {
			e := end(d)
			bw.WriteString("    ")
			if err := put(jsonProblem{
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
			}, "    "); err != nil {
				return err
			}
			if i < len(r.Diagnostics)-1 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
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
