package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var alertAbsence = &lint.Check{
	ID:       "alert/absent-without-absent",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "An alert named for a series that is gone, whose expression returns nothing once it is gone",
		Text: `An alert called CephMgrIsAbsent, or described as "has disappeared from
target discovery", is meant to fire when the series stops existing. But
up{job="rook-ceph-mgr"} == 0 compares samples that are there: when the
target is gone from discovery there is no up series, the comparison
returns nothing and the alert stays silent in exactly the case it is
named for (rook/rook#8985). absent(), absent_over_time() or an
or vector(0) fallback is what returns a sample for a series that is not
there.

Reported for an alerting rule whose name has the word Absent,
Disappeared or Vanished, when its expression calls neither absent() nor
absent_over_time(), has no or vector(…) fallback and no unless (count of
the nodes unless count of the targets that are up is another way to
see a target gone).

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings (every alert there named Absent calls absent()), so no
measured precision: info until measured. Reading the annotations too
("has disappeared from target discovery") was tried and dropped: it
found 4 alerts on the corpus, none wrong (kubernetes-mixin's KubeletDown
counts the nodes unless the kubelets that are up; the others describe a
target that is down as disappeared). So was the word Missing: 12
findings, none wrong (KubeStateMetricsShardsMissing counts shards,
PrometheusMissingRuleEvaluations counts missed evaluations,
awesome-prometheus-alerts' PrometheusTargetMissing is up == 0 on
purpose).`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentTargetAbsent
        expr: up{job="agent"} == 0
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentTargetAbsent
        expr: up{job="agent"} == 0 or absent(up{job="agent"})
        for: 5m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		e := ast(r)
		if !r.IsAlert() || e == nil || !namedForAbsence(r) {
			return
		}
		var sels []*parser.VectorSelector
		handled := false
		walk(e, func(n parser.Node, _ []parser.Node) bool {
			switch n := n.(type) {
			case *parser.BinaryExpr:
				if n.Op == parser.LUNLESS {
					handled = true
				}
			case *parser.Call:
				if n.Func.Name == "absent" || n.Func.Name == "absent_over_time" || n.Func.Name == "vector" {
					handled = true
				}
			case *parser.VectorSelector:
				sels = append(sels, n)
			}
			return !handled
		})
		if handled || len(sels) == 0 {
			return
		}
		fix := "alert on absent(…) of the series, or add or absent(…) to the expression"
		if len(sels) == 1 {
			fix = fmt.Sprintf("add or absent(%s) to the expression, so that it returns a sample when the series is gone", sels[0])
		}
		start, end := nodeRange(e)
		p.ReportExpr(r, start, end,
			"the alert is named for a series that is gone, but the expression returns nothing once the series is gone (no absent(), absent_over_time() or or vector(…)), so it cannot fire in the case it is named for",
			fix)
	},
}

var absenceWord = regexp.MustCompile(`\b(absent|disappeared|vanished)\b`)

// namedForAbsence reports whether the alert's name says it watches for a
// series that is gone.
func namedForAbsence(r *lint.Rule) bool {
	n := r.Alert.Value
	// Substrings first: splitting every alert's name is the cost.
	if !strings.Contains(n, "bsent") && !strings.Contains(n, "BSENT") && !strings.Contains(n, "isappeared") &&
		!strings.Contains(n, "ISAPPEARED") && !strings.Contains(n, "anished") && !strings.Contains(n, "ANISHED") {
		return false
	}
	return absenceWord.MatchString(splitWords(n))
}
