package lint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metricsql"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/yamlx"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Dialect is the rule engine a file is written for. Each engine decodes
// rule files strictly but knows its own fields, so one key is valid in
// a Thanos file and fatal in a Prometheus one.
type Dialect string

// The dialects lint knows. The field lists below follow each engine's
// source, as cited in docs/dialects.md.
const (
	DialectPrometheus Dialect = "prometheus"
	DialectThanos     Dialect = "thanos"
	DialectMimir      Dialect = "mimir"
	DialectCortex     Dialect = "cortex"
	DialectVMAlert    Dialect = "vmalert"
)

// Dialects are every dialect, in the order help and docs list them.
var Dialects = []Dialect{DialectPrometheus, DialectThanos, DialectMimir, DialectCortex, DialectVMAlert}

// DialectNames are the Dialects as strings, for flags and completion.
func DialectNames() []string {
	out := make([]string, len(Dialects))
	for i, d := range Dialects {
		out[i] = string(d)
	}
	return out
}

// ParseDialect returns the dialect called s ("" is prometheus).
func ParseDialect(s string) (Dialect, error) {
	if s == "" {
		return DialectPrometheus, nil
	}
	for _, d := range Dialects {
		if string(d) == s {
			return d, nil
		}
	}
	return "", fmt.Errorf("unknown dialect %q: expected one of %s", s, strings.Join(DialectNames(), ", "))
}

// schema is what one engine accepts.
type schema struct {
	top, group, rule []string
	// allDocs: the engine reads every YAML document of a file, so a
	// second document is not lost (vmalert, mimirtool and cortextool loop
	// over the stream; Prometheus and Thanos decode one document).
	allDocs bool
}

var schemas = map[Dialect]schema{
	DialectPrometheus: {top: topKeys, group: groupKeys, rule: ruleKeys},
	// Thanos Ruler inlines Prometheus's rulefmt.RuleGroup and adds one key
	// (pkg/rules/manager.go, configRuleAdapter).
	DialectThanos: {top: topKeys, group: with(groupKeys, "partial_response_strategy"), rule: ruleKeys},
	// mimirtool namespace files (pkg/mimirtool/rules/rules.go,
	// RuleNamespace) over Mimir's fork of rulefmt.RuleGroup
	// (pkg/ruler/rulespb/compat.go maps each field).
	DialectMimir: {top: with(topKeys, "namespace"),
		group:   with(groupKeys, "source_tenants", "evaluation_delay", "align_evaluation_time_on_interval"),
		rule:    ruleKeys,
		allDocs: true},
	// Cortex decodes Prometheus's rulefmt.RuleGroup (pkg/ruler/api.go);
	// cortextool files add namespace: at the top.
	DialectCortex: {top: with(topKeys, "namespace"), group: groupKeys, rule: ruleKeys, allDocs: true},
	// vmalert's own types (app/vmalert/config/config.go, Group and Rule);
	// it has no query_offset.
	DialectVMAlert: {top: topKeys,
		group: []string{"name", "type", "interval", "eval_offset", "eval_delay", "limit", "rules", "concurrency",
			"labels", "params", "headers", "notifier_headers", "eval_alignment", "debug"},
		rule:    with(ruleKeys, "debug", "update_entries_limit"),
		allDocs: true},
}

func with(list []string, more ...string) []string {
	return append(list[:len(list):len(list)], more...)
}

func (d Dialect) schema() schema {
	if s, ok := schemas[d]; ok {
		return s
	}
	return schemas[DialectPrometheus]
}

// acceptedBy names the other dialects whose schema for what (top, group
// or rule) has key, for the message of an unknown field.
func (d Dialect) acceptedBy(what, key string) []string {
	var out []string
	for _, o := range Dialects {
		if o == d {
			continue
		}
		s := o.schema()
		list := s.top
		switch what {
		case "group":
			list = s.group
		case "rule":
			list = s.rule
		}
		if slices.Contains(list, key) {
			out = append(out, string(o))
		}
	}
	return out
}

// MetricsQLError is an expression that VictoriaMetrics' MetricsQL parser
// refuses, under the vmalert dialect.
type MetricsQLError struct{ Err error }

func (e *MetricsQLError) Error() string { return e.Err.Error() }
func (e *MetricsQLError) Unwrap() error { return e.Err }

// ParsesAsMetricsQL reports whether VictoriaMetrics' own parser accepts s.
func ParsesAsMetricsQL(s string) bool {
	_, err := metricsql.Parse(s)
	return err == nil
}

