// Package unittest owns `agentalerts test`: it reads promtool-format rule
// unit-test files and runs them in-process with Prometheus's own promql
// engine, rules package and promqltest storage, with the semantics of
// `promtool test rules` 3.x. Malformed input is reported as diagnostics
// with file:line:col; failing expectations as per-case diffs.
package unittest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/yamlx"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Check ids of the bad-input diagnostics this package reports.
const (
	CheckYAML      = "unittest/yaml"       // the test file is not YAML or not the expected shape
	CheckField     = "unittest/field"      // unknown, duplicate or missing field
	CheckValue     = "unittest/value"      // a field's value cannot be read (duration, number, ...)
	CheckSeries    = "unittest/series"     // an input series or expected sample does not parse
	CheckRuleFile  = "unittest/rule-file"  // a referenced rule file does not load
	CheckReadError = "unittest/read-error" // a file cannot be read
)

// File is one decoded test file. Every element keeps the position it was
// read from so that a failure points back into the file.
type File struct {
	Path               string
	RuleFiles          []Str
	EvaluationInterval time.Duration // 1m when the file leaves it out
	GroupEvalOrder     []Str
	FuzzyCompare       bool
	Tests              []*Group
}

// Str is a string read from the file, with where it was read.
type Str struct {
	Pos   diag.Pos
	Value string
}

// Group is one entry of `tests:`: input series and the cases evaluated
// against them.
type Group struct {
	Pos            diag.Pos
	Index          int // position in tests[], for unnamed groups
	Name           string
	Interval       time.Duration // 0: the file's evaluation_interval
	InputSeries    []Series
	AlertTests     []AlertTest
	ExprTests      []ExprTest
	ExternalLabels map[string]string
	ExternalURL    string
	StartTimestamp time.Time // zero: the Unix epoch
}

// DisplayName is the group's name, or unnamed#N as promtool prints it.
func (g *Group) DisplayName() string {
	if g.Name != "" {
		return g.Name
	}
	return fmt.Sprintf("unnamed#%d", g.Index)
}

// Series is one input series in promtool's expanding notation.
type Series struct {
	Pos    diag.Pos
	Series string
	Values string
	// Where the two texts start, so a parse error inside one points at
	// its character.
	SeriesAt, ValuesAt textPos
}

// textPos is where a scalar's text starts, and whether byte offsets in
// the text map onto columns (a single-line plain or quoted scalar).
type textPos struct {
	diag.Pos
	inline bool
}

// at returns the position of byte offset off in the scalar's text.
func (t textPos) at(off int) diag.Pos {
	p := t.Pos
	if t.inline && p.Line > 0 {
		p.Column += off
	}
	return p
}

func scalarPos(d *decoder, n *yaml.Node) textPos {
	t := textPos{Pos: d.pos(n)}
	switch n.Style {
	case 0:
		t.inline = !strings.Contains(n.Value, "\n")
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		// The column is the quote's; escapes would shift later offsets,
		// so only texts without them map exactly.
		t.Column++
		t.inline = !strings.ContainsAny(n.Value, "\n\\'\"")
	}
	return t
}

// AlertTest is one alert_rule_test entry.
type AlertTest struct {
	Pos       diag.Pos
	EvalTime  time.Duration
	Alertname string
	ExpAlerts []ExpAlert
}

// ExpAlert is one expected firing alert. Labels exclude alertname, which
// the runner adds.
type ExpAlert struct {
	Labels      map[string]string
	Annotations map[string]string
}

// ExprTest is one promql_expr_test entry.
type ExprTest struct {
	Pos        diag.Pos
	Expr       string
	EvalTime   time.Duration
	ExpSamples []ExpSample
}

// ExpSample is one expected sample of a promql_expr_test.
type ExpSample struct {
	Pos       diag.Pos
	LabelsAt  textPos
	Labels    string
	Value     float64
	Histogram string // non-empty: a native histogram in series notation; Value is ignored
}

