package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var alertDuplicate = &lint.Check{
	ID:       "alert/duplicate",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "The same alert defined twice",
		Text: `Two alerting rules with the same name and the same static labels produce
alerts that Alertmanager cannot tell apart: with different expressions,
the alert fires, resolves and fires again as each rule sees its own
series, and a silence or an inhibition for one hits both. An identical
copy doubles the evaluation cost and drifts apart with the next edit.

The check looks across every file linted together. The same name with
different labels (a page and a ticket tier, one rule per service) is
distinct alerts and is not reported: agentalerts generate produces
exactly that. Nor are rules whose expressions provably return series
with different label names (sum by (statefulset) and sum by
(deployment)): they raise different alerts too.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentSystemDown
        expr: up{job="agent"} == 0
        for: 1m
        labels:
          severity: page
      - alert: AgentSystemDown
        expr: up{job="agent-service"} == 0
        for: 5m
        labels:
          severity: page
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentSystemDown
        expr: up{job="agent"} == 0
        for: 1m
        labels:
          severity: page
      - alert: AgentSystemDown
        expr: up{job="agent"} == 0
        for: 10m
        labels:
          severity: ticket
`,
	},
	Finish: checkDuplicateAlerts,
}

// alertIdentity is what makes two alerting rules the same alert: the name
// and the static labels (group labels overridden by rule labels).
func alertIdentity(r *lint.Rule) string {
	m := map[string]string{}
	if r.Group != nil {
		for _, kv := range r.Group.Labels {
			m[kv.Key.Value] = kv.Value.Value
		}
	}
	for _, kv := range r.Labels {
		m[kv.Key.Value] = kv.Value.Value
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(r.Alert.Value)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(m[k])
	}
	return b.String()
}

// normalizedExpr compares expressions by meaning, not layout.
func normalizedExpr(r *lint.Rule) string {
	if ast(r) != nil {
		return ast(r).String()
	}
	return strings.Join(strings.Fields(r.Expr.Value.Value), " ")
}

func checkDuplicateAlerts(p *lint.Pass, files []*lint.File) {
	first := map[string]*lint.Rule{}
	for _, f := range files {
		for _, d := range f.Docs {
			for _, g := range d.Groups {
				for _, r := range g.Rules {
					if !r.IsAlert() {
						continue
					}
					id := alertIdentity(r)
					prev, ok := first[id]
					if !ok {
						first[id] = r
						continue
					}
					if distinctSeries(prev, r) {
						continue
					}
					where := rulePos(prev)
					if normalizedExpr(prev) == normalizedExpr(r) {
						p.ReportAt(r, nil,
							fmt.Sprintf("alert %s is an identical copy of the one at %s", r.Alert.Value, where),
							"delete one of the copies")
						continue
					}
					p.ReportAt(r, r.Expr.Node,
						fmt.Sprintf("alert %s is also defined at %s with the same labels but a different expression: unless their series differ in labels, both raise the same alert", r.Alert.Value, where),
						"give one a distinguishing label (e.g. severity) or a different name, or merge the expressions")
				}
			}
		}
	}
}

// rulePos is where a rule's name is written, for messages that point at
// another rule.
func rulePos(r *lint.Rule) diag.Pos {
	file := ""
	if r.Group != nil && r.Group.Doc != nil && r.Group.Doc.File != nil {
		file = r.Group.Doc.File.Path
	}
	n := r.Node
	if r.Alert.Key != nil {
		n = r.Alert.Key
	}
	return lint.NodePos(file, n)
}

// distinctSeries reports whether two rules' expressions provably return
// series with different label names (sum by (statefulset) and sum by
// (deployment)): their alerts then differ in labels even with the same
// name and static labels, a pattern mixins use to cover several kinds of
// object under one alert name.
func distinctSeries(a, b *lint.Rule) bool {
	if ast(a) == nil || ast(b) == nil {
		return false
	}
	la, lb := outputLabels(ast(a)), outputLabels(ast(b))
	if !la.exact || !lb.exact {
		return false
	}
	return strings.Join(la.known(), ",") != strings.Join(lb.known(), ",")
}
