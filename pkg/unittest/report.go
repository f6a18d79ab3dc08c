package unittest

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/rogpeppe/go-internal/diff"
	"go.yaml.in/yaml/v3"
)

// yamlAlert is one firing alert in the shape of an exp_alerts entry, so
// a failure's "got" side can be pasted into the test file.
type yamlAlert struct {
	Labels      map[string]string `yaml:"exp_labels,omitempty"`
	Annotations map[string]string `yaml:"exp_annotations,omitempty"`
}

// yamlSample is one sample in the shape of an exp_samples entry.
type yamlSample struct {
	Labels    string  `yaml:"labels,omitempty"`
	Value     float64 `yaml:"value"`
	Histogram string  `yaml:"histogram,omitempty"`
}

func renderAlerts(as []alertState) string {
	out := make([]yamlAlert, 0, len(as))
	for _, a := range as {
		var y yamlAlert
		a.labels.Range(func(l labels.Label) {
			if l.Name == labels.AlertName {
				return
			}
			if y.Labels == nil {
				y.Labels = map[string]string{}
			}
			y.Labels[l.Name] = l.Value
		})
		if a.annotations.Len() > 0 {
			y.Annotations = a.annotations.Map()
		}
		out = append(out, y)
	}
	return toYAML(out)
}

func renderSamples(ss []expect) string {
	out := make([]yamlSample, 0, len(ss))
	for _, s := range ss {
		y := yamlSample{Labels: metricString(s.labels), Value: s.value, Histogram: s.hist}
		if s.hist != "" {
			y.Value = 0
		}
		out = append(out, y)
	}
	return toYAML(out)
}

// metricString writes labels the way exp_samples spells them:
// name{label="value"}.
func metricString(ls labels.Labels) string {
	name := ls.Get(labels.MetricName)
	rest := ls.DropMetricName()
	if name == "" {
		if rest.Len() == 0 {
			return "" // omitted, as exp_samples allows for a scalar result
		}
		return rest.String()
	}
	if !model.LegacyValidation.IsValidMetricName(name) {
		return ls.String()
	}
	if rest.Len() == 0 {
		return name
	}
	return name + rest.String()
}

func toYAML(v any) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		// The values are plain strings and floats; encoding cannot fail.
		panic(err)
	}
	_ = enc.Close()
	return b.String()
}

// WriteText prints a file's result for people: one line for a passing file,
// and for a failing one every failing case with its position and a diff of
// expected against actual in test-file YAML (-want +got).
func WriteText(w io.Writer, r *FileResult) {
	for _, d := range r.Warnings {
		fmt.Fprintf(w, "%s\n", d)
	}
	cases := 0
	for _, g := range r.Groups {
		cases += g.Cases
	}
	if !r.Failed() {
		fmt.Fprintf(w, "ok   %s (%d groups, %d cases)\n", r.Path, len(r.Groups), cases)
		return
	}
	fmt.Fprintf(w, "FAIL %s\n", r.Path)
	for _, g := range r.Groups {
		for _, f := range g.Failures {
			fmt.Fprintf(w, "  %s: test group %q: %s\n", f.Pos, g.Name, f.title())
			if f.Err != nil {
				fmt.Fprintf(w, "    %s\n", indent(f.Err.Error(), "    "))
				continue
			}
			d := diff.Diff("want", []byte(f.Want), "got", []byte(f.Got))
			if d == nil {
				// Equal text, unequal values: NaN, or floats closer than
				// their shortest decimal form shows.
				fmt.Fprintf(w, "    %s differ but print the same (NaN never equals NaN):\n", f.what())
				fmt.Fprintf(w, "    %s\n", indent(strings.TrimRight(f.Got, "\n"), "    "))
				continue
			}
			fmt.Fprintf(w, "    %s differ (-want +got):\n", f.what())
			fmt.Fprintf(w, "    %s\n", indent(strings.TrimRight(hunks(d), "\n"), "    "))
		}
	}
}

func (f Failure) title() string {
	at := model.Duration(f.EvalTime).String()
	switch {
	case f.Alertname != "":
		return fmt.Sprintf("alert %q at eval_time %s", f.Alertname, at)
	case f.Expr != "":
		if f.Err != nil {
			return fmt.Sprintf("expr %q at eval_time %s: query failed", f.Expr, at)
		}
		return fmt.Sprintf("expr %q at eval_time %s", f.Expr, at)
	case f.Rule != "":
		return fmt.Sprintf("rule %q at %s: evaluation failed", f.Rule, at)
	}
	return "setup failed"
}

func (f Failure) what() string {
	if f.Alertname != "" {
		return "firing alerts"
	}
	return "samples"
}

// hunks drops the diff's three header lines (diff/---/+++), which only
// repeat "want" and "got".
func hunks(d []byte) string {
	lines := strings.SplitAfterN(string(d), "\n", 4)
	if len(lines) == 4 && strings.HasPrefix(lines[0], "diff ") {
		return lines[3]
	}
	return string(d)
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}
