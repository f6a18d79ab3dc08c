package mutants

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// small is a spec with one alert of every kind whose mutants the
// generated tests are expected to catch: a per-target gauge (up), an
// absence, a guarded error ratio, a used/limit ratio and a gauge count.
// It stays small so the test is quick; make mutants covers the presets.
const small = `version: 1
services:
  - name: api
    job: api
    availability: {page: {for: 2m}}
    error_rate: {window: 5m, min_request_rate: 0.1, page: {threshold: 10%, for: 5m}, ticket: false, log: false}
    latency: false
    token_budget: {ticket: {threshold: 80%, for: 5m}, log: false}
    queue_backlog: {ticket: {threshold: 100, for: 15m}, log: false}
`

// minScore is the share of mutants the generated tests must catch.
const minScore = 0.95

func score(t *testing.T, r Runner) {
	t.Helper()
	rep, err := Run(context.Background(), "small.spec.yaml", []byte(small), Options{Runners: []Runner{r}, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	killed, total := 0, 0
	var survivors []string
	for i, o := range rep.Outcomes[r.Name] {
		m := rep.Mutants[i]
		total++
		if o.Killed {
			killed++
		} else {
			survivors = append(survivors, m.String())
		}
	}
	if total < 40 {
		t.Fatalf("only %d mutants; the spec proves little", total)
	}
	got := float64(killed) / float64(total)
	t.Logf("%s: %d of %d mutants killed (%.1f%%)", r.Name, killed, total, 100*got)
	if got < minScore {
		t.Errorf("%s: %.1f%% of mutants killed, want at least %.0f%%; survivors:\n%s",
			r.Name, 100*got, 100*minScore, strings.Join(survivors, "\n"))
	}
}

// TestScoreInProcess runs the mutation tester with agentalerts's own
// runner: the generated tests must catch nearly every mutant.
func TestScoreInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generated tests once per mutant")
	}
	score(t, InProcess(true))
}

// TestScorePromtool is the same with promtool. It is slow, so it runs
// when CI=true, where a missing promtool fails it.
func TestScorePromtool(t *testing.T) {
	if !testtool.InCI() {
		t.Skip("runs promtool once per mutant; set CI=true to run it")
	}
	score(t, Promtool(testtool.Need(t, "promtool")))
}

// TestExprMutants checks the mutation operators on one expression: each
// mutant differs from the original in one place, printed by the parser.
func TestExprMutants(t *testing.T) {
	got, err := exprMutants(`sum(rate(x_total{job="a",s="e"}[5m])) / sum(rate(x_total{job="a"}[5m])) > 0.1 and sum(rate(x_total{job="a"}[5m])) >= 2`)
	if err != nil {
		t.Fatal(err)
	}
	byOp := map[string][]string{}
	for _, m := range got {
		byOp[m.op] = append(byOp[m.op], m.expr)
	}
	want := map[string][]string{
		OpConstUp:   {`sum(rate(x_total{job="a",s="e"}[5m])) / sum(rate(x_total{job="a"}[5m])) > 0.125 and sum(rate(x_total{job="a"}[5m])) >= 2`, `sum(rate(x_total{job="a",s="e"}[5m])) / sum(rate(x_total{job="a"}[5m])) > 0.1 and sum(rate(x_total{job="a"}[5m])) >= 2.5`},
		OpConstDown: {`sum(rate(x_total{job="a",s="e"}[5m])) / sum(rate(x_total{job="a"}[5m])) > 0.08 and sum(rate(x_total{job="a"}[5m])) >= 2`, `sum(rate(x_total{job="a",s="e"}[5m])) / sum(rate(x_total{job="a"}[5m])) > 0.1 and sum(rate(x_total{job="a"}[5m])) >= 1.6`},
		OpSetDrop:   {`sum(rate(x_total{job="a",s="e"}[5m])) / sum(rate(x_total{job="a"}[5m])) > 0.1`},
	}
	for op, w := range want {
		if diff := cmp.Diff(w, byOp[op]); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", op, diff)
		}
	}
	counts := map[string]int{}
	for op, es := range byOp {
		counts[op] = len(es)
	}
	wantCounts := map[string]int{
		OpConstUp: 2, OpConstDown: 2, OpSetDrop: 1,
		OpFlip:          4, // > to < and >=, >= to <= and >
		OpCompareDrop:   2,
		OpWindow:        6, // three ranges, each halved and doubled
		OpMatcherDrop:   4, // job three times, s once
		OpMatcherNegate: 4,
	}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("mutants per kind mismatch (-want +got):\n%s", diff)
	}
}

// TestEquivalentMatcherDrop: dropping a matcher that the other side of a
// one-to-one match pins is no mutant; through an aggregation it is.
func TestEquivalentMatcherDrop(t *testing.T) {
	tests := []struct {
		expr  string
		drops int // matcher-drop mutants expected
	}{
		{`max(a{job="x"} / (b{job="x"} > 0)) > 1`, 0},
		{`a{job="x"} / on (job) b{job="x"}`, 2},
		{`sum(a{job="x"}) / sum(b{job="x"})`, 2},
		{`a{job="x"} / b{job="y"}`, 2},
		{`a{job="x"} / b{instance="i"}`, 2},
		// predict_linear keeps each series's labels: the budget forecast.
		{`max(1 - predict_linear(a{job="x"}[1h], 3600) / (b{job="x"} > 0)) >= 1`, 0},
		{`predict_linear(a{job="x"}[1h], 3600) / on (job) b{job="x"}`, 2},
		// An aggregation of the range function does not.
		{`sum(rate(a{job="x"}[5m])) / (b{job="x"} > 0)`, 2},
		// An SLO's pair: arithmetic on a scalar keeps labels, and `and`
		// keeps the left series whose labels the right side has too.
		{`(a{job="x"} / (1 - 0.999)) > 14.4 and (b{job="x"} / (1 - 0.999)) > 14.4`, 0},
		{`(a{job="x"} / (1 - 0.999)) > 14.4 and b{job="x"} * 3600 >= 50`, 0},
		{`a{job="x"} > 1 and on (job) b{job="x"}`, 2},
		{`a{job="x"} > 1 or b{job="x"}`, 2},
		{`a{job="x"} unless b{job="x"}`, 2},
	}
	for _, tt := range tests {
		ms, err := exprMutants(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		drops, negates := 0, 0
		for _, m := range ms {
			switch m.op {
			case OpMatcherDrop:
				drops++
			case OpMatcherNegate:
				negates++
			}
		}
		if drops != tt.drops || negates != 2 {
			t.Errorf("%s: %d matcher drops and %d negations, want %d and 2", tt.expr, drops, negates, tt.drops)
		}
	}
}
