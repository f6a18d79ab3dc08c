package ruleformat

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/golden"
	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/checks"
)

const (
	inputDir  = "../../testdata/generate"
	goldenDir = "../../testdata/ruleformat"
)

// cases are generated rule files (pkg/rules' goldens) wrapped in each
// format: one file with block scalars and quoting, the plain example,
// and one file per service.
var cases = []struct {
	input      string // under testdata/generate
	output     string // the -o file name the wrapper sees
	perService bool
	opts       Options
}{
	{input: "minimal.golden.yaml", output: "rules/agents.rules.yaml"},
	{input: "escaping.golden.yaml", output: "escaping.yaml",
		opts: Options{Name: "agent-alerts", Namespace: "monitoring", Labels: map[string]string{"release": "kube-prometheus-stack", "app.kubernetes.io/part-of": "agents"}}},
	{input: "example.golden.yaml", output: ""},
	{input: "multi-dir.golden/research-agent.rules.yaml", output: "research-agent.rules.yaml", perService: true, opts: Options{Name: "agents", Namespace: "agents"}},
	{input: "multi-dir.golden/writer_agent.rules.yaml", output: "writer_agent.rules.yaml", perService: true},
}

func goldenName(input string, f Format) string {
	base := strings.ReplaceAll(input, ".golden/", "_")
	for _, suf := range []string{".yaml", ".rules", ".golden"} {
		base = strings.TrimSuffix(base, suf)
	}
	return filepath.Join(goldenDir, base+"."+string(f)+".golden.yaml")
}

func wrapped(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, tc := range cases {
		src, err := os.ReadFile(filepath.Join(inputDir, tc.input))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []Format{PrometheusRule, Mimir} {
			opts := tc.opts
			if f == Mimir {
				opts.Name, opts.Labels = "", nil
			}
			got, err := Wrap(f, tc.output, tc.perService, src, opts)
			if err != nil {
				t.Fatalf("%s as %s: %v", tc.input, f, err)
			}
			out[goldenName(tc.input, f)] = got
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	for path, got := range wrapped(t) {
		golden.Check(t, path, got)
	}
}

// TestGoldenPromtool: the groups of every wrapped golden load in promtool.
func TestGoldenPromtool(t *testing.T) {
	promtool := testtool.Need(t, "promtool")
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.golden.yaml"))
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	dir := t.TempDir()
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(src, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		groups := doc["groups"]
		if spec, ok := doc["spec"].(map[string]any); ok {
			groups = spec["groups"]
		}
		if groups == nil {
			t.Fatalf("%s: no groups", f)
		}
		plain, err := yaml.Marshal(map[string]any{"groups": groups})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(p, plain, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(promtool, "check", "rules", p).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool check rules on the groups of %s: %v\n%s", f, err, out)
		}
	}
}

// TestGoldenLint: each wrapped file lints exactly as the plain file it
// wraps (under the mimir dialect for namespace files), and without errors.
func TestGoldenLint(t *testing.T) {
	findings := func(path string, d lint.Dialect) []string {
		t.Helper()
		cfg := lint.DefaultConfig()
		cfg.Dialect = d
		res, err := lint.Lint([]string{path}, nil, lint.Options{Config: cfg, Checks: checks.All()})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range res.Diagnostics {
			out = append(out, fmt.Sprintf("%s %s %s", x.Severity, x.Check, x.Message))
		}
		sort.Strings(out)
		return out
	}
	for _, tc := range cases {
		plain := findings(filepath.Join(inputDir, tc.input), lint.DialectPrometheus)
		for _, f := range []Format{PrometheusRule, Mimir} {
			d := lint.DialectPrometheus
			if f == Mimir {
				d = lint.DialectMimir
			}
			got := findings(goldenName(tc.input, f), d)
			if diff := cmp.Diff(plain, got); diff != "" {
				t.Errorf("%s as %s: findings mismatch (-want +got):\n%s", tc.input, f, diff)
			}
			for _, g := range got {
				if strings.HasPrefix(g, "error") {
					t.Errorf("%s as %s: %s", tc.input, f, g)
				}
			}
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "", want: "prometheus"},
		{in: "prometheus", want: "prometheus"},
		{in: "prometheusrule", want: "prometheusrule"},
		{in: "mimir", want: "mimir"},
		{in: "cortex", wantErr: `unknown format "cortex": expected one of prometheus, prometheusrule, mimir`},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if diff := cmp.Diff([2]string{tc.want, tc.wantErr}, [2]string{string(got), gotErr}); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string // a substring; "" for valid
	}{
		{name: "empty", opts: Options{}},
		{name: "valid", opts: Options{Name: "agents.rules", Namespace: "monitoring", Labels: map[string]string{"release": "prom", "example.com/team": "a"}}},
		{name: "upper-case name", opts: Options{Name: "Agents"}, wantErr: `name "Agents"`},
		{name: "namespace with a dot", opts: Options{Namespace: "mon.itoring"}, wantErr: `namespace "mon.itoring"`},
		{name: "bad label name", opts: Options{Labels: map[string]string{"a b": "x"}}, wantErr: "label a b"},
		{name: "bad label value", opts: Options{Labels: map[string]string{"team": "a b"}}, wantErr: "label team=a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			var oe *OptionError
			if err != nil && !errors.As(err, &oe) {
				t.Errorf("Validate() = %v, not an *OptionError", err)
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.wantErr == "" && got != "" || tc.wantErr != "" && !strings.Contains(got, tc.wantErr) {
				t.Errorf("Validate() = %q, want an error containing %q", got, tc.wantErr)
			}
		})
	}
}

func TestFileStem(t *testing.T) {
	tests := map[string]string{
		"":                           "",
		"rules/agents.rules.yaml":    "agents",
		"writer_agent.rules.yaml":    "writer-agent",
		"Agents.yml":                 "agents",
		"/tmp/x/research-agent.yaml": "research-agent",
		"__.yaml":                    "",
		"alerts.prometheusrule.yaml": "alerts.prometheusrule",
	}
	for in, want := range tests {
		if diff := cmp.Diff(want, fileStem(in)); diff != "" {
			t.Errorf("fileStem(%q) mismatch (-want +got):\n%s", in, diff)
		}
	}
}

func TestWrapPrometheusIsIdentity(t *testing.T) {
	src := []byte("# header\ngroups: []\n")
	got, err := Wrap(Prometheus, "x.yaml", false, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(src), string(got)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestWrapRefusesBadName(t *testing.T) {
	src := []byte("groups: []\n")
	_, err := Wrap(PrometheusRule, strings.Repeat("a", 300)+".yaml", false, src, Options{})
	var ne *NameError
	if !errors.As(err, &ne) || ne.Name != strings.Repeat("a", 300) {
		t.Errorf("Wrap with a 300-character stem: err = %v, want a NameError for the stem", err)
	}
}
