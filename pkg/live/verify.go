package live

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/agentalerts/agentalerts/internal/textdist"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/rules"
)

// Ids of generate --verify's problems.
const (
	IDVerifySeries    = "verify/series-missing"
	IDVerifyLabel     = "verify/label-missing"
	IDVerifyType      = "verify/metric-type"
	IDVerifyThreshold = "verify/threshold-above-buckets"
)

// Verify checks what res generated against the server before it is
// written: every series each alert reads exists for the service's job and
// selector, carries the labels the alert groups by, has the type the
// preset assumes, and every latency threshold lies at or below the
// histogram's highest finite bucket. Each problem is placed where the
// spec caused it: the metrics: override naming the series, else the
// preset; aggregate_by; the threshold. The error is the first failed
// request, after which the problems are incomplete.
func Verify(s *Server, res *rules.Result) (diag.List, error) {
	var out diag.List
	seen := map[string]bool{}
	add := func(d diag.Diagnostic) {
		k := d.Pos.String() + "\x00" + d.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	specs := map[string]*rules.Service{}
	for _, svc := range res.Spec.Services {
		specs[svc.Name.V] = svc
	}
	for _, sr := range res.Services {
		svc := specs[sr.Name]
		if svc == nil {
			continue
		}
		for _, a := range sr.Alerts {
			for _, m := range a.Metrics {
				if err := s.verifyMetric(svc, a, m, add); err != nil {
					diag.Sort(out)
					return out, err
				}
			}
		}
	}
	diag.Sort(out)
	return out, nil
}

// where is the spec position that chose metric m: its metrics: override,
// else the preset (or the service when the preset was a default).
func where(svc *rules.Service, m rules.MetricInput) (diag.Pos, string) {
	// Overrides are keyed by the spec's names (queue_depth), roles by
	// the preset's (queue): match on the metric the override named.
	keys := make([]string, 0, len(svc.Metrics))
	for k := range svc.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p, ok := svc.MetricPos[k]; ok && svc.Metrics[k] == m.Metric {
			return p, "metrics: " + k
		}
	}
	if svc.Preset.Set {
		return svc.Preset.Pos, "preset " + svc.Preset.V
	}
	return svc.Pos, "service " + svc.Name.V
}

func (s *Server) verifyMetric(svc *rules.Service, a *rules.Alert, m rules.MetricInput, add func(diag.Diagnostic)) error {
	series := m.Metric
	if m.Type == "histogram" {
		series += "_bucket"
	}
	// Only the job and the spec's selector: an error matcher's example
	// value (code="500") need not exist on a healthy server.
	matchers := []string{fmt.Sprintf("__name__=%q", series)}
	keys := make([]string, 0, len(m.Labels))
	for k := range m.Labels {
		if _, inSel := svc.Selector[k]; k == "job" || inSel {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		matchers = append(matchers, fmt.Sprintf("%s=%q", k, m.Labels[k]))
	}
	sel := "{" + strings.Join(matchers, ", ") + "}"
	pos, cause := where(svc, m)
	problem := func(id string, p diag.Pos, format string, args ...any) {
		add(diag.Diagnostic{Pos: p, Check: id, Severity: diag.Error, Message: fmt.Sprintf("service %s, alert %s: ", svc.Name.V, a.Name) + fmt.Sprintf(format, args...)})
	}

	jobs, err := s.Jobs(sel)
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		hint := ""
		if other, err := s.Jobs(nameSelector(series)); err != nil {
			return err
		} else if len(other) > 0 {
			hint = fmt.Sprintf("; it has series for job %s", strings.Join(other, ", "))
		} else if names, err := s.MetricNames(); err != nil {
			return err
		} else if i := closestName(series, names); i != "" {
			hint = "; did you mean " + strings.TrimSuffix(i, "_bucket") + "?"
		}
		problem(IDVerifySeries, pos, "%s (%s, from %s) has no series matching %s on %s%s", m.Metric, m.Role, cause, sel, s.URL, hint)
		return nil // the rest would only repeat it
	}

	if len(a.By) > 0 {
		have, err := s.LabelNames(sel)
		if err != nil {
			return err
		}
		for _, l := range a.By {
			if have[l] {
				continue
			}
			p := pos
			if svc.AggregateBy.Set {
				p = svc.AggregateBy.Pos
			}
			problem(IDVerifyLabel, p, "%s has no label %q on %s, and the alert groups by it", m.Metric, l, s.URL)
		}
	}

	if t, err := s.typeOf(series); err != nil {
		return err
	} else if t != "" && t != "unknown" && t != m.Type && !partOf(series, m.Type, t) {
		problem(IDVerifyType, pos, "%s (%s, from %s) is a %s on %s, but the alert treats it as a %s", m.Metric, m.Role, cause, t, s.URL, m.Type)
	}

	if m.Type == "histogram" && a.Kind == "quantile" && a.Unit == "seconds" {
		les, err := s.LabelValues("le", sel)
		if err != nil {
			return err
		}
		top := math.Inf(-1)
		for _, v := range les {
			if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 1) && f > top {
				top = f
			}
		}
		if !math.IsInf(top, -1) && a.Threshold > top {
			problem(IDVerifyThreshold, thresholdPos(svc, a, pos), "latency threshold %gs is above %s's highest bucket (le=%g) on %s: histogram_quantile() cannot report more than %g, so the alert never fires",
				a.Threshold, m.Metric, top, s.URL, top)
		}
	}
	return nil
}

// thresholdPos is where the spec sets a's threshold, else where its family
// is, else the metric's position (the threshold is a default).
func thresholdPos(svc *rules.Service, a *rules.Alert, fallback diag.Pos) diag.Pos {
	f := svc.Families[a.Family]
	if f == nil {
		return fallback
	}
	if tier := f.Tiers[a.Tier]; tier != nil && tier.Threshold.Set {
		return tier.Threshold.Pos
	}
	if f.Pos.Line > 0 {
		return f.Pos
	}
	return fallback
}

func closestName(name string, names []string) string {
	if i := textdist.Closest(name, names, func(int, string) bool { return true }); i >= 0 {
		return names[i]
	}
	return ""
}

// partOf says whether series, read as a want, is a part of a metric of
// type t that is one: a histogram's or summary's _count and _sum are
// counters.
func partOf(series, want, t string) bool {
	if want != "counter" || (t != "histogram" && t != "summary") {
		return false
	}
	return strings.HasSuffix(series, "_count") || strings.HasSuffix(series, "_sum")
}
