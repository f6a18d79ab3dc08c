package cmd

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/internal/promtest"
	"github.com/agentalerts/agentalerts/presets"
)

const liveRules = "../testdata/live/lint.rules.yaml"

func startPresetProm(t *testing.T, presets ...string) *promtest.Server {
	t.Helper()
	var jobs []promtest.Job
	for _, p := range presets {
		jobs = append(jobs, promtest.Job{Name: p, File: filepath.Join("..", "testdata", "presets", p+".prom")})
	}
	return promtest.Start(t, jobs)
}

func TestLintPrometheus(t *testing.T) {
	prom := startPresetProm(t, "vllm")
	code, out, stderr := runCmd(t, "", "lint", "--prometheus", prom.URL, liveRules)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
	}
	// The log says how much the run asked of the server.
	if !regexp.MustCompile(`agentalerts: asked ` + regexp.QuoteMeta(prom.URL) + `: [1-9][0-9]* requests\n`).MatchString(stderr) {
		t.Errorf("stderr does not count the requests:\n%s", stderr)
	}
	for _, want := range []string{
		liveRules + ":7:20: warning: rate() of vllm:num_requests_waiting, which the server's metadata says is a gauge",
		liveRules + ":9:15: warning: vllm:num_request_waiting has no series on the server",
		"[prometheus " + prom.URL + " at ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The server's answers replace the offline guesses on those lines.
	for _, gone := range []string{":7:20: warning: rate() on vllm:num_requests_waiting", "(promql/rate-window)"} {
		if strings.Contains(out, gone) {
			t.Errorf("output has %q, which the live check superseded:\n%s", gone, out)
		}
	}
}

// The same file offline: no live finding, no network.
func TestLintWithoutPrometheusStaysOffline(t *testing.T) {
	_, out, _ := runCmd(t, "", "lint", "--quiet", liveRules)
	if strings.Contains(out, "(live/") {
		t.Errorf("offline lint reported a live finding:\n%s", out)
	}
	for _, want := range []string{"(promql/rate-non-counter)", "(promql/rate-window)"} {
		if !strings.Contains(out, want) {
			t.Errorf("offline lint lacks its guess %s:\n%s", want, out)
		}
	}
}

func TestLintPrometheusFromConfig(t *testing.T) {
	prom := startPresetProm(t, "vllm")
	cfg := filepath.Join(t.TempDir(), "agentalerts.yaml")
	if err := os.WriteFile(cfg, []byte("lint:\n  prometheus: "+prom.URL+"\n  checks:\n    live/metric-type: {enabled: false}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "", "lint", "--quiet", "--config", cfg, liveRules)
	if code != ExitFindings || !strings.Contains(out, "live/series-missing") || strings.Contains(out, "live/metric-type") {
		t.Errorf("exit %d, want 1 with series-missing and without the disabled metric-type; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
}

// The network use is bounded: an unreachable server and one that never
// answers both end the run with exit 2 and a message naming the bound.
func TestLivePrometheusUnreachableOrSlow(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	// Answers the configuration, so a run gets past connecting and then
	// meets --prometheus-max-requests.
	configOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n"}}`))
	}))
	defer configOnly.Close()

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"lint unreachable", []string{"lint", "--prometheus", closed, liveRules}, "connection refused"},
		{"lint slow", []string{"lint", "--prometheus", slow.URL, "--prometheus-timeout", "100ms", liveRules}, "no answer within 100ms (--prometheus-timeout)"},
		{"lint bad timeout", []string{"lint", "--prometheus", slow.URL, "--prometheus-timeout", "0s", liveRules}, "--prometheus-timeout: 0s is not a positive duration"},
		{"lint request limit", []string{"lint", "--prometheus", configOnly.URL, "--prometheus-max-requests", "1", liveRules}, "more than 1 requests (raise --prometheus-max-requests)"},
		{"generate request limit", []string{"generate", "--verify", configOnly.URL, "--prometheus-max-requests", "1"}, "more than 1 requests (raise --prometheus-max-requests)"},
		{"generate example spec", []string{"generate", "--example-spec", "--verify", closed}, "--example-spec takes no SPEC, -o, --check, --tests, --alertmanager or --verify"},
		{"generate unreachable", []string{"generate", "--verify", closed}, "connection refused"},
		{"generate slow", []string{"generate", "--verify", slow.URL, "--prometheus-timeout", "100ms"}, "no answer within 100ms (--prometheus-timeout)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 with %q (stdout %q)", code, stderr, tt.want, out)
			}
		})
	}
}

