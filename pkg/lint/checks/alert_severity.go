package checks

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/internal/textdist"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/severity"
)

var alertSeverity = &lint.Check{
	ID:       "alert/severity",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "An alert with no severity label, or one outside the allowed values",
		Text: `The severity label decides where an alert goes: Alertmanager routes page
alerts to the on-call pager, ticket alerts to a queue and log alerts
nowhere in particular. An alert without it, or with a value no route
knows, lands in the default receiver or nowhere.

The label name and its allowed values are configurable (severity: {label,
values, page} in the lint: section of .agentalerts.yaml; "agentalerts init
--severity mixin|tiers" writes one). With no values configured the check
reports only a missing label: any value is accepted, and critical and page
count as paging, so both the critical/warning/info convention of the
monitoring mixins and agentalerts' own page/ticket/log lint quietly. Once
the team lists its values, anything else is reported.
Group-level labels (Prometheus 3) count. Templated values are not
judged.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          team: agents
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentQueueBacklog
        expr: agent_queue_depth > 100
        for: 15m
        labels:
          severity: ticket
`,
	},
	Rule: checkSeverity,
}

// tierSynonyms map the severity names common in the wild to the tiers
// (whose names are the default page/ticket/log values), for did-you-mean
// hints.
var tierSynonyms = map[string]severity.Tier{
	"critical": severity.Page, "crit": severity.Page, "error": severity.Page, "high": severity.Page,
	"p1": severity.Page, "emergency": severity.Page, "alert": severity.Page, "urgent": severity.Page,
	"warning": severity.Ticket, "warn": severity.Ticket, "medium": severity.Ticket, "major": severity.Ticket,
	"minor": severity.Ticket, "p2": severity.Ticket, "p3": severity.Ticket,
	"info": severity.Log, "low": severity.Log, "none": severity.Log, "notice": severity.Log,
	"debug": severity.Log, "p4": severity.Log, "p5": severity.Log,
}

func checkSeverity(p *lint.Pass, r *lint.Rule) {
	cfg := p.Config
	if !r.IsAlert() || cfg.SeverityLabel == "" {
		return
	}
	allowed := strings.Join(cfg.SeverityValues, ", ")
	if len(cfg.SeverityValues) == 0 {
		var sets []string
		for _, v := range lint.Vocabularies {
			sets = append(sets, strings.Join(v.Values, ", "))
		}
		allowed = strings.Join(sets, " or ")
	}
	kv, ok := ruleLabel(r, cfg.SeverityLabel)
	if !ok {
		if k, _ := misplacedKey(r, cfg.SeverityLabel); k != nil {
			return // written beside expr:, which schema/unknown-field reports with its fix
		}
		p.ReportAt(r, nil,
			fmt.Sprintf("alert has no %s label, so no route knows how urgent it is", cfg.SeverityLabel),
			fmt.Sprintf("add labels: {%s: <one of %s>}", cfg.SeverityLabel, allowed))
		return
	}
	v := kv.Value.Value
	if len(cfg.SeverityValues) == 0 || isTemplated(v) || contains(cfg.SeverityValues, v) {
		return
	}
	fix := fmt.Sprintf("use one of %s, or allow %q with severity.values in .agentalerts.yaml", allowed, v)
	if s := suggestValue(v, cfg.SeverityValues); s != "" {
		fix = fmt.Sprintf("did you mean %q? allowed: %s (or allow %q with severity.values in .agentalerts.yaml)", s, allowed, v)
	}
	p.ReportAt(r, kv.Value.Node,
		fmt.Sprintf("%s %q is not one of the allowed values (%s)", cfg.SeverityLabel, v, allowed), fix)
}

// suggestValue finds the allowed value v was probably meant to be.
func suggestValue(v string, allowed []string) string {
	lv := strings.ToLower(v)
	for _, a := range allowed {
		if strings.ToLower(a) == lv {
			return a
		}
	}
	lower := make([]string, len(allowed))
	for i, a := range allowed {
		lower[i] = strings.ToLower(a)
	}
	if i := textdist.Closest(lv, lower, func(d int, a string) bool { return d < len(a) }); i >= 0 {
		return allowed[i]
	}
	if t, ok := tierSynonyms[lv]; ok && contains(allowed, t.String()) {
		return t.String()
	}
	return ""
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// pageAlert reports whether r is an alert at a paging severity.
func pageAlert(p *lint.Pass, r *lint.Rule) bool {
	if !r.IsAlert() {
		return false
	}
	kv, ok := ruleLabel(r, p.Config.SeverityLabel)
	if !ok {
		return false
	}
	// severity: Critical is meant as a page too, whether or not a route
	// matches its spelling (alert/severity reports the spelling).
	v := kv.Value.Value
	return p.Config.IsPage(v) || p.Config.IsPage(strings.ToLower(strings.TrimSpace(v)))
}

var alertPageFor = &lint.Check{
	ID:       "alert/page-for",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "A page alert with no for, or a very short one",
		Text: `Without for:, an alert fires on the first evaluation that matches: one
slow scrape, one deploy, one blip wakes someone up for a problem that was
gone before they opened the laptop. A page alert should hold for at least
a few evaluations (min_page_for in .agentalerts.yaml, default 1m).

The finding is a warning once the team has listed its severity values
(severity.values; "agentalerts init --severity" writes them), so that it
is known which alerts page. With no config lint only assumes that
critical and page do, and reports at info.

Not reported where for: would add nothing or hide the event: an
expression over a range (increase(x[5m]) > 0, max_over_time, a
subquery), which already looks back in time and whose single event a
for: would suppress — except a rate() or irate() over less than 10m
compared with a threshold (rate(errors_total[5m]) > 10), a per-second
level that one burst crosses; one that compares with time() (a certificate or a
backup older than a limit), a state a blip cannot create; one that reads
no series at all (vector(1) heartbeats, day_of_week() drills); and
absent(), which alert/absent-for covers. A recorded series named by the
level:metric:operations convention with a window suffix
(slo:sli_error:ratio_rate5m, as sloth's burn-rate alerts use) counts as a
range.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentSystemDown
        expr: up{job="agent-service"} == 0
        labels:
          severity: page
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentSystemDown
        expr: up{job="agent-service"} == 0
        for: 2m
        labels:
          severity: page
`,
	},
	Rule: checkPageFor,
}

