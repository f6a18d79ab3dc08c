package rules

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/slo"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

// SLOSpec is a service's `slo:` block: service level objectives whose
// error budget burn is alerted on with multi-window, multi-burn-rate rules
// (docs/slo.md).
type SLOSpec struct {
	Pos diag.Pos
	// Period is the budget's period, DefaultSLOPeriod unless set.
	Period Val[time.Duration]
	// Availability and Latency are the objectives; at least one is set.
	Availability *SLOObjective
	Latency      *SLOObjective
	// Pairs is the window table: slo.Google() unless the spec gives one.
	Pairs    []slo.Pair
	PairsPos diag.Pos
	// MinEvents is the low-traffic guard: a pair stays silent while its
	// long window saw fewer events. 0 (the default) turns it off.
	MinEvents Val[float64]
}

// SLOObjective is one objective: the target share of good events, and for
// latency the bound (in seconds) a good request stays within.
type SLOObjective struct {
	Pos       diag.Pos
	Objective slo.Objective
	Threshold Val[float64]
}

// DefaultSLOPeriod is the budget period when the spec names none: the
// SRE Workbook's 30 days.
const DefaultSLOPeriod = 30 * 24 * time.Hour

// minSLOWindow is the shortest window of a pair: rates over less than five
// scrapes at the usual 1m interval swing on one sample, and the error
// budget is summed from 5m records anyway.
const minSLOWindow = 5 * time.Minute

var (
	sloKeys          = []string{"period", "availability", "latency", "windows", "min_events"}
	sloObjectiveKeys = map[string][]string{
		slo.Availability: {"objective"},
		slo.Latency:      {"objective", "threshold"},
	}
	sloPairKeys = []string{"long", "short", "budget", "factor", "tier", "for"}
	// sloLabels are set on every SLO alert; a spec label of the same name
	// would replace them.
	sloLabels = []string{"slo", "long_window", "short_window"}
)

func (d *decoder) slo(n *yaml.Node) *SLOSpec {
	fs, ok := d.fields(n, "slo", sloKeys)
	if !ok {
		return nil
	}
	s := &SLOSpec{Pos: d.pos(n)}
	var windows *yaml.Node
	given := false
	for _, f := range fs {
		at := "slo." + f.key.Value
		given = given || f.key.Value == slo.Availability || f.key.Value == slo.Latency
		switch f.key.Value {
		case "period":
			s.Period = d.duration(f.val, at, time.Hour)
		case "availability", "latency":
			o := d.sloObjective(f.key.Value, f.val)
			if f.key.Value == slo.Availability {
				s.Availability = o
			} else {
				s.Latency = o
			}
		case "windows":
			windows = f.val
		case "min_events":
			if x, ok := d.number(f.val, at); ok {
				if x < 0 {
					d.errorf(f.val, "spec/value", "%s: must not be negative", at)
					continue
				}
				s.MinEvents = set(x, d.pos(f.val))
			}
		}
	}
	if !s.Period.Set {
		s.Period.V = DefaultSLOPeriod
	}
	if !given {
		d.errorf(n, "spec/missing", "slo: expected availability or latency (or both), e.g. availability: {objective: 99.9%%}")
	}
	s.Pairs, s.PairsPos = slo.Google(), s.Pos
	if windows != nil {
		s.PairsPos = d.pos(windows)
		s.Pairs = d.sloWindows(windows, s.Period.V)
	}
	for _, p := range s.Pairs {
		if p.Long > s.Period.V {
			d.errorf(windows, "spec/value", "slo.windows: long window %s is longer than the period %s", templates.Duration(p.Long), templates.Duration(s.Period.V))
			break
		}
	}
	return s
}

func (d *decoder) sloObjective(kind string, n *yaml.Node) *SLOObjective {
	at := "slo." + kind
	fs, ok := d.fields(n, at, sloObjectiveKeys[kind])
	if !ok {
		return nil
	}
	o := &SLOObjective{Pos: d.pos(n)}
	objSet := false
	for _, f := range fs {
		switch f.key.Value {
		case "objective":
			s, ok := d.str(f.val, at+".objective")
			if !ok {
				return nil
			}
			obj, err := slo.ParseObjective(s)
			if err != nil {
				d.errorf(f.val, "spec/value", "%s.%v", at, err)
				return nil
			}
			o.Objective, objSet = obj, true
		case "threshold":
			v := f.val
			if n, ok := fractionalSeconds(v); ok {
				v = n
			}
			o.Threshold = d.threshold(string(Latency), v, at+".threshold")
			if !o.Threshold.Set {
				return nil
			}
		}
	}
	if !objSet {
		d.errorf(n, "spec/missing", "%s: missing field \"objective\" (e.g. 99.9%%)", at)
		return nil
	}
	if kind == slo.Latency && !o.Threshold.Set {
		d.errorf(n, "spec/missing", "%s: missing field \"threshold\" (a request within it is good, e.g. 2.5s)", at)
		return nil
	}
	return o
}

