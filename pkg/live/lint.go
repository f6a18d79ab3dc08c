package live

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/internal/textdist"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// Ids of the live checks. They run only with `lint --prometheus`.
const (
	IDSeriesMissing = "live/series-missing"
	IDLabelMissing  = "live/label-missing"
	IDMetricType    = "live/metric-type"
	IDRateWindow    = "live/rate-window"
)

// Checks returns the live checks asking s. With a nil s they carry only
// their id and documentation (for explain and docs/checks) and find nothing.
func Checks(s *Server) []*lint.Check {
	cs := []*lint.Check{
		{ID: IDLabelMissing, Severity: diag.Warning, Doc: docLabelMissing},
		{ID: IDMetricType, Severity: diag.Warning, Doc: docMetricType},
		{ID: IDRateWindow, Severity: diag.Warning, Doc: docRateWindow},
		{ID: IDSeriesMissing, Severity: diag.Warning, Doc: docSeriesMissing},
	}
	for _, c := range cs {
		c.Live = true
	}
	if s == nil {
		return cs
	}
	l := &linter{s: s, recorded: map[*lint.File]map[string]bool{}}
	cs[0].Rule = l.labels
	cs[1].Rule = l.types
	cs[2].Rule = l.windows
	cs[3].Collect, cs[3].Reduce = l.collectSeries, reduceSeries
	return cs
}

// Err is the first error a live check met while linting (a timeout, the
// request limit): the run is then incomplete and must not pass.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstErr
}

func (s *Server) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firstErr == nil {
		s.firstErr = err
	}
}

type linter struct {
	s        *Server
	mu       sync.Mutex
	recorded map[*lint.File]map[string]bool
}

// recordedIn lists the series the rule's own file records: they may not
// exist on the server before the file is deployed, and are not its typos.
func (l *linter) recordedIn(r *lint.Rule) map[string]bool {
	if r.Group == nil || r.Group.Doc == nil || r.Group.Doc.File == nil {
		return nil
	}
	f := r.Group.Doc.File
	l.mu.Lock()
	defer l.mu.Unlock()
	if m, ok := l.recorded[f]; ok {
		return m
	}
	m := map[string]bool{}
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			for _, rr := range g.Rules {
				if rr.Record.Value != "" {
					m[rr.Record.Value] = true
				}
			}
		}
	}
	l.recorded[f] = m
	return m
}

