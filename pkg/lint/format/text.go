package format

import (
	"bufio"
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

// groupOver is how many findings of one check the summary lists before it
// counts them on a line of their own: a legacy repository's 300 findings
// are mostly a few checks, and the summary should say which.
const groupOver = 5

// Format implements Formatter.
func (t *Text) Format(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	p := newPalette(t.Color)
	lines := lineIndex{}
	odd := oddPaths(r.Diagnostics)
	for i, d := range r.Diagnostics {
		if i > 0 && !t.Quiet {
			bw.WriteString("\n")
		}
		sev := p.severity(d.Severity)
		pos, msg := d.Pos, d.Message
		if odd != nil {
			pos.File = escapeControl(pos.File)
			msg = odd.Replace(msg)
		}
		fmt.Fprintf(bw, "%s: %s: %s", p.pos.Sprint(pos.String()), sev.Sprint(d.Severity.String()), msg)
		if d.Check != "" {
			fmt.Fprintf(bw, " %s", p.check.Sprint("("+d.Check+")"))
		}
		bw.WriteString("\n")
		if t.Quiet {
			continue
		}
		line, ok := lines.line(r, d.Pos.File, d.Pos.Line)
		t.excerpt(bw, p, sev, d, line, ok)
	}
	if !t.Quiet {
		if len(r.Diagnostics) > 0 {
			bw.WriteString("\n")
		}
		for _, g := range r.Repeated(groupOver) {
			fmt.Fprintf(bw, "%d × %s: %s\n", g.Count, p.check.Sprint(g.Check), g.Title)
		}
		fmt.Fprintln(bw, r.Summary())
	}
	return bw.Flush()
}

// oddPaths returns a replacer that escapes, in messages, the file names
// of ds that hold control characters, or nil when none does (the common
// case). A line break in a file name would split a finding (its own, or
// one that names it, such as a duplicate's) into lines that each look
// like output of their own.
func oddPaths(ds []diag.Diagnostic) *strings.Replacer {
	var pairs []string
	seen := map[string]bool{}
	for _, d := range ds {
		for _, f := range []string{d.Pos.File, d.End.File} {
			if esc := escapeControl(f); esc != f && !seen[f] {
				seen[f] = true
				pairs = append(pairs, f, esc)
			}
		}
	}
	if pairs == nil {
		return nil
	}
	return strings.NewReplacer(pairs...)
}

// escapeControl writes the control characters of s as Go escapes (\n,
// \t, \x1b), leaving s itself when it has none (the common case, which
// allocates nothing).
func escapeControl(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if r >= 0x20 && r != 0x7f {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// excerpt prints the offending source line, a caret line and the fix
// hint, all behind a gutter as wide as the line number.
func (t *Text) excerpt(w *bufio.Writer, p palette, sev *color.Color, d diag.Diagnostic, line string, ok bool) {
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

// lineIndex finds source lines without rescanning a file for every
// finding: the start of each line is computed once per file.
type lineIndex map[string]*fileLines

type fileLines struct {
	src    []byte
	starts []int
}

// line returns line n (1-based) of file without its line ending.
func (x lineIndex) line(r *Report, file string, n int) (string, bool) {
	fl, ok := x[file]
	if !ok {
		fl = &fileLines{src: r.source(file)}
		if fl.src != nil {
			fl.starts = append(fl.starts, 0)
			for i, b := range fl.src {
				if b == '\n' {
					fl.starts = append(fl.starts, i+1)
				}
			}
		}
		x[file] = fl
	}
	if n <= 0 || n > len(fl.starts) || fl.starts[n-1] > len(fl.src) {
		return "", false
	}
	start := fl.starts[n-1]
	if start == len(fl.src) && n > 1 {
		return "", false // past the final newline
	}
	end := len(fl.src)
	if n < len(fl.starts) {
		end = fl.starts[n] - 1
	}
	return strings.TrimRight(string(fl.src[start:end]), "\r"), true
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
