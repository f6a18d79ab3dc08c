package format

import (
	"encoding/json"
	"io"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// GitLab is GitLab's Code Quality report (a subset of the Code Climate
// format), which merge requests show inline when a job publishes it as
// artifacts:reports:codequality.
type GitLab struct{}

type glIssue struct {
	Description string     `json:"description"`
	CheckName   string     `json:"check_name"`
	Fingerprint string     `json:"fingerprint"`
	Severity    string     `json:"severity"`
	Location    glLocation `json:"location"`
}

type glLocation struct {
	Path  string  `json:"path"`
	Lines glLines `json:"lines"`
}

type glLines struct {
	Begin int `json:"begin"`
}

func gitlabSeverity(s diag.Severity) string {
	switch s {
	case diag.Error:
		return "critical" // Prometheus refuses the file
	case diag.Warning:
		return "major"
	}
	return "info"
}

// Format implements Formatter. GitLab needs a line, so whole-file
// findings point at line 1, and a fingerprint that stays put when lines
// move (the same one SARIF uses).
func (GitLab) Format(w io.Writer, r *Report) error {
	issues := make([]glIssue, 0, len(r.Diagnostics))
	seen := map[string]int{}
	for _, d := range r.Diagnostics {
		path := r.relPath(d.Pos.File)
		msg := d.Message
		if d.Fix != "" {
			msg += " (fix: " + d.Fix + ")"
		}
		issues = append(issues, glIssue{
			Description: msg,
			CheckName:   d.Check,
			Fingerprint: fingerprint(seen, d.Check, path, d.Group, d.Rule, d.Message),
			Severity:    gitlabSeverity(d.Severity),
			Location:    glLocation{Path: path, Lines: glLines{Begin: max(d.Pos.Line, 1)}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(issues)
}