// selectors are the vector selectors of a rule naming one metric, minus
// those its file records.
func (l *linter) selectors(r *lint.Rule) []*parser.VectorSelector {
	if r.Expr.AST == nil {
		return nil
	}
	rec := l.recordedIn(r)
	var out []*parser.VectorSelector
	parser.Inspect(r.Expr.AST, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && metricName(vs) != "" && !rec[metricName(vs)] {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

func metricName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// selectorText is vs as an instant selector without offset or @, which
// the API's match[] and a wrapping query both accept.
func selectorText(vs *parser.VectorSelector, skip string) string {
	var parts []string
	for _, m := range vs.LabelMatchers {
		if m.Name == skip {
			continue
		}
		if m.Name == model.MetricNameLabel {
			parts = append([]string{m.String()}, parts...) // read first, as written
			continue
		}
		parts = append(parts, m.String())
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func nameSelector(name string) string { return fmt.Sprintf("{__name__=%q}", name) }

func (l *linter) report(p *lint.Pass, r *lint.Rule, n parser.Node, msg, fix string) {
	pr := n.PositionRange()
	p.ReportExpr(r, int(pr.Start), int(pr.End), msg, fix)
}

// series reports selectors that match nothing: a metric the server does
// not have (with the closest name it has), or one whose matchers exclude
// every series it has.
// seriesFacts are what collectSeries keeps of a file: the series it
// records and the findings pending on whether another file records them.
type seriesFacts struct {
	recorded []string
	pending  []pendingFinding
}

type pendingFinding struct {
	metric string
	d      diag.Diagnostic
}

// collectSeries runs the series check on every rule of f. Its findings
// wait for reduceSeries, since a rule may read what another file of the
// run records (a mixin's recording rules beside its alerts).
func (l *linter) collectSeries(p *lint.Pass, f *lint.File) any {
	facts := &seriesFacts{}
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			for _, r := range g.Rules {
				if r.Record.Value != "" {
					facts.recorded = append(facts.recorded, r.Record.Value)
				}
				l.series(p, r, func(metric string, d diag.Diagnostic) {
					facts.pending = append(facts.pending, pendingFinding{metric, d})
				})
			}
		}
	}
	return facts
}

func reduceSeries(p *lint.Pass, facts []any) {
	recorded := map[string]bool{}
	for _, f := range facts {
		for _, n := range f.(*seriesFacts).recorded {
			recorded[n] = true
		}
	}
	for _, f := range facts {
		for _, pf := range f.(*seriesFacts).pending {
			if !recorded[pf.metric] {
				p.Report(pf.d)
			}
		}
	}
}

// at is the finding ReportExpr would make at n, for checks that report later.
func at(p *lint.Pass, r *lint.Rule, n parser.Node, msg, fix string) diag.Diagnostic {
	pr := n.PositionRange()
	file := passFile(p, r)
	d := diag.Diagnostic{Message: msg, Fix: fix, Rule: r.Name(), Pos: r.Expr.PosAt(file, int(pr.Start))}
	if int(pr.End) > int(pr.Start)+1 {
		d.End = r.Expr.PosAt(file, int(pr.End)-1)
	}
	if r.Group != nil {
		d.Group = r.Group.Name.Value
	}
	return d
}

func (l *linter) series(p *lint.Pass, r *lint.Rule, found func(metric string, d diag.Diagnostic)) {
	for _, vs := range l.selectors(r) {
		name := metricName(vs)
		jobs, err := l.s.Jobs(nameSelector(name))
		if err != nil {
			l.s.fail(err)
			return
		}
		if len(jobs) == 0 {
			fix := ""
			if names, err := l.s.MetricNames(); err == nil {
				if i := textdist.Closest(name, names, func(int, string) bool { return true }); i >= 0 {
					fix = fmt.Sprintf("did you mean %s?", names[i])
				}
			} else {
				l.s.fail(err)
			}
			found(name, at(p, r, vs, fmt.Sprintf("%s has no series on the server in the last %s, so this selector never matches %s",
				name, model.Duration(lookback), l.s.Stamp("count by (job) (last_over_time("+nameSelector(name)+"["+model.Duration(lookback).String()+"]))")), fix))
			continue
		}
		if len(vs.LabelMatchers) <= 1 {
			continue
		}
		sel := selectorText(vs, "")
		got, err := l.s.Jobs(sel)
		if err != nil {
			l.s.fail(err)
			return
		}
		if len(got) > 0 || missingLabel(l.s, name, vs) {
			continue // a missing label is live/label-missing's finding
		}
		found(name, at(p, r, vs, fmt.Sprintf("%s has series, but none match %s %s", name, sel,
			l.s.Stamp("count by (job) (last_over_time("+sel+"["+model.Duration(lookback).String()+"]))")), ""))
	}
}

// missingLabel says whether a matcher of vs names a label the metric has
// on none of its series (and is not a matcher that accepts the empty value).
func missingLabel(s *Server, name string, vs *parser.VectorSelector) bool {
	have, err := s.LabelNames(nameSelector(name))
	if err != nil {
		return false
	}
	for _, m := range vs.LabelMatchers {
		if m.Name != model.MetricNameLabel && !have[m.Name] && !m.Matches("") {
			return true
		}
	}
	return false
}

var labelRef = regexp.MustCompile(`\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)|index\s+\$labels\s+"([a-zA-Z_][a-zA-Z0-9_]*)"`)

// labels reports labels a matcher, a by() clause or a template uses that
// no series of the metrics involved has.
func (l *linter) labels(p *lint.Pass, r *lint.Rule) {
	sels := l.selectors(r)
	union := map[string]bool{}
	known := true // all metrics exist and their labels are known
	have := map[*parser.VectorSelector]map[string]bool{}
	for _, vs := range sels {
		name := metricName(vs)
		jobs, err := l.s.Jobs(nameSelector(name))
		if err != nil {
			l.s.fail(err)
			return
		}
		if len(jobs) == 0 {
			known = false // live/series-missing's finding
			continue
		}
		ln, err := l.s.LabelNames(nameSelector(name))
		if err != nil {
			l.s.fail(err)
			return
		}
		have[vs] = ln
		for k := range ln {
			union[k] = true
		}
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel || ln[m.Name] || m.Matches("") {
				continue
			}
			l.report(p, r, vs, fmt.Sprintf("%s has no label %q on any series, so %s never matches %s",
				name, m.Name, m.String(), l.s.Stamp("/api/v1/labels?match[]="+nameSelector(name))), closestLabel(m.Name, ln))
		}
	}
	if !known || len(sels) == 0 || r.Expr.AST == nil || addsLabels(r.Expr.AST) {
		return
	}
	// by (x): x must be on some series the aggregation reads.
	parser.Inspect(r.Expr.AST, func(n parser.Node, _ []parser.Node) error {
		agg, ok := n.(*parser.AggregateExpr)
		if !ok || agg.Without {
			return nil
		}
		under := map[string]bool{}
		parser.Inspect(agg.Expr, func(m parser.Node, _ []parser.Node) error {
			if vs, ok := m.(*parser.VectorSelector); ok {
				for k := range have[vs] {
					under[k] = true
				}
			}
			return nil
		})
		if len(under) == 0 {
			return nil
		}
		for _, g := range agg.Grouping {
			if !under[g] {
				l.report(p, r, agg, fmt.Sprintf("by(%s): no series this aggregation reads has label %q, so every result has it empty %s",
					g, g, l.s.Stamp("/api/v1/labels")), closestLabel(g, under))
			}
		}
		return nil
	})
	for _, kv := range r.Annotations {
		l.templateLabels(p, r, kv.Value, union)
	}
	for _, kv := range r.Labels {
		l.templateLabels(p, r, kv.Value, union)
	}
}

func (l *linter) templateLabels(p *lint.Pass, r *lint.Rule, v lint.Value, union map[string]bool) {
	if v.Node == nil || p.File == nil {
		return
	}
	for _, m := range labelRef.FindAllStringSubmatchIndex(v.Value, -1) {
		s, e := m[2], m[3]
		if s < 0 {
			s, e = m[4], m[5]
		}
		name := v.Value[s:e]
		if union[name] || name == "alertname" {
			continue
		}
		d := diag.Diagnostic{
			Pos:     p.File.ScalarPos(v.Node, s),
			Message: fmt.Sprintf("template uses label %q, which no series the expression reads has, so it renders empty %s", name, l.s.Stamp("/api/v1/labels")),
			Fix:     closestLabel(name, union),
			Rule:    r.Name(),
		}
		if r.Group != nil {
			d.Group = r.Group.Name.Value
		}
		p.Report(d)
	}
}

// addsLabels says whether expr can make labels no selector has: label
// functions, or a join copying labels from the other side.
func addsLabels(expr parser.Expr) bool {
	found := false
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.Call:
			if n.Func.Name == "label_replace" || n.Func.Name == "label_join" {
				found = true
			}
		case *parser.BinaryExpr:
			if n.VectorMatching != nil && len(n.VectorMatching.Include) > 0 {
				found = true
			}
		}
		return nil
	})
	return found
}

