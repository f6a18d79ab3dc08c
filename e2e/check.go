// Package e2e proves, on a real Prometheus server and a real Alertmanager,
// and again on VictoriaMetrics fed by vmagent with vmalert evaluating
// (vm_test.go), that the rules agentalerts generates fire when a service breaches them,
// stay silent while it is healthy, and reach the right receiver. The test
// itself (e2e_test.go) needs the e2e build tag: run it with `make e2e`. This
// file holds the judgements it makes, which plain `go test` checks.
package e2e

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// expectation is one generated alert the test waits to see firing.
type expectation struct {
	alert *rules.Alert
	// change is when the test changed the service (breach, kill, removal).
	change time.Time
	// exprTrue is when the rule's expression, queried by the test, first
	// returned a result: the breach as Prometheus's data shows it.
	exprTrue time.Time
	// activeAt is when Prometheus's rule evaluation first saw it true.
	activeAt time.Time
	// firing is when the test first saw the alert firing.
	firing time.Time
	// labels and annotations are those of the alert when first seen firing.
	labels, annotations map[string]string
}

func (e *expectation) key() string {
	return e.alert.Service + "/" + e.alert.Name + "/" + e.alert.SeverityValue
}

// checkFired renders the timing table of exps and lists what is wrong with
// each alert that fired:
//   - it fired later than `for` + two evaluation intervals (+ the polling
//     interval on each end) after its expression first held;
//   - it fired sooner than `for` after Prometheus made it pending (a rule
//     that lost its `for`);
//   - a generated label is missing or different;
//   - an annotation did not expand, or one without a template changed.
func checkFired(exps []*expectation, eval, poll time.Duration) (table string, failures []string) {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "service\tfamily\ttier\talert\tfor\tchange→expr\texpr→firing\tchange→firing\tbound\t")
	sorted := slices.Clone(exps)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].change.Before(sorted[j].change) })
	for _, e := range sorted {
		a := e.alert
		bound := a.For + 2*eval + 2*poll
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", a.Service, a.Family, a.Tier, a.Name, a.For,
			stamp(e.exprTrue, e.change), stamp(e.firing, e.exprTrue), stamp(e.firing, e.change), bound)
		if e.firing.IsZero() {
			continue
		}
		switch d := e.firing.Sub(e.exprTrue); {
		case e.exprTrue.IsZero():
			failures = append(failures, fmt.Sprintf("%s fired but its expression never returned a result when queried", e.key()))
		case d > bound:
			failures = append(failures, fmt.Sprintf("%s fired %s after its expression held; want at most for (%s) + 2 evaluation intervals + polling = %s",
				e.key(), stamp(e.firing, e.exprTrue), a.For, bound))
		}
		if !e.activeAt.IsZero() && e.firing.Sub(e.activeAt) < a.For {
			failures = append(failures, fmt.Sprintf("%s fired %s after it went pending, sooner than its for (%s)",
				e.key(), stamp(e.firing, e.activeAt), a.For))
		}
		for _, k := range sortedKeys(a.ResultLabels) {
			if got, want := e.labels[k], a.ResultLabels[k]; got != want {
				failures = append(failures, fmt.Sprintf("%s fired with %s=%q, want %q", e.key(), k, got, want))
			}
		}
		// Annotations are templates; Prometheus must have expanded every
		// one (an expansion error leaves "<error expanding template ...>"),
		// and those without a template must arrive verbatim (runbook_url).
		for _, k := range sortedKeys(a.Annotations) {
			tmpl, got := a.Annotations[k], e.annotations[k]
			switch {
			case got == "" || strings.Contains(got, "<error expanding template"):
				failures = append(failures, fmt.Sprintf("%s fired with annotation %s=%q from template %q", e.key(), k, got, tmpl))
			case !strings.Contains(tmpl, "{{") && got != tmpl:
				failures = append(failures, fmt.Sprintf("%s fired with annotation %s=%q, want %q", e.key(), k, got, tmpl))
			}
		}
	}
	tw.Flush()
	return buf.String(), failures
}

// wantAMState is the state Alertmanager must report for e: suppressed when
// a more urgent tier of the same alert name and service fired too (the
// generated inhibit rules), active otherwise.
func wantAMState(e *expectation, fired []*expectation) string {
	for _, o := range fired {
		// severity.Tier orders by urgency: a smaller tier is more urgent.
		if o.alert.Name == e.alert.Name && o.alert.Service == e.alert.Service && o.alert.Tier < e.alert.Tier {
			return "suppressed"
		}
	}
	return "active"
}

func stamp(t, from time.Time) string {
	if t.IsZero() || from.IsZero() {
		return "-"
	}
	return t.Sub(from).Round(10 * time.Millisecond).String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
