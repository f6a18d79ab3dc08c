package unittest

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
)

// TestSeriesSamples compares the count with what Prometheus's own parser
// expands each line to; the lines too large to expand are compared with
// the notation's arithmetic.
func TestSeriesSamples(t *testing.T) {
	p := parser.NewParser(promqltest.TestParserOpts)
	for _, line := range []string{
		"up",
		"up 1",
		"up 1 2 3",
		"up 0+10x5",
		"up 10-1x9",
		"up -1x3",
		"up 1x0",
		"up _",
		"up _x3",
		"up _x0 1",
		"up _x3 1 stale _",
		"up 1e3x2 .5x2",
		"up  1x2   2x2 ",
		"up\t1x2\n2",
		`up{a="x 1x100", b='2x7'} 1x2`,
		`{__name__="up", a="}"} 0+1x4`,
		"up {{schema:0 sum:1 count:1 buckets:[1 2]}}x3",
		"up {{schema:0 sum:1 count:1}}+{{schema:0 sum:2 count:2}}x4",
		"up {{count:1}}",
		"up_x5 1x2",
	} {
		_, vals, err := p.ParseSeriesDesc(line)
		if err != nil {
			t.Fatalf("%q does not parse: %v", line, err)
		}
		if got, want := SeriesSamples(line), uint64(len(vals)); got != want {
			t.Errorf("SeriesSamples(%q) = %d, the parser expands it to %d", line, got, want)
		}
	}
	for _, tt := range []struct {
		line string
		want uint64
	}{
		{"up 1+2x100000000", 100000001},
		{"up _x100000000", 100000000},
		{"up 1x99999999999 _x1", 100000000001},
		{"up 1x18446744073709551615", math.MaxUint64},
		{"up 1x100000000000000000000", math.MaxUint64},
		{"up 1x5 # 1x100000000", 6},
		// Found by FuzzExpandSeries: the parser expands "0xN" before it
		// refuses the trailing x, so the count may not stop at the x.
		{"up 0x100000000000x", 100000000001},
		{"up 1x5 \"1x100000000\"", 6},
	} {
		if got := SeriesSamples(tt.line); got != tt.want {
			t.Errorf("SeriesSamples(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestSubquerySteps(t *testing.T) {
	tests := []struct {
		expr string
		want float64
	}{
		{"up", 0},
		{"rate(up[5m])", 0},
		{"max_over_time(up[10m:1m])", 11},
		{"max_over_time(up[10m:])", 21}, // no step: the 30s evaluation interval
		{"max_over_time(max_over_time(up[10m:1m])[1h:10m])", 11 * 7},
		{"max_over_time(up[1h:1m]) + max_over_time(up[10m:1m])", 61},
		{"max_over_time(up[10000d:1ms])", 864000000001},
	}
	for _, tt := range tests {
		e, err := parser.NewParser(parser.Options{}).ParseExpr(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := SubquerySteps(e, 30*time.Second); got != tt.want {
			t.Errorf("SubquerySteps(%q) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

// TestEngineLimits: the PromQL engine's own limits stand behind the checks
// made before the run; a query over them is a failing case, not a hang.
func TestEngineLimits(t *testing.T) {
	file := `tests:
  - interval: 1m
    input_series:
      - series: up
        values: 1x100
    promql_expr_test:
      - expr: count_over_time(up[1h])
        eval_time: 100m
        exp_samples:
          - value: 60
`
	tests := []struct {
		name   string
		limits Limits
		want   string // the failure's error; "" when the case passes
	}{
		{"defaults", Limits{}, ""},
		{"max samples", Limits{QuerySamples: 10}, "query processing would load too many samples into memory in query execution"},
		{"timeout", Limits{QueryTimeout: time.Nanosecond}, "query timed out in "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte(file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(f, Options{Limits: tt.limits})
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, g := range res.Groups {
				for _, fl := range g.Failures {
					if fl.Err == nil {
						t.Fatalf("failure without an error: want %s, got %s", fl.Want, fl.Got)
					}
					got = fl.Err.Error()
				}
			}
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Errorf("error %q, want one starting with %q", got, tt.want)
			}
		})
	}
}

// TestRunFileRecoversPanics: a panic inside one test group (here
// Prometheus's labels refusing an annotation a template expanded to
// 16 MiB) is an error for the file, not the end of the process.
func TestRunFileRecoversPanics(t *testing.T) {
	dir := t.TempDir()
	tmpl := `{{ $a := "aaaaaaaaaaaaaaaa" }}` + strings.Repeat(`{{ $a = printf "%s%s" $a $a }}`, 20) + `{{ $a }}`
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("rules.yaml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations:\n          d: '"+tmpl+"'\n")
	p := write("t.test.yaml", "rule_files: [rules.yaml]\ntests:\n  - name: big\n    input_series: [{series: up, values: '1'}]\n    alert_rule_test: [{eval_time: 0, alertname: A}]\n")
	res, err := RunFile(p, Options{})
	if res != nil {
		t.Errorf("got a result for a file whose run panicked: %+v", res)
	}
	var got []string
	if err != nil {
		got = strings.SplitN(err.Error(), ": runtime error", 2)[:1]
	}
	want := []string{p + `: error: internal error while running this file (please report it): test group "big"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
