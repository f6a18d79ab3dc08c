package testgen

// This file is the promtool test file model: the YAML promtool reads,
// its sample notation and the series string format.

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// The test file in promtool's format, fields in the order promtool
// documents them. Only fields promtool 2.42 knows are used.
type testFile struct {
	RuleFiles          []string    `yaml:"rule_files"`
	EvaluationInterval string      `yaml:"evaluation_interval"`
	Tests              []testGroup `yaml:"tests"`
}

type testGroup struct {
	Name string `yaml:"name"`
	// Interval is always written: promtool 2.x does not default it to
	// evaluation_interval and would load every sample at time 0.
	Interval      string      `yaml:"interval"`
	InputSeries   []inSeries  `yaml:"input_series"`
	AlertRuleTest []alertTest `yaml:"alert_rule_test"`
}

type inSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTest struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels,omitempty"`
	ExpAnnotations map[string]string `yaml:"exp_annotations,omitempty"`
}

// num formats a sample value in at most 10 significant digits, so that
// 0.9*0.8*1000 reads 720 and not 720.0000000000001. The values the tests
// expect are printed with 4 digits at most (humanize, %.2f), so the
// rounding never shows in an expectation.
func num(f float64) string { return strconv.FormatFloat(round(f), 'g', -1, 64) }

func round(f float64) float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 10, 64), 64)
	return r
}

// gauge and counter write a+bxn, never the axn shorthand: promtool 2.x
// reads "5x3" as the single sample 5.
func gauge(v float64, steps int) string { return fmt.Sprintf("%s+0x%d", num(v), steps) }

func counter(perStep float64, steps int) string {
	return fmt.Sprintf("0+%sx%d", num(perStep), steps)
}

func sortExpected(es []expAlert) {
	sort.SliceStable(es, func(i, j int) bool {
		return labels.Compare(labels.FromMap(es[i].ExpLabels), labels.FromMap(es[j].ExpLabels)) < 0
	})
}

// seriesString writes name{label="value",...} with labels sorted.
func seriesString(l map[string]string) string {
	var b strings.Builder
	b.WriteString(l[labels.MetricName])
	keys := make([]string, 0, len(l))
	for k := range l {
		if k != labels.MetricName {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + strconv.Quote(l[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// finishGroup completes a test group. The same alert of other services
// sees healthy series of its own: they are silent whatever their exact
// values, so one copy of each series serves every tier and service. Then
// every series that has values becomes an input series.
func finishGroup(name string, tests []alertTest, in []series, others []*rules.Alert, steps int) (testGroup, error) {
	in, err := withOthers(in, others, steps)
	if err != nil {
		return testGroup{}, err
	}
	g := testGroup{Name: name, Interval: model.Duration(EvalInterval).String(), AlertRuleTest: tests}
	for _, s := range in {
		if s.values != "" {
			g.InputSeries = append(g.InputSeries, inSeries{Series: seriesString(s.labels), Values: s.values})
		}
	}
	return g, nil
}

// withOthers adds to in the healthy series of others, each series once,
// over steps intervals.
func withOthers(in []series, others []*rules.Alert, steps int) ([]series, error) {
	keys := seriesKeys(in)
	for _, b := range others {
		healthy, err := inputs(b, healthyData(b), steps)
		if err != nil {
			return nil, err
		}
		for _, s := range healthy {
			if !keys[s.key()] {
				keys[s.key()] = true
				in = append(in, s)
			}
		}
	}
	return in, nil
}
