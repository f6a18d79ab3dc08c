// Package rules owns generation: it parses a spec, expands presets and
// defaults, builds alerting rules for every service, validates them with
// Prometheus's own parsers and renders deterministic rule files. Each stage
// takes a value and returns a value; only the CLI reads and writes files.
package rules

import (
	_ "embed"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/yamlx"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

//go:embed example.yaml
var exampleSpec []byte

// ExampleSpec returns the commented built-in example spec: one agent
// service on the default conventions.
func ExampleSpec() []byte { return append([]byte(nil), exampleSpec...) }

// ExamplePath is the name the built-in example is reported under.
const ExamplePath = "built-in example spec"

// MetricKeys are the names a spec's `metrics:` block may override.
var MetricKeys = []string{
	"prefix", "availability_metric", "requests_total", "errors_total", "errors_selector",
	"latency_histogram", "budget_used", "budget_limit", "budget_remaining", "budget_max",
	"cost_total", "queue_depth",
}

// Spec is a parsed spec file (version 1).
type Spec struct {
	Path     string
	Version  int
	Services []*Service
}

// Val is a spec value with the place it was written, so later stages can
// report problems (an inverted threshold) at the user's text.
type Val[T any] = yamlx.Val[T]

func set[T any](v T, p diag.Pos) Val[T] { return Val[T]{V: v, Pos: p, Set: true} }

// Service is one service with its defaults block merged in (service wins).
type Service struct {
	Name        Val[string]
	Job         Val[string]
	Preset      Val[string]
	Variant     Val[string]
	RunbookURL  Val[string]
	Labels      map[string]string
	LabelPos    map[string]diag.Pos
	Severity    severity.Scale
	Selector    map[string]string
	Metrics     map[string]string
	MetricPos   map[string]diag.Pos
	AggregateBy Val[[]string]
	// Families holds what the spec says per family; a missing family
	// takes the built-in defaults, Off drops it.
	Families map[Family]*FamilySpec
	// SLO is the `slo:` block, nil when the spec has none.
	SLO *SLOSpec
	Pos diag.Pos
}

// FamilySpec is one alert family as the spec writes it.
type FamilySpec struct {
	Off            bool
	Pos            diag.Pos
	Window         Val[time.Duration]
	MinRequestRate Val[float64]
	Quantile       Val[float64]
	Per            Val[time.Duration]
	Forecast       *Forecast
	Tiers          map[severity.Tier]*Tier
}

// Tier is one tier of a family: a threshold and how long it must hold.
type Tier struct {
	Off           bool
	Pos           diag.Pos
	Threshold     Val[float64]
	For           Val[time.Duration]
	KeepFiringFor Val[time.Duration]
}

// Forecast asks for a predictive alert: token budget exhausted within
// Horizon (predict_linear over Window), or the spend of the rolling Period
// that ends Horizon from now over Budget.
type Forecast struct {
	Pos     diag.Pos
	Horizon Val[time.Duration]
	Window  Val[time.Duration]
	Budget  Val[float64]
	Period  Val[time.Duration]
	Tier    Val[severity.Tier]
	For     Val[time.Duration]
}

var (
	topKeys     = []string{"version", "defaults", "services"}
	serviceKeys = append([]string{"name", "job", "preset", "variant", "runbook_url", "labels", "severity", "selector", "metrics", "aggregate_by", "slo"}, familyKeys()...)
	// blockKeys are the keys of each family's block, forecastKeys of its
	// forecast block (only families with a forecast are listed).
	blockKeys, forecastKeys = keyTables()
)

// familyKeys are the families as the spec's service keys.
func familyKeys() []string {
	out := make([]string, len(families))
	for i, f := range families {
		out[i] = string(f.info().name)
	}
	return out
}

func keyTables() (block, forecast map[string][]string) {
	block, forecast = map[string][]string{}, map[string][]string{}
	for _, f := range families {
		block[string(f.info().name)] = append(f.info().keys, severity.Names()...)
		if k := f.info().forecastKeys; k != nil {
			forecast[string(f.info().name)] = k
		}
	}
	return block, forecast
}

// ParseSpec parses and validates a spec. The error is a diag.List holding
// every problem found, each at its file:line:col.
func ParseSpec(path string, src []byte) (*Spec, error) {
	return ParseSpecLimits(path, src, Limits{})
}

// ParseSpecLimits is ParseSpec with limits other than the defaults.
func ParseSpecLimits(path string, src []byte, lim Limits) (*Spec, error) {
	spec, diags := parseSpec(path, src, lim)
	if len(diags) > 0 {
		diag.Sort(diags)
		return nil, dedupe(diags)
	}
	return spec, nil
}

func parseSpec(path string, src []byte, lim Limits) (*Spec, diag.List) {
	d := &decoder{file: path, limits: lim}
	doc, err := yamlx.Parse(src)
	if err != nil {
		return nil, diag.List{yamlx.Diagnostic(path, "spec/syntax", err)}
	}
	root := yamlx.Root(doc)
	if root == nil {
		d.errorf(nil, "spec/missing", "empty spec: expected version and services")
		return nil, d.diags
	}
	// The one alias budget of every file agentalerts reads; the spec's
	// own size limits (services, tiers) apply after expansion.
	if e := yamlx.Measure(doc); e.OverBudget() {
		return nil, diag.List{e.Diagnostic(path, "spec/syntax")}
	}
	// Anchors work anywhere in a spec: the walk below sees no aliases.
	yamlx.Inline(doc)
	spec := &Spec{Path: path}
	fs, ok := d.fields(root, "the spec", topKeys)
	if !ok {
		return nil, d.diags
	}
	var defaults, services *yaml.Node
	for _, f := range fs {
		switch f.key.Value {
		case "version":
			v, ok := d.number(f.val, "version")
			if ok && v != 1 {
				d.errorf(f.val, "spec/value", "unsupported spec version %s, expected 1", f.val.Value)
			}
			spec.Version = int(v)
		case "defaults":
			defaults = f.val
			// Validate the keys once here, so a typo in defaults is
			// reported at its own line and not once per service.
			allowed := []string{}
			for _, k := range serviceKeys {
				if k != "name" && k != "job" {
					allowed = append(allowed, k)
				}
			}
			d.fields(f.val, "defaults", allowed)
			d.overLabelLimit(f.val, "defaults")
		case "services":
			services = f.val
		}
	}
	if spec.Version == 0 && len(d.diags) == 0 {
		d.errorf(root, "spec/missing", "missing field \"version\" (expected version: 1)")
	}
	if services == nil {
		d.errorf(root, "spec/missing", "missing field \"services\": a list of services, each with name and job")
		return nil, d.diags
	}
	if services.Kind != yaml.SequenceNode {
		d.errorf(services, "spec/type", "services: expected a list, got %s", kind(services))
		return nil, d.diags
	}
	if len(services.Content) == 0 {
		d.errorf(services, "spec/missing", "services: the list is empty")
	}
	d.overServiceLimit(services)
	if len(d.diags) > 0 {
		// Defaults with wrong keys would be reported again per service.
		return nil, d.diags
	}
	names := map[string]diag.Pos{}
	for i, sn := range services.Content {
		where := fmt.Sprintf("services[%d]", i)
		if sn.Kind != yaml.MappingNode {
			d.errorf(sn, "spec/type", "%s: expected a mapping with name and job, got %s", where, kind(sn))
			continue
		}
		if d.overLabelLimit(sn, where) {
			continue
		}
		merged := merge(defaults, sn)
		if d.overLabelLimit(merged, where) {
			continue
		}
		svc := d.service(merged, sn, where)
		if svc == nil {
			continue
		}
		if prev, dup := names[svc.Name.V]; dup {
			d.errorf(nodeOf(sn, "name"), "spec/duplicate", "duplicate service %q (first defined at %s)", svc.Name.V, prev)
			continue
		}
		names[svc.Name.V] = svc.Name.Pos
		d.checkVariant(svc)
		d.checkOverrides(svc)
		d.applyDefaults(svc)
		d.checkPresetFit(svc)
		spec.Services = append(spec.Services, svc)
	}
	return spec, d.diags
}

func nodeOf(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return m
}

func (d *decoder) service(n, own *yaml.Node, where string) *Service {
	fs, ok := d.fields(n, where, serviceKeys)
	if !ok {
		return nil
	}
	svc := &Service{
		Pos:       d.pos(own),
		Severity:  severity.Default(),
		Families:  map[Family]*FamilySpec{},
		Labels:    map[string]string{},
		LabelPos:  map[string]diag.Pos{},
		Selector:  map[string]string{},
		Metrics:   map[string]string{},
		MetricPos: map[string]diag.Pos{},
	}
	svc.Preset = set("default", d.pos(own))
	given := map[string]bool{}
	for _, f := range fs {
		given[f.key.Value] = true
		key, v := f.key.Value, f.val
		at := where + "." + key
		switch key {
		case "name":
			if s, ok := d.nonEmpty(v, at); ok {
				svc.Name = set(s, d.pos(v))
				at = fmt.Sprintf("service %q", s)
			}
		case "job":
			if s, ok := d.nonEmpty(v, at); ok {
				svc.Job = set(s, d.pos(v))
			}
		case "preset":
			if s, ok := d.nonEmpty(v, at); ok {
				if _, err := presets.Raw(s); err != nil {
					msg := fmt.Sprintf("unknown preset %q", s)
					if sug := suggest(s, presets.Names()); sug != "" {
						msg += fmt.Sprintf(", did you mean %q?", sug)
					} else {
						msg += ", expected one of " + strings.Join(presets.Names(), ", ")
					}
					d.errorf(v, "spec/unknown-preset", "%s", msg)
					continue
				}
				svc.Preset = set(s, d.pos(v))
			}
		case "variant":
			if s, ok := d.nonEmpty(v, at); ok {
				svc.Variant = set(s, d.pos(v))
			}
		case "runbook_url":
			if s, ok := d.nonEmpty(v, at); ok {
				if _, err := template.New("runbook_url").Option("missingkey=error").Funcs(runbookFuncs).Parse(s); err != nil {
					d.errorf(v, "spec/value", "runbook_url: invalid template: %v", err)
					continue
				}
				svc.RunbookURL = set(s, d.pos(v))
			}
		case "labels":
			m, pos, ok := d.stringMap(v, "labels")
			if !ok {
				continue
			}
			for k, val := range m {
				if !model.LegacyValidation.IsValidLabelName(k) {
					d.errorf(nodeOf(v, k), "spec/value", "labels: %q is not a valid label name (letters, digits and _, not starting with a digit)", k)
					continue
				}
				svc.Labels[k] = val
				svc.LabelPos[k] = pos[k]
			}
		case "selector":
			m, _, ok := d.stringMap(v, "selector")
			if !ok {
				continue
			}
			for k, val := range m {
				if !model.LegacyValidation.IsValidLabelName(k) || k == "__name__" || k == "job" {
					d.errorf(nodeOf(v, k), "spec/value", "selector: %q cannot be a selector label (job comes from the job field)", k)
					continue
				}
				svc.Selector[k] = val
			}
		case "metrics":
			fs, ok := d.fields(v, "metrics", MetricKeys)
			if !ok {
				continue
			}
			for _, mf := range fs {
				s, ok := d.str(mf.val, "metrics."+mf.key.Value)
				if !ok {
					continue
				}
				switch mf.key.Value {
				case "prefix":
				case "errors_selector":
					if _, err := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + s + "}"); err != nil {
						d.errorf(mf.val, "spec/value", "metrics.errors_selector: expected PromQL matchers such as status=\"error\": %v", err)
						continue
					}
				default:
					if !model.LegacyValidation.IsValidMetricName(s) {
						d.errorf(mf.val, "spec/value", "metrics.%s: %q is not a valid metric name", mf.key.Value, s)
						continue
					}
				}
				svc.Metrics[mf.key.Value] = s
				svc.MetricPos[mf.key.Value] = d.pos(mf.key)
			}
		case "aggregate_by":
			if l, ok := d.stringList(v, at); ok {
				for _, lbl := range l {
					if !model.LegacyValidation.IsValidLabelName(lbl) {
						d.errorf(v, "spec/value", "aggregate_by: %q is not a valid label name", lbl)
					}
				}
				svc.AggregateBy = set(l, d.pos(v))
			}
		case "severity":
			d.severity(v, svc)
		case "slo":
			svc.SLO = d.slo(v)
		default:
			if fam := d.family(key, v); fam != nil {
				svc.Families[Family(key)] = fam
			}
		}
	}
	if !svc.Name.Set {
		if given["name"] {
			return nil
		}
		d.errorf(own, "spec/missing", "%s: missing field \"name\"", where)
		return nil
	}
	if !svc.Job.Set {
		if given["job"] {
			return nil
		}
		d.errorf(own, "spec/missing", "service %q: missing field \"job\" (the scrape job of its targets)", svc.Name.V)
		return nil
	}
	for k, p := range svc.LabelPos {
		if k == svc.Severity.Label || k == "service" || k == "family" {
			d.diags = append(d.diags, diag.Diagnostic{Pos: p, Check: "spec/value", Severity: diag.Error,
				Message: fmt.Sprintf("labels: %q is set by agentalerts on every alert and cannot be overridden", k)})
		}
	}
	return svc
}

