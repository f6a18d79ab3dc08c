package checks

import (
	"fmt"

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
		forEachRule(f, func(r *lint.Rule) { checkCountZero(p, r, absent) })
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

func checkCountZero(p *lint.Pass, r *lint.Rule, absent map[string]bool) {
	if ast(r) == nil {
		return
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
		return true
	})
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
	sev := diag.Info
	if cc, ok := p.Config.Checks[p.Check.ID]; ok && cc.Severity != 0 {
		sev = cc.Severity
	}
	start, end := nodeRange(b)
	d := diag.Diagnostic{
		Severity: sev, Rule: r.Name(),
		Message: fmt.Sprintf("count() %s %s fires for a few series but never for none: count returns nothing, not 0, when every series is gone", op, fmtNum(v)),
		Fix:     "add a fallback inside the comparison ((count(…) or vector(0)) < N), or an absent(…) alert for the case of no series",
	}
	if r.Group != nil {
		d.Group = r.Group.Name.Value
	}
	d.Pos = r.Expr.PosAt(p.File.Path, start)
	if end > start+1 {
		d.End = r.Expr.PosAt(p.File.Path, end-1)
	}
	p.Report(d)
}

// binaryName reports whether a metric name says its series hold 0 or 1.
func binaryName(name string) bool {
	switch {
	case name == "up", name == "probe_success":
		return true
	}
	return gaugeWord(name) == "up"
}
