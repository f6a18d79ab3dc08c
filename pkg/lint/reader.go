package lint

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/yamlx"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

// promql is shared by every reader: a parser holds only its options and
// builds per-call state, so one value is safe for concurrent use.
var promql = parser.NewParser(parser.Options{})

// ParseExpr parses a PromQL expression with the same parser the reader
// uses, for checks that need to re-parse a fragment.
func ParseExpr(s string) (parser.Expr, error) { return promql.ParseExpr(s) }

// Known keys at each level of a rule file. Prometheus decodes rule files
// strictly, so any other key makes it refuse the file.
var (
	topKeys   = []string{"groups"}
	groupKeys = []string{"name", "interval", "query_offset", "limit", "rules", "labels"}
	ruleKeys  = []string{"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
	// annotationKeys are annotation names commonly written one level too
	// high, beside expr:, so the fix can say where they belong.
	annotationKeys = map[string]bool{
		"summary": true, "description": true, "runbook_url": true, "runbook": true,
		"message": true, "dashboard": true, "dashboard_url": true, "playbook": true,
	}
)

// ReadFile decodes src, the content of the file at path, into the model.
// It returns the file, which is never nil, and the problems found while
// reading: YAML syntax, schema (unknown, misplaced or mistyped keys,
// missing fields, the wrong shape) and malformed directives. Everything
// Prometheus would check while loading but that needs no more than one
// rule (PromQL syntax, durations, names, templates) is left to checks,
// which find the parsed expression in Expr.AST and Expr.Err.
func ReadFile(path string, src []byte) (*File, []diag.Diagnostic) {
	return ReadFileLimits(path, src, ReadLimits{})
}

// ReadFileLimits is ReadFile under the given limits.
func ReadFileLimits(path string, src []byte, lim ReadLimits) (*File, []diag.Diagnostic) {
	return ReadFileDialect(path, src, lim, DialectPrometheus)
}

// ReadFileDialect is ReadFileLimits for a file written for dialect d:
// the fields its engine accepts, and under vmalert MetricsQL expressions.
func ReadFileDialect(path string, src []byte, lim ReadLimits, d Dialect) (*File, []diag.Diagnostic) {
	lim = lim.withDefaults()
	if d == "" {
		d = DialectPrometheus
	}
	f := &File{Path: path, Source: src, Disabled: map[string]*Directive{}}
	if line := documentStart(src, lim.MaxDocuments); line > 0 {
		// Counted before anything else is built: the decoder's cost and
		// the line index's are per document and per line.
		return f, []diag.Diagnostic{{
			Pos: diag.Pos{File: path, Line: line, Column: 1}, Check: IDRead, Severity: diag.Error,
			Message: fmt.Sprintf("more than %d YAML documents in one file (document %d starts here): not decoded; not a rule file?", lim.MaxDocuments, lim.MaxDocuments+1),
			Limit:   LimitDocuments,
		}}
	}
	r := &reader{f: f, m: newSrcMap(src), lim: lim, dialect: d, schema: d.schema()}
	r.f.src = r.m
	r.read()
	r.directives()
	return r.f, r.diags
}

type reader struct {
	f     *File
	m     *srcMap
	diags []diag.Diagnostic
	// group and rule name the place being read, for findings.
	groupName, rule string
	// exprCost is the parser work spent on this file (see exprLimit).
	exprCost int64
	// regexBytes are the =~ and !~ patterns of this file so far.
	regexBytes int64
	lim        ReadLimits
	dialect    Dialect
	schema     schema
}

func (r *reader) read() {
	var others []*Document // documents that are not rules at all
	rules := 0
	warnedMulti := false
	i := -1
	err := yamlx.Documents(r.f.Source, func(n *yaml.Node) bool {
		i++
		if d := aliasBomb(r.f.Path, n); d != nil {
			r.diags = append(r.diags, *d)
			return false
		}
		doc := &Document{File: r.f, Index: i, Root: yamlx.Root(n)}
		r.f.Docs = append(r.f.Docs, doc)
		r.document(doc)
		switch doc.Kind {
		case KindUnknown:
			others = append(others, doc)
		case KindRuleFile:
			rules++
			// Prometheus decodes only the first document, so any later
			// groups are lost, even when the first document is empty.
			if doc.Index > 0 && !warnedMulti && !r.schema.allDocs {
				warnedMulti = true
				r.report(IDSchemaMultiDocument, diag.Warning, doc.Root,
					fmt.Sprintf("Prometheus reads only the first YAML document of a rule file; the groups in document %d are never loaded", i+1),
					"move every group into the first document, or into a file of its own")
			}
		case KindPrometheusRule:
			// Other objects may share a file with PrometheusRule resources
			// (a rendered chart); beside rule-carrying ConfigMaps they are
			// still flagged, as such a file is no rule file either.
			rules++
		}
		return true
	})
	var se *yamlx.SyntaxError
	if errors.As(err, &se) {
		d := syntaxDiag(r.f.Path, se)
		if se.TooDeep {
			// A limit of the decoder, not a typo: hostile input (exit 2).
			d.Check, d.Fix = IDRead, ""
			d.Message = "YAML nested deeper than the decoder's limit of 10000 levels: not a rule file?"
		}
		r.diags = append(r.diags, d)
	}
	if rules == 0 && len(others) > 0 && others[0].Root != nil && others[0].Root.Kind == yaml.MappingNode {
		d := others[0]
		what := "this YAML"
		if k := MapGet(d.Root, "kind"); k != nil && k.Kind == yaml.ScalarNode {
			what = "a " + k.Value + " resource"
		}
		r.report(IDSchemaNotRules, diag.Error, d.Root,
			fmt.Sprintf("not a rule file: %s has neither groups: nor kind: PrometheusRule", what),
			"pass only rule files to lint, or exclude this path")
	}
}

// syntaxDiag reports YAML that does not parse.
func syntaxDiag(path string, se *yamlx.SyntaxError) diag.Diagnostic {
	return diag.Diagnostic{
		Pos:      diag.Pos{File: path, Line: se.Line, Column: se.Column},
		Check:    IDYAMLSyntax,
		Severity: diag.Error,
		Message:  "YAML syntax: " + se.Msg,
		Fix:      "fix the YAML around this line; Prometheus cannot read the file at all",
	}
}

func (r *reader) report(id string, sev diag.Severity, n *yaml.Node, msg, fix string) {
	r.diags = append(r.diags, diag.Diagnostic{
		Pos: NodePos(r.f.Path, n), Check: id, Severity: sev,
		Message: msg, Fix: fix, Group: r.groupName, Rule: r.rule,
	})
}

func (r *reader) document(doc *Document) {
	root := resolve(doc.Root)
	switch {
	case root == nil || isNull(root):
		doc.Kind = KindEmpty
	case root.Kind == yaml.MappingNode:
		kind, api := MapGet(root, "kind"), MapGet(root, "apiVersion")
		switch {
		case kind != nil && kind.Value == "PrometheusRule" && api != nil && strings.HasPrefix(api.Value, "monitoring.coreos.com/"):
			doc.Kind = KindPrometheusRule
			spec := resolve(MapGet(root, "spec"))
			if spec == nil || spec.Kind != yaml.MappingNode {
				r.report(IDSchemaMissingField, diag.Error, root, "PrometheusRule has no spec: mapping", "add spec: with groups: under it")
				return
			}
			r.mapping(spec, "PrometheusRule spec", topKeys, func(k, v *yaml.Node) {})
			r.groups(doc, spec, true)
		case kind != nil && kind.Value == "ConfigMap" && r.configMap(doc, root):
			doc.Kind = KindConfigMap
		case kind == nil && api == nil && MapGet(root, "groups") == nil && (MapGet(root, "tests") != nil || MapGet(root, "rule_files") != nil):
			doc.Kind = KindUnitTest
		case kind != nil || api != nil:
			doc.Kind = KindUnknown
		default:
			doc.Kind = KindRuleFile
			r.mapping(root, "rule file", r.schema.top, func(k, v *yaml.Node) {
				if k.Value == "namespace" {
					if n := r.scalar(k, v, "namespace").Node; n != nil && n.Value == "" {
						r.report(IDSchemaFieldValue, diag.Error, n, "namespace is empty", "name the namespace, or remove the key to use the file name")
					}
				}
			})
			r.groups(doc, root, false)
		}
	case root.Kind == yaml.SequenceNode:
		if looksLikeRules(root) {
			doc.Kind = KindBareList
			r.report(IDSchemaBareList, diag.Error, root,
				"a bare list of rules: Prometheus expects a mapping with groups:, each group with a name and rules:",
				`wrap the list in a group: add "groups:", "- name: <group>" and "  rules:" above it and indent the rules under rules:`)
			return
		}
		doc.Kind = KindUnknown
		r.report(IDSchemaWrongType, diag.Error, root, "a rule file must be a mapping with groups:, not a list", "start the file with groups:")
	default:
		doc.Kind = KindUnknown
		r.report(IDSchemaWrongType, diag.Error, root, "a rule file must be a mapping with groups:, not "+describe(root), "start the file with groups:")
	}
}

// configMap reads the rule files embedded in a ConfigMap's data: values
// written as literal block scalars whose text has a top-level groups: key.
// It reports whether there was any.
func (r *reader) configMap(doc *Document, root *yaml.Node) bool {
	data := resolve(MapGet(root, "data"))
	if data == nil || data.Kind != yaml.MappingNode {
		return false
	}
	found := false
	for i := 0; i+1 < len(data.Content); i += 2 {
		v := data.Content[i+1]
		if v.Kind != yaml.ScalarNode || v.Style&yaml.LiteralStyle == 0 || !embedsRules(v.Value) {
			continue
		}
		if r.embedded(doc, v) {
			found = true
		}
	}
	return found
}

// embedsRules reports whether text has a groups: key at its top level.
func embedsRules(text string) bool {
	return strings.HasPrefix(text, "groups:") || strings.Contains(text, "\ngroups:")
}

// embedded reads the rule file in literal scalar v. A literal block keeps
// its text verbatim, only indented, so every embedded position maps to the
// outer file by a fixed line and column shift.
func (r *reader) embedded(doc *Document, v *yaml.Node) bool {
	segs := mapScalar(r.m, v)
	if len(segs) == 0 {
		return false
	}
	// The first character of the value sits at segs[0]: embedded line 1,
	// column 1 is there.
	dl, dc := int(segs[0].line)-1, int(segs[0].col)-1
	n, err := yamlx.Parse([]byte(v.Value))
	var se *yamlx.SyntaxError
	if errors.As(err, &se) {
		d := syntaxDiag(r.f.Path, se)
		d.Pos.Line += dl
		d.Pos.Column += dc
		r.diags = append(r.diags, d)
		return true
	}
	root := resolve(yamlx.Root(n))
	if root == nil {
		return false
	}
	shift(n, dl, dc)
	if root.Kind != yaml.MappingNode {
		return false
	}
	r.mapping(root, "rule file", topKeys, func(k, v *yaml.Node) {})
	r.groups(doc, root, false)
	return true
}

// shift moves every node of a tree by dl lines and dc columns.
func shift(n *yaml.Node, dl, dc int) {
	yamlx.Walk(n, func(n *yaml.Node) {
		n.Line += dl
		n.Column += dc
	})
}

// looksLikeRules reports whether a sequence holds rule mappings.
func looksLikeRules(n *yaml.Node) bool {
	for _, it := range n.Content {
		it = resolve(it)
		if it.Kind == yaml.MappingNode && (MapGet(it, "alert") != nil || MapGet(it, "record") != nil || MapGet(it, "expr") != nil) {
			return true
		}
	}
	return false
}

// groups reads the groups: key of parent (the file root or a spec).
func (r *reader) groups(doc *Document, parent *yaml.Node, crd bool) {
	var gs *yaml.Node
	var key *yaml.Node
	for i := 0; i+1 < len(parent.Content); i += 2 {
		if parent.Content[i].Value == "groups" {
			key, gs = parent.Content[i], resolve(parent.Content[i+1])
		}
	}
	if key == nil {
		if len(parent.Content) > 0 {
			where := "the file"
			if crd {
				where = "spec"
			}
			r.report(IDSchemaMissingField, diag.Error, parent, "no groups: key in "+where, "rules must be in groups: a list of {name, rules}")
		}
		return
	}
	if gs == nil || isNull(gs) {
		return
	}
	if gs.Kind != yaml.SequenceNode {
		r.report(IDSchemaWrongType, diag.Error, gs, "groups must be a list of groups, not "+describe(gs), "write groups: as a list: - name: ...")
		return
	}
	for _, gn := range gs.Content {
		if g := r.group(doc, gn, crd); g != nil {
			doc.Groups = append(doc.Groups, g)
		}
	}
}

func (r *reader) group(doc *Document, n *yaml.Node, crd bool) *Group {
	n = resolve(n)
	r.groupName, r.rule = "", ""
	if n.Kind != yaml.MappingNode {
		r.report(IDSchemaWrongType, diag.Error, n, "a group must be a mapping with name: and rules:, not "+describe(n), "")
		return nil
	}
	if name := resolve(MapGet(n, "name")); name != nil && name.Kind == yaml.ScalarNode {
		r.groupName = name.Value
	}
	g := &Group{Doc: doc, Node: n}
	keys := r.schema.group
	if crd {
		// prometheus-operator's RuleGroup, whatever engine loads it.
		keys = with(groupKeys, "partial_response_strategy")
	}
	var rules *yaml.Node
	r.mapping(n, "group", keys, func(k, v *yaml.Node) {
		switch k.Value {
		case "name":
			g.Name = r.scalar(k, v, "group name")
		case "interval":
			g.Interval = r.scalar(k, v, "interval")
		case "query_offset":
			g.QueryOffset = r.scalar(k, v, "query_offset")
		case "limit":
			g.Limit = r.scalar(k, v, "limit")
			if g.Limit.Present() && !isNull(g.Limit.Node) {
				if _, err := strconv.Atoi(g.Limit.Value); err != nil {
					r.report(IDSchemaWrongType, diag.Error, v, fmt.Sprintf("limit must be a whole number, not %q", g.Limit.Value), "")
				} else if strings.HasPrefix(g.Limit.Value, "-") && r.dialect == DialectVMAlert {
					r.report(IDSchemaFieldValue, diag.Error, v, fmt.Sprintf("limit must be at least 0, not %s: vmalert refuses the group", g.Limit.Value), "")
				}
			}
		case "labels":
			g.Labels = r.kvs(k, v, "labels")
		case "partial_response_strategy":
			r.dialectValue(g, k, v)
			g.PartialResponseStrategy = r.scalar(k, v, "partial_response_strategy")
		case "rules":
			rules = v
		default:
			r.dialectValue(g, k, v)
		}
	})
	r.groupDialectChecks(g)
	if g.Name.Value == "" {
		at := n
		if g.Name.Node != nil {
			at = g.Name.Node
		}
		r.report(IDSchemaMissingField, diag.Error, at, "group has no name", "add name: with a name unique in the file")
	}
	if rules = resolve(rules); rules != nil && !isNull(rules) {
		if rules.Kind != yaml.SequenceNode {
			r.report(IDSchemaWrongType, diag.Error, rules, "rules must be a list of rules, not "+describe(rules), "write rules: as a list: - alert: ...")
		} else {
			for _, rn := range rules.Content {
				if rule := r.readRule(g, rn); rule != nil {
					rule.Index = len(g.Rules)
					g.Rules = append(g.Rules, rule)
				}
			}
		}
	}
	r.rule = ""
	return g
}

func (r *reader) readRule(g *Group, n *yaml.Node) *Rule {
	n = resolve(n)
	r.rule = ""
	if n.Kind != yaml.MappingNode {
		r.report(IDSchemaWrongType, diag.Error, n, "a rule must be a mapping with alert: or record: and expr:, not "+describe(n), "")
		return nil
	}
	for _, key := range []string{"alert", "record"} {
		if v := resolve(MapGet(n, key)); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
			r.rule = v.Value
			break
		}
	}
	rule := &Rule{Group: g, Node: n}
	var exprNode *yaml.Node
	r.mapping(n, "rule", r.schema.rule, func(k, v *yaml.Node) {
		switch k.Value {
		case "alert":
			rule.Alert = r.scalar(k, v, "alert")
		case "record":
			rule.Record = r.scalar(k, v, "record")
		case "expr":
			rule.Expr.Value = r.scalar(k, v, "expr")
			exprNode = resolve(v)
		case "for":
			rule.For = r.scalar(k, v, "for")
		case "keep_firing_for":
			rule.KeepFiringFor = r.scalar(k, v, "keep_firing_for")
		case "labels":
			rule.Labels = r.kvs(k, v, "labels")
		case "annotations":
			rule.Annotations = r.kvs(k, v, "annotations")
		default:
			r.dialectValue(g, k, v)
		}
	})
	alert, record := rule.Alert.Value != "", rule.Record.Value != ""
	switch {
	case alert && record:
		r.report(IDSchemaAlertRecord, diag.Error, rule.Record.Key,
			"a rule sets both alert: and record:", "split it into an alerting rule and a recording rule")
	case !alert && !record && !mistyped(rule.Alert) && !mistyped(rule.Record):
		r.report(IDSchemaMissingField, diag.Error, n, "a rule needs alert: or record:", "add alert: <Name> for an alerting rule, or record: <level:metric:operations> for a recording rule")
	}
	if rule.Expr.Value.Value == "" && !mistyped(rule.Expr.Value) {
		at := n
		if rule.Expr.Node != nil {
			at = rule.Expr.Node
		}
		r.report(IDSchemaMissingField, diag.Error, at, "a rule needs a non-empty expr:", "add expr: with the PromQL query")
	} else if rule.Expr.Value.Value != "" {
		if err := r.exprLimit(rule.Expr.Value.Value); err != nil {
			rule.Expr.Err = err
			r.report(IDRead, diag.Error, rule.Expr.Value.Node, err.Error(), "")
			r.diags[len(r.diags)-1].Limit = err.(*errExprLimit).limit
		} else {
			rule.Expr.AST, rule.Expr.Err = promql.ParseExpr(rule.Expr.Value.Value)
		}
		if rule.Expr.Err != nil {
			// The parser returns a partial tree on error; checks are
			// promised a nil AST instead, so none reasons about half a query.
			rule.Expr.AST = nil
		}
		if !IsLimitError(rule.Expr.Err) {
			r.exprDialect(g, rule)
		}
		// An aliased expression is mapped into its anchor, where its
		// characters are written.
		rule.Expr.segs = mapScalar(r.m, exprNode)
	}
	return rule
}

