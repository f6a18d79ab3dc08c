package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestTickIsExact(t *testing.T) {
	tests := []struct {
		name        string
		state       State
		ticks       int
		dt          time.Duration
		wantOK      float64
		wantErr     float64
		wantTokens  float64
		wantLatency float64 // sum of observations
	}{
		{"healthy", Healthy(), 10, 100 * time.Millisecond, 20, 0, 20 * 400, 20 * 0.3},
		{"quarter errors", State{RPS: 20, ErrorRatio: 0.25, LatencySeconds: 1, TokensPerRequest: 8}, 10, 100 * time.Millisecond, 15, 5, 160, 20},
		{"fractional rps carried", State{RPS: 3, ErrorRatio: 0.5, LatencySeconds: 7}, 10, 100 * time.Millisecond, 2, 1, 0, 21},
		{"all errors", State{RPS: 10, ErrorRatio: 1, LatencySeconds: 2}, 4, 250 * time.Millisecond, 0, 10, 0, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := New(prometheus.NewRegistry(), "researcher", "m")
			a.Set(tc.state)
			for range tc.ticks {
				a.Tick(tc.dt)
			}
			type counts struct{ OK, Err, Tokens, Latency float64 }
			want := counts{tc.wantOK, tc.wantErr, tc.wantTokens, tc.wantLatency}
			got := counts{
				testutil.ToFloat64(a.requests.WithLabelValues("researcher", "success")),
				testutil.ToFloat64(a.requests.WithLabelValues("researcher", "error")),
				testutil.ToFloat64(a.tokens.WithLabelValues("m", "prompt")) + testutil.ToFloat64(a.tokens.WithLabelValues("m", "completion")),
				histSum(t, a),
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBudgetGrows(t *testing.T) {
	a := New(prometheus.NewRegistry(), "researcher", "m")
	s := Healthy()
	s.BudgetUsed, s.BudgetUsedPerSecond = 1000, 500
	a.Set(s)
	for range 4 {
		a.Tick(500 * time.Millisecond)
	}
	if got, want := testutil.ToFloat64(a.budgetUsed), 2000.0; got != want {
		t.Errorf("token_budget_used = %v after 2s at 500/s from 1000, want %v", got, want)
	}
	if got := a.State().BudgetUsed; got != 2000 {
		t.Errorf("state budget_used = %v, want 2000 (GET /control must show the gauge)", got)
	}
}

func histSum(t *testing.T, a *Agent) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(a.duration)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs[0].GetMetric()[0].GetHistogram().GetSampleSum()
}

func TestControl(t *testing.T) {
	a := New(prometheus.NewRegistry(), "researcher", "m")
	srv := httptest.NewServer(a)
	defer srv.Close()

	post := func(query, body string) (int, string) {
		resp, err := http.Post(srv.URL+query, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if code, body := post("", `{"error_ratio": 0.5, "queue_depth": 250}`); code != 200 {
		t.Fatalf("POST: %d %s", code, body)
	}
	want := Healthy()
	want.ErrorRatio, want.QueueDepth = 0.5, 250
	if diff := cmp.Diff(want, a.State()); diff != "" {
		t.Errorf("merge: mismatch (-want +got):\n%s", diff)
	}
	if got := testutil.ToFloat64(a.queue); got != 250 {
		t.Errorf("agent_queue_depth = %v, want 250 (gauges follow the state at once)", got)
	}

	if code, _ := post("?reset=healthy", ""); code != 200 {
		t.Fatalf("reset: %d", code)
	}
	if diff := cmp.Diff(Healthy(), a.State()); diff != "" {
		t.Errorf("reset: mismatch (-want +got):\n%s", diff)
	}

	for _, bad := range []string{`{"error_ratio": 2}`, `{"rps": -1}`, `{"latency": 1}`, `{`} {
		if code, _ := post("", bad); code != http.StatusBadRequest {
			t.Errorf("POST %s: status %d, want 400", bad, code)
		}
	}
	if diff := cmp.Diff(Healthy(), a.State()); diff != "" {
		t.Errorf("a rejected POST changed the state: mismatch (-want +got):\n%s", diff)
	}
}
