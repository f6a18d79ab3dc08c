package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/internal/textdist"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var annotationsDroppedLabel = &lint.Check{
	ID:       "annotations/dropped-label",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Precision: "23/23 true",
		Title:     "An annotation uses a label the expression aggregates away, or misspells one",
		Text: `$labels in an annotation holds the labels of the series the expression
returned, nothing else. After sum by (agent_type), only agent_type is
left, so {{ $labels.instance }} expands to an empty string and the page
says "instance  is down". The alert's own labels: are not in $labels
either, nor is alertname, which Prometheus adds after the templates ran
(only a rule over ALERTS reads series that carry one).

The check follows by/without, on/ignoring, group_left/group_right,
label_replace, absent() and the set operators to compute which labels
the result can carry. Where it cannot tell (e.g. info()), it stays quiet,
except for a misspelt label: a name the expression never writes that is
one letter away from a label it does write, or from one that nearly
every Kubernetes or node series carries ($labels.namespaces for
namespace). Under five letters only a plural or singular counts as one
(pods for pod), since short names are one letter apart by chance.
And a label whose exported_ twin the expression reads
(exported_namespace in a matcher, a grouping or an on() list) while it
never names the label itself: exported_namespace is the series' own
namespace, renamed at scrape time, and namespace the exporter's
(kube-state-metrics, ingress-nginx behind a ServiceMonitor), so
{{ $labels.namespace }} names the wrong one (divviup/prio-server#1535).
A label that an absent() arm of an or lacks is reported at info: x != 1
or absent(x{container="api"}) == 1 has a pod label when the left side
fires and none when the absent() side does (absent() returns only the
labels of its selector's = matchers), so "pod {{ $labels.pod }}" reads
"pod " exactly when the pod is gone.
Nor does it report when another annotation of the alert prints the whole
label set ({{ $labels }}, as awesome-prometheus-alerts' descriptions do):
the responder then sees every label the result has, and the empty
placeholder costs nothing but looks.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: HighAgentErrorRate
        expr: sum by (agent_type) (rate(agent_requests_total{status="error"}[5m])) > 1
        for: 5m
        annotations:
          summary: "{{ $labels.instance }} fails requests"
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: HighAgentErrorRate
        expr: sum by (agent_type, instance) (rate(agent_requests_total{status="error"}[5m])) > 1
        for: 5m
        annotations:
          summary: "{{ $labels.instance }} fails requests"
`,
	},
	Rule: checkDroppedLabel,
}

func checkDroppedLabel(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || ast(r) == nil || printsAllLabels(r) {
		return
	}
	var out *labelSet
	// The labels the expression names, once per rule: the annotations of
	// one rule often print several labels.
	var named map[string]bool
	for _, kv := range r.Annotations {
		for _, ref := range labelRefs(kv.Value.Value) {
			if out == nil {
				s := outputLabels(ast(r))
				out = &s
			}
			if ref.name == "alertname" && !mayCarryAlertname(ast(r)) {
				reportInValue(p, r, kv, ref.start, ref.end,
					fmt.Sprintf("annotation %q uses $labels.alertname, which is never set when annotations expand: Prometheus adds alertname to the alert after its templates ran, and the expression selects no series that carries one (ALERTS does)", kv.Key.Value),
					fmt.Sprintf("write the alert's name (%s) instead", r.Name()))
				continue
			}
			if !out.absent(ref.name) {
				if named == nil {
					named = exprLabelNames(ast(r))
				}
				if named["exported_"+ref.name] && !named[ref.name] && !out.absent("exported_"+ref.name) {
					reportInValue(p, r, kv, ref.start, ref.end,
						fmt.Sprintf("annotation %q uses $labels.%s, but the expression reads exported_%s: on these series the series' own %s was renamed exported_%s at scrape time, so %s is the scrape target's (the exporter's own)", kv.Key.Value, ref.name, ref.name, ref.name, ref.name, ref.name),
						fmt.Sprintf("use $labels.exported_%s", ref.name))
					continue
				}
				if want := misspeltLabel(ref.name, named); want != "" {
					reportInValue(p, r, kv, ref.start, ref.end,
						fmt.Sprintf("annotation %q uses $labels.%s, which the expression never names, one letter away from %s: a misspelt label expands to an empty string", kv.Key.Value, ref.name, want),
						fmt.Sprintf("use $labels.%s", want))
				} else if arm := absentArmWithout(ast(r), ref.name); arm != "" {
					// Info: the label is there whenever the other side
					// fires; only the absent() case loses it.
					reportInValueSeverity(p, diag.Info, r, kv, ref.start, ref.end,
						fmt.Sprintf("annotation %q uses $labels.%s, but when the %s side of the or fires, its only labels are the = matchers of the selector, without %s: it expands to an empty string", kv.Key.Value, ref.name, arm, ref.name),
						fmt.Sprintf("put %s=\"…\" in the absent() selector, or say in the text which series is missing", ref.name))
				}
				continue
			}
			msg := fmt.Sprintf("annotation %q uses $labels.%s, but the expression's result has no %s label", kv.Key.Value, ref.name, ref.name)
			if out.exact {
				if k := out.known(); len(k) > 0 {
					msg += fmt.Sprintf(" (it carries only %s)", strings.Join(k, ", "))
				} else {
					msg += " (it carries no labels)"
				}
			}
			if _, ok := ruleLabel(r, ref.name); ok {
				msg += "; labels the rule or its group sets are not part of $labels"
			}
			reportInValue(p, r, kv, ref.start, ref.end, msg+": it expands to an empty string",
				fmt.Sprintf("keep %s in the aggregation (by (…, %s)), or stop using it", ref.name, ref.name))
		}
	}
}