// mistyped reports whether a key was written with a value of the wrong
// shape, already reported as schema/wrong-type.
func mistyped(v Value) bool { return v.Key != nil && v.Node == nil }

// mapping walks the entries of mapping n (following aliases and << merge
// keys), reporting duplicate and unknown keys, and calls fn for each
// known key in file order.
func (r *reader) mapping(n *yaml.Node, what string, known []string, fn func(k, v *yaml.Node)) {
	for e := range (yamlx.Schema{Known: known, Merge: true}).Entries(n) {
		k, v := e.Key, e.Value
		switch e.Problem {
		case yamlx.NotString:
			r.report(IDSchemaWrongType, diag.Error, k, fmt.Sprintf("a %s key must be a string, not %s", what, describe(k)), "")
		case yamlx.Duplicate:
			r.report(IDYAMLDuplicateKey, diag.Error, k,
				fmt.Sprintf("%q is defined twice in this %s (first at line %d)", k.Value, what, e.First.Line),
				"keep one of them; YAML does not allow a key twice in a mapping")
		case yamlx.Unknown:
			msg, fix := fmt.Sprintf("unknown field %q in %s", k.Value, what), unknownFieldFix(k.Value, e.Suggest, v, what, known)
			if others := r.dialect.acceptedBy(what, k.Value); len(others) > 0 && what != "PrometheusRule spec" {
				msg += fmt.Sprintf(": a field of %s, not of %s", strings.Join(others, ", "), r.dialect)
				fix = fmt.Sprintf("if %s evaluates this file, lint it in that dialect (dialect: %s in the lint config); otherwise remove it", others[0], others[0])
			}
			r.report(IDSchemaUnknownField, diag.Error, k, msg, fix)
		default:
			fn(k, v)
		}
	}
}

