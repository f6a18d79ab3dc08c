package format

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fatih/color"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Text is the human format: one `file:line:col: severity: message (id)`
// line per finding, the source line with a caret under the column
// (spanning to End on the same line), the fix hint, and a summary line.
type Text struct {
	Color bool
	Quiet bool
}

type palette struct {
	pos, err, warn, info, check, gutter, fix *color.Color
}

func newPalette(enabled bool) palette {
	p := palette{
		pos:    color.New(color.Bold),
		err:    color.New(color.FgRed, color.Bold),
		warn:   color.New(color.FgYellow, color.Bold),
		info:   color.New(color.FgCyan, color.Bold),
		check:  color.New(color.Faint),
		gutter: color.New(color.FgBlue),
		fix:    color.New(color.FgGreen),
	}
	// Each colour is forced on or off so the result depends only on the
	// caller's decision, never on fatih/color's global guess about stdout.
	for _, c := range []*color.Color{p.pos, p.err, p.warn, p.info, p.check, p.gutter, p.fix} {
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return p
}

func (p palette) severity(s diag.Severity) *color.Color {
	switch s {
	case diag.Error:
		return p.err
	case diag.Warning:
		return p.warn
	}
	return p.info
}

// Format implements Formatter.
func (t *Text) Format(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	p := newPalette(t.Color)
	for i, d := range r.Diagnostics {
		if i > 0 && !t.Quiet {
			bw.WriteString("\n")
		}
		sev := p.severity(d.Severity)
		fmt.Fprintf(bw, "%s: %s: %s", p.pos.Sprint(d.Pos.String()), sev.Sprint(d.Severity.String()), d.Message)
		if d.Check != "" {
			fmt.Fprintf(bw, " %s", p.check.Sprint("("+d.Check+")"))
		}
		bw.WriteString("\n")
		if t.Quiet {
			continue
		}
		t.excerpt(bw, p, sev, d, r.source(d.Pos.File))
	}
	if !t.Quiet {
		if len(r.Diagnostics) > 0 {
			bw.WriteString("\n")
		}
		fmt.Fprintln(bw, r.Summary())
	}
	return bw.Flush()
}

// excerpt prints the offending source line, a caret line and the fix
// hint, all behind a gutter as wide as the line number.
func (t *Text) excerpt(w *bufio.Writer, p palette, sev *color.Color, d diag.Diagnostic, src []byte) {
	line, ok := sourceLine(src, d.Pos.Line)
	num := ""
	if ok {
		num = strconv.Itoa(d.Pos.Line)
	}
	blank := strings.Repeat(" ", len(num))
	if ok {
		fmt.Fprintf(w, " %s %s %s\n", p.gutter.Sprint(num), p.gutter.Sprint("|"), line)
		if d.Pos.Column > 0 {
			pad, width := caret(line, d.Pos, end(d))
			fmt.Fprintf(w, " %s %s %s%s\n", blank, p.gutter.Sprint("|"), pad, sev.Sprint(strings.Repeat("^", width)))
		}
	}
	if d.Fix == "" {
		return
	}
	lines := strings.Split(strings.TrimRight(d.Fix, "\n"), "\n")
	lead := " " + blank + " = fix: "
	fmt.Fprintf(w, " %s %s %s\n", blank, p.gutter.Sprint("="), p.fix.Sprint("fix: "+lines[0]))
	for _, l := range lines[1:] {
		fmt.Fprintf(w, "%s%s\n", strings.Repeat(" ", len(lead)), p.fix.Sprint(l))
	}
}

// sourceLine returns line n (1-based) of src without its line ending.
func sourceLine(src []byte, n int) (string, bool) {
	if src == nil || n <= 0 {
		return "", false
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimRight(string(src), "\r"), true
}

// caret returns the padding up to column pos.Column of line and how many
// carets to draw. Columns count characters (as yaml.v3 does), and the
// padding keeps the line's tabs so the caret lines up in any terminal.
// A span that ends on a later line is drawn to the end of this line.
func caret(line string, pos, end diag.Pos) (string, int) {
	var pad strings.Builder
	col := 1
	rest := line
	for col < pos.Column && rest != "" {
		r, size := utf8.DecodeRuneInString(rest)
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
		rest = rest[size:]
		col++
	}
	pad.WriteString(strings.Repeat(" ", pos.Column-col))
	width := 1
	switch {
	case end.Line == pos.Line && end.Column > pos.Column:
		width = end.Column - pos.Column + 1
	case end.Line > pos.Line:
		width = utf8.RuneCountInString(strings.TrimRight(rest, " \t"))
	}
	return pad.String(), max(width, 1)
}
