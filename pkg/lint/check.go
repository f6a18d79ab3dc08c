package lint

import (
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Doc is a check's documentation. `agentalerts explain ID` and the pages
// under docs/checks/ are generated from it, so docs cannot drift from code.
type Doc struct {
	Title string // one line, no trailing period
	Text  string // markdown: what it finds and why it matters
	Bad   string // a YAML rule file (or fragment) the check flags
	Good  string // the fixed version, which it does not flag
	// Precision is the judged precision of its warning-or-error findings
	// on the public rule sets, true/judged (testdata/lint/precision), or
	// "no warnings" when it reports none there; internal/precision's test
	// keeps it in step with the measurement.
	Precision string
}

// Check is one lint check. It never prints: it reports through the Pass
// and the driver decides how findings are shown.
//
// A check sets one or more of the Run functions. Rule, Group, File and
// Collect run in parallel across files (never concurrently on the same
// file); Reduce runs once, after every file was read, for checks that look
// across files and must therefore be linear in the number of rules (use
// maps).
type Check struct {
	ID       string        // stable "area/topic", e.g. "promql/histogram-quantile"
	Severity diag.Severity // default severity; config may override
	Doc      Doc
	// Off makes the check opt-in: it runs only when the config enables
	// it (policies some teams want and others do not, such as naming).
	Off bool
	// Live marks a check that asks a Prometheus server (lint
	// --prometheus). Without a server it has no Run function and finds
	// nothing, so a directive naming it is neither unknown nor stale.
	Live bool

	Rule  func(p *Pass, r *Rule)
	Group func(p *Pass, g *Group)
	File  func(p *Pass, f *File)

	// Collect and Reduce are how a check looks across files. Collect
	// runs in the parallel phase on each file and returns the little the
	// check must remember of it (names, keys, diag.Pos values; never the
	// model, nor anything pointing into it); Reduce runs once with every
	// non-nil result in file order. Each file's model is freed as soon as
	// its file is checked, so memory stays flat however many files a run
	// reads; there is deliberately no hook that sees every model at once.
	Collect func(p *Pass, f *File) any
	Reduce  func(p *Pass, facts []any)
}

// Pass is what a check gets on each run.
type Pass struct {
	Check  *Check
	Config *Config
	// File is the file being checked; nil in Reduce.
	File   *File
	report func(diag.Diagnostic)
}

// NewPass builds a Pass that sends findings to report. The engine uses it;
// tests of a single check may too.
func NewPass(c *Check, cfg *Config, f *File, report func(diag.Diagnostic)) *Pass {
	return &Pass{Check: c, Config: cfg, File: f, report: report}
}

// Report sends a finding. Check and Severity are filled in from the check
// (and its configured severity) when left empty.
func (p *Pass) Report(d diag.Diagnostic) {
	if d.Check == "" {
		d.Check = p.Check.ID
	}
	if d.Severity == 0 {
		d.Severity = p.Config.SeverityOf(p.Check)
	}
	p.report(d)
}

// ConfiguredSeverity is the severity the team set for the check in the
// lint config, if it set one: a check that weighs its findings itself
// (info for a guess) defers to it.
func (p *Pass) ConfiguredSeverity() (diag.Severity, bool) {
	cc, ok := p.Config.Checks[p.Check.ID]
	return cc.Severity, ok && cc.Severity != 0
}

// ReportAt reports a finding at a YAML node of rule r (r may be nil for
// group- or file-level findings; n may be nil to point at the rule itself).
func (p *Pass) ReportAt(r *Rule, n *yaml.Node, message, fix string) {
	p.ReportAtSeverity(0, r, n, message, fix)
}

// ReportAtSeverity is ReportAt at severity sev instead of the check's,
// for a check whose findings differ in weight; 0 means the check's.
func (p *Pass) ReportAtSeverity(sev diag.Severity, r *Rule, n *yaml.Node, message, fix string) {
	file := p.fileOf(r)
	d := diag.Diagnostic{Severity: sev, Message: message, Fix: fix}
	if n == nil && r != nil {
		n = r.Node
		if r.Alert.Key != nil {
			n = r.Alert.Key
		} else if r.Record.Key != nil {
			n = r.Record.Key
		}
	}
	d.Pos = NodePos(file, n)
	if r != nil {
		d.Rule = r.Name()
		if r.Group != nil {
			d.Group = r.Group.Name.Value
		}
	}
	p.Report(d)
}

// ReportExpr reports a finding covering bytes [start,end) of rule r's
// expression, so the caret lands on the exact character even inside a
// multi-line string. end <= start means a single character.
func (p *Pass) ReportExpr(r *Rule, start, end int, message, fix string) {
	p.ReportExprSeverity(0, r, start, end, message, fix)
}

// ReportExprSeverity is ReportExpr at severity sev instead of the
// check's; 0 means the check's.
func (p *Pass) ReportExprSeverity(sev diag.Severity, r *Rule, start, end int, message, fix string) {
	file := p.fileOf(r)
	d := diag.Diagnostic{Severity: sev, Message: message, Fix: fix, Rule: r.Name()}
	if r.Group != nil {
		d.Group = r.Group.Name.Value
	}
	d.Pos = r.Expr.PosAt(file, start)
	if end > start+1 {
		d.End = r.Expr.PosAt(file, end-1)
	}
	p.Report(d)
}

func (p *Pass) fileOf(r *Rule) string {
	if r != nil && r.Group != nil && r.Group.Doc != nil && r.Group.Doc.File != nil {
		return r.Group.Doc.File.Path
	}
	if p.File != nil {
		return p.File.Path
	}
	return ""
}

// Directive is one `# agentalerts disable=ID[,ID] reason` or
// `# agentalerts file-disable=ID` comment.
type Directive struct {
	Line   int      // line of the comment
	Column int      // column of the comment's '#'
	File   bool     // file-disable
	IDs    []string // check ids it names
	Reason string
	// Rule is the rule the directive applies to (nil for file-disable or a
	// directive that is not on or directly above a rule). The engine
	// clears it when it frees the file's model; RuleName stays.
	Rule *Rule
	// RuleName is Rule's name.
	RuleName string

	// ruleStart and ruleEnd are the lines of Rule, kept apart from it so
	// the directive still applies once the model is freed.
	ruleStart, ruleEnd int
}