// mayCarryAlertname reports whether a series of the expression's result
// can have an alertname label of its own: it reads ALERTS or
// ALERTS_FOR_STATE, or names alertname in a matcher, a grouping or a
// label_replace.
func mayCarryAlertname(e parser.Expr) bool {
	if exprLabelNames(e)["alertname"] {
		return true
	}
	found := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if vs, ok := n.(*parser.VectorSelector); ok && (vs.Name == "" || strings.HasPrefix(vs.Name, "ALERTS")) {
			found = true
		}
		return !found
	})
	return found
}

// wellKnownLabels are the labels nearly every Kubernetes or node series
// carries, so a name one letter from them is a typo rather than a label.
var wellKnownLabels = []string{
	"namespace", "pod", "container", "node", "instance", "job", "service", "cluster",
	"deployment", "daemonset", "statefulset", "endpoint", "device", "mountpoint",
}

// misspeltLabel returns the label that name is one letter away from,
// when the expression never names name itself (named: in a matcher, a grouping
// or a matching clause) but names that label, or the label is one of the
// well-known ones; or "".
func misspeltLabel(name string, named map[string]bool) string {
	if named[name] {
		return ""
	}
	for _, l := range wellKnownLabels {
		if l == name {
			return ""
		}
	}
	cands := append([]string(nil), wellKnownLabels...)
	for l := range named {
		cands = append(cands, l)
	}
	sort.Strings(cands[len(wellKnownLabels):])
	for _, l := range cands {
		// Short names lie one letter apart by chance (mode, code, node):
		// under five letters only a plural or singular counts.
		if len(name) < 5 && name != l+"s" && l != name+"s" {
			continue
		}
		if textdist.OneLetterApart(name, l) {
			return l
		}
	}
	return ""
}

// exprLabelNames lists the label names an expression writes: matchers,
// by/without, on/ignoring, group_left/right and label_replace targets.
func exprLabelNames(e parser.Expr) map[string]bool {
	names := map[string]bool{}
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		switch n := n.(type) {
		case *parser.VectorSelector:
			for _, m := range n.LabelMatchers {
				names[m.Name] = true
			}
		case *parser.AggregateExpr:
			for _, g := range n.Grouping {
				names[g] = true
			}
		case *parser.BinaryExpr:
			if vm := n.VectorMatching; vm != nil {
				for _, l := range vm.MatchingLabels {
					names[l] = true
				}
				for _, l := range vm.Include {
					names[l] = true
				}
			}
		case *parser.Call:
			if name := callName(n); (name == "label_replace" || name == "label_join") && len(n.Args) > 1 {
				if s, ok := unwrap(n.Args[1]).(*parser.StringLiteral); ok {
					names[s.Val] = true
				}
			}
		}
		return true
	})
	return names
}

// printsAllLabels reports whether an annotation of r prints the whole
// $labels map ({{ $labels }}, {{ range $labels }}, {{ $labels | … }}).
func printsAllLabels(r *lint.Rule) bool {
	for _, kv := range r.Annotations {
		v := kv.Value.Value
		for i := strings.Index(v, "$labels"); i >= 0; {
			rest := strings.TrimLeft(v[i+len("$labels"):], " \t")
			if rest == "" || strings.ContainsRune("}|)", rune(rest[0])) {
				return true
			}
			j := strings.Index(v[i+1:], "$labels")
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return false
}

// absentArmWithout returns "absent(…)" when e is an or chain with an arm
// that is absent() (or absent_over_time(), compared or not) whose result
// certainly lacks label l: absent() returns only the labels of its
// selector's = matchers.
func absentArmWithout(e parser.Expr, l string) string {
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok || b.Op != parser.LOR {
		return ""
	}
	for _, arm := range []parser.Expr{b.LHS, b.RHS} {
		if a := absentArmWithout(arm, l); a != "" {
			return a
		}
		x := unwrap(arm)
		if c, ok := x.(*parser.BinaryExpr); ok && c.Op.IsComparisonOperator() {
			if _, isNum := scalarValue(c.RHS); isNum {
				x = unwrap(c.LHS)
			}
		}
		if fn := callName(x); fn == "absent" || fn == "absent_over_time" {
			if out := outputLabels(x); out.exact && out.absent(l) {
				return fn + "(…)"
			}
		}
	}
	return ""
}
