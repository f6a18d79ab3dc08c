package rules

import (
	"bytes"
	"fmt"
	"net/url"
	"text/template"
	"time"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// Result is everything generated from one spec.
type Result struct {
	// Spec is the spec the result came from.
	Spec *Spec
	// Services are in spec order.
	Services []*ServiceRules
}

// ServiceRules are the rules of one service.
type ServiceRules struct {
	Name   string
	Preset string
	Groups []Group
	// Alerts are all alerts of all groups, in output order.
	Alerts []*Alert
	// Notices say what was not generated and why (a family the preset
	// cannot serve, a selector label a metric does not carry). They are
	// printed on stderr and in the file's header comment.
	Notices []diag.Diagnostic
}

// Group is one rule group. Its Records are written before its Alerts:
// Prometheus evaluates a group's rules in order, so an alert reads the
// records of the same round.
type Group struct {
	Name    string
	Records []*Record
	Alerts  []*Alert
}

// Alert is one generated alerting rule with everything a test generator or
// an Alertmanager config generator needs, so neither has to parse PromQL
// or know the presets.
type Alert struct {
	Name    string // alert name, shared by every tier of one family
	Service string // the service name, raw (not template-escaped)
	Family  Family
	Tier    severity.Tier
	Group   string // the rule group it is written in

	SeverityLabel, SeverityValue string // e.g. severity=page or severity=critical

	Expr          string
	For           time.Duration
	KeepFiringFor time.Duration // 0 unless the spec asked

	// Labels and Annotations are as written to the rule file: values that
	// came from the spec are escaped for Prometheus templating.
	Labels, Annotations map[string]string
	// ResultLabels are the static labels as Alertmanager receives them
	// (escaping undone); series labels the expression keeps (instance,
	// the By labels) come on top.
	ResultLabels map[string]string

	// Threshold is in the unit Expr compares: a ratio (0.1), seconds (5),
	// a count (100) or USD per Per. Forecast alerts compare with 1 (the
	// whole budget) or with Budget.
	Threshold float64
	Unit      string // ratio, seconds, count or usd
	// Kind distinguishes the rules of one family (see Kind).
	Kind Kind
	// Window is the range of rate/predict_linear/absent_over_time, 0 if none.
	Window time.Duration
	// MinRequestRate guards the error ratio or the latency quantile
	// (req/s; for latency the histogram's _count rate), 0 if none.
	MinRequestRate float64
	// ErrorsDisjoint says the requests counter counts successes only and
	// all requests are requests plus errors (Celery); otherwise errors are
	// a subset of requests.
	ErrorsDisjoint bool
	Quantile       float64       // latency quantile
	Horizon        time.Duration // forecast horizon (token budget, spend)
	// Per is the spend period: the threshold is USD per Per, and a spend
	// forecast's Budget is USD per rolling Per.
	Per         time.Duration
	Budget      float64 // spend forecast budget in USD per Per
	Aggregation string  // sum or max: how gauges of several instances combine
	// By are the labels every aggregation keeps (one alert per value).
	By []string
	// Metrics are the series the expression reads, with labels that match
	// its selectors, so a test generator can synthesise input.
	Metrics []MetricInput
	// SLO is set on an SLO burn-rate alert (KindBurn): the objective
	// and the window pair it alerts on.
	SLO *SLOAlert
}

// MetricInput is one series an alert reads.
type MetricInput struct {
	// Role names what the series is to the expression: up (a 0/1 health
	// series: Prometheus's up or a preset's health gauge, 0 is down),
	// requests, errors, histogram, used, limit, remaining, max, queue,
	// cost, series (a pushed series whose absence is the alert).
	Role string
	// Metric is the series name; for a histogram the base name (append
	// _bucket, _sum, _count). See Alert.ErrorsDisjoint for how requests
	// and errors relate.
	Metric string
	Type   string // counter, gauge or histogram
	// Labels make a synthetic series match every selector of Expr on
	// this metric (job, spec selector, error matchers).
	Labels map[string]string
}

// Generate builds the rules of every service. It fails only for problems
// that need the presets to see (a runbook template yielding a relative
// URL); spec problems were found by ParseSpec.
func Generate(s *Spec) (*Result, error) {
	// Services are independent (presets are shared read-only): build them
	// on every core, then collect in spec order.
	built := make([]*ServiceRules, len(s.Services))
	found := make([]diag.List, len(s.Services))
	parallel(len(s.Services), func(i int) {
		built[i], found[i] = generateService(s.Path, s.Services[i])
	})
	res := &Result{Spec: s}
	var errs diag.List
	for i, sr := range built {
		errs = append(errs, found[i]...)
		if sr != nil {
			res.Services = append(res.Services, sr)
		}
	}
	if len(errs) > 0 {
		diag.Sort(errs)
		return nil, errs
	}
	return res, nil
}

func generateService(file string, svc *Service) (*ServiceRules, diag.List) {
	b, err := newBuilder(file, svc)
	if err != nil {
		return nil, diag.List{{Pos: svc.Preset.Pos, Check: "spec/unknown-preset", Severity: diag.Error, Message: err.Error()}}
	}
	b.build()
	sr := &ServiceRules{Name: svc.Name.V, Preset: b.p.Name, Alerts: b.alerts, Notices: b.notices}
	sr.Groups = []Group{{Name: "agentalerts." + svc.Name.V, Alerts: b.alerts}}
	for _, a := range b.alerts {
		a.Group = sr.Groups[0].Name
	}
	b.sloGroup(sr)
	return sr, b.errs
}

type builder struct {
	file   string
	svc    *Service
	p      *presets.Preset
	prefix string
	names  map[string]string // metric key → name relative to prefix (variant applied)
	by     []string
	// byChosen says the variant or the spec chose by, which then wins
	// over a family's own aggregation in the preset.
	byChosen bool
	runbook  *template.Template
	alerts   []*Alert
	notices  []diag.Diagnostic
	errs     diag.List
	noted    map[string]bool
	// badRunbook stops a broken runbook_url from being reported once per
	// alert: one message per service says it all.
	badRunbook bool
}

func newBuilder(file string, svc *Service) (*builder, error) {
	p, err := presets.Load(svc.Preset.V)
	if err != nil {
		return nil, err
	}
	p, _ = withOverrides(p, svc.Metrics) // problems were reported by ParseSpec
	b := &builder{file: file, svc: svc, p: p, prefix: p.Prefix, names: map[string]string{}, noted: map[string]bool{}}
	b.by, b.byChosen = resolveBy(p, svc)
	if svc.Variant.Set {
		for k, v := range p.Variants[svc.Variant.V].Metrics {
			if k == "prefix" {
				b.prefix = v
				continue
			}
			b.names[k] = v
		}
	}
	if v, ok := svc.Metrics["prefix"]; ok {
		b.prefix = v
	}
	rb := svc.RunbookURL.V
	if !svc.RunbookURL.Set {
		rb = DefaultRunbookURL
	}
	b.runbook = template.Must(template.New("runbook_url").Option("missingkey=error").Funcs(runbookFuncs).Parse(rb))
	return b, nil
}

// DefaultRunbookURL is used when the spec gives none: the family's section
// of the agentalerts runbook notes, so every alert still links somewhere.
const DefaultRunbookURL = "https://github.com/agentalerts/agentalerts/blob/main/docs/spec.md#runbook-{{ .Family }}"

func (b *builder) notice(family Family, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if b.noted[msg] {
		return
	}
	b.noted[msg] = true
	b.notices = append(b.notices, diag.Diagnostic{
		Pos: orPos(b.svc.Families[family].Pos, b.svc.Name.Pos), Check: "generate/skipped", Severity: diag.Info,
		Message: fmt.Sprintf("service %q: %s", b.svc.Name.V, msg), Rule: string(family),
	})
}

// series resolves one preset metric: its full name (spec override, else
// variant, else preset, each under the prefix), the job matcher and the
// selector labels it carries.
func (b *builder) series(family Family, key string, m *presets.Metric) (templates.Selector, MetricInput) {
	name, overridden := b.svc.Metrics[key]
	if !overridden {
		name = m.Name
		if v, ok := b.names[key]; ok {
			name = b.prefix + v
		} else if !m.NoPrefix {
			name = b.prefix + name
		}
	}
	sel := templates.Selector{Name: name, Matchers: []templates.Matcher{{Name: "job", Op: "=", Value: b.svc.Job.V}}}
	in := MetricInput{Role: key, Metric: name, Type: m.Type, Labels: map[string]string{"job": b.svc.Job.V}}
	for _, k := range templates.SortedKeys(b.svc.Selector) {
		if !overridden && !contains(m.Labels, k) {
			b.notice(family, "selector label %s not applied to %s (preset %s lists no such label on it), so its alerts cover the whole job", k, name, b.p.Name)
			continue
		}
		sel.Matchers = append(sel.Matchers, templates.Matcher{Name: k, Op: "=", Value: b.svc.Selector[k]})
		in.Labels[k] = b.svc.Selector[k]
	}
	return sel, in
}

// familyBy is the aggregation of one family: the preset's per-family
// choice (vLLM's HTTP error counter has no model_name) unless the variant
// or the spec chose the labels.
func (b *builder) familyBy(family Family) []string {
	if family == ErrorRate && !b.byChosen && b.p.Requests != nil && b.p.Requests.AggregateBy != nil {
		return *b.p.Requests.AggregateBy
	}
	return b.by
}

func (b *builder) build() {
	defer b.absences()
	for _, fam := range families {
		f := b.svc.Families[fam.info().name]
		if f.Off {
			continue
		}
		if len(f.Tiers) == 0 && f.Forecast == nil {
			continue
		}
		if !fam.served(b.p) {
			b.unsupported(fam.info().name)
			continue
		}
		fam.build(b, f)
	}
}

// unsupported notes a family the preset cannot serve.
func (b *builder) unsupported(family Family) {
	why := b.p.Unsupported[string(family)]
	if why == "" {
		why = "it has no metric for it"
	}
	b.notice(family, "%s not generated: preset %s cannot serve it (%s)", family, b.p.Name, why)
}

// tiers calls fn for each configured tier in urgency order.
func tiers(f *FamilySpec, fn func(t severity.Tier, tier *Tier)) {
	for _, t := range severity.All {
		if tier, ok := f.Tiers[t]; ok {
			fn(t, tier)
		}
	}
}

// add completes an alert's labels and annotations and appends it.
func (b *builder) add(a *Alert, t severity.Tier, hold, keep time.Duration, text templates.Text) {
	a.Service, a.Tier = b.svc.Name.V, t
	a.SeverityLabel, a.SeverityValue = b.svc.Severity.Label, b.svc.Severity.Value(t)
	a.For, a.KeepFiringFor = hold, keep
	if a.By == nil {
		a.By = b.by
	}
	raw := map[string]string{}
	for k, v := range b.svc.Labels {
		raw[k] = v
	}
	raw["service"] = b.svc.Name.V
	raw["family"] = string(a.Family)
	raw[a.SeverityLabel] = a.SeverityValue
	a.ResultLabels = raw
	a.Labels = map[string]string{}
	for k, v := range raw {
		a.Labels[k] = templates.Escape(v)
	}
	if b.badRunbook {
		return
	}
	var buf bytes.Buffer
	data := map[string]string{"Alert": a.Name, "Service": b.svc.Name.V, "Family": string(a.Family), "Tier": a.Tier.String()}
	if err := b.runbook.Execute(&buf, data); err != nil {
		b.badRunbook = true
		b.errs = append(b.errs, diag.Diagnostic{Pos: b.svc.RunbookURL.Pos, Check: "spec/value", Severity: diag.Error,
			Message: fmt.Sprintf("runbook_url: %v (fields: .Alert, .Service, .Family, .Tier)", err)})
		return
	}
	u, err := url.Parse(buf.String())
	if err != nil || !u.IsAbs() || u.Host == "" {
		b.badRunbook = true
		b.errs = append(b.errs, diag.Diagnostic{Pos: b.svc.RunbookURL.Pos, Check: "spec/value", Severity: diag.Error,
			Message: fmt.Sprintf("service %q: runbook_url gives %q for alert %s, not an absolute URL; on-call needs a link that opens", b.svc.Name.V, buf.String(), a.Name)})
		return
	}
	a.Annotations = map[string]string{
		"summary":     text.Summary,
		"description": text.Description,
		"runbook_url": templates.Escape(buf.String()),
	}
	b.alerts = append(b.alerts, a)
}

// absenceFor is how long a family metric must be missing before the
// ticket: long enough to ride out a restart, short enough that a rename
// in an upgrade is noticed the same day.
const absenceFor = 30 * time.Minute

// absences adds, for each generated family of a scraped service, a ticket
// when the family's metric is missing while the job is up. Only `up` had
// an absence alert, so a metric renamed by an upgrade (vLLM renamed
// several) silently disabled the error and latency alerts of a healthy
// target. Pushed metrics (mode absent) have no up to tell "renamed" from
// "not sent"; their availability alert already watches the request series.
func (b *builder) absences() {
	if b.p.Availability.Mode == "absent" {
		return
	}
	up := templates.Selector{Name: "up", Matchers: []templates.Matcher{{Name: "job", Op: "=", Value: b.svc.Job.V}}}
	upIn := MetricInput{Role: "up", Metric: "up", Type: "gauge", Labels: map[string]string{"job": b.svc.Job.V}}
	generated := map[Family]bool{}
	for _, a := range b.alerts {
		generated[a.Family] = true
	}
	for _, f := range families {
		fam := f.info().name
		if !generated[fam] {
			continue
		}
		key, m := f.signal(b.p)
		if m == nil {
			continue
		}
		sel, in := b.series(fam, key, m)
		if m.Type == "histogram" {
			sel, in.Metric, in.Type = sel.Suffixed("_count"), in.Metric+"_count", "counter"
		}
		in.Role = "series"
		if sel.Name == "" {
			continue
		}
		facts := templates.Facts{Service: b.svc.Name.V, Job: b.svc.Job.V, For: absenceFor, Metric: sel.Name}
		b.add(&Alert{Name: f.info().absence, Family: fam, Kind: KindAbsentWhileUp, Expr: templates.AbsentWhileUp(sel, up),
			Metrics: []MetricInput{in, upIn}, By: []string{}}, severity.Ticket, absenceFor, 0, templates.MetricAbsentText(facts, string(fam)))
	}
}