func (d *decoder) severity(n *yaml.Node, svc *Service) {
	fs, ok := d.fields(n, "severity", []string{"label", "values"})
	if !ok {
		return
	}
	for _, f := range fs {
		switch f.key.Value {
		case "label":
			if s, ok := d.nonEmpty(f.val, "severity.label"); ok {
				if !model.LegacyValidation.IsValidLabelName(s) {
					d.errorf(f.val, "spec/value", "severity.label: %q is not a valid label name", s)
					continue
				}
				svc.Severity.Label = s
			}
		case "values":
			vs, ok := d.fields(f.val, "severity.values", severity.Names())
			if !ok {
				continue
			}
			for _, vf := range vs {
				s, ok := d.nonEmpty(vf.val, "severity.values."+vf.key.Value)
				if !ok {
					continue
				}
				t, _ := severity.Parse(vf.key.Value)
				svc.Severity.Values[t] = s
			}
			if err := svc.Severity.Validate(); err != nil {
				d.errorf(f.val, "spec/value", "severity.values: %v", err)
			}
		}
	}
}

func (d *decoder) family(name string, n *yaml.Node) *FamilySpec {
	fam := &FamilySpec{Pos: d.pos(n), Tiers: map[severity.Tier]*Tier{}}
	if b, ok := d.boolean(n); ok {
		fam.Off = !b
		return fam
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return fam
	}
	fs, ok := d.fields(n, name, blockKeys[name])
	if !ok {
		if n.Kind != yaml.MappingNode {
			// fields reported "expected a mapping"; say false/true work too.
			d.diags[len(d.diags)-1].Message = fmt.Sprintf("%s: expected a mapping, true or false, got %s", name, kind(n))
		}
		return nil
	}
	for _, f := range fs {
		key, v := f.key.Value, f.val
		at := name + "." + key
		switch key {
		case "window":
			fam.Window = d.duration(v, at, time.Minute)
		case "per":
			fam.Per = d.duration(v, at, time.Minute)
		case "min_request_rate":
			if x, ok := d.number(v, at); ok {
				if x < 0 {
					d.errorf(v, "spec/value", "%s: must not be negative", at)
					continue
				}
				fam.MinRequestRate = set(x, d.pos(v))
			}
		case "quantile":
			if x, ok := d.number(v, at); ok {
				if x <= 0 || x >= 1 {
					d.errorf(v, "spec/value", "%s: %s is outside (0, 1), e.g. 0.95 for p95", at, v.Value)
					continue
				}
				fam.Quantile = set(x, d.pos(v))
			}
		case "forecast":
			fam.Forecast = d.forecast(name, v)
		default:
			t, _ := severity.Parse(key)
			if tier := d.tier(name, t, v); tier != nil {
				fam.Tiers[t] = tier
			}
		}
	}
	return fam
}

