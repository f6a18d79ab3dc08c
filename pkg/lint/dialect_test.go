package lint

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDialect(t *testing.T) {
	tests := []struct {
		in      string
		want    Dialect
		wantErr string
	}{
		{in: "", want: DialectPrometheus},
		{in: "prometheus", want: DialectPrometheus},
		{in: "thanos", want: DialectThanos},
		{in: "mimir", want: DialectMimir},
		{in: "cortex", want: DialectCortex},
		{in: "vmalert", want: DialectVMAlert},
		{in: "VictoriaMetrics", wantErr: `unknown dialect "VictoriaMetrics": expected one of prometheus, thanos, mimir, cortex, vmalert`},
	}
	for _, tc := range tests {
		got, err := ParseDialect(tc.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseDialect(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
		if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
			t.Errorf("ParseDialect(%q) error mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestDialectExpr: which parser's verdict an expression gets, and
// whether the PromQL tree is kept for the PromQL checks.
func TestDialectExpr(t *testing.T) {
	type result struct {
		AST, Err, MetricsQLErr, MetricsQL bool
		Language                          string
	}
	tests := []struct {
		name, dialect, groupType, expr string
		want                           result
	}{
		{name: "PromQL under prometheus", dialect: "prometheus", expr: `up == 0`, want: result{AST: true}},
		{name: "MetricsQL under prometheus", dialect: "prometheus", expr: `rate(errors_total) > 0`, want: result{Err: true, MetricsQL: true}},
		{name: "neither under prometheus", dialect: "prometheus", expr: `sum(up`, want: result{Err: true}},
		{name: "PromQL under vmalert keeps the tree", dialect: "vmalert", expr: `up == 0`, want: result{AST: true}},
		{name: "MetricsQL under vmalert", dialect: "vmalert", expr: `rate(errors_total) > 0`, want: result{MetricsQL: true}},
		{name: "WITH templates under vmalert", dialect: "vmalert", expr: `WITH (x = up) x == 0`, want: result{MetricsQL: true}},
		{name: "neither under vmalert", dialect: "vmalert", expr: `sum(up`, want: result{Err: true, MetricsQLErr: true}},
		{name: "graphite group", dialect: "vmalert", groupType: "graphite", expr: `sumSeries(a.*.b)`, want: result{Language: "graphite"}},
		{name: "MetricsQL under thanos", dialect: "thanos", expr: `rate(errors_total) > 0`, want: result{Err: true, MetricsQL: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "groups:\n  - name: g\n"
			if tc.groupType != "" {
				src += "    type: " + tc.groupType + "\n"
			}
			src += "    rules:\n      - alert: A\n        expr: '" + strings.ReplaceAll(tc.expr, "'", "''") + "'\n"
			f, ds := ReadFileDialect("f.yaml", []byte(src), ReadLimits{}, Dialect(tc.dialect))
			if len(ds) > 0 {
				t.Fatalf("unexpected reader findings: %v", ds)
			}
			e := f.Docs[0].Groups[0].Rules[0].Expr
			var mql *MetricsQLError
			got := result{AST: e.AST != nil, Err: e.Err != nil, MetricsQLErr: errors.As(e.Err, &mql), MetricsQL: e.MetricsQL, Language: e.Language}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigDialect(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("lint:\n  dialect: vmalert\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DialectVMAlert, cfg.Dialect); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	_, err = ParseConfig("c.yaml", []byte("lint:\n  dialect: victoria\n"))
	want := `c.yaml:2:12: error: unknown dialect "victoria": expected one of prometheus, thanos, mimir, cortex, vmalert (config/invalid)`
	got := ""
	if err != nil {
		got = err.Error()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