// scalar reads a value that must be a string (any YAML scalar reads as
// its text, as Prometheus decodes it into a string field).
func (r *reader) scalar(k, v *yaml.Node, what string) Value {
	if v.Kind == yaml.AliasNode {
		if t := resolve(v); t != nil && t.Kind == yaml.ScalarNode {
			// The anchored value, placed where the alias is written, so a
			// finding on it points here and not at the anchor, which may
			// be in another rule.
			c := *t
			c.Line, c.Column, c.Anchor = v.Line, v.Column, ""
			v = &c
		}
	}
	v = resolve(v)
	if v.Kind != yaml.ScalarNode {
		r.report(IDSchemaWrongType, diag.Error, v, fmt.Sprintf("%s must be a single value, not %s", what, describe(v)), "")
		return Value{Key: k}
	}
	val := v.Value
	if isNull(v) {
		val = ""
	}
	return Value{Value: val, Node: v, Key: k}
}

// kvs reads a labels or annotations mapping.
func (r *reader) kvs(k, v *yaml.Node, what string) []KV {
	v = resolve(v)
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		r.report(IDSchemaWrongType, diag.Error, v, fmt.Sprintf("%s must be a mapping of name: value, not %s", what, describe(v)), "")
		return nil
	}
	var out []KV
	for e := range (yamlx.Schema{Merge: true}).Entries(v) {
		kk, vv := e.Key, e.Value
		switch e.Problem {
		case yamlx.NotString:
			r.report(IDSchemaWrongType, diag.Error, kk, fmt.Sprintf("%s names must be strings, not %s", what, describe(kk)), "")
			continue
		case yamlx.Duplicate:
			r.report(IDYAMLDuplicateKey, diag.Error, kk,
				fmt.Sprintf("%q is defined twice in %s (first at line %d)", kk.Value, what, e.First.Line),
				"keep one of them; YAML does not allow a key twice in a mapping")
			continue
		}
		var val Value
		if rv := resolve(vv); rv.Kind == yaml.ScalarNode {
			val = r.scalar(kk, vv, "") // the common case: no message to build
		} else {
			val = r.scalar(kk, vv, fmt.Sprintf("%s %q", strings.TrimSuffix(what, "s"), kk.Value))
		}
		out = append(out, KV{Key: Value{Value: kk.Value, Node: kk, Key: kk}, Value: val})
	}
	return out
}

