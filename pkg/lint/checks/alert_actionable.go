package checks

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/internal/textdist"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var annotationsRequired = &lint.Check{
	ID:       "annotations/required",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "An alert without the annotations a responder needs",
		Text: `The notification is all a responder sees at 3 a.m. Without a summary it
shows only the alert name; without a description it cannot say what is
wrong, where and how badly. The required annotations are configurable
(required_annotations in .agentalerts.yaml). With no configuration,
summary, description and the older mixin message annotation stand in for
each other, so only an alert with none of them is reported; once
required_annotations is set, each listed annotation must be present.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: ticket
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: ticket
        annotations:
          summary: Agent queue backlog
          description: "{{ $value }} tasks are waiting on {{ $labels.instance }}."
`,
	},
	Rule: checkRequiredAnnotations,
}

func checkRequiredAnnotations(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() {
		return
	}
	var missing []string
	has := func(name string) bool {
		kv, ok := r.Annotation(name)
		return ok && strings.TrimSpace(kv.Value.Value) != ""
	}
	for _, name := range p.Config.RequiredAnnotations {
		if has(name) {
			continue
		}
		standIn := false
		for _, alt := range p.Config.AnnotationStandIns[name] {
			standIn = standIn || has(alt)
		}
		if standIn {
			continue
		}
		if k, _ := misplacedKey(r, name); k != nil {
			continue // written beside expr:, which schema/unknown-field reports with its fix
		}
		missing = append(missing, name)
	}
	if len(missing) == 0 {
		return
	}
	fix := fmt.Sprintf("add %s under annotations:", strings.Join(missing, " and "))
	if _, ok := r.Annotation("message"); ok && contains(missing, "description") {
		// The older mixin convention.
		fix = "rename the message annotation to description"
		var others []string
		for _, m := range missing {
			if m != "description" {
				others = append(others, m)
			}
		}
		if len(others) > 0 {
			fix += fmt.Sprintf(" and add %s", strings.Join(others, " and "))
		}
	}
	p.ReportAt(r, nil,
		fmt.Sprintf("alert has no %s %s", plural(len(missing), "annotation"), quoteList(missing)), fix)
}

var labelsRequired = &lint.Check{
	ID:       "labels/required",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "An alert without a label the team requires",
		Text: `Routing and ownership often hang on labels beyond severity: team,
service, component. An alert without them reaches no one or the wrong
people. The list is configurable (required_labels in .agentalerts.yaml)
and empty by default, so the check reports nothing until it is set.
Group-level labels (Prometheus 3) count.`,
		Bad: `# .agentalerts.yaml has lint: {required_labels: [team]}
groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: ticket
`,
		Good: `# .agentalerts.yaml has lint: {required_labels: [team]}
groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: ticket
          team: agents
`,
	},
	Rule: checkRequiredLabels,
}

func checkRequiredLabels(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || len(p.Config.RequiredLabels) == 0 {
		return
	}
	var missing []string
	for _, name := range p.Config.RequiredLabels {
		if kv, ok := ruleLabel(r, name); !ok || kv.Value.Value == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		p.ReportAt(r, nil,
			fmt.Sprintf("alert has no %s %s", plural(len(missing), "label"), quoteList(missing)),
			fmt.Sprintf("add %s under labels:", strings.Join(missing, " and ")))
	}
}

var alertRunbook = &lint.Check{
	ID:       "alert/runbook",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "A page alert without an absolute runbook_url",
		Text: `Whoever is paged needs to know what to do next. A page alert should link
its runbook in the runbook_url annotation, as an absolute http(s) URL so
that it is clickable in every notification channel. A templated host
({{ $externalURL }}…, https://{{ $labels.cluster }}.example.com/…) is
fine.

A runbook_url that is not a clickable URL is a mistake and reported as a
warning. A missing runbook_url is reported only at info: most maintained
rule sets put the instructions in the description, and whether a link is
required is the team's rule (checks: {alert/runbook: {severity: warning}}
makes it one). Drills and heartbeats, whose expression reads no series,
are not reported.

On any alert, a runbook_url whose #section names another alert
(runbook.md#TempoTenantIndexFailures on
TempoUserConfigurableOverridesReloadFailing, a copy left unedited) is
reported at info: the section is another alert's when an alert of the
same group has that name, or when it begins with the same CamelCase word
as the alert's name and neither name is a prefix of the other. No
finding on ../shared/corpus/valid.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentSystemDown
        expr: up{job="agent-service"} == 0
        for: 2m
        labels:
          severity: page
        annotations:
          runbook_url: runbooks/agent-down.md
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentSystemDown
        expr: up{job="agent-service"} == 0
        for: 2m
        labels:
          severity: page
        annotations:
          runbook_url: https://runbooks.example.com/agent-down
`,
	},
	Rule: checkRunbook,
}