// Parse decodes a test file strictly: unknown and duplicate fields are
// errors, as in promtool. All problems are returned at once as a diag.List.
// Unless the file is not YAML at all, the File is returned even with
// errors, holding what could be read, so that later checks can add theirs.
func Parse(path string, data []byte) (*File, error) {
	d := &decoder{file: path}
	f := &File{Path: path, EvaluationInterval: time.Minute}
	doc, err := yamlx.Parse(data)
	if err != nil {
		d.errs = append(d.errs, yamlx.Diagnostic(path, CheckYAML, err))
		return nil, d.errs
	}
	root := yamlx.Root(doc)
	if root == nil {
		// An empty file is a file with no tests, which promtool accepts.
		return f, nil
	}
	if e := yamlx.Measure(doc); e.OverBudget() {
		// The decoder below walks every alias: an alias bomb would take
		// exponential time before any budget of the runner could refuse it.
		return nil, diag.List{e.Diagnostic(path, CheckLimit)}
	}
	d.mapping(root, "test file", map[string]func(*yaml.Node){
		"rule_files": func(n *yaml.Node) {
			d.seq(n, func(e *yaml.Node) { f.RuleFiles = append(f.RuleFiles, Str{d.pos(e), d.str(e)}) })
		},
		"evaluation_interval": func(n *yaml.Node) {
			if v := d.duration(n); v > 0 {
				f.EvaluationInterval = v
			}
		},
		"group_eval_order": func(n *yaml.Node) {
			d.seq(n, func(e *yaml.Node) { f.GroupEvalOrder = append(f.GroupEvalOrder, Str{d.pos(e), d.str(e)}) })
		},
		"fuzzy_compare": func(n *yaml.Node) { f.FuzzyCompare = d.boolean(n) },
		"tests": func(n *yaml.Node) {
			d.seq(n, func(e *yaml.Node) { f.Tests = append(f.Tests, d.group(e, len(f.Tests))) })
		},
	})
	seen := map[string]bool{}
	for _, g := range f.GroupEvalOrder {
		if seen[g.Value] {
			d.errorf(g.Pos, CheckField, "group %q is repeated in group_eval_order", g.Value)
		}
		seen[g.Value] = true
	}
	if len(d.errs) > 0 {
		diag.Sort(d.errs)
		return f, d.errs
	}
	return f, nil
}

func (d *decoder) group(n *yaml.Node, index int) *Group {
	g := &Group{Pos: d.pos(n), Index: index}
	d.mapping(n, "test group", map[string]func(*yaml.Node){
		"name":     func(n *yaml.Node) { g.Name = d.str(n) },
		"interval": func(n *yaml.Node) { g.Interval = d.duration(n) },
		"input_series": func(n *yaml.Node) {
			d.seq(n, func(e *yaml.Node) {
				s := Series{Pos: d.pos(e)}
				d.mapping(e, "input series", map[string]func(*yaml.Node){
					"series": func(n *yaml.Node) { s.Series, s.SeriesAt = d.str(n), scalarPos(d, n) },
					"values": func(n *yaml.Node) { s.Values, s.ValuesAt = d.str(n), scalarPos(d, n) },
				})
				g.InputSeries = append(g.InputSeries, s)
			})
		},
		"alert_rule_test": func(n *yaml.Node) {
			d.seq(n, func(e *yaml.Node) {
				at := AlertTest{Pos: d.pos(e)}
				d.mapping(e, "alert_rule_test entry", map[string]func(*yaml.Node){
					"eval_time": func(n *yaml.Node) { at.EvalTime = d.duration(n) },
					"alertname": func(n *yaml.Node) { at.Alertname = d.str(n) },
					"exp_alerts": func(n *yaml.Node) {
						d.seq(n, func(e *yaml.Node) {
							var a ExpAlert
							d.mapping(e, "expected alert", map[string]func(*yaml.Node){
								"exp_labels":      func(n *yaml.Node) { a.Labels = d.strMap(n) },
								"exp_annotations": func(n *yaml.Node) { a.Annotations = d.strMap(n) },
							})
							at.ExpAlerts = append(at.ExpAlerts, a)
						})
					},
				})
				if at.Alertname == "" && e.Kind == yaml.MappingNode {
					d.errorf(at.Pos, CheckField, "alert_rule_test entry at eval_time %s in test group %q has no alertname",
						model.Duration(at.EvalTime), g.DisplayName())
				}
				g.AlertTests = append(g.AlertTests, at)
			})
		},
		"promql_expr_test": func(n *yaml.Node) {
			d.seq(n, func(e *yaml.Node) {
				et := ExprTest{Pos: d.pos(e)}
				d.mapping(e, "promql_expr_test entry", map[string]func(*yaml.Node){
					"expr":      func(n *yaml.Node) { et.Expr = d.str(n) },
					"eval_time": func(n *yaml.Node) { et.EvalTime = d.duration(n) },
					"exp_samples": func(n *yaml.Node) {
						d.seq(n, func(e *yaml.Node) {
							s := ExpSample{Pos: d.pos(e)}
							d.mapping(e, "expected sample", map[string]func(*yaml.Node){
								"labels":    func(n *yaml.Node) { s.Labels, s.LabelsAt = d.str(n), scalarPos(d, n) },
								"value":     func(n *yaml.Node) { s.Value = d.float(n) },
								"histogram": func(n *yaml.Node) { s.Histogram = d.str(n) },
							})
							et.ExpSamples = append(et.ExpSamples, s)
						})
					},
				})
				g.ExprTests = append(g.ExprTests, et)
			})
		},
		"external_labels": func(n *yaml.Node) { g.ExternalLabels = d.strMap(n) },
		"external_url":    func(n *yaml.Node) { g.ExternalURL = d.str(n) },
		"start_timestamp": func(n *yaml.Node) { g.StartTimestamp = d.timestamp(n) },
	})
	return g
}