// unknownFieldFix suggests where an unknown key belongs.
func unknownFieldFix(key, suggest string, v *yaml.Node, what string, known []string) string {
	if s := suggest; s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	v = resolve(v)
	switch what {
	case "rule":
		if annotationKeys[key] {
			return "move it under annotations:"
		}
		if v != nil && v.Kind == yaml.ScalarNode && isLabelName(key) {
			return "move it under labels:"
		}
	case "group":
		if slices.Contains(ruleKeys, key) {
			return "rule fields go inside rules: as a list item (- " + key + ": ...)"
		}
	case "rule file":
		if key == "name" || key == "rules" {
			return "groups go in a list under groups: (groups: - name: ... rules: ...)"
		}
		if slices.Contains(ruleKeys, key) {
			return "rules go in groups: (groups: - name: ... rules: - " + key + ": ...)"
		}
	}
	return "known fields: " + strings.Join(known, ", ")
}

func isLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func resolve(n *yaml.Node) *yaml.Node { return yamlx.Resolve(n) }

func isNull(n *yaml.Node) bool { return yamlx.IsNull(n) }

// MapGet is the value of key in mapping n, nil when n is no mapping or
// lacks the key (yamlx.Get, kept for the checks that use it).
func MapGet(n *yaml.Node, key string) *yaml.Node { return yamlx.Get(n, key) }

func describe(n *yaml.Node) string {
	if s := yamlx.Shape(n); s != "" {
		return s
	}
	return fmt.Sprintf("the value %q", n.Value)
}