var templateAction = regexp.MustCompile(`\{\{.*?\}\}`)

func checkRunbook(p *lint.Pass, r *lint.Rule) {
	if r.IsAlert() {
		checkRunbookAnchor(p, r)
	}
	if !pageAlert(p, r) || readsNoSeries(r) {
		return
	}
	kv, ok := r.Annotation("runbook_url")
	if !ok {
		fix := "add annotations: {runbook_url: https://…}"
		for _, alt := range []string{"runbook", "runbook_link", "playbook", "playbook_url"} {
			if _, ok := r.Annotation(alt); ok {
				fix = fmt.Sprintf("rename annotation %q to runbook_url", alt)
			}
		}
		msg := "page alert has no runbook_url annotation: whoever is paged has no instructions"
		if _, set := p.ConfiguredSeverity(); set {
			p.ReportAt(r, nil, msg, fix)
			return
		}
		// Unless the team set the severity, a missing link is a style
		// matter: it is policy whether one is required.
		p.ReportAtSeverity(diag.Info, r, nil, msg, fix)
		return
	}
	v := strings.TrimSpace(kv.Value.Value)
	if strings.HasPrefix(v, "{{") {
		return // e.g. {{ $externalURL }}/…: the template supplies scheme and host
	}
	u, err := url.Parse(templateAction.ReplaceAllString(v, "x"))
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return
	}
	p.ReportAt(r, kv.Value.Node,
		fmt.Sprintf("runbook_url %q is not an absolute http(s) URL, so it is not clickable in notifications", v),
		"use a full URL such as https://runbooks.example.com/"+strings.TrimLeft(v, "./"))
}

var alertAbsentFor = &lint.Check{
	ID:       "alert/absent-for",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Precision: "4/4 true",
		Title:     "An absent() alert with no for",
		Text: `absent() is true whenever the series is missing from one evaluation: after
a Prometheus restart, during a target's redeploy, or when one scrape is
late. Without for:, each of those fires the alert. Give it a for: of a
few scrape intervals.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentMetricsMissing
        expr: absent(up{job="agent-service"})
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentMetricsMissing
        expr: absent(up{job="agent-service"})
        for: 5m
`,
	},
	Rule: checkAbsentFor,
}

func checkAbsentFor(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || ast(r) == nil {
		return
	}
	if r.For.Present() {
		if d, err := model.ParseDuration(r.For.Value); err != nil || d > 0 {
			return
		}
	}
	walk(ast(r), func(n parser.Node, path []parser.Node) bool {
		fn := callName(n)
		if fn != "absent" && fn != "absent_over_time" {
			return true
		}
		if guardOperand(n, path) {
			// x and absent(y): absent narrows a condition that x holds;
			// the alert does not fire on absence alone.
			return false
		}
		start, end := nodeRange(n)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s() alert with no for: a single missed scrape or a restart fires it", fn),
			fmt.Sprintf("add for: %s or longer", suggestedWindow(p.Config.ScrapeInterval)))
		return false
	})
}

var alertUnroutedSeverity = &lint.Check{
	ID:       "alert/unrouted-severity",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "A severity no Alertmanager route handles",
		Text: `An alert whose severity no route matches falls through to the root
route's default receiver, which is often a catch-all nobody reads. The
check runs when the routed severities are known: list them under
routed_severities in the lint: section of .agentalerts.yaml (the values
the child routes of the Alertmanager configuration match on the severity
label; lint.RoutedSeverities reads them from the configuration file).

Without them (and without severity.values), it reports only a value one
edit away from a well-known severity of 6 letters or more (two from
critical or emergency), such as critcal or warnig: the routes are written for the
well-known spelling, so none matches the misspelt one. Case is not
judged. Measured on ../shared/corpus/valid: no finding (its values are
warning, critical, info, page, ticket and a few team names).`,
		Bad: `# .agentalerts.yaml has lint: {routed_severities: [page, ticket]}
groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: log
`,
		Good: `# .agentalerts.yaml has lint: {routed_severities: [page, ticket]}
groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: ticket
`,
	},
	Rule: checkUnroutedSeverity,
}

func checkUnroutedSeverity(p *lint.Pass, r *lint.Rule) {
	routed := p.Config.RoutedSeverities
	if r.IsAlert() && len(routed) == 0 && len(p.Config.SeverityValues) == 0 {
		misspeltSeverity(p, r)
		return
	}
	if !r.IsAlert() || len(routed) == 0 || contains(routed, lint.RouteAll) {
		return
	}
	kv, ok := ruleLabel(r, p.Config.SeverityLabel)
	if !ok || isTemplated(kv.Value.Value) || contains(routed, kv.Value.Value) {
		return
	}
	p.ReportAt(r, kv.Value.Node,
		fmt.Sprintf("no Alertmanager route matches %s=%q (routed: %s), so it goes to the default receiver", p.Config.SeverityLabel, kv.Value.Value, strings.Join(routed, ", ")),
		fmt.Sprintf("use a routed value or add a route for %s=%q", p.Config.SeverityLabel, kv.Value.Value))
}

