package rules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"

	"github.com/agentalerts/agentalerts/internal/golden"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/presets"
)

const presetDir = "../../testdata/presets"

// presetCase is one preset, or one variant of it.
type presetCase struct{ preset, variant string }

func (c presetCase) name() string {
	if c.variant == "" {
		return c.preset
	}
	return c.preset + "." + c.variant
}

func presetCases(t *testing.T) []presetCase {
	t.Helper()
	var out []presetCase
	for _, name := range presets.Names() {
		p, err := presets.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, presetCase{preset: name})
		for _, v := range templates.SortedKeys(p.Variants) {
			out = append(out, presetCase{preset: name, variant: v})
		}
	}
	return out
}

// presetSpec turns on every family, forecasts and cost included, so each
// preset generates every rule it can.
func presetSpec(c presetCase) []byte {
	variant := ""
	if c.variant != "" {
		variant = "\n    variant: " + c.variant
	}
	return []byte(fmt.Sprintf(`version: 1
services:
  - name: %s
    job: test-job
    preset: %s%s
    token_budget: {forecast: {}}
    cost:
      ticket: {threshold: 5, for: 30m}
      forecast: {budget: 100, period: 1d}
`, c.preset, c.preset, variant))
}

func TestPresetGolden(t *testing.T) {
	for _, c := range presetCases(t) {
		t.Run(c.name(), func(t *testing.T) {
			files, errText := generateCase(t, c.name()+".spec.yaml", presetSpec(c), false)
			if errText != "" {
				t.Fatalf("preset does not generate:\n%s", errText)
			}
			golden.Check(t, filepath.Join(presetDir, c.name()+".golden.yaml"), files[""])
		})
	}
}

// TestPresetsSelectSeries loads each preset's sample /metrics into
// Prometheus's test storage and evaluates every generated expression: each
// selector must select a series and each compared value (the ratio, the
// quantile, the used share) must exist, so a typo in a metric or label
// name, or a join whose labels do not match, fails the build.
func TestPresetsSelectSeries(t *testing.T) {
	for _, c := range presetCases(t) {
		t.Run(c.name(), func(t *testing.T) {
			prom := filepath.Join(presetDir, c.name()+".prom")
			if _, err := os.Stat(prom); err != nil {
				prom = filepath.Join(presetDir, c.preset+".prom")
			}
			load := loadExposition(t, prom, "test-job")
			st := promqltest.LoadedStorage(t, load)
			engine := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
			at := time.Unix(0, 0).Add(loadSteps * time.Minute)

			res := mustGenerate(t, "spec.yaml", presetSpec(c))
			alerts := res.Services[0].Alerts
			if len(alerts) == 0 {
				t.Fatal("no alerts generated")
			}
			for _, a := range alerts {
				for _, q := range probes(t, a.Expr) {
					v := eval(t, engine, st, q, at)
					if len(v) == 0 {
						t.Errorf("%s (%s): %s selects no series in %s", a.Name, a.Tier, q, filepath.Base(prom))
						continue
					}
					if a.Family == Availability {
						continue
					}
					// A misspelt aggregation label still returns one
					// group with the label empty: require it filled.
					for _, l := range a.By {
						filled := false
						for _, smpl := range v {
							filled = filled || smpl.Metric.Get(l) != ""
						}
						if !filled {
							t.Errorf("%s (%s): %s has no series with label %s, which the alert aggregates by", a.Name, a.Tier, q, l)
						}
					}
				}
			}
		})
	}
}

// probes are the sub-expressions of expr that must return something on
// healthy data: every vector selector, and the left side of every
// comparison with a number.
func probes(t *testing.T, expr string) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("parse %q: %v", expr, err)
	}
	seen := map[string]bool{}
	var out []string
	addProbe := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			addProbe(n.String())
		case *parser.BinaryExpr:
			if n.Op.IsComparisonOperator() {
				if _, ok := n.RHS.(*parser.NumberLiteral); ok {
					addProbe(n.LHS.String())
				}
			}
		}
		return nil
	})
	return out
}

func eval(t *testing.T, engine *promql.Engine, st storage.Queryable, q string, at time.Time) promql.Vector {
	t.Helper()
	qry, err := engine.NewInstantQuery(context.Background(), st, nil, q, at)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	defer qry.Close()
	r := qry.Exec(context.Background())
	if r.Err != nil {
		t.Fatalf("query %q: %v", q, r.Err)
	}
	v, err := r.Vector()
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return v
}

// loadSteps is how many one-minute samples each series gets: enough for
// the longest window (1h) with room to spare.
const loadSteps = 90

// loadExposition turns a /metrics sample into a promqltest load command:
// every series scraped by job once a minute, counters and histograms
// growing by 1% of their value per minute, gauges constant, plus up.
func loadExposition(t *testing.T, path, job string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("missing sample exposition: %v", err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var b strings.Builder
	b.WriteString("load 1m\n")
	fmt.Fprintf(&b, "  up{job=%q,instance=\"test:9090\"} 1+0x%d\n", job, loadSteps)
	series := func(name string, labels []*dto.LabelPair, extra map[string]string, v float64, growing bool) {
		parts := []string{fmt.Sprintf("job=%q", job), `instance="test:9090"`}
		for _, l := range labels {
			parts = append(parts, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
		}
		for _, k := range templates.SortedKeys(extra) {
			parts = append(parts, fmt.Sprintf("%s=%q", k, extra[k]))
		}
		inc := 0.0
		if growing {
			inc = v / 100
		}
		fmt.Fprintf(&b, "  %s{%s} %s+%sx%d\n", name, strings.Join(parts, ","), templates.Number(v), templates.Number(inc), loadSteps)
	}
	for _, name := range templates.SortedKeys(fams) {
		fam := fams[name]
		for _, m := range fam.GetMetric() {
			switch fam.GetType() {
			case dto.MetricType_COUNTER:
				series(name, m.GetLabel(), nil, m.GetCounter().GetValue(), true)
			case dto.MetricType_GAUGE:
				series(name, m.GetLabel(), nil, m.GetGauge().GetValue(), false)
			case dto.MetricType_UNTYPED:
				series(name, m.GetLabel(), nil, m.GetUntyped().GetValue(), false)
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, bk := range h.GetBucket() {
					series(name+"_bucket", m.GetLabel(), map[string]string{"le": templates.Number(bk.GetUpperBound())}, float64(bk.GetCumulativeCount()), true)
				}
				series(name+"_bucket", m.GetLabel(), map[string]string{"le": "+Inf"}, float64(h.GetSampleCount()), true)
				series(name+"_sum", m.GetLabel(), nil, h.GetSampleSum(), true)
				series(name+"_count", m.GetLabel(), nil, float64(h.GetSampleCount()), true)
			default:
				t.Fatalf("%s: %s has unsupported type %s", path, name, fam.GetType())
			}
		}
	}
	return b.String()
}
