package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var vectorMatching = &lint.Check{
	ID:       "promql/vector-matching",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title:     "A binary operation between vectors whose labels can never match, or match several series to one",
		Precision: "21/21 true",
		Text: `Without on() or ignoring(), an arithmetic, comparison, and or unless
operation between two vectors pairs series whose labels are all equal
(the metric name aside). When one side was aggregated by (job) and the
other by (job, instance), or one side was summed away to no labels while
the other keeps its scrape labels, no pair ever matches: the result is
always empty, so the alert never fires and the recording rule records
nothing, silently.

The check uses the same label inference as the $labels checks: it only
reports when aggregations (by, without), on() lists or label_replace
prove that a label is on one side and not on the other. A side of raw
series is taken to carry labels only when every series it reads is an
exporter's (no recording-rule colon in its name). A series recorded in
the same file, by one rule with no static labels, is read as the
expression that records it: job:errors:rate5m recorded by (job) divided
by instance:requests:rate5m recorded by (job, instance) never matches
either. Use on(…) or
ignoring(…) to say which labels should pair the series, or aggregate both
sides by the same labels.

A without() or ignoring() that drops a label counts when the other side
certainly keeps it: the label is a scrape label (job, instance) and the
other side reads raw exporter series (sum without (instance) (…) and
up == 1), it reads the same metric the dropping side read
(max without (instance, job) (rate(x[5m])) / rate(x[50m])), or a matcher
requires a value of the label (a / ignoring(limit) b{limit="max_series"}
and b{limit="max_series"} > 0: the ratio carries a's labels, without
limit). The same matcher evidence works the other way round: sum
without (instance) (rate(x{code=~"5.."}[5m])) keeps code, so against
sum by (job) (…) no pair agrees on it. A merely related name is not
enough, since exporters give
sibling series different labels. An on() naming a label that one side
aggregated away, against raw exporter series, matches only where those
series lack the label too, which naming it says they do not: sum by
(job) (…) > 0 unless on (instance) maintenance == 1 removes nothing (a
scrape label, which every scraped series carries), nor does … and on
(cluster, namespace) kube_namespace_status_phase after a sum by
(cluster).

The opposite mistake fails loudly, but only at evaluation time: a
one-to-one operation whose side keeps a label the matching leaves out
(ignoring(code), or on() without it) has several series in one match
group as soon as that label takes two values, and Prometheus refuses
the evaluation ("many-to-one matching must be explicit"). The check
reports it when the side's selector admits several values of the label
(code=~"5..", reason!="") and keeps it; with on(), a label that picks
targets (job, instance, namespace …) is left alone, one target per
instance being the rule. Aggregate the label away on that side, or add
group_left/group_right when each series should pair with the same one.
A side aggregated by a label the on() list leaves out is the same
failure, with the grouping as the evidence that the label varies: max
by (namespace, pod, container) (…) * on (namespace, pod) (…) holds one
series per container, so a pod with two containers fails the evaluation
(kubernetes-mixin#309). The metric's exporter can be the evidence too:
cAdvisor's container_* and kube-state-metrics' kube_pod_container_*
series come one per container, so matched on (namespace, pod) against
kube_pod_info, kube_pod_status_phase or a sum by the pod, with no
group_left and no container="…" picking one, they fail the same way
(kubernetes-mixin#308); with group_left or group_right, such a side
must not be the "one" side (group_right with per-container restarts on
the left fails the same way), and kube-state-metrics' pod-level series
(kube_pod_info, kube_pod_owner) carry no container label at all, so an
on() naming container against them never matches. A group_left or
group_right that copies a label the metric catalog says the "one"
side's kube-state-metrics series never has (group_left (owner_kind)
kube_pod_info: the owner is on kube_pod_owner) copies nothing, and is
reported as info. The "one" side of a
group_left or group_right that reads an info-like series raw (…_info,
…_labels, …_owner, …_metadata, kubelet_node_name) is reported as info:
it is unique only while one target exports it and its labels hold
still, and two kube-state-metrics replicas, a second job scraping the
exporter, a kernel upgrade (node_uname_info's release) or a rollout
(kube_pod_labels' revision hash) make the evaluation fail until the old
series go stale (kubernetes-mixin, kube-prometheus and Ceph reports);
max by (the on() and group_left labels) (…) keeps it unique. Measured:
4 such findings on ../shared/corpus/valid, all in the Ceph mixin's
ceph_osd_metadata and node_uname_info joins (the first of them failed
in Thanos over two clusters, ho7-on-without-cluster-osd-flapping-thanos).
Two series recorded in the same file whose rules set one label to
different values (slok_window: 5m and 1h, the window of a burn rate)
never pair under a matching that compares that label: a plain and
between them is always empty (sloth aggregates the label away with max
… without (sloth_window), which is left alone). An on() naming a label both sides were
aggregated without (sum(…) / on (cluster) sum(…)) matches two empty
label sets: the result is one fleet-wide value where one per cluster was
meant (info). So is a group_left or group_right whose "one"
side is grouped by a label the matching leaves out and the modifier
does not copy: … / on (namespace) group_left sum by (namespace, pod)
(…) has one series per pod where one per namespace is needed
("many-to-many matching not allowed"); topk by (…) (1, …) on that side
keeps one per group and is left alone. on () with no labels between a
side aggregated to no labels and raw exporter series is the same
failure as soon as two targets export the series (unless instance="…"
picks one). ignoring() is the same: sum by (job, instance)
(…) / ignoring (instance) sum by (job) (…) puts every instance of a job
in one match group against the job's one series, and needs group_left.

on (__name__) alone between two selectors of exporter series (the
"setting changed" idiom, {__name__=~"pg_settings_.*"} != on (__name__)
… offset 5m) is the many-to-many form of it: each target gives each side
one series per name, so a second target exporting the name fails the
evaluation. Add the target labels to on().

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 21
findings in 11 files, 21 judged real (100 %): hit + miss counters that
differ in a label (memcached, MongoDB), an and/divide between a side
aggregated by job and raw series that keep instance (kube-state,
PostgreSQL, Thanos), by (instance, status) / by (instance) (GitLab),
sum() against labelled series (DigitalOcean, absent()), a ratio over
ignoring(limit) and-ed with the limit series (Mimir, 5 alerts), a
max without (instance, job) of a series divided by the same series
(F5 BIG-IP). The on (__name__) case, added after the held-out batch
ho4, adds no finding on the corpus, nor does the grouped side, added
after ho5. Warning.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrorRatioHigh
        expr: sum by (job) (rate(agent_errors_total[5m])) / sum by (job, instance) (rate(agent_requests_total[5m])) > 0.05
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrorRatioHigh
        expr: sum by (job) (rate(agent_errors_total[5m])) / sum by (job) (rate(agent_requests_total[5m])) > 0.05
        for: 10m
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		rec := recordedInFile(f)
		var consts map[string]map[string]string
		forEachRule(f, func(r *lint.Rule) {
			checkVectorMatching(p, r)
			if ast(r) == nil {
				return
			}
			if readsRecorded(ast(r), rec) {
				checkRecordedMatching(p, r, rec)
			}
			if r.Record.Value != "" {
				return
			}
			if consts == nil {
				consts = recordedConstLabels(f)
			}
			if len(consts) > 0 {
				checkConstLabelMatching(p, r, consts)
			}
		})
	},
}

// recordedConstLabels maps each name recorded once in f with rule labels
// (its own and its group's) to those labels' values.
func recordedConstLabels(f *lint.File) map[string]map[string]string {
	out := map[string]map[string]string{}
	seen := map[string]int{}
	forEachRule(f, func(r *lint.Rule) {
		if r.Record.Value != "" {
			seen[r.Record.Value]++
		}
	})
	forEachRule(f, func(r *lint.Rule) {
		name := r.Record.Value
		if name == "" || seen[name] != 1 {
			return
		}
		ls := map[string]string{}
		var lists [][]lint.KV
		if r.Group != nil {
			lists = append(lists, r.Group.Labels)
		}
		for _, list := range append(lists, r.Labels) {
			for _, kv := range list {
				if !strings.Contains(kv.Value.Value, "{{") {
					ls[kv.Key.Value] = kv.Value.Value
				}
			}
		}
		if len(ls) > 0 {
			out[name] = ls
		}
	})
	return out
}

// checkConstLabelMatching reports an operation between two series
// recorded in the same file whose rules set one label to different
// values, when the matching compares that label: slok:burn_rate:5m and
// slok:burn_rate:1h, recorded with slok_window="5m" and "1h", never pair
// under a plain and (sloth-style burn-rate alerts, ho13).
func checkConstLabelMatching(p *lint.Pass, r *lint.Rule, consts map[string]map[string]string) {
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !matchedOp(b) {
			return true
		}
		l, rr := spineSelector(b.LHS), spineSelector(b.RHS)
		if l == nil || rr == nil {
			return true
		}
		lc, rc := consts[selectorName(l)], consts[selectorName(rr)]
		if lc == nil || rc == nil {
			return true
		}
		m := b.VectorMatching
		for _, k := range sortedKeys(keysOf(lc)) {
			rv, both := rc[k]
			if !both || rv == lc[k] {
				continue
			}
			if m != nil && (m.On != slices.Contains(m.MatchingLabels, k)) {
				continue // on() without it, or ignoring(it)
			}
			if outputLabels(b.LHS).absent(k) || outputLabels(b.RHS).absent(k) {
				continue // max without (sloth_window) (…): aggregated away
			}
			start, end := pairRange(r, b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%q never matches a series: %s is recorded with %s=%q and %s with %s=%q, and the matching compares %s", b.Op, selectorName(l), k, lc[k], selectorName(rr), k, rv, k),
				fmt.Sprintf("match without it: %s ignoring (%s)", b.Op, k))
			return true
		}
		return true
	})
}

// keysOf is the set of a map's keys.
func keysOf(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// checkRecordedMatching judges r's operations again with every series
// recorded in the same file replaced by the expression recording it
// (job:errors:rate5m / instance:requests:rate5m, recorded by (job) and
// by (job, instance)), reporting what only the recorded labels show.
func checkRecordedMatching(p *lint.Pass, r *lint.Rule, rec map[string]parser.Expr) {
	orig := map[*parser.BinaryExpr]*parser.BinaryExpr{}
	inl := inlineRecorded(ast(r), rec, orig, 0)
	if tooManyMatchedOps(inl) {
		return
	}
	type finding struct {
		o   *parser.BinaryExpr
		msg string
	}
	var found []finding
	hasInner := map[parser.Node]bool{}
	walk(inl, func(n parser.Node, path []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !matchedOp(b) {
			return true
		}
		msg := neverMatches(b)
		if msg == "" {
			return true
		}
		for _, a := range path {
			hasInner[a] = true
		}
		if o := orig[b]; o != nil && neverMatches(o) == "" {
			found = append(found, finding{o, msg})
		}
		return true
	})
	for _, f := range found {
		if hasInner[f.o] {
			continue
		}
		start, end := pairRange(r, f.o)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%q never matches a series: %s (reading the recording rules of this file), so the result is always empty", f.o.Op, f.msg),
			"aggregate both sides by the same labels, or say which labels pair the series with on(…) or ignoring(…)")
	}
}

// maxMatchedOps bounds the size of the expressions judged: each
// operation costs a walk of its operands, and generated expressions can
// chain thousands. Hand-written rules stay far below it.
const maxMatchedOps = 64

// tooManyMatchedOps reports whether e holds more than maxMatchedOps
// matched operations (it stops counting there).
func tooManyMatchedOps(e parser.Expr) bool {
	ops := 0
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if b, ok := n.(*parser.BinaryExpr); ok && matchedOp(b) {
			ops++
		}
		return ops <= maxMatchedOps
	})
	return ops > maxMatchedOps
}

func checkVectorMatching(p *lint.Pass, r *lint.Rule) {
	if ast(r) == nil {
		return
	}
	if tooManyMatchedOps(ast(r)) {
		return
	}
	type finding struct {
		b   *parser.BinaryExpr
		msg string
	}
	var found []finding
	// hasInner marks the operations with a failing operation below them:
	// only the innermost is reported, an outer one that fails because an
	// inner one is always empty says nothing new.
	hasInner := map[parser.Node]bool{}
	walk(ast(r), func(n parser.Node, path []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !matchedOp(b) {
			return true
		}
		if msg := neverMatches(b); msg != "" {
			found = append(found, finding{b, msg})
			for _, a := range path {
				hasInner[a] = true
			}
		}
		return true
	})
	for _, f := range found {
		if hasInner[f.b] {
			continue
		}
		start, end := pairRange(r, f.b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%q never matches a series: %s, so the result is always empty", f.b.Op, f.msg),
			"aggregate both sides by the same labels, or say which labels pair the series with on(…) or ignoring(…)")
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !matchedOp(b) || hasInner[b] {
			return true
		}
		if nameOnlyMatching(b) {
			start, end := pairRange(r, b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%q matches on (__name__) alone: every target that exports a name gives each side a series of it, so with two targets a match group holds several series on both sides and Prometheus fails the evaluation (\"many-to-many matching not allowed\")", b.Op),
				"match on the target labels too, e.g. on (__name__, instance)")
			return true
		}
		if d := duplicateSide(b); d != nil {
			start, end := pairRange(r, b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%q matches one to one, but the %s side selects %s and keeps %q, which the matching leaves out: several of its series fall into one match group and Prometheus fails the evaluation (\"many-to-one matching must be explicit\")", b.Op, d.side, d.matcher, d.label),
				fmt.Sprintf("aggregate %q away on that side (sum without (%s) (…)), or add group_%s if each of its series should pair with the same one", d.label, d.label, d.group))
		} else if side := emptyOnRawSide(b); side != "" {
			start, end := pairRange(r, b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%q matches on () one to one, but the %s side reads raw series of every target it selects: with two targets its match group holds two series and Prometheus fails the evaluation", b.Op, side),
				fmt.Sprintf("aggregate the %s side too, or add group_%s if each of its series should pair with the single one", side, side))
		} else if g := oneSideGrouped(b); g != nil && neverMatches(b) == "" {
			start, end := pairRange(r, b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%q with group_%s needs one series per match group on the %s side, but that side is grouped by %q too, which the matching leaves out: once %s takes two values in a match group, Prometheus fails the evaluation (\"many-to-many matching not allowed\")", b.Op, map[string]string{"right": "left", "left": "right"}[g.side], g.side, g.label, g.label),
				fmt.Sprintf("aggregate %q away on the %s side, or match on it too", g.label, g.side))
		} else if l := onLabelNeitherKeeps(b); l != "" && neverMatches(b) == "" {
			// Info: no corpus finding measures it yet, and a mixin
			// rendered for one cluster may leave such an on() behind.
			start, end := pairRange(r, b)
			p.ReportExprSeverity(diag.Info, r, start, end,
				fmt.Sprintf("%q matches on (%s), but neither side keeps %q (both were aggregated without it): every series matches on its empty value, so the result is not per %s", b.Op, strings.Join(b.VectorMatching.MatchingLabels, ", "), l, l),
				fmt.Sprintf("keep %q in both aggregations (by (…, %s)), or drop it from on()", l, l))
		} else if side, metric := perContainerOneSide(b); side != "" && neverMatches(b) == "" {
			start, end := pairRange(r, b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%q with group_%s needs one series per match group on the %s side, but it reads %s, one series per container, and keeps container, which on (%s) leaves out: a pod with two containers fails the evaluation (\"many-to-many matching not allowed\")", b.Op, map[string]string{"right": "left", "left": "right"}[side], side, metric, strings.Join(b.VectorMatching.MatchingLabels, ", ")),
				fmt.Sprintf("put the modifier on the other side (group_%s), or aggregate the %s side by the pod first", side, side))
		} else if l, name := missingIncluded(b); l != "" && neverMatches(b) == "" {
			// Info: the catalog's label lists come from documentation.
			start, end := pairRange(r, b)
			p.ReportExprSeverity(diag.Info, r, start, end,
				fmt.Sprintf("group_%s (%s) copies %q from %s: the result's %s is empty", map[parser.VectorMatchCardinality]string{parser.CardManyToOne: "left", parser.CardOneToMany: "right"}[b.VectorMatching.Card], strings.Join(b.VectorMatching.Include, ", "), l, name, l),
				fmt.Sprintf("join the series that carries %s instead", l))
		} else if name := rawOneSide(b); name != "" && neverMatches(b) == "" {
			// Info: it fails only while a duplicate exists, and many
			// maintained rules join raw info series on purpose.
			side := map[parser.VectorMatchCardinality]string{parser.CardManyToOne: "right", parser.CardOneToMany: "left"}[b.VectorMatching.Card]
			start, end := pairRange(r, b)
			p.ReportExprSeverity(diag.Info, r, start, end,
				fmt.Sprintf("the %s side of group_%s reads %s raw: it is one series per match group only while a single target exports it and its labels hold still; a second scrape (two kube-state-metrics replicas, a duplicate job) or a label that changes value (a kernel release, a revision hash) makes two, and Prometheus fails the evaluation (\"many-to-many matching not allowed\")", side, map[string]string{"right": "left", "left": "right"}[side], name),
				fmt.Sprintf("make it unique: max by (%s, …) (%s)", strings.Join(b.VectorMatching.MatchingLabels, ", "), name))
		} else if g, metric := perContainerSide(b); g != nil && neverMatches(b) == "" {
			start, end := pairRange(r, b)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%q matches one to one on (%s), but the %s side reads %s, one series per container, and keeps container, which the matching leaves out: a pod with two containers puts two of its series in one match group and Prometheus fails the evaluation (\"many-to-one matching must be explicit\")", b.Op, strings.Join(b.VectorMatching.MatchingLabels, ", "), g.side, metric),
				fmt.Sprintf("add group_%s (…) to pair each container's series with its pod's, or aggregate that side by the pod first", g.group))
		} else if g := groupedSide(b); g != nil && neverMatches(b) == "" {
			// A side that can never match was reported above already.
			start, end := pairRange(r, b)
			how, fix := "on", fmt.Sprintf("add %q to on()", g.label)
			if !b.VectorMatching.On {
				how, fix = "ignoring", fmt.Sprintf("aggregate %q away on that side", g.label)
			}
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%q matches one to one %s (%s), but the %s side is grouped by %q too, which the matching leaves out: once %s takes two values in a match group, Prometheus fails the evaluation (\"many-to-one matching must be explicit\")", b.Op, how, strings.Join(b.VectorMatching.MatchingLabels, ", "), g.side, g.label, g.label),
				fmt.Sprintf("add group_%s if each of its series should pair with the same one, or %s", g.group, fix))
		}
		return true
	})
}

// duplicate describes a side of a one-to-one match that keeps several
// series per match group.
type duplicate struct {
	side, group string // "left"/"right" and the group_ modifier that would allow it
	label       string
	matcher     string
}

// duplicateSide finds a side of a one-to-one operation that selects a
// label with a matcher that admits several values (code=~"5..",
// code!="200"), keeps that label, and leaves it out of the matching
// (ignoring(code), or an on() list without it). Such a side has several
// series for one match group, which Prometheus refuses at evaluation
// time unless group_left/group_right says so. A matcher is the evidence:
// without one, nothing shows that the label is there at all.
func duplicateSide(b *parser.BinaryExpr) *duplicate {
	m := b.VectorMatching
	if m == nil || m.Card != parser.CardOneToOne || b.Op.IsSetOperator() {
		return nil
	}
	if !m.On && len(m.MatchingLabels) == 0 {
		// Plain matching uses every label: duplicates on a side would
		// be identical series, which no selector returns.
		return nil
	}
	matched := map[string]bool{}
	for _, n := range m.MatchingLabels {
		matched[n] = true
	}
	for _, s := range []struct {
		e           parser.Expr
		side, group string
	}{{b.LHS, "left", "left"}, {b.RHS, "right", "right"}} {
		vs := spineSelector(s.e)
		if vs == nil {
			continue
		}
		out := outputLabels(s.e)
		for _, lm := range vs.LabelMatchers {
			if lm.Name == labels.MetricName || !multiValued(lm) || out.absent(lm.Name) {
				continue
			}
			if matched[lm.Name] == m.On {
				continue // the label takes part in the matching
			}
			if m.On && targetLabels[lm.Name] {
				// up{job=~"node|cadvisor"} / on (instance) …: a target
				// label picks targets, and one target per instance is the
				// rule; only ignoring() says outright that the label varies.
				continue
			}
			return &duplicate{side: s.side, group: s.group, label: lm.Name, matcher: lm.String()}
		}
	}
	return nil
}

// nameOnlyMatching reports a one-to-one arithmetic or comparison whose
// on() lists only __name__ between two sides of raw exporter series:
// each side holds one series per name and target, so a second target
// exporting a name makes both sides many in one match group.
func nameOnlyMatching(b *parser.BinaryExpr) bool {
	m := b.VectorMatching
	if m == nil || !m.On || m.Card != parser.CardOneToOne || b.Op.IsSetOperator() || len(m.MatchingLabels) == 0 {
		return false
	}
	for _, n := range m.MatchingLabels {
		if n != labels.MetricName {
			return false
		}
	}
	for _, e := range []parser.Expr{b.LHS, b.RHS} {
		vs, ok := unwrap(e).(*parser.VectorSelector)
		if !ok || strings.Contains(vs.Name, ":") {
			return false
		}
		for _, lm := range vs.LabelMatchers {
			if lm.Name == labels.MetricName && strings.Contains(lm.Value, ":") {
				return false
			}
		}
	}
	return true
}

// targetLabels name the scrape target or where it runs rather than what
// a series measures.
var targetLabels = map[string]bool{
	"job": true, "instance": true, "namespace": true, "pod": true, "container": true,
	"node": true, "service": true, "cluster": true, "env": true, "region": true, "zone": true,
}

// multiValued reports whether a matcher admits series with several values
// of its label: != and !~, or a regular expression with alternation or a
// repetition ("5..", "a|b"), not one spelled like a literal.
func multiValued(m *labels.Matcher) bool {
	switch m.Type {
	case labels.MatchNotEqual, labels.MatchNotRegexp:
		return true
	case labels.MatchRegexp:
		return strings.ContainsAny(m.Value, "|*+?[") || strings.Contains(m.Value, "..")
	}
	return false
}

// spineSelector returns the selector whose series flow, one for one, to
// the output of e (through rates, aggregations, scaling by a number and
// functions that keep a series' labels), or nil when e combines several.
func spineSelector(e parser.Expr) *parser.VectorSelector {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		return e
	case *parser.MatrixSelector:
		return spineSelector(e.VectorSelector)
	case *parser.SubqueryExpr:
		return spineSelector(e.Expr)
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.MIN, parser.MAX, parser.AVG, parser.COUNT, parser.STDDEV, parser.STDVAR, parser.GROUP:
			return spineSelector(e.Expr)
		}
	case *parser.Call:
		switch name := callName(e); {
		case counterFuncs[name], strings.HasSuffix(name, "_over_time"), passThrough[name] && name != "label_replace" && name != "label_join",
			name == "delta", name == "idelta", name == "deriv":
			if len(e.Args) > 0 {
				return spineSelector(e.Args[0])
			}
		}
	case *parser.BinaryExpr:
		switch {
		case isScalar(e.RHS) && !isScalar(e.LHS):
			return spineSelector(e.LHS)
		case isScalar(e.LHS) && !isScalar(e.RHS):
			return spineSelector(e.RHS)
		}
	}
	return nil
}

// matchedOp reports whether b pairs the series of two vectors (or is
// not a union, which keeps unmatched series).
func matchedOp(b *parser.BinaryExpr) bool {
	return b.Op != parser.LOR && !isScalar(b.LHS) && !isScalar(b.RHS) &&
		b.LHS.Type() == parser.ValueTypeVector && b.RHS.Type() == parser.ValueTypeVector
}

// neverMatches explains why no series of b's sides can pair, or returns "".
func neverMatches(b *parser.BinaryExpr) string {
	lhs, rhs := outputLabels(b.LHS), outputLabels(b.RHS)
	m := b.VectorMatching
	var on bool
	var names []string
	if m != nil {
		on, names = m.On, m.MatchingLabels
	}
	if l, r, v1, v2 := conflictingPins(b.LHS, b.RHS, on, names); l != "" {
		return fmt.Sprintf("the left side selects %s=%q and the right side %s=%q, and that label takes part in the matching", l, v1, r, v2)
	}
	if on {
		for _, n := range names {
			la, ra := lhs.absent(n), rhs.absent(n)
			if la && present(rhs, n) {
				return fmt.Sprintf("on(%s) needs %q, which the left side drops and the right side keeps", strings.Join(names, ", "), n)
			}
			if ra && present(lhs, n) {
				return fmt.Sprintf("on(%s) needs %q, which the right side drops and the left side keeps", strings.Join(names, ", "), n)
			}
			// A side of raw exporter series keeps its labels: an on()
			// naming one that the other side aggregated away pairs them
			// only if the raw series lack it too, and the author, naming
			// it, expected them to have it. Scrape labels (job,
			// instance) every scraped series certainly carries.
			if la && !rhs.absent(n) && scrapedOnly(b.RHS) {
				return onDropped(names, n, "left", "right")
			}
			if ra && !lhs.absent(n) && scrapedOnly(b.LHS) {
				return onDropped(names, n, "right", "left")
			}
			// kube_pod_info has no container label: on (…, container)
			// against it matches nothing, whatever the other side holds.
			if name := exporterLacks(b.RHS, rhs, n); name != "" && !lhs.absent(n) {
				return fmt.Sprintf("on(%s) needs %q, which the right side's %s never has (kube-state-metrics does not write it there)", strings.Join(names, ", "), n, name)
			}
			if name := exporterLacks(b.LHS, lhs, n); name != "" && !rhs.absent(n) {
				return fmt.Sprintf("on(%s) needs %q, which the left side's %s never has (kube-state-metrics does not write it there)", strings.Join(names, ", "), n, name)
			}
		}
		return ""
	}
	lhs, rhs = lhs.without(names), rhs.without(names)
	switch {
	case lhs.exact && rhs.exact:
		if d := diffLabels(lhs, rhs); d != "" {
			return d
		}
	case lhs.exact && len(lhs.only) == 0 && len(names) == 0 && scrapedOnly(b.RHS):
		return "the left side has no labels and the right side keeps its series' labels"
	case rhs.exact && len(rhs.only) == 0 && len(names) == 0 && scrapedOnly(b.LHS):
		return "the right side has no labels and the left side keeps its series' labels"
	case lhs.exact && scrapedOnly(b.RHS):
		if n := lostScrapeLabel(lhs, rhs); n != "" {
			return fmt.Sprintf("the left side keeps only %s and the right side keeps the scrape label %q", fmtLabels(lhs.known()), n)
		}
		if m := requiredKeptLabel(b.RHS, rhs, lhs); m != nil {
			return fmt.Sprintf("the left side keeps only %s and the right side keeps %q, selecting %s", fmtLabels(lhs.known()), m.Name, m)
		}
	case rhs.exact && scrapedOnly(b.LHS):
		if n := lostScrapeLabel(rhs, lhs); n != "" {
			return fmt.Sprintf("the right side keeps only %s and the left side keeps the scrape label %q", fmtLabels(rhs.known()), n)
		}
		if m := requiredKeptLabel(b.LHS, lhs, rhs); m != nil {
			return fmt.Sprintf("the right side keeps only %s and the left side keeps %q, selecting %s", fmtLabels(rhs.known()), m.Name, m)
		}
	case !lhs.exact && !rhs.exact && len(names) == 0:
		if d := droppedKeptLabel(b.LHS, b.RHS, "left", "right"); d != "" {
			return d
		}
		if d := droppedKeptLabel(b.RHS, b.LHS, "right", "left"); d != "" {
			return d
		}
	}
	return ""
}

// droppedKeptLabel explains a match that a without() or ignoring()
// breaks: one side drops a label (max without (instance, job) (rate(x[5m])))
// and the other keeps raw series that certainly carry it, because they
// are the same metric the dropping side read, or because a matcher
// requires a value of it (limit="max_series"). No pair can agree on that
// label. Series of a merely related name are not enough: exporters give
// kube_statefulset_replicas no revision label although
// kube_statefulset_status_current_revision has one.
func droppedKeptLabel(dropping, keeping parser.Expr, dSide, kSide string) string {
	d, k := outputLabels(dropping), outputLabels(keeping)
	if !scrapedOnly(keeping) || !scrapedOnly(dropping) {
		return ""
	}
	read := map[string]bool{}
	for _, vs := range selectors(dropping) {
		read[selectorName(vs)] = true
	}
	kept := keptMatchers(keeping)
	for _, n := range sortedKeys(d.drop) {
		if n == labels.MetricName || k.absent(n) {
			continue
		}
		for _, m := range kept[n] {
			if !m.Matches("") {
				return fmt.Sprintf("the %s side drops %q and the %s side keeps it, selecting %s", dSide, n, kSide, m)
			}
		}
		same := true
		for _, vs := range selectors(keeping) {
			if !read[selectorName(vs)] {
				same = false
			}
		}
		if same {
			return fmt.Sprintf("the %s side drops %q from the %s series, which the %s side keeps it on", dSide, n, selectorName(selectors(keeping)[0]), kSide)
		}
		if scrapeLabels[n] {
			// Every scraped series carries its target's job and instance.
			return fmt.Sprintf("the %s side drops %q and the %s side's raw series carry it as a scrape label", dSide, n, kSide)
		}
	}
	return ""
}

// requiredKeptLabel returns a matcher of the raw side that requires a
// value of a label (status=~"5..", which "" does not match) the raw side
// keeps (its label set after ignoring(), kept) and the exact side lacks:
// sum without (instance, pod) (rate(x{status=~"5.."}[5m])) keeps status,
// so against sum by (job) (…) no pair agrees on it.
func requiredKeptLabel(raw parser.Expr, kept, exact labelSet) *labels.Matcher {
	ms := keptMatchers(raw)
	for _, n := range sortedKeys(keySet(ms)) {
		if exact.only[n] || kept.absent(n) {
			continue
		}
		for _, m := range ms[n] {
			if !m.Matches("") {
				return m
			}
		}
	}
	return nil
}

// keySet is the set of a matcher map's labels.
func keySet(ms map[string][]*labels.Matcher) map[string]bool {
	out := make(map[string]bool, len(ms))
	for n := range ms {
		out[n] = true
	}
	return out
}

// sortedKeys lists a set's members in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// onDropped explains an on() naming a label n that the dropping side
// aggregated away while the other side reads raw exporter series.
func onDropped(names []string, n, dropping, raw string) string {
	if scrapeLabels[n] {
		return fmt.Sprintf("on(%s) needs %q, which the %s side drops and the %s side's raw series carry as a scrape label", strings.Join(names, ", "), n, dropping, raw)
	}
	return fmt.Sprintf("on(%s) needs %q, which the %s side drops, while the %s side's raw series keep their labels: a pair matches only where they lack %q too", strings.Join(names, ", "), n, dropping, raw, n)
}

// scrapeLabels are the labels every scraped series carries.
var scrapeLabels = map[string]bool{"instance": true, "job": true}

// lostScrapeLabel returns a label every scraped series carries (job,
// instance) that the aggregated side dropped and the raw side kept.
func lostScrapeLabel(aggregated, raw labelSet) string {
	for _, n := range []string{"instance", "job"} {
		if !aggregated.only[n] && !raw.absent(n) {
			return n
		}
	}
	return ""
}

// conflictingPins finds a label both sides select with = and different
// values, which also takes part in the matching: no pair can agree on it.
func conflictingPins(l, r parser.Expr, on bool, names []string) (string, string, string, string) {
	lp, rp := pinned(l), pinned(r)
	for n, lv := range lp {
		rv, ok := rp[n]
		if !ok || rv == lv {
			continue
		}
		in := false
		for _, m := range names {
			if m == n {
				in = true
			}
		}
		if in == on {
			return n, n, lv, rv
		}
	}
	return "", "", "", ""
}

// pinned maps the labels an expression's output series certainly carry
// with one value, because a selector matched them with = and nothing
// after it removed or rewrote them.
func pinned(e parser.Expr) map[string]string {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		out := map[string]string{}
		for _, m := range e.LabelMatchers {
			if m.Name != labels.MetricName && m.Type == labels.MatchEqual && m.Value != "" {
				out[m.Name] = m.Value
			}
		}
		return out
	case *parser.MatrixSelector:
		return pinned(e.VectorSelector)
	case *parser.SubqueryExpr:
		return pinned(e.Expr)
	case *parser.UnaryExpr:
		return pinned(e.Expr)
	case *parser.AggregateExpr:
		in := pinned(e.Expr)
		switch e.Op {
		case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
			return in
		case parser.COUNT_VALUES:
			return nil
		}
		out := map[string]string{}
		for n, v := range in {
			kept := false
			for _, g := range e.Grouping {
				if g == n {
					kept = true
				}
			}
			if kept != e.Without {
				out[n] = v
			}
		}
		return out
	case *parser.Call:
		switch callName(e) {
		case "rate", "irate", "increase", "delta", "idelta", "deriv", "abs", "ceil", "floor", "round",
			"clamp", "clamp_min", "clamp_max", "avg_over_time", "max_over_time", "min_over_time",
			"sum_over_time", "count_over_time", "last_over_time", "quantile_over_time", "predict_linear", "changes", "resets":
			for _, a := range e.Args {
				if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
					return pinned(a)
				}
			}
		}
	case *parser.BinaryExpr:
		switch {
		case isScalar(e.RHS):
			return pinned(e.LHS)
		case isScalar(e.LHS):
			return pinned(e.RHS)
		case e.Op == parser.LAND || e.Op == parser.LUNLESS:
			return pinned(e.LHS)
		case e.VectorMatching != nil && e.VectorMatching.Card == parser.CardOneToOne && !e.VectorMatching.On && len(e.VectorMatching.MatchingLabels) == 0:
			return pinned(e.LHS)
		}
	}
	return nil
}

// present reports whether an exact label set certainly names the label.
func present(s labelSet, name string) bool { return s.exact && s.only[name] }

// diffLabels names the labels that one exact side has and the other lacks.
func diffLabels(l, r labelSet) string {
	var lo, ro []string
	for n := range l.only {
		if !r.only[n] {
			lo = append(lo, n)
		}
	}
	for n := range r.only {
		if !l.only[n] {
			ro = append(ro, n)
		}
	}
	if len(lo) == 0 && len(ro) == 0 {
		return ""
	}
	sort.Strings(lo)
	sort.Strings(ro)
	return fmt.Sprintf("the left side has labels %s and the right side %s", fmtLabels(l.known()), fmtLabels(r.known()))
}

func fmtLabels(ls []string) string {
	if len(ls) == 0 {
		return "none"
	}
	return "(" + strings.Join(ls, ", ") + ")"
}

// scrapedOnly reports whether every series e reads is an exporter's,
// which carries at least its scrape labels, and e keeps them.
func scrapedOnly(e parser.Expr) bool {
	if outputLabels(e).exact {
		return false
	}
	vss := selectors(e)
	if len(vss) == 0 {
		return false
	}
	for _, vs := range vss {
		name := selectorName(vs)
		if name == "" || strings.Contains(name, ":") {
			return false
		}
	}
	return true
}

// onLabelNeitherKeeps returns a label of an on() list that both sides
// certainly lack, having been aggregated to label sets without it: sum
// (…) / on (cluster) sum (…) matches two empty label sets, a fleet-wide
// ratio where one per cluster was meant. "" when there is none.
func onLabelNeitherKeeps(b *parser.BinaryExpr) string {
	m := b.VectorMatching
	if m == nil || !m.On || len(m.MatchingLabels) == 0 {
		return ""
	}
	lhs, rhs := outputLabels(b.LHS), outputLabels(b.RHS)
	if !lhs.exact || !rhs.exact {
		return ""
	}
	for _, l := range m.MatchingLabels {
		if lhs.absent(l) && rhs.absent(l) {
			return l
		}
	}
	return ""
}

// exporterLacks returns the name of the raw series e passes through
// unaggregated (out is e's label set) when it certainly has no label l:
// kube-state-metrics' pod-level series (kube_pod_info, kube_pod_owner,
// kube_pod_status_phase …) describe a pod, not its containers, and carry
// no container label; "" otherwise. (The metric catalog's label lists
// are not used here: they come from documentation tables that leave
// labels out, such as the uid of every pod metric.)
func exporterLacks(e parser.Expr, out labelSet, l string) string {
	if out.exact || l != "container" {
		return ""
	}
	vs := spineSelector(e)
	if vs == nil {
		return ""
	}
	if name := selectorName(vs); strings.HasPrefix(name, "kube_pod_") && !perContainerMetric(name) {
		return name
	}
	return ""
}
