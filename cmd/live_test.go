package cmd

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/internal/promtest"
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
	code, out, stderr := runCmd(t, "", "lint", "--quiet", "--prometheus", prom.URL, liveRules)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
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
}

// The same file offline: no live finding, no network.
func TestLintWithoutPrometheusStaysOffline(t *testing.T) {
	_, out, _ := runCmd(t, "", "lint", "--quiet", liveRules)
	if strings.Contains(out, "(live/") {
		t.Errorf("offline lint reported a live finding:\n%s", out)
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

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"lint unreachable", []string{"lint", "--prometheus", closed, liveRules}, "connection refused"},
		{"lint slow", []string{"lint", "--prometheus", slow.URL, "--prometheus-timeout", "100ms", liveRules}, "no answer within 100ms (--prometheus-timeout)"},
		{"lint bad timeout", []string{"lint", "--prometheus", slow.URL, "--prometheus-timeout", "0s", liveRules}, "--prometheus-timeout: 0s is not a positive duration"},
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