// sloWindows reads a custom window table: a list of pairs, each with its
// long and short window, tier, `for` and either the share of the period's
// budget it spends (budget: 2%) or its burn-rate factor (factor: 14.4).
func (d *decoder) sloWindows(n *yaml.Node, period time.Duration) []slo.Pair {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		if n.Value == "google" {
			return slo.Google()
		}
		msg := fmt.Sprintf("slo.windows: unknown table %q, expected google or a list of pairs", n.Value)
		if s := suggest(n.Value, []string{"google"}); s != "" {
			msg = fmt.Sprintf("slo.windows: unknown table %q, did you mean %q?", n.Value, s)
		}
		d.errorf(n, "spec/value", "%s", msg)
		return nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errorf(n, "spec/type", "slo.windows: expected google or a list of pairs {long, short, budget or factor, tier, for}, got %s", kind(n))
		return nil
	}
	var out []slo.Pair
	seen := map[[2]time.Duration]bool{}
	for i, pn := range n.Content {
		at := fmt.Sprintf("slo.windows[%d]", i)
		fs, ok := d.fields(pn, at, sloPairKeys)
		if !ok {
			continue
		}
		p := slo.Pair{Tier: severity.Page}
		var long, short Val[time.Duration]
		var share *big.Rat
		byFactor := false
		good := true
		for _, f := range fs {
			fat := at + "." + f.key.Value
			switch f.key.Value {
			case "long":
				long = d.duration(f.val, fat, minSLOWindow)
				good = good && long.Set
			case "short":
				short = d.duration(f.val, fat, minSLOWindow)
				good = good && short.Set
			case "for":
				v := d.duration(f.val, fat, 0)
				p.For, good = v.V, good && v.Set
			case "tier":
				s, ok := d.str(f.val, fat)
				t, err := severity.Parse(s)
				if !ok || err != nil {
					if ok {
						d.errorf(f.val, "spec/value", "%s: %v", fat, err)
					}
					good = false
					continue
				}
				p.Tier = t
			case "budget", "factor":
				if share != nil {
					d.errorf(f.key, "spec/value", "%s: give budget or factor, not both", at)
					good = false
					continue
				}
				r, ok := d.rational(f.val, fat, f.key.Value == "budget")
				if !ok {
					good = false
					continue
				}
				share, byFactor = r, f.key.Value == "factor"
			}
		}
		if !good {
			continue
		}
		if !long.Set || !short.Set || share == nil {
			d.errorf(pn, "spec/missing", "%s: a pair needs long, short and budget (a share such as 2%%) or factor", at)
			continue
		}
		if byFactor {
			// The table stores shares; a factor is the share spent in
			// the long window at that burn rate: factor × long / period.
			share = new(big.Rat).Mul(share, big.NewRat(int64(long.V/time.Second), int64(period/time.Second)))
		}
		if short.V >= long.V {
			d.errorf(pn, "spec/value", "%s: short window %s must be shorter than long window %s", at, templates.Duration(short.V), templates.Duration(long.V))
			continue
		}
		if p.Tier == severity.Page && p.For < minPageFor {
			d.errorf(pn, "spec/value", "%s: a page pair must hold for at least %s (for), so one bad scrape does not wake anyone", at, templates.Duration(minPageFor))
			continue
		}
		if seen[[2]time.Duration{long.V, short.V}] {
			d.errorf(pn, "spec/duplicate", "%s: a second pair of %s and %s (the alerts would share their labels)", at, templates.Duration(long.V), templates.Duration(short.V))
			continue
		}
		seen[[2]time.Duration{long.V, short.V}] = true
		p.Long, p.Short, p.Share = long.V, short.V, share
		out = append(out, p)
	}
	return out
}