func closestLabel(name string, have map[string]bool) string {
	var names []string
	for k := range have {
		names = append(names, k)
	}
	sort.Strings(names)
	if i := textdist.Closest(name, names, func(int, string) bool { return true }); i >= 0 {
		return fmt.Sprintf("did you mean %s?", names[i])
	}
	// "model" for "model_name": a shortened name is as common a slip as
	// a typo, and too far from the full one for an edit distance.
	for _, n := range names {
		if strings.HasPrefix(n, name+"_") {
			return fmt.Sprintf("did you mean %s?", n)
		}
	}
	return ""
}

// typeOf is the metadata type of the series name: histograms and
// summaries are declared under their base name, and counters exposed in
// OpenMetrics under the name without _total.
func (s *Server) typeOf(name string) (string, error) {
	t, err := s.Type(name)
	if t != "" || err != nil {
		return t, err
	}
	for _, suf := range []string{"_bucket", "_count", "_sum", "_total"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			if t, err = s.Type(base); t != "" || err != nil {
				return t, err
			}
		}
	}
	return "", nil
}

// counterFuncs need a counter; gaugeFuncs a gauge.
var (
	counterFuncs = map[string]bool{"rate": true, "irate": true, "increase": true, "resets": true}
	gaugeFuncs   = map[string]bool{"delta": true, "idelta": true, "deriv": true, "predict_linear": true}
)

// types reports counter functions over gauges and gauge functions over
// counters, by the server's metadata rather than by name.
func (l *linter) types(p *lint.Pass, r *lint.Rule) {
	if r.Expr.AST == nil {
		return
	}
	rec := l.recordedIn(r)
	parser.Inspect(r.Expr.AST, func(n parser.Node, _ []parser.Node) error {
		call, ok := n.(*parser.Call)
		if !ok || (!counterFuncs[call.Func.Name] && !gaugeFuncs[call.Func.Name] && call.Func.Name != "histogram_quantile") {
			return nil
		}
		for _, arg := range call.Args {
			parser.Inspect(arg, func(m parser.Node, _ []parser.Node) error {
				vs, ok := m.(*parser.VectorSelector)
				if !ok || metricName(vs) == "" || rec[metricName(vs)] {
					return nil
				}
				name := metricName(vs)
				t, err := l.s.typeOf(name)
				if err != nil {
					l.s.fail(err)
					return err
				}
				stamp := l.s.Stamp("/api/v1/metadata?metric=" + name)
				if t != "" && counterFuncs[call.Func.Name] {
					l.s.judged(p, r, vs, offlineRateNonCounter)
				}
				switch {
				case t == "":
				case counterFuncs[call.Func.Name] && t == "gauge":
					l.report(p, r, vs, fmt.Sprintf("%s() of %s, which the server's metadata says is a gauge: %s() reads every drop as a counter reset %s",
						call.Func.Name, name, call.Func.Name, stamp), "use deriv() or delta() for a gauge's change, or the gauge itself")
				case gaugeFuncs[call.Func.Name] && t == "counter":
					l.report(p, r, vs, fmt.Sprintf("%s() of %s, which the server's metadata says is a counter: %s() does not handle resets %s",
						call.Func.Name, name, call.Func.Name, stamp), "use rate() or increase()")
				case call.Func.Name == "histogram_quantile" && strings.HasSuffix(name, "_bucket") && t != "histogram":
					l.report(p, r, vs, fmt.Sprintf("histogram_quantile() over %s, which the server's metadata says is a %s, not a histogram %s",
						name, t, stamp), "")
				}
				return nil
			})
		}
		return nil
	})
}