// verifyCase is one preset (or preset variant) and the recorded sample
// Prometheus scrapes for it as job Job.
type verifyCase struct{ preset, variant, job, prom string }

func verifyCases(t *testing.T) []verifyCase {
	t.Helper()
	var out []verifyCase
	for _, name := range presets.Names() {
		p, err := presets.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		variants := []string{""}
		for v := range p.Variants {
			variants = append(variants, v)
		}
		sort.Strings(variants)
		for _, v := range variants {
			c := verifyCase{preset: name, variant: v, job: name, prom: name}
			if v != "" {
				c.job += "-" + v
				if _, err := os.Stat(filepath.Join("..", "testdata", "presets", name+"."+v+".prom")); err == nil {
					c.prom += "." + v
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// verifySpec asks every family of every case, forecasts and cost
// included, so each preset generates every rule it can; extra is added to
// the first service (an override, a threshold).
func verifySpec(cases []verifyCase, extra string) string {
	var b strings.Builder
	b.WriteString("version: 1\nservices:\n")
	for i, c := range cases {
		fmt.Fprintf(&b, "  - name: %s\n    job: %s\n    preset: %s\n", c.job, c.job, c.preset)
		if c.variant != "" {
			fmt.Fprintf(&b, "    variant: %s\n", c.variant)
		}
		b.WriteString("    token_budget: {forecast: {}}\n    cost:\n      ticket: {threshold: 5, for: 30m}\n      forecast: {budget: 100, period: 1d}\n")
		if i == 0 {
			b.WriteString(extra)
		}
	}
	return b.String()
}

func startVerifyProm(t *testing.T, cases []verifyCase) *promtest.Server {
	t.Helper()
	var jobs []promtest.Job
	done := map[string]bool{}
	for _, c := range cases {
		if !done[c.job] {
			done[c.job] = true
			jobs = append(jobs, promtest.Job{Name: c.job, File: filepath.Join("..", "testdata", "presets", c.prom+".prom")})
		}
	}
	return promtest.Start(t, jobs)
}

func TestGenerateVerify(t *testing.T) {
	all := verifyCases(t)
	prom := startVerifyProm(t, all)
	vllm := []verifyCase{{preset: "vllm", job: "vllm", prom: "vllm"}}

	tests := []struct {
		name     string
		cases    []verifyCase
		extra    string
		check    bool
		wantCode int
		want     []string // lines of stderr, in order, after the spec path
	}{
		{name: "every preset's sample is accepted", cases: all, wantCode: ExitOK},
		{name: "typo in a metrics override", cases: vllm, extra: "    metrics: {queue_depth: \"vllm:num_request_waiting\"}\n", wantCode: ExitUsage,
			want: []string{`:10:15: error: service vllm, alert AgentQueueBacklogHigh: vllm:num_request_waiting (queue, from metrics: queue_depth) has no series matching {__name__="vllm:num_request_waiting", job="vllm"} on ` + prom.URL + `; did you mean vllm:num_requests_waiting?`}},
		{name: "threshold above the top bucket", cases: vllm, extra: "    latency:\n      page: {threshold: 90s, for: 5m}\n", wantCode: ExitUsage,
			want: []string{`:11:25: error: service vllm, alert AgentLatencyHigh: latency threshold 90s is above vllm:e2e_request_latency_seconds's highest bucket (le=60) on ` + prom.URL}},
		{name: "counter where the preset wants a gauge", cases: vllm, extra: "    metrics: {queue_depth: \"vllm:prompt_tokens_total\"}\n", wantCode: ExitUsage,
			want: []string{`:10:15: error: service vllm, alert AgentQueueBacklogHigh: vllm:prompt_tokens_total (queue, from metrics: queue_depth) is a counter on ` + prom.URL + `, but the alert treats it as a gauge (verify/metric-type)`}},
		{name: "grouping by a label the series lack", cases: vllm, extra: "    aggregate_by: [model]\n", wantCode: ExitUsage,
			want: []string{`:10:19: error: service vllm, alert AgentLatencyHigh: vllm:e2e_request_latency_seconds has no label "model" on ` + prom.URL + `, and the alert groups by it (verify/label-missing)`}},
		{name: "wrong job", cases: []verifyCase{{preset: "vllm", job: "tgi"}}, wantCode: ExitUsage,
			want: []string{"has series for job vllm"}},
		{name: "check verifies too", cases: vllm, extra: "    metrics: {queue_depth: \"vllm:num_request_waiting\"}\n", check: true, wantCode: ExitUsage,
			want: []string{"did you mean vllm:num_requests_waiting?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := filepath.Join(dir, "spec.yaml")
			if err := os.WriteFile(spec, []byte(verifySpec(tt.cases, tt.extra)), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.rules.yaml")
			args := []string{"generate", spec, "--verify", prom.URL, "-o", out}
			if tt.check {
				args = append(args, "--check")
			}
			code, _, stderr := runCmd(t, "", args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tt.wantCode == ExitOK && !regexp.MustCompile(`agentalerts: verified the series of [1-9][0-9]* alerts against `+regexp.QuoteMeta(prom.URL)+` \([1-9][0-9]* requests\)\n`).MatchString(stderr) {
				t.Errorf("stderr does not say what was verified:\n%s", stderr)
			}
			_, err := os.Stat(out)
			if written := err == nil; written != (tt.wantCode == ExitOK && !tt.check) {
				t.Errorf("output written: %v, want %v", written, !written)
			}
		})
	}
}

// Offline, a directive naming a live check is neither unknown nor unused:
// the same file is linted with and without a server.
func TestLiveDirectiveOffline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.yaml")
	src := `groups:
  - name: g
    rules:
      # agentalerts disable=live/series-missing pushed only during deploys
      - alert: DeployStuck
        expr: deploy_in_progress > 0
        for: 1h
        labels: {severity: ticket}
        annotations: {summary: stuck, description: stuck}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "", "lint", "--quiet", path)
	if code != ExitOK || strings.Contains(out, "directive/") {
		t.Errorf("exit %d, want 0 with no directive finding; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
}

// What agentalerts generates for each preset is clean under the live
// checks on that preset's recorded sample: no false positive on our own
// output. The goldens select job "test-job"; each is renamed to its case's job.
func TestLintPrometheusGeneratedPresets(t *testing.T) {
	cases := verifyCases(t)
	prom := startVerifyProm(t, cases)
	dir := t.TempDir()
	var paths []string
	for _, c := range cases {
		name := c.preset
		if c.variant != "" {
			name += "." + c.variant
		}
		src, err := os.ReadFile(filepath.Join("..", "testdata", "presets", name+".golden.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".rules.yaml")
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(src), "test-job", c.job)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	code, out, stderr := runCmd(t, "", append([]string{"lint", "--quiet", "--fail-on", "error", "--prometheus", prom.URL}, paths...)...)
	if code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if strings.Contains(out, "(live/") {
		t.Errorf("live findings on generated rules:\n%s", out)
	}
}

// With a server, a directive silences a live finding, and one that
// silences nothing is stale as for any check.
func TestLiveDirectiveWithServer(t *testing.T) {
	prom := startPresetProm(t, "vllm")
	path := filepath.Join(t.TempDir(), "r.yaml")
	src := `groups:
  - name: g
    rules:
      # agentalerts disable=live/series-missing pushed only during deploys
      - alert: DeployStuck
        expr: deploy_in_progress > 0
      # agentalerts disable=live/series-missing stale
      - alert: QueueDeep
        expr: vllm:num_requests_waiting > 50
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, stderr := runCmd(t, "", "lint", "--quiet", "--prometheus", prom.URL, path)
	if strings.Contains(out, "(live/series-missing)") {
		t.Errorf("the directive did not silence live/series-missing:\n%s", out)
	}
	if !strings.Contains(out, path+":7:7: info: disable=live/series-missing suppresses nothing on rule \"QueueDeep\" (directive/unused)") {
		t.Errorf("the stale directive was not reported; stdout:\n%s\nstderr:\n%s", out, stderr)
	}
	if strings.Contains(out, path+":4:7: info:") {
		t.Errorf("the used directive was reported:\n%s", out)
	}
}