func (d *decoder) tier(family string, t severity.Tier, n *yaml.Node) *Tier {
	at := family + "." + t.String()
	tier := &Tier{Pos: d.pos(n)}
	if b, ok := d.boolean(n); ok {
		tier.Off = !b
		return tier
	}
	allowed := []string{"threshold", "for", "keep_firing_for"}
	if Family(family) == Availability {
		allowed = []string{"for", "keep_firing_for"}
	}
	fs, ok := d.fields(n, at, allowed)
	if !ok {
		return nil
	}
	for _, f := range fs {
		switch f.key.Value {
		case "threshold":
			tier.Threshold = d.threshold(family, f.val, at+".threshold")
		case "for":
			tier.For = d.duration(f.val, at+".for", 0)
		case "keep_firing_for":
			tier.KeepFiringFor = d.duration(f.val, at+".keep_firing_for", 0)
		}
	}
	return tier
}

func (d *decoder) forecast(family string, n *yaml.Node) *Forecast {
	fc := &Forecast{Pos: d.pos(n)}
	fs, ok := d.fields(n, family+".forecast", forecastKeys[family])
	if !ok {
		return nil
	}
	for _, f := range fs {
		at := family + ".forecast." + f.key.Value
		switch f.key.Value {
		case "horizon":
			fc.Horizon = d.duration(f.val, at, time.Minute)
		case "window":
			fc.Window = d.duration(f.val, at, time.Minute)
		case "period":
			fc.Period = d.duration(f.val, at, time.Hour)
		case "for":
			fc.For = d.duration(f.val, at, 0)
		case "budget":
			if x, ok := d.number(f.val, at); ok {
				if x <= 0 {
					d.errorf(f.val, "spec/value", "%s: must be positive (USD)", at)
					continue
				}
				fc.Budget = set(x, d.pos(f.val))
			}
		case "tier":
			if s, ok := d.str(f.val, at); ok {
				t, err := severity.Parse(s)
				if err != nil {
					d.errorf(f.val, "spec/value", "%s: %v", at, err)
					continue
				}
				fc.Tier = set(t, d.pos(f.val))
			}
		}
	}
	return fc
}