// dialectValue checks the value of a dialect-specific key, as its engine
// would when loading the file. g collects what later checks need.
func (r *reader) dialectValue(g *Group, k, v *yaml.Node) {
	bad := func(n *yaml.Node, format string, args ...any) {
		r.report(IDSchemaFieldValue, diag.Error, n, fmt.Sprintf(format, args...), "")
	}
	scalar := func() (*yaml.Node, bool) {
		s := r.scalar(k, v, k.Value)
		return s.Node, s.Node != nil && !isNull(s.Node)
	}
	switch k.Value {
	case "partial_response_strategy":
		if n, ok := scalar(); ok {
			if s := strings.ToLower(n.Value); s != "warn" && s != "abort" && s != "" {
				bad(n, "partial_response_strategy must be warn or abort, not %q (Thanos refuses the file)", n.Value)
			}
		}
	case "source_tenants":
		r.stringList(v, k.Value, func(n *yaml.Node) {
			if strings.TrimSpace(n.Value) == "" {
				bad(n, "source_tenants holds an empty tenant ID")
			}
		})
	case "align_evaluation_time_on_interval", "eval_alignment", "debug":
		if n, ok := scalar(); ok {
			if _, err := strconv.ParseBool(n.Value); err != nil || n.Tag != "!!bool" {
				bad(n, "%s must be true or false, not %q", k.Value, n.Value)
			}
		}
	case "evaluation_delay":
		if n, ok := scalar(); ok {
			if _, err := model.ParseDuration(n.Value); err != nil {
				bad(n, "evaluation_delay: %q is not a duration like 1m (%v)", n.Value, err)
			}
		}
	case "eval_offset", "eval_delay":
		if n, ok := scalar(); ok {
			d, err := vmDuration(n.Value)
			if err != nil {
				bad(n, "%s: %q is not a duration like 1m (%v)", k.Value, n.Value, err)
				return
			}
			if k.Value == "eval_offset" {
				g.evalOffset, g.evalOffsetNode = d, n
			} else {
				g.evalDelayNode = n
			}
		}
	case "concurrency", "update_entries_limit":
		if n, ok := scalar(); ok {
			if i, err := strconv.Atoi(n.Value); err != nil || i < 0 {
				bad(n, "%s must be a whole number of at least 0, not %q", k.Value, n.Value)
			}
		}
	case "type":
		if n, ok := scalar(); ok {
			switch n.Value {
			case "prometheus", "":
			case "graphite", "vlogs":
				g.Type = n.Value
			default:
				bad(n, "type must be prometheus, graphite or vlogs, not %q (vmalert refuses the file)", n.Value)
			}
		}
	case "params":
		p := resolve(v)
		if isNull(p) {
			return
		}
		if p.Kind != yaml.MappingNode {
			bad(p, "params must be a mapping of URL parameter: value (or list of values), not %s", describe(p))
			return
		}
		for e := range (yamlx.Schema{Merge: true}).Entries(p) {
			pk, pv := e.Key, resolve(e.Value)
			if pv.Kind == yaml.SequenceNode {
				r.stringList(pv, "params "+pk.Value, func(*yaml.Node) {})
			} else if pv.Kind != yaml.ScalarNode {
				bad(pv, "params %q must be a value or a list of values, not %s", pk.Value, describe(pv))
			}
		}
	case "headers", "notifier_headers":
		r.stringList(v, k.Value, func(n *yaml.Node) {
			if n.Value != "" && !strings.Contains(n.Value, ":") {
				bad(n, "%s entry %q has no ':': vmalert expects \"Name: value\"", k.Value, n.Value)
			}
		})
	}
}

// vmDuration parses a duration as vmalert does (promutil.Duration reads
// MetricsQL durations, which also allow a sign and fractions).
func vmDuration(s string) (time.Duration, error) {
	ms, err := metricsql.DurationValue(s, 0)
	return time.Duration(ms) * time.Millisecond, err
}

// stringList checks that v is a list of scalars and calls fn on each.
func (r *reader) stringList(v *yaml.Node, what string, fn func(*yaml.Node)) {
	v = resolve(v)
	if isNull(v) {
		return
	}
	if v.Kind != yaml.SequenceNode {
		r.report(IDSchemaWrongType, diag.Error, v, fmt.Sprintf("%s must be a list of strings, not %s", what, describe(v)), "")
		return
	}
	for _, it := range v.Content {
		it = resolve(it)
		if it.Kind != yaml.ScalarNode {
			r.report(IDSchemaWrongType, diag.Error, it, fmt.Sprintf("%s must be a list of strings, not a list holding %s", what, describe(it)), "")
			continue
		}
		fn(it)
	}
}

// groupDialectChecks are the checks of a vmalert group that need two of
// its fields together (app/vmalert/config/config.go, Group.Validate).
func (r *reader) groupDialectChecks(g *Group) {
	if g.evalOffsetNode == nil {
		return
	}
	if g.evalDelayNode != nil {
		r.report(IDSchemaFieldValue, diag.Error, g.evalDelayNode, "eval_offset and eval_delay exclude each other in vmalert", "keep one of them")
	}
	var interval time.Duration
	if g.Interval.Present() {
		interval, _ = vmDuration(g.Interval.Value)
	}
	if g.evalOffset.Abs() > interval {
		msg := fmt.Sprintf("eval_offset %s is longer than the group's interval %s: vmalert refuses the group", g.evalOffsetNode.Value, g.Interval.Value)
		if !g.Interval.Present() {
			msg = "eval_offset needs an explicit interval: in the group, at least as long as the offset: vmalert refuses the group"
		}
		r.report(IDSchemaFieldValue, diag.Error, g.evalOffsetNode, msg, "")
	}
}

// exprDialect judges rule's expression by the language its engine reads.
// vmalert parses every expression of a prometheus-type group with
// MetricsQL (app/vmalert/config/types.go, ValidateExpr), so that parser's
// verdict is the one that counts; the PromQL tree stays for the PromQL
// checks whenever the text is also PromQL. Elsewhere a PromQL error on
// MetricsQL text is marked, so the finding can name the dialect.
func (r *reader) exprDialect(g *Group, rule *Rule) {
	text := rule.Expr.Value.Value
	if r.dialect != DialectVMAlert {
		if rule.Expr.Err != nil && ParsesAsMetricsQL(text) {
			rule.Expr.MetricsQL = true
		}
		return
	}
	if g.Type != "" {
		// Graphite or LogsQL: neither parser applies.
		rule.Expr.AST, rule.Expr.Err, rule.Expr.Language = nil, nil, g.Type
		return
	}
	if _, err := metricsql.Parse(text); err != nil {
		rule.Expr.AST, rule.Expr.Err = nil, &MetricsQLError{Err: err}
		return
	}
	if rule.Expr.Err != nil {
		rule.Expr.Err, rule.Expr.MetricsQL = nil, true
	}
}
