package alertmanager

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/internal/golden"
	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/severity"
)

func scale(label, page, ticket, log string) []Severity {
	var s []Severity
	for i, v := range []string{page, ticket, log} {
		if v != "" {
			s = append(s, Severity{Tier: severity.All[i], Label: label, Value: v})
		}
	}
	return s
}

// goldenCases are the mappings whose output is pinned in testdata. Each
// is also checked with the real amtool when it is installed.
var goldenCases = []struct {
	name string
	sevs []Severity
	opts Options
}{
	{name: "default", sevs: scale("severity", "page", "ticket", "log"), opts: Options{Source: "spec.yaml"}},
	{name: "critical-warning-info", sevs: scale("severity", "critical", "warning", "info"), opts: Options{Source: "agents/spec.yaml"}},
	{name: "no-log-tier", sevs: scale("severity", "page", "ticket", "")},
	{name: "page-only", sevs: scale("priority", "P1", "", "")},
	{
		// Two services map the page tier differently: one route matches
		// both values, and inhibition covers both.
		name: "two-values-per-tier",
		sevs: append(append(scale("severity", "page", "ticket", "log"), scale("severity", "critical", "warning", "info")...),
			scale("severity", "page", "ticket", "log")...),
		opts: Options{WebhookBase: "http://127.0.0.1:9999/hooks/"},
	},
	{
		name: "two-labels",
		sevs: append(scale("severity", "page", "ticket", "log"), scale("level", "P1.urgent", "P3", "P5")...),
	},
}

func TestBuildGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BuildSeverities(tc.sevs, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.name+".golden.yaml")
			golden.Check(t, path, got)
			again, err := BuildSeverities(tc.sevs, tc.opts)
			if err != nil || !bytes.Equal(got, again) {
				t.Errorf("second build differs (err %v): output is not deterministic", err)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		sevs []Severity
		want string
	}{
		{"empty", nil, "alertmanager: no alerts to route"},
		{"shared value", scale("severity", "page", "warn", "warn"),
			`alertmanager: tiers ticket and log both map to severity="warn"; Alertmanager could not route them apart`},
		{"unknown tier", []Severity{{Tier: severity.Tier(7), Label: "severity", Value: "x"}},
			`alertmanager: unknown tier tier(7) (want page, ticket or log)`},
		{"bad label", []Severity{{Tier: severity.Page, Label: "sev-erity", Value: "x"}},
			`alertmanager: tier page: invalid severity label name "sev-erity"`},
		{"empty value", []Severity{{Tier: severity.Log, Label: "severity"}},
			`alertmanager: tier log: empty value for severity label "severity"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := BuildSeverities(tc.sevs, Options{})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s\noutput:\n%s", diff, out)
			}
		})
	}
}

// TestAmtool runs Debian's amtool on every golden: check-config must
// accept it, and each severity value must resolve to its tier's receiver
// and nothing else.
func TestAmtool(t *testing.T) {
	amtool := testtool.Need(t, "amtool")
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := BuildSeverities(tc.sevs, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "alertmanager.yml")
			if err := os.WriteFile(file, out, 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command(amtool, "check-config", file).CombinedOutput(); err != nil {
				t.Fatalf("amtool check-config: %v\n%s", err, b)
			}
			for _, s := range tc.sevs {
				cmd := exec.Command(amtool, "config", "routes", "test", "--config.file="+file,
					"--verify.receivers="+ReceiverName(s.Tier),
					"alertname=AgentDown", "service=research-agent", s.Label+"="+s.Value)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				b, err := cmd.Output()
				if err != nil {
					t.Errorf("%s=%s: amtool config routes test: %v\n%s%s", s.Label, s.Value, err, b, stderr.Bytes())
					continue
				}
				if got := firstLine(b); got != ReceiverName(s.Tier) {
					t.Errorf("%s=%s routes to %q, want %q", s.Label, s.Value, got, ReceiverName(s.Tier))
				}
			}
		})
	}
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

func TestInhibition(t *testing.T) {
	sevs := scale("severity", "critical", "warning", "info")
	out, err := BuildSeverities(sevs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadForTest(out)
	if err != nil {
		t.Fatal(err)
	}
	type pair struct{ src, dst, srcSvc, dstSvc, srcName, dstName string }
	tests := []struct {
		p    pair
		want bool
	}{
		{pair{"critical", "warning", "a", "a", "X", "X"}, true},
		{pair{"critical", "info", "a", "a", "X", "X"}, true},
		{pair{"warning", "info", "a", "a", "X", "X"}, true},
		{pair{"warning", "critical", "a", "a", "X", "X"}, false}, // never upwards
		{pair{"info", "warning", "a", "a", "X", "X"}, false},
		{pair{"critical", "warning", "a", "b", "X", "X"}, false}, // other service
		{pair{"critical", "warning", "a", "a", "X", "Y"}, false}, // other alert
		{pair{"critical", "critical", "a", "a", "X", "X"}, false},
	}
	for _, tc := range tests {
		src := lset("severity", tc.p.src, tc.p.srcSvc, tc.p.srcName)
		dst := lset("severity", tc.p.dst, tc.p.dstSvc, tc.p.dstName)
		if got := inhibited(cfg, src, dst); got != tc.want {
			t.Errorf("%+v: inhibited = %v, want %v", tc.p, got, tc.want)
		}
	}
}
