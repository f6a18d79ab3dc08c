// Package format owns how lint findings are shown: one file per output
// format (text, json, github, sarif, checkstyle, gitlab) behind the Formatter
// interface, plus the check documentation rendered from lint.Check.Doc
// (`agentalerts explain` and docs/checks/). Formatters never decide exit
// codes and never read files: everything they show comes in a Report.
package format

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// RepoURL is the project's home; SARIF links rules to their doc pages
// under it so a code-scanning alert leads straight to the bad and good
// example.
const RepoURL = "https://github.com/agentalerts/agentalerts"

// Report is everything a formatter may show about one lint run.
type Report struct {
	// Diagnostics are shown in the order given (the engine sorts them).
	Diagnostics []diag.Diagnostic
	// Files and Rules are how many files and rules were linted.
	Files, Rules int
	// Source returns the content of a linted file so text output can show
	// the offending line; nil or a nil result means "not available".
	Source func(file string) []byte
	// Checks are the checks that could have reported (SARIF lists them as
	// rules); diagnostics whose check is not among them still render.
	Checks []*lint.Check
	// Root, when set, is the repository root: formats that need
	// repository-relative paths (SARIF, GitHub, GitLab) make paths
	// relative to it.
	Root string
	// WorkDir is the directory relative paths are relative to (the
	// working directory); needed when it is not Root, e.g. lint run from
	// a subdirectory in CI.
	WorkDir string
}

// Counts returns how many diagnostics there are of each severity.
func (r *Report) Counts() (errors, warnings, infos int) {
	for _, d := range r.Diagnostics {
		switch d.Severity {
		case diag.Error:
			errors++
		case diag.Warning:
			warnings++
		default:
			infos++
		}
	}
	return errors, warnings, infos
}

func (r *Report) source(file string) []byte {
	if r.Source == nil {
		return nil
	}
	return r.Source(file)
}

// relPath is a diagnostic's file as a slash-separated path relative to
// Root when it can be made so.
func (r *Report) relPath(file string) string {
	if r.Root != "" && !filepath.IsAbs(file) && r.WorkDir != "" && r.WorkDir != r.Root && !strings.HasPrefix(file, "<") {
		file = filepath.Join(r.WorkDir, file)
	}
	if r.Root != "" && filepath.IsAbs(file) {
		if rel, err := filepath.Rel(r.Root, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	return filepath.ToSlash(file)
}

// Options tune a formatter.
type Options struct {
	// Color enables ANSI colour in the text format. The caller decides
	// (TTY, NO_COLOR, --no-color); formatters never look at the terminal.
	Color bool
	// Quiet makes the text format print only the one-line findings: no
	// source excerpt, no fix hint, no summary.
	Quiet bool
	// Version is the tool version SARIF reports.
	Version string
}

// Formatter writes a Report in one format.
type Formatter interface {
	Format(w io.Writer, r *Report) error
}

var formats = map[string]func(Options) Formatter{
	"text":       func(o Options) Formatter { return &Text{Color: o.Color, Quiet: o.Quiet} },
	"json":       func(Options) Formatter { return JSON{} },
	"github":     func(Options) Formatter { return GitHub{} },
	"sarif":      func(o Options) Formatter { return SARIF{Version: o.Version} },
	"checkstyle": func(Options) Formatter { return Checkstyle{} },
	"gitlab":     func(Options) Formatter { return GitLab{} },
}

// Names lists the format names New accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New returns the formatter called name.
func New(name string, o Options) (Formatter, error) {
	f, ok := formats[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown format %q, expected one of %s", name, strings.Join(Names(), ", "))
	}
	return f(o), nil
}

// DocPath is the repository path of a check's doc page: a check id
// "area/topic" lives at docs/checks/area/topic.md.
func DocPath(id string) string { return "docs/checks/" + id + ".md" }

// DocURL is the web address of a check's doc page.
func DocURL(id string) string { return RepoURL + "/blob/main/" + DocPath(id) }

// end returns the inclusive end of d, which is Pos when End is unset.
func end(d diag.Diagnostic) diag.Pos {
	if d.End.Line <= 0 {
		return d.Pos
	}
	return d.End
}

// plural formats n with a singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Group counts the findings of one check.
type Group struct {
	Check string
	Title string // the check's title, or the first finding's message
	Count int
}

// Repeated lists the checks with more than over findings, most first
// (then by id).
func (r *Report) Repeated(over int) []Group {
	counts := map[string]int{}
	first := map[string]string{}
	for _, d := range r.Diagnostics {
		if counts[d.Check] == 0 {
			first[d.Check] = d.Message
		}
		counts[d.Check]++
	}
	var out []Group
	for id, n := range counts {
		if n <= over || id == "" {
			continue
		}
		title := first[id]
		for _, c := range r.Checks {
			if c.ID == id && c.Doc.Title != "" {
				title = c.Doc.Title
			}
		}
		out = append(out, Group{Check: id, Title: title, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Check < out[j].Check
	})
	return out
}

// Summary is the one-line summary shared by the text format and the lint
// command's logs, e.g. "3 problems (1 error, 2 warnings, 0 infos) in 4
// files, 12 rules".
func (r *Report) Summary() string {
	e, w, i := r.Counts()
	where := fmt.Sprintf("in %s, %s", plural(r.Files, "file", "files"), plural(r.Rules, "rule", "rules"))
	if len(r.Diagnostics) == 0 {
		return "no problems " + where
	}
	return fmt.Sprintf("%s (%s, %s, %s) %s",
		plural(len(r.Diagnostics), "problem", "problems"),
		plural(e, "error", "errors"), plural(w, "warning", "warnings"), plural(i, "info", "infos"), where)
}