// duration parses a Prometheus duration; min > 0 rejects shorter ones.
func (d *decoder) duration(n *yaml.Node, where string, minimum time.Duration) Val[time.Duration] {
	s, ok := d.str(n, where)
	if !ok {
		return Val[time.Duration]{}
	}
	md, err := model.ParseDuration(s)
	if err != nil {
		d.errorf(n, "spec/value", "%s: %q is not a duration, expected e.g. 5m, 1h or 30s", where, s)
		return Val[time.Duration]{}
	}
	if time.Duration(md) < minimum {
		d.errorf(n, "spec/value", "%s: %s is shorter than the minimum %s", where, s, model.Duration(minimum))
		return Val[time.Duration]{}
	}
	return set(time.Duration(md), d.pos(n))
}

// threshold parses a threshold in the family's unit: a ratio (10% or 0.1),
// seconds (5s, 250ms or a number of seconds), a count or USD.
func (d *decoder) threshold(family string, n *yaml.Node, where string) Val[float64] {
	bad := func(format string, args ...any) Val[float64] {
		d.errorf(n, "spec/value", "%s: "+format, append([]any{where}, args...)...)
		return Val[float64]{}
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return bad("expected a threshold, got %s", kind(n))
	}
	s := strings.TrimSpace(n.Value)
	var v float64
	switch unitOf(Family(family)) {
	case templates.Ratio:
		if p, ok := strings.CutSuffix(s, "%"); ok {
			f, err := parseFloat(p)
			if err != nil {
				return bad("%q is not a percentage", s)
			}
			v = f / 100
		} else {
			f, err := parseFloat(s)
			if err != nil {
				return bad("%q is not a ratio, expected e.g. 10%% or 0.1", s)
			}
			v = f
		}
		if v <= 0 || v > 1 {
			return bad("%s is outside (0%%, 100%%]", s)
		}
	case templates.Seconds:
		if f, err := parseFloat(s); err == nil {
			v = f
		} else {
			md, err := model.ParseDuration(s)
			if err != nil {
				return bad("%q is not a latency, expected e.g. 5s or 250ms", s)
			}
			v = time.Duration(md).Seconds()
		}
		if v <= 0 {
			return bad("must be positive")
		}
	default:
		f, err := parseFloat(strings.TrimPrefix(s, "$"))
		if err != nil {
			return bad("%q is not a number", s)
		}
		if f < 0 {
			return bad("must not be negative")
		}
		v = f
	}
	return set(v, d.pos(n))
}

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return f, nil
}