// misspeltSeverity reports, when neither the routes nor the allowed
// values are known, a severity one edit away from a well-known one of 6
// letters or more (two from critical or emergency): critcal, warnig;
// short words are left alone (pager may well be meant): the routes are written for the
// well-known spelling, so none matches it.
func misspeltSeverity(p *lint.Pass, r *lint.Rule) {
	kv, ok := ruleLabel(r, p.Config.SeverityLabel)
	if !ok || isTemplated(kv.Value.Value) {
		return
	}
	v := strings.ToLower(kv.Value.Value)
	if _, known := tierSynonyms[v]; known || knownSeverity(v) {
		return
	}
	for _, w := range wellKnownSeverities {
		d := textdist.Levenshtein(v, w)
		if d == 1 && len(w) >= 6 || d == 2 && len(w) >= 8 {
			p.ReportAt(r, kv.Value.Node,
				fmt.Sprintf("%s %q is not a severity routes are written for, and %d letter%s away from %q: no route for %q matches it, so the alert goes to the default receiver", p.Config.SeverityLabel, kv.Value.Value, d, map[bool]string{true: "", false: "s"}[d == 1], w, w),
				fmt.Sprintf("did you mean %q?", w))
			return
		}
	}
}

// wellKnownSeverities are the values routes are most often written for.
var wellKnownSeverities = []string{"critical", "warning", "info", "page", "ticket", "error", "major", "minor", "emergency", "notice"}

// knownSeverity reports whether v is a value of a vocabulary lint knows.
func knownSeverity(v string) bool {
	for _, voc := range lint.Vocabularies {
		if contains(voc.Values, v) {
			return true
		}
	}
	return contains(wellKnownSeverities, v)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " and ")
}

// guardOperand reports whether n, reached through path, is the right-hand
// operand of an and or unless: it filters a condition rather than being
// one.
func guardOperand(n parser.Node, path []parser.Node) bool {
	for i := len(path) - 1; i >= 0; i-- {
		switch p := path[i].(type) {
		case *parser.ParenExpr:
			n = p
			continue
		case *parser.BinaryExpr:
			return (p.Op == parser.LAND || p.Op == parser.LUNLESS) && p.RHS == n
		}
		return false
	}
	return false
}

// checkRunbookAnchor reports a runbook_url whose #fragment names another
// alert: runbook.md#TempoTenantIndexFailures on
// TempoUserConfigurableOverridesReloadFailing sends whoever is paged to
// the wrong section (grafana/tempo's mixin). A fragment counts as another
// alert's name when an alert of the same group has it, or when it starts
// with the same CamelCase word as this alert's name (the mixin's prefix)
// and is not a prefix of it. Fragments are compared without case and
// without - and _.
func checkRunbookAnchor(p *lint.Pass, r *lint.Rule) {
	kv, ok := r.Annotation("runbook_url")
	if !ok {
		return
	}
	_, frag, ok := strings.Cut(kv.Value.Value, "#")
	if !ok || frag == "" || strings.Contains(frag, "{{") {
		return
	}
	norm := func(s string) string { return strings.ToLower(anchorSeparators.Replace(s)) }
	own, f := norm(r.Alert.Value), norm(frag)
	if f == own || strings.HasPrefix(own, f) || strings.HasPrefix(f, own) {
		return
	}
	// The rules of the same group, not of the whole file: a file of
	// thousands of rules would be scanned once per rule, and a section
	// is copied with the rule next to it.
	other := false
	if r.Group != nil {
		for _, o := range r.Group.Rules {
			if o != r && o.IsAlert() && norm(o.Alert.Value) == f {
				other = true
				break
			}
		}
	}
	if !other {
		word := firstCamelWord(r.Alert.Value)
		if len(word) < 3 || firstCamelWord(frag) != word {
			return
		}
	}
	off := strings.Index(kv.Value.Value, "#") + 1
	// Info: no finding on the public rule sets measures it yet.
	reportInValueSeverity(p, diag.Info, r, kv, off, off+len(frag),
		fmt.Sprintf("runbook_url points at the section %q, another alert's, not %s's: whoever is paged reads the wrong instructions", frag, r.Alert.Value),
		fmt.Sprintf("link the section of this alert (#%s)", r.Alert.Value))
}

// anchorSeparators are dropped before a section and an alert name are
// compared: #kube-pod-crash-looping is KubePodCrashLooping's.
var anchorSeparators = strings.NewReplacer("-", "", "_", "", " ", "")

// firstCamelWord is the first word of a CamelCase name (Tempo of
// TempoTenantIndexFailures).
func firstCamelWord(s string) string {
	for i := 1; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return s[:i]
		}
	}
	return s
}
