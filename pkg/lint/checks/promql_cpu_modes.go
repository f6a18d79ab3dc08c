package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var cpuModes = &lint.Check{
	ID:       "promql/cpu-modes",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "avg, min or max across several CPU modes, where their sum was meant",
		Text: `node_cpu_seconds_total has one series per CPU and mode, and the rate of
each is the fraction of time that CPU spent in that mode. The busy
fraction is the sum over the busy modes (user, system, iowait …), or one
minus the idle fraction. Averaging over the modes instead divides the
busy fraction by the number of modes selected: a host at 100 % CPU reads
about 0.12 when eight modes are averaged, so avg by (instance)
(rate(node_cpu_seconds_total{mode!="idle"}[2m])) > 0.8 never fires
(samber/awesome-prometheus-alerts#466). min and max across modes are no
busy fraction either.

Reported when avg, min or max removes the mode label (by () without it,
or without (mode)) from a rate, irate or increase of
node_cpu_seconds_total, node_cpu or windows_cpu_time_total whose mode
matcher admits several modes (!=, !~, or =~ with an alternation), with
no aggregation summing the modes first. Sum over the modes first (sum
without (mode) (…)), then average over the CPUs, or use 1 - the idle
fraction.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: node
    rules:
      - alert: HostHighCpuLoad
        expr: avg by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[2m])) > 0.8
        for: 10m
`,
		Good: `groups:
  - name: node
    rules:
      - alert: HostHighCpuLoad
        expr: 1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[2m])) > 0.8
        for: 10m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil || !strings.Contains(r.Expr.Value.Value, "cpu") {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			a, ok := n.(*parser.AggregateExpr)
			if !ok || (a.Op != parser.AVG && a.Op != parser.MIN && a.Op != parser.MAX) || !removesLabel(a, "mode") {
				return true
			}
			vs, m := modesUnder(a.Expr)
			if vs == nil {
				return true
			}
			start, end := nodeRange(a)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s across the CPU modes %s selects is not the busy fraction: each mode's rate is that mode's share of the time, so the %s of several modes is not their total", a.Op, m.String(), a.Op),
				"sum over the modes first (sum without (mode) (…)), or use 1 - the idle fraction")
			return false
		})
	},
}

// removesLabel reports whether an aggregation drops the label from its
// result.
func removesLabel(a *parser.AggregateExpr, name string) bool {
	if a.Without {
		return slices.Contains(a.Grouping, name)
	}
	return !slices.Contains(a.Grouping, name)
}

// cpuTimeMetrics are the per-CPU, per-mode time counters.
var cpuTimeMetrics = map[string]bool{"node_cpu_seconds_total": true, "node_cpu": true, "windows_cpu_time_total": true}

// modesUnder finds, below an aggregation, a rate of a CPU time counter
// whose mode matcher admits several modes, with nothing summing the modes
// on the way; it returns the selector and that matcher.
func modesUnder(e parser.Expr) (*parser.VectorSelector, *labels.Matcher) {
	switch e := unwrap(e).(type) {
	case *parser.AggregateExpr:
		if removesLabel(e, "mode") {
			return nil, nil
		}
		return modesUnder(e.Expr)
	case *parser.Call:
		if counterFuncs[callName(e)] && len(e.Args) > 0 {
			return modesUnder(e.Args[0])
		}
	case *parser.MatrixSelector:
		return modesUnder(e.VectorSelector)
	case *parser.BinaryExpr:
		switch {
		case isScalar(e.RHS):
			return modesUnder(e.LHS)
		case isScalar(e.LHS):
			return modesUnder(e.RHS)
		}
	case *parser.VectorSelector:
		if !cpuTimeMetrics[selectorName(e)] {
			return nil, nil
		}
		for _, m := range e.LabelMatchers {
			if m.Name == "mode" && multiValued(m) {
				return e, m
			}
		}
	}
	return nil, nil
}