// decoder walks yaml.Node trees, collecting every problem with its position
// instead of stopping at the first.
type decoder struct {
	file string
	errs diag.List
}

func (d *decoder) pos(n *yaml.Node) diag.Pos { return yamlx.Pos(d.file, n) }

func (d *decoder) errorf(p diag.Pos, check, format string, args ...any) {
	d.errs = append(d.errs, diag.Diagnostic{Pos: p, Check: check, Severity: diag.Error, Message: fmt.Sprintf(format, args...)})
}

func isNull(n *yaml.Node) bool { return yamlx.IsNull(n) }

func kindName(n *yaml.Node) string {
	if s := yamlx.Shape(n); s != "" {
		return s
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return fmt.Sprintf("quoted string %q", n.Value)
	}
	return fmt.Sprintf("%q", n.Value)
}

// resolve follows aliases so anchors in test files work as in promtool.
func resolve(n *yaml.Node) *yaml.Node { return yamlx.Resolve(n) }

// mapping calls fields[key] for each key of n; null means "empty".
func (d *decoder) mapping(n *yaml.Node, what string, fields map[string]func(*yaml.Node)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(d.pos(n), CheckYAML, "%s must be a mapping, got %s", what, kindName(n))
		return
	}
	known := sortedKeys(fields)
	for e := range (yamlx.Schema{Known: known}).Entries(n) {
		switch k := e.Key; e.Problem {
		case yamlx.Duplicate:
			d.errorf(d.pos(k), CheckField, "field %q is already set in this %s", k.Value, what)
		case yamlx.Unknown, yamlx.NotString:
			msg := fmt.Sprintf("unknown field %q in %s", k.Value, what)
			if e.Suggest != "" {
				msg += fmt.Sprintf(", did you mean %q?", e.Suggest)
			} else {
				msg += ", expected one of " + strings.Join(known, ", ")
			}
			d.errorf(d.pos(k), CheckField, "%s", msg)
		default:
			fields[k.Value](resolve(e.Value))
		}
	}
}

func (d *decoder) seq(n *yaml.Node, each func(*yaml.Node)) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(d.pos(n), CheckYAML, "expected a list, got %s", kindName(n))
		return
	}
	for _, e := range n.Content {
		each(resolve(e))
	}
}

// str reads any scalar as text, as promtool's YAML decoder does for string
// fields (so `values: 1` and `code: 500` work).
func (d *decoder) str(n *yaml.Node) string {
	if isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(d.pos(n), CheckYAML, "expected a string, got %s", kindName(n))
		return ""
	}
	return n.Value
}

func (d *decoder) strMap(n *yaml.Node) map[string]string {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(d.pos(n), CheckYAML, "expected a mapping of names to strings, got %s", kindName(n))
		return nil
	}
	m := make(map[string]string, len(n.Content)/2)
	for e := range (yamlx.Schema{}).Entries(n) {
		if e.Problem == yamlx.Duplicate {
			d.errorf(d.pos(e.Key), CheckField, "%q is already set in this mapping", e.Key.Value)
			continue
		}
		m[e.Key.Value] = d.str(resolve(e.Value))
	}
	return m
}

func (d *decoder) duration(n *yaml.Node) time.Duration {
	s := d.str(n)
	if s == "" {
		return 0
	}
	v, err := model.ParseDuration(s)
	if err != nil {
		d.errorf(d.pos(n), CheckValue, "invalid duration %q: expected a Prometheus duration such as 30s, 5m or 1h30m", s)
		return 0
	}
	return time.Duration(v)
}

func (d *decoder) boolean(n *yaml.Node) bool {
	var b bool
	if err := n.Decode(&b); err != nil {
		d.errorf(d.pos(n), CheckValue, "expected true or false, got %s", kindName(n))
	}
	return b
}

func (d *decoder) float(n *yaml.Node) float64 {
	if isNull(n) {
		return 0
	}
	if n.Kind == yaml.ScalarNode && n.Style == 0 {
		// Plain scalars only, so "1" in quotes is rejected like promtool does;
		// YAML's .inf and .nan spellings are accepted.
		switch strings.ToLower(n.Value) {
		case ".inf", "+.inf":
			return math.Inf(1)
		case "-.inf":
			return math.Inf(-1)
		case ".nan":
			return math.NaN()
		}
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return v
		}
	}
	d.errorf(d.pos(n), CheckValue, "expected a number, got %s", kindName(n))
	return 0
}

// timestamp reads RFC 3339 or Unix seconds, the two forms promtool accepts
// for start_timestamp.
func (d *decoder) timestamp(n *yaml.Node) time.Time {
	s := d.str(n)
	if s == "" {
		return time.Time{}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*float64(time.Second))).UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	d.errorf(d.pos(n), CheckValue, "invalid start_timestamp %q: expected RFC 3339 (2024-01-01T00:00:00Z) or Unix seconds", s)
	return time.Time{}
}

func sortedKeys(m map[string]func(*yaml.Node)) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