func checkPageFor(p *lint.Pass, r *lint.Rule) {
	if !pageAlert(p, r) || ast(r) == nil || readsNoSeries(r) || looksBack(r) {
		return
	}
	minFor := p.Config.MinPageFor
	fix := fmt.Sprintf("add for: %s or longer", fmtDuration(max(minFor, time.Minute)))
	sev := guessedPageSeverity(p)
	if !r.For.Present() {
		p.ReportAtSeverity(sev, r, nil, "page alert has no for:, so a single evaluation wakes someone up", fix)
		return
	}
	d, err := model.ParseDuration(r.For.Value)
	if err != nil || time.Duration(d) >= minFor {
		return // an invalid duration is the malformed checks' finding
	}
	p.ReportAtSeverity(sev, r, r.For.Node,
		fmt.Sprintf("page alert has for: %s, shorter than %s: a blip wakes someone up", r.For.Value, fmtDuration(minFor)), fix)
}

// guessedPageSeverity is the severity of a page check's finding: the
// check's own once the team has listed its severity values (and so which
// of them page), info while lint only guesses that critical pages. On the
// public rule sets a guessed page's short for: was judged right only 60 %
// of the time (testdata/lint/precision), often a deliberate choice for a
// state that cannot blip (an expired certificate, a failed disk).
func guessedPageSeverity(p *lint.Pass) diag.Severity {
	if sev, ok := p.ConfiguredSeverity(); ok {
		return sev
	}
	if len(p.Config.SeverityValues) > 0 {
		return 0
	}
	return diag.Info
}

// readsNoSeries reports whether r's expression selects no series at all:
// vector(1) heartbeats and day_of_week() drills, which fire on purpose.
func readsNoSeries(r *lint.Rule) bool {
	if ast(r) == nil {
		return false
	}
	none := true
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		if _, ok := n.(*parser.VectorSelector); ok {
			none = false
		}
		return none
	})
	return none
}

var recordedWindow = regexp.MustCompile(`[a-z_](\d+[smhdwy])+$`)

// looksBack reports whether r's condition already spans time: a range
// selector or subquery, a comparison with time(), or absent(). A blip
// cannot make such a condition true for one evaluation only, or a for:
// would hide the very event the alert is about.
func looksBack(r *lint.Rule) bool {
	found := false
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		switch n := n.(type) {
		case *parser.MatrixSelector:
			if n.Range >= 10*time.Minute || !rateOverThreshold(r) {
				found = true
			}
		case *parser.SubqueryExpr:
			found = true
		case *parser.VectorSelector:
			if n.OriginalOffset > 0 {
				found = true // x offset 2h unless x: compares with the past
			}
			// slo:sli_error:ratio_rate5m: a recorded rate, whose window
			// (the suffix the naming convention puts there) looks back.
			name := selectorName(n)
			if strings.Contains(name, ":") && recordedWindow.MatchString(name) {
				found = true
			}
		}
		switch callName(n) {
		case "time", "absent", "absent_over_time":
			found = true
		}
		return !found
	})
	return found
}

// rateOverThreshold reports whether r's top comparison holds a rate or
// irate against a non-zero threshold: a per-second level that one burst
// can cross, unlike increase(x[5m]) > 0 or > 5, which count events.
func rateOverThreshold(r *lint.Rule) bool {
	b, ok := unwrap(ast(r)).(*parser.BinaryExpr)
	if !ok {
		return false
	}
	side, op, v, ok := comparedWithScalar(b)
	if !ok || v == 0 || (op != parser.GTR && op != parser.GTE) || (v == 1 && op == parser.GTE) {
		return false
	}
	c := rateUnder(side)
	return c != nil && callName(c) != "increase"
}
