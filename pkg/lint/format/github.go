package format

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// GitHub prints GitHub Actions workflow commands, which the runner turns
// into annotations on the pull request's changed lines:
//
//	::error file=rules.yaml,line=3,col=11,endLine=3,endColumn=20,title=promql/syntax::message
//
// Warnings become ::warning and infos ::notice.
type GitHub struct{}

// Format implements Formatter.
func (GitHub) Format(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, d := range r.Diagnostics {
		level := "notice"
		switch d.Severity {
		case diag.Error:
			level = "error"
		case diag.Warning:
			level = "warning"
		}
		props := []string{"file=" + escapeProperty(r.relPath(d.Pos.File))}
		if d.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
			if d.Pos.Column > 0 {
				props = append(props, fmt.Sprintf("col=%d", d.Pos.Column))
			}
			if d.End.Line > 0 {
				props = append(props, fmt.Sprintf("endLine=%d", d.End.Line))
				if d.End.Column > 0 {
					props = append(props, fmt.Sprintf("endColumn=%d", d.End.Column))
				}
			}
		}
		if d.Check != "" {
			props = append(props, "title="+escapeProperty(d.Check))
		}
		msg := d.Message
		if d.Fix != "" {
			msg += "\n\nFix: " + d.Fix
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", level, strings.Join(props, ","), escapeData(msg))
	}
	return bw.Flush()
}

// escapeData escapes a workflow command's message the way the Actions
// runner unescapes it, so a multi-line fix hint survives as one command.
func escapeData(s string) string { return dataEscaper.Replace(s) }

// escapeProperty additionally escapes the separators of the property list.
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)