// rational reads a positive exact number: 14.4, or with percent set also
// 2% (then 2/100).
func (d *decoder) rational(n *yaml.Node, where string, percent bool) (*big.Rat, bool) {
	s, ok := d.str(n, where)
	if !ok {
		return nil, false
	}
	t := strings.TrimSpace(s)
	pc := percent && strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	r, ok := new(big.Rat).SetString(t)
	if !ok || strings.ContainsAny(t, "/eE") || r.Sign() <= 0 {
		want := "a positive number such as 14.4"
		if percent {
			want = "a share of the budget such as 2% or 0.02"
		}
		d.errorf(n, "spec/value", "%s: %q is not %s", where, s, want)
		return nil, false
	}
	if pc {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r, true
}

// checkSLO reports what the preset makes impossible: an availability SLO
// without a request and error counter, a latency SLO without a histogram
// or with a threshold that is not one of its bucket bounds (a good request
// is one counted in the threshold's bucket, so the bucket must exist), and
// a pair whose factor times the budget reaches 100 %, which can never fire.
func (d *decoder) checkSLO(p *presets.Preset, svc *Service) {
	s := svc.SLO
	if s == nil {
		return
	}
	for _, l := range sloLabels {
		if pos, ok := svc.LabelPos[l]; ok {
			d.diags = append(d.diags, diag.Diagnostic{Pos: pos, Check: "spec/value", Severity: diag.Error,
				Message: fmt.Sprintf("labels: %q is set by agentalerts on every SLO alert and cannot be overridden", l)})
		}
	}
	if s.Availability != nil && p.Requests == nil {
		d.diags = append(d.diags, diag.Diagnostic{Pos: s.Availability.Pos, Check: "spec/value", Severity: diag.Error,
			Message: fmt.Sprintf("service %q: slo.availability needs a request and an error counter, and preset %s has none (name them in metrics.requests_total and metrics.errors_total)", svc.Name.V, p.Name)})
	}
	if o := s.Latency; o != nil {
		switch {
		case p.Latency == nil:
			d.diags = append(d.diags, diag.Diagnostic{Pos: o.Pos, Check: "spec/value", Severity: diag.Error,
				Message: fmt.Sprintf("service %q: slo.latency needs a latency histogram, and preset %s has none (name it in metrics.latency_histogram)", svc.Name.V, p.Name)})
		case len(p.Latency.Buckets) > 0 && svc.Metrics["latency_histogram"] == "" && !hasBound(p.Latency.Buckets, o.Threshold.V):
			d.diags = append(d.diags, diag.Diagnostic{Pos: o.Threshold.Pos, Check: "spec/value", Severity: diag.Error,
				Message: fmt.Sprintf("service %q: slo.latency.threshold %s is not a bucket bound of %s (%s), so no series counts the requests within it; use one of %s",
					svc.Name.V, templates.FormatThreshold(templates.Seconds, o.Threshold.V), p.Prefix+p.Latency.Histogram.Name, p.Latency.BucketsNote, bounds(p.Latency.Buckets))})
		}
	}
	for _, o := range []*SLOObjective{s.Availability, s.Latency} {
		if o == nil {
			continue
		}
		budget := new(big.Rat).Sub(big.NewRat(1, 1), o.Objective.R)
		for _, pr := range s.Pairs {
			if new(big.Rat).Mul(pr.Factor(s.Period.V), budget).Cmp(big.NewRat(1, 1)) >= 0 {
				d.diags = append(d.diags, diag.Diagnostic{Pos: s.PairsPos, Check: "spec/value", Severity: diag.Error,
					Message: fmt.Sprintf("service %q: slo: the %s/%s pair burns at %sx, over 100%% errors at objective %s: it could never fire; use a lower objective or a smaller share",
						svc.Name.V, templates.Duration(pr.Long), templates.Duration(pr.Short), pr.FactorText(s.Period.V), o.Objective.Text)})
			}
		}
	}
}

// fractionalSeconds turns 2.5s, which a Prometheus duration cannot say
// but a bucket bound often is, into the number 2.5 at the same place.
func fractionalSeconds(n *yaml.Node) (*yaml.Node, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return nil, false
	}
	num, ok := strings.CutSuffix(strings.TrimSpace(n.Value), "s")
	if !ok || !strings.Contains(num, ".") {
		return nil, false
	}
	if _, err := parseFloat(num); err != nil {
		return nil, false
	}
	c := *n
	c.Value, c.Tag = num, "!!float"
	return &c, true
}

func hasBound(buckets []float64, v float64) bool {
	for _, b := range buckets {
		if b == v {
			return true
		}
	}
	return false
}

func bounds(buckets []float64) string {
	parts := make([]string, len(buckets))
	for i, b := range buckets {
		parts[i] = templates.Number(b) + "s"
	}
	return strings.Join(parts, ", ")
}

// sloSchema is the JSON Schema of the `slo:` block, from the same key
// lists the decoder accepts.
func sloSchema(duration, threshold, tierEnum map[string]any) map[string]any {
	objective := map[string]any{"type": []string{"string", "number"}, "description": "99.9% or 0.999"}
	objectives := map[string]any{}
	for kind, keys := range sloObjectiveKeys {
		props := map[string]any{}
		for _, k := range keys {
			props[k] = objective
			if k == "threshold" {
				props[k] = threshold
			}
		}
		objectives[kind] = map[string]any{"type": "object", "additionalProperties": false, "required": keys, "properties": props}
	}
	share := map[string]any{"type": []string{"string", "number"}}
	pair := map[string]any{"type": "object", "additionalProperties": false, "required": []string{"long", "short"}, "properties": map[string]any{
		"long": duration, "short": duration, "budget": share, "factor": share, "tier": tierEnum, "for": duration,
	}}
	return map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
		"period":       duration,
		"availability": objectives[string(Availability)],
		"latency":      objectives[string(Latency)],
		"windows":      map[string]any{"oneOf": []any{map[string]any{"const": "google"}, map[string]any{"type": "array", "minItems": 1, "items": pair}}},
		"min_events":   map[string]any{"type": "number", "minimum": 0},
	}}
}
