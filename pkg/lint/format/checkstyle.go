package format

import (
	"encoding/xml"
	"io"
)

// Checkstyle is checkstyle's XML report, which Jenkins (Warnings NG) and
// GitLab (through converters) read. Each finding's source is
// "agentalerts.<check id>" so tools can group by check.
type Checkstyle struct{}

type csReport struct {
	XMLName xml.Name `xml:"checkstyle"`
	Version string   `xml:"version,attr"`
	Files   []csFile `xml:"file"`
}

type csFile struct {
	Name   string    `xml:"name,attr"`
	Errors []csError `xml:"error"`
}

type csError struct {
	Line     int    `xml:"line,attr,omitempty"`
	Column   int    `xml:"column,attr,omitempty"`
	Severity string `xml:"severity,attr"`
	Message  string `xml:"message,attr"`
	Source   string `xml:"source,attr"`
}

// Format implements Formatter. Files appear in the order of their first
// finding; files without findings are left out, as checkstyle does.
func (Checkstyle) Format(w io.Writer, r *Report) error {
	out := csReport{Version: "4.3"}
	index := map[string]int{}
	for _, d := range r.Diagnostics {
		i, ok := index[d.Pos.File]
		if !ok {
			i = len(out.Files)
			index[d.Pos.File] = i
			out.Files = append(out.Files, csFile{Name: d.Pos.File})
		}
		msg := d.Message
		if d.Fix != "" {
			msg += " (fix: " + d.Fix + ")"
		}
		out.Files[i].Errors = append(out.Files[i].Errors, csError{
			Line:     d.Pos.Line,
			Column:   d.Pos.Column,
			Severity: d.Severity.String(),
			Message:  msg,
			Source:   "agentalerts." + d.Check,
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