// unitOf is what a family's thresholds are in.
func unitOf(family Family) templates.Unit { return mustFamily(family).info().unit }

var runbookFuncs = template.FuncMap{
	"lower":       strings.ToLower,
	"upper":       strings.ToUpper,
	"pathescape":  url.PathEscape,
	"queryescape": url.QueryEscape,
}

// checkVariant reports a variant the service's preset does not define.
func (d *decoder) checkVariant(svc *Service) {
	if !svc.Variant.Set {
		return
	}
	p, err := presets.Load(svc.Preset.V)
	if err != nil {
		d.diags = append(d.diags, diag.Diagnostic{Pos: svc.Preset.Pos, Check: "spec/unknown-preset", Severity: diag.Error, Message: err.Error()})
		return
	}
	if _, ok := p.Variants[svc.Variant.V]; ok {
		return
	}
	known := templates.SortedKeys(p.Variants)
	msg := fmt.Sprintf("preset %s has no variant %q", p.Name, svc.Variant.V)
	if s := suggest(svc.Variant.V, known); s != "" {
		msg += fmt.Sprintf(", did you mean %q?", s)
	} else if len(known) > 0 {
		msg += ", expected one of " + strings.Join(known, ", ")
	} else {
		msg += " (it has none)"
	}
	d.diags = append(d.diags, diag.Diagnostic{Pos: svc.Variant.Pos, Check: "spec/value", Severity: diag.Error, Message: msg})
}

// dedupe drops repeated diagnostics: a mistake in the defaults block is
// found once per service that inherits it but is one mistake.
func dedupe(ds diag.List) diag.List {
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d.Pos == ds[i-1].Pos && d.Message == ds[i-1].Message {
			continue
		}
		out = append(out, d)
	}
	return out
}

// checkOverrides reports metrics: keys that fit no slot of the preset.
func (d *decoder) checkOverrides(svc *Service) {
	p, err := presets.Load(svc.Preset.V)
	if err != nil {
		return // reported by checkVariant or the preset key
	}
	_, problems := withOverrides(p, svc.Metrics)
	for _, k := range sortedProblemKeys(problems) {
		d.diags = append(d.diags, diag.Diagnostic{Pos: svc.MetricPos[k], Check: "spec/value", Severity: diag.Error,
			Message: fmt.Sprintf("service %q: metrics.%s: %s", svc.Name.V, k, problems[k])})
	}
}
