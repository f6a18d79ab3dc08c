package checks

import (
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/lint/catalog"
)

// grouped describes a side of a one-to-one on() match whose own grouping
// keeps a label the on() list leaves out.
type grouped struct {
	side, group string // "left"/"right" and the group_ modifier that would allow it
	label       string
}

// groupedSide finds a side of a one-to-one operation with on(…) whose
// result was aggregated to an exact label set holding a label the on()
// list leaves out: max by (namespace, pod, container) (…) * on (namespace,
// pod) …. The author grouped by that label because it takes several
// values within one match group, so that side has several series per
// group and Prometheus refuses the evaluation unless group_left or
// group_right says so (kubernetes-mixin#309). Unlike duplicateSide, the
// grouping itself is the evidence that the label is there and varies.
func groupedSide(b *parser.BinaryExpr) *grouped {
	m := b.VectorMatching
	if m == nil || m.Card != parser.CardOneToOne || b.Op.IsSetOperator() || len(m.MatchingLabels) == 0 {
		return nil
	}
	matched := map[string]bool{}
	for _, n := range m.MatchingLabels {
		matched[n] = true
	}
	if !m.On {
		// ignoring (instance) with a side grouped by (job, instance):
		// the ignored label is the one that side keeps apart.
		return ignoredGroupedSide(b, matched)
	}
	for _, s := range []struct {
		e           parser.Expr
		side, group string
	}{{b.LHS, "left", "left"}, {b.RHS, "right", "right"}} {
		out := outputLabels(s.e)
		if !out.exact {
			continue
		}
		var extra []string
		for n := range out.only {
			if !matched[n] && n != labels.MetricName {
				extra = append(extra, n)
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			return &grouped{side: s.side, group: s.group, label: extra[0]}
		}
	}
	return nil
}

// ignoredGroupedSide finds a side of a one-to-one ignoring(…) operation
// aggregated to an exact label set that holds an ignored label, while
// the other side certainly lacks it: sum by (job, instance) (…) /
// ignoring (instance) sum by (job) (…). The grouping says the label
// takes several values, and ignoring it puts all of them in one match
// group against the other side's one series.
func ignoredGroupedSide(b *parser.BinaryExpr, ignored map[string]bool) *grouped {
	for _, s := range []struct {
		e, other    parser.Expr
		side, group string
	}{{b.LHS, b.RHS, "left", "left"}, {b.RHS, b.LHS, "right", "right"}} {
		out := outputLabels(s.e)
		if !out.exact {
			continue
		}
		other := outputLabels(s.other)
		for _, n := range sortedKeys(out.only) {
			if ignored[n] && n != labels.MetricName && other.absent(n) {
				return &grouped{side: s.side, group: s.group, label: n}
			}
		}
	}
	return nil
}

// oneSideGrouped finds the "one" side of a group_left or group_right
// operation aggregated to an exact label set that holds a label the
// matching leaves out and the group_ modifier does not copy:
// sum by (namespace) (…) / on (namespace) group_left sum by (namespace,
// pod) (…) has one series per pod on its "one" side, so a namespace
// with two pods fails the evaluation ("many-to-many matching not
// allowed"). A label named in group_left (…) is copied from that side
// and is left alone.
func oneSideGrouped(b *parser.BinaryExpr) *grouped {
	m := b.VectorMatching
	if m == nil || b.Op.IsSetOperator() || len(m.MatchingLabels) == 0 {
		return nil
	}
	var one parser.Expr
	var side string
	switch m.Card {
	case parser.CardManyToOne:
		one, side = b.RHS, "right"
	case parser.CardOneToMany:
		one, side = b.LHS, "left"
	default:
		return nil
	}
	if a, ok := unwrap(one).(*parser.AggregateExpr); ok && (a.Op == parser.TOPK || a.Op == parser.BOTTOMK || a.Op == parser.LIMITK) {
		// topk by (namespace, pod) (1, …): one series per group, the
		// kubernetes-mixin's way to pick one owner per pod.
		if v, ok := scalarValue(a.Param); ok && v == 1 {
			return nil
		}
	}
	out := outputLabels(one)
	if !out.exact {
		return nil
	}
	listed := map[string]bool{}
	for _, n := range m.MatchingLabels {
		listed[n] = true
	}
	copied := map[string]bool{}
	for _, n := range m.Include {
		copied[n] = true
	}
	for _, n := range sortedKeys(out.only) {
		if n == labels.MetricName || copied[n] {
			continue
		}
		// With on(), a label outside the list is left out of the match;
		// with ignoring(), one inside it.
		if listed[n] != m.On {
			return &grouped{side: side, label: n}
		}
	}
	return nil
}

// emptyOnRawSide finds a one-to-one operation on () whose one side is a
// single series (aggregated to no labels) and whose other side reads raw
// exporter series of more than one target (no instance="…" picks one):
// on () puts every series of that side in the one match group, so a
// second target fails the evaluation. It returns the raw side, or "".
func emptyOnRawSide(b *parser.BinaryExpr) string {
	m := b.VectorMatching
	if m == nil || !m.On || len(m.MatchingLabels) > 0 || m.Card != parser.CardOneToOne || b.Op.IsSetOperator() {
		return ""
	}
	for _, s := range []struct {
		one, raw parser.Expr
		side     string
	}{{b.LHS, b.RHS, "right"}, {b.RHS, b.LHS, "left"}} {
		if o := outputLabels(s.one); !o.exact || len(o.only) > 0 || !scrapedOnly(s.raw) {
			continue
		}
		if _, ok := pinned(s.raw)["instance"]; ok {
			continue
		}
		return s.side
	}
	return ""
}

// perContainerSide finds a side of a one-to-one on(…) operation, matched
// on the pod, that reads per-container series (cAdvisor's container_*,
// kube-state-metrics' kube_pod_container_* and kube_pod_init_container_*)
// and keeps the container label, against a side with one series per pod:
// kube_pod_info, kube_pod_status_phase, or an aggregation by the pod. A
// pod with two containers puts two series of the first side in one match
// group, and Prometheus fails the evaluation unless group_left or
// group_right says so (kubernetes-mixin#308). The metric's name is the
// evidence here: container is a target label for an application's own
// metrics, where duplicateSide leaves it alone, but these exporters
// report one series per container by design.
func perContainerSide(b *parser.BinaryExpr) (g *grouped, metric string) {
	m := b.VectorMatching
	if m == nil || m.Card != parser.CardOneToOne || b.Op.IsSetOperator() || !m.On {
		return nil, ""
	}
	pod := false
	for _, n := range m.MatchingLabels {
		switch n {
		case "container", "container_name", "id", "name":
			return nil, ""
		case "pod", "pod_name":
			pod = true
		}
	}
	if !pod {
		return nil, ""
	}
	sides := [2]struct {
		e    parser.Expr
		side string
	}{{b.LHS, "left"}, {b.RHS, "right"}}
	for i, s := range sides {
		vs := spineSelector(s.e)
		if vs == nil || !perContainerMetric(selectorName(vs)) || pinsContainer(vs) || outputLabels(s.e).absent("container") {
			continue
		}
		if other := sides[1-i].e; perPodSide(other) {
			return &grouped{side: s.side, group: s.side, label: "container"}, selectorName(vs)
		}
	}
	return nil, ""
}

// perContainerMetric reports whether an exporter reports name once per
// container of a pod.
func perContainerMetric(name string) bool {
	return strings.HasPrefix(name, "kube_pod_container_") || strings.HasPrefix(name, "kube_pod_init_container_") ||
		strings.HasPrefix(name, "container_")
}

// pinsContainer reports whether vs selects one container by name, which
// leaves one series per pod.
func pinsContainer(vs *parser.VectorSelector) bool {
	for _, lm := range vs.LabelMatchers {
		if (lm.Name == "container" || lm.Name == "container_name") && !lm.Matches("") && !multiValued(lm) {
			return true
		}
	}
	return false
}

// perPodSide reports whether e holds at most one series per pod: an
// aggregation that keeps no container label, or kube-state-metrics' pod
// metrics that are not per container (kube_pod_info, kube_pod_owner,
// kube_pod_status_phase).
func perPodSide(e parser.Expr) bool {
	out := outputLabels(e)
	if out.exact {
		return out.absent("container") && out.absent("container_name")
	}
	vs := spineSelector(e)
	if vs == nil {
		return false
	}
	name := selectorName(vs)
	return strings.HasPrefix(name, "kube_pod_") && !perContainerMetric(name)
}

// perContainerOneSide finds the "one" side of a group_left or group_right
// match on the pod that reads per-container series and keeps container,
// which the matching leaves out: that side holds one series per
// container in a match group that must have one, so Prometheus fails the
// evaluation ("many-to-many matching not allowed") as soon as a pod has
// two containers. The usual cause is the modifier on the wrong side:
// increase(kube_pod_container_status_restarts_total[15m]) * on
// (namespace, pod) group_right (owner_kind) kube_pod_owner. It returns
// the side and the metric, or "".
func perContainerOneSide(b *parser.BinaryExpr) (side, metric string) {
	m := b.VectorMatching
	one, side := oneSide(b)
	if one == nil || !m.On || b.Op.IsSetOperator() {
		return "", ""
	}
	pod := false
	for _, n := range m.MatchingLabels {
		switch n {
		case "container", "container_name", "id", "name":
			return "", ""
		case "pod", "pod_name":
			pod = true
		}
	}
	vs := spineSelector(one)
	if !pod || vs == nil || !perContainerMetric(selectorName(vs)) || pinsContainer(vs) || outputLabels(one).absent("container") {
		return "", ""
	}
	return side, selectorName(vs)
}

// rawOneSide returns the name of the raw series on the "one" side of a
// group_left or group_right match, when it is an info-like series (…_info,
// …_labels, …_owner, …_metadata, kubelet_node_name): one per target and
// object only as long as nothing else scrapes it. Two kube-state-metrics
// replicas, a second job scraping the same exporter, or a label that
// changes value (node_uname_info's release after a kernel upgrade,
// kube_pod_labels' revision hash during a rollout) put two series in
// one match group for a while, and Prometheus fails the evaluation
// ("many-to-many matching not allowed") until they go stale. Wrapping
// the side in max by (the on() labels, the group_left labels) (…) keeps
// it unique. "" otherwise.
func rawOneSide(b *parser.BinaryExpr) string {
	one, _ := oneSide(b)
	if one == nil || b.Op.IsSetOperator() {
		return ""
	}
	vs, ok := unwrap(one).(*parser.VectorSelector)
	if !ok {
		return ""
	}
	name := selectorName(vs)
	if name == "" || isRecordedName(name) {
		return ""
	}
	for _, suffix := range []string{"_info", "_labels", "_owner", "_metadata", "_annotations"} {
		if strings.HasSuffix(name, suffix) {
			return name
		}
	}
	if name == "kubelet_node_name" {
		return name
	}
	return ""
}

// missingIncluded returns a label that group_left(…) or group_right(…)
// asks to copy from the "one" side, and the one side's raw
// kube-state-metrics series, when the metric catalog says that series
// never has it: group_left (owner_kind) kube_pod_info copies nothing
// (the owner is on kube_pod_owner), and the alert's owner_kind is empty.
func missingIncluded(b *parser.BinaryExpr) (label, metric string) {
	m := b.VectorMatching
	one, _ := oneSide(b)
	if one == nil || len(m.Include) == 0 {
		return "", ""
	}
	if out := outputLabels(one); out.exact {
		// max by (namespace, pod) (kube_pod_info) keeps no owner_kind.
		for _, l := range m.Include {
			if out.absent(l) {
				return l, "a side that keeps only " + fmtLabels(out.known())
			}
		}
		return "", ""
	}
	vs := spineSelector(one)
	if vs == nil {
		return "", ""
	}
	name := selectorName(vs)
	for _, l := range m.Include {
		if catalog.Lacks(name, l) {
			return l, name + ", which kube-state-metrics never writes it on"
		}
	}
	return "", ""
}

// oneSide returns the "one" side of a group_left or group_right match
// and its name ("right" for group_left), or nil.
func oneSide(b *parser.BinaryExpr) (parser.Expr, string) {
	if b.VectorMatching == nil {
		return nil, ""
	}
	switch b.VectorMatching.Card {
	case parser.CardManyToOne:
		return b.RHS, "right"
	case parser.CardOneToMany:
		return b.LHS, "left"
	}
	return nil, ""
}