// minScrapes is how many scrapes a rate window should span: two are the
// least rate() can use, and four survive a missed scrape and a restart.
const minScrapes = 4

// windows reports range selectors shorter than minScrapes scrapes of the
// jobs they select, by the server's real scrape intervals.
func (l *linter) windows(p *lint.Pass, r *lint.Rule) {
	if r.Expr.AST == nil {
		return
	}
	rec := l.recordedIn(r)
	parser.Inspect(r.Expr.AST, func(n parser.Node, path []parser.Node) error {
		call, ok := n.(*parser.Call)
		if !ok || !(counterFuncs[call.Func.Name] || gaugeFuncs[call.Func.Name]) || len(call.Args) == 0 {
			return nil
		}
		ms, ok := call.Args[0].(*parser.MatrixSelector)
		if !ok {
			return nil
		}
		vs, ok := ms.VectorSelector.(*parser.VectorSelector)
		if !ok || metricName(vs) == "" || rec[metricName(vs)] {
			return nil
		}
		sel := selectorText(vs, "")
		jobs, err := l.s.Jobs(sel)
		if err != nil {
			l.s.fail(err)
			return err
		}
		var slowest time.Duration
		var slowJob string
		for _, j := range jobs {
			if iv := l.s.ScrapeInterval(j); iv > slowest {
				slowest, slowJob = iv, j
			}
		}
		if slowest == 0 {
			return nil
		}
		l.s.judged(p, r, ms, offlineRateWindow)
		if ms.Range >= minScrapes*slowest {
			return nil
		}
		l.report(p, r, ms, fmt.Sprintf("[%s] spans fewer than %d scrapes of job %q, scraped every %s: one missed scrape leaves %s() without data %s",
			model.Duration(ms.Range), minScrapes, slowJob, model.Duration(slowest), call.Func.Name,
			l.s.Stamp("/api/v1/status/config and count by (job) (last_over_time("+sel+"[1h]))")),
			fmt.Sprintf("use [%s] or more", model.Duration(minScrapes*slowest)))
		return nil
	})
}

// The offline checks whose guesses a live check replaces with the
// server's answer: the name-based type of a metric, and a rate window
// judged against an assumed scrape interval.
const (
	offlineRateNonCounter = "promql/rate-non-counter"
	offlineRateWindow     = "promql/rate-window"
)

// judged notes that the server decided what the offline check id guesses
// at n's line, so Supersede can drop the guess.
func (s *Server) judged(p *lint.Pass, r *lint.Rule, n parser.Node, id string) {
	pos := r.Expr.PosAt(passFile(p, r), int(n.PositionRange().Start))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.decided == nil {
		s.decided = map[string]bool{}
	}
	s.decided[lineKey(id, pos)] = true
}

func passFile(p *lint.Pass, r *lint.Rule) string {
	if r.Group != nil && r.Group.Doc != nil && r.Group.Doc.File != nil {
		return r.Group.Doc.File.Path
	}
	if p.File != nil {
		return p.File.Path
	}
	return ""
}

func lineKey(id string, pos diag.Pos) string {
	return fmt.Sprintf("%s\x00%s\x00%d", id, pos.File, pos.Line)
}

// Supersede drops the offline findings a live check decided with the
// server's knowledge: promql/rate-window's assumed 15s scrape where the
// real interval is known, promql/rate-non-counter's name guess where
// metadata gave the type. Judged by line, as the two point at different
// characters of the same selector.
func (s *Server) Supersede(ds []diag.Diagnostic) []diag.Diagnostic {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := ds[:0:0]
	for _, d := range ds {
		if (d.Check == offlineRateWindow || d.Check == offlineRateNonCounter) && s.decided[lineKey(d.Check, d.Pos)] {
			continue
		}
		out = append(out, d)
	}
	return out
}
