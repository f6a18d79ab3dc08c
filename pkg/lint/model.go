// Package lint owns reading rule files into a positioned model, running the
// registered checks over it, and the lint configuration. Checks themselves
// live in pkg/lint/checks; output formats in pkg/lint/format.
//
// Each file is read once and decoded once into yaml.v3 nodes; the model
// below is built from those nodes so every value keeps its position, and
// every expression is parsed once with Prometheus's PromQL parser and the
// AST is shared by all checks.
package lint

import (
	"sort"
	"time"
	"unicode/utf8"

	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Kind says what shape a file (or one YAML document of it) has.
type Kind int

const (
	// KindUnknown is YAML that is neither a rule file nor a PrometheusRule.
	KindUnknown Kind = iota
	// KindRuleFile is a plain Prometheus rule file with top-level groups:.
	KindRuleFile
	// KindPrometheusRule is a monitoring.coreos.com/v1 PrometheusRule;
	// groups live under spec.groups.
	KindPrometheusRule
	// KindBareList is a top-level sequence of rules with no groups: (the
	// shape in the seed notes). Prometheus rejects it.
	KindBareList
	// KindEmpty is an empty document or literal null.
	KindEmpty
	// KindConfigMap is a Kubernetes ConfigMap whose data holds rule files
	// as literal (|) block scalars, the way Helm charts ship rules to a
	// Prometheus that mounts them. Groups are read from every such value,
	// with positions in the outer file.
	KindConfigMap
	// KindUnitTest is a promtool unit-test file (rule_files: and tests:),
	// which sits beside the rules it tests: lint checks what would stop
	// promtool before any test runs instead of calling it no rule file.
	KindUnitTest
)

// File is one rule file as read from disk (or stdin).
type File struct {
	Path   string // as given on the command line, slash-separated
	Source []byte
	// Docs are the YAML documents of the file in order. Prometheus reads
	// only the first document of a plain rule file; PrometheusRule files
	// commonly hold several.
	Docs []*Document
	// Disabled holds file-disable directives: check id -> directive.
	Disabled map[string]*Directive
	// Directives are every agentalerts comment directive in the file, so
	// a directive naming an unknown check can itself be reported.
	Directives []*Directive

	src *srcMap // line index of Source, for ScalarPos
}

// ScalarPos returns the file position of byte offset off in the value of
// scalar node n (a label value, an annotation, any string of the file),
// exact for every scalar style as for expressions. For an expression use
// Rule.Expr.PosAt, which is mapped once by the reader.
func (f *File) ScalarPos(n *yaml.Node, off int) diag.Pos {
	if f.src == nil {
		f.src = newSrcMap(f.Source)
	}
	e := Expr{Value: Value{Value: n.Value, Node: n}, segs: mapScalar(f.src, n)}
	return e.PosAt(f.Path, off)
}

// Document is one YAML document of a file.
type Document struct {
	File   *File
	Index  int // 0-based document index
	Kind   Kind
	Root   *yaml.Node // the document's content node (not the DocumentNode)
	Groups []*Group
}

// Value is a scalar with the node it came from. Node is nil when the key
// was absent; Key is the mapping key node (for "misplaced key" findings).
type Value struct {
	Value string
	Node  *yaml.Node
	Key   *yaml.Node
}

// Present reports whether the key was written in the file at all.
func (v Value) Present() bool { return v.Node != nil }

// KV is one entry of a labels or annotations mapping.
type KV struct {
	Key   Value // Key.Node is the key scalar
	Value Value // Value.Node is the value scalar
}

// Group is one rule group.
type Group struct {
	Doc      *Document
	Node     *yaml.Node // the group mapping
	Name     Value
	Interval Value
	Labels   []KV // group-level labels (Prometheus 3.x)
	// QueryOffset and Limit are the optional query_offset and limit keys.
	QueryOffset Value
	Limit       Value
	// PartialResponseStrategy is Thanos's partial_response_strategy, only
	// accepted in PrometheusRule resources.
	PartialResponseStrategy Value
	Rules                   []*Rule
	// Type is a vmalert group's type when it is not PromQL-like
	// (graphite or vlogs); its expressions are then not parsed.
	Type string

	// eval_offset and eval_delay of a vmalert group, checked together
	// once the whole group is read.
	evalOffset                    time.Duration
	evalOffsetNode, evalDelayNode *yaml.Node
}

// Rule is one alerting or recording rule.
type Rule struct {
	Group         *Group
	Index         int        // 0-based position in the group
	Node          *yaml.Node // the rule mapping
	Alert         Value
	Record        Value
	Expr          Expr
	For           Value
	KeepFiringFor Value
	Labels        []KV // in file order
	Annotations   []KV // in file order
}

// Name is the alert or record name, whichever is set.
func (r *Rule) Name() string {
	if r.Alert.Value != "" {
		return r.Alert.Value
	}
	return r.Record.Value
}

// IsAlert reports whether this is an alerting rule.
func (r *Rule) IsAlert() bool { return r.Alert.Present() && !r.Record.Present() }

// Label returns the rule label with this name, if any.
func (r *Rule) Label(name string) (KV, bool) { return find(r.Labels, name) }

// Annotation returns the annotation with this name, if any.
func (r *Rule) Annotation(name string) (KV, bool) { return find(r.Annotations, name) }

func find(kvs []KV, name string) (KV, bool) {
	for _, kv := range kvs {
		if kv.Key.Value == name {
			return kv, true
		}
	}
	return KV{}, false
}

// Expr is a rule's PromQL expression, parsed once.
type Expr struct {
	Value
	// AST is nil when the expression did not parse.
	AST parser.Expr
	// Err is the parse error, if any; a *MetricsQLError under the
	// vmalert dialect when VictoriaMetrics' parser refuses the text.
	Err error
	// MetricsQL is set when the text is MetricsQL but not PromQL: under
	// vmalert it is valid (and AST is nil), elsewhere Err says why not.
	MetricsQL bool
	// Language is the query language of a vmalert group of another type
	// (graphite, vlogs), whose expressions are not parsed; "" for PromQL.
	Language string
	// segs map byte offsets in Value to file lines and columns; built by
	// the reader so that findings inside a multi-line (| or >) or quoted
	// scalar point at the exact character. A run of characters copied
	// verbatim from one source line is a single segment, which keeps the
	// map a few words per line instead of a few words per character.
	segs []seg
}

// seg says that byte off of the expression is at line:col of the file and
// that, up to the next seg, the following bytes were copied verbatim from
// the same source line (so their columns follow by rune count).
type seg struct{ off, line, col int32 }

// PosAt returns the file position of byte offset off in the expression
// text. Offsets past the end map to the last character.
func (e *Expr) PosAt(file string, off int) diag.Pos {
	if len(e.segs) == 0 {
		return nodePos(file, e.Node)
	}
	if off >= len(e.Value.Value) {
		off = len(e.Value.Value) - 1
	}
	if off < 0 {
		off = 0
	}
	i := sort.Search(len(e.segs), func(i int) bool { return int(e.segs[i].off) > off }) - 1
	if i < 0 {
		i = 0
	}
	s := e.segs[i]
	col := int(s.col)
	if start := int(s.off); start < off {
		col += utf8.RuneCountInString(e.Value.Value[start:off])
	}
	return diag.Pos{File: file, Line: int(s.line), Column: col}
}

// NodePos returns the position of a YAML node in file; a nil node gives
// a position with only the file name.
func nodePos(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Column: n.Column}
}

// NodePos is the exported form of nodePos for checks.
func NodePos(file string, n *yaml.Node) diag.Pos { return nodePos(file, n) }
