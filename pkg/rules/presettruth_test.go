package rules

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/promql/promqltest"

	"github.com/agentalerts/agentalerts/pkg/severity"
)

// TestPresetTruth evaluates each preset's generated alert on series shaped
// like the real system's (counted as its upstream source counts them, see
// docs/presets.md) with Prometheus's engine, and checks which results the
// alert returns. Each case is a situation the preset used to get wrong.
func TestPresetTruth(t *testing.T) {
	tests := []struct {
		name   string
		preset string
		spec   string // extra service keys
		alert  string // alert name
		tier   severity.Tier
		load   string // promqltest load body, job="j"
		want   []string
	}{
		{
			// 100 chat requests a minute, 18 fail. TGI counts each chat
			// request twice in tgi_request_count, so a ratio over it read
			// 9% and the 10% page stayed silent.
			name: "tgi chat failures", preset: "tgi", alert: "AgentErrorRatioHigh", tier: severity.Page,
			load: `tgi_request_count{job="j"} 0+200x20
tgi_request_success{job="j"} 0+82x20
tgi_request_failure{job="j",err="generation"} 0+18x20`,
			want: []string{`{}`},
		},
		{
			// One worker stopped by a scale-in keeps celery_worker_up 0
			// until purged; its peer is healthy: no page.
			name: "celery scale-in", preset: "celery", alert: "AgentServiceDown", tier: severity.Page,
			load: `celery_worker_up{job="j",hostname="a"} 1+0x20
celery_worker_up{job="j",hostname="b"} 0+0x20`,
			want: nil,
		},
		{
			name: "celery all workers down", preset: "celery", alert: "AgentServiceDown", tier: severity.Page,
			load: `celery_worker_up{job="j",hostname="a"} 0+0x20
celery_worker_up{job="j",hostname="b"} 0+0x20`,
			want: []string{`{job="j"}`},
		},
		{
			// Two proxy replicas: one saw the latest spend (90% used), the
			// other is stale (40%). Summing read 65% and stayed silent.
			name: "litellm fresh and stale replica", preset: "litellm", alert: "AgentTokenBudgetHigh", tier: severity.Ticket,
			load: `litellm_remaining_team_budget_metric{job="j",instance="a",team="t1",team_alias="x"} 10+0x20
litellm_team_max_budget_metric{job="j",instance="a",team="t1",team_alias="x"} 100+0x20
litellm_remaining_team_budget_metric{job="j",instance="b",team="t1",team_alias="x"} 60+0x20
litellm_team_max_budget_metric{job="j",instance="b",team="t1",team_alias="x"} 100+0x20`,
			want: []string{`{team="t1"}`},
		},
		{
			// 15% of HTTP requests end in a 500 (an engine crash the
			// engine's counters never see); request_success shows none.
			name: "vllm http 5xx", preset: "vllm", alert: "AgentErrorRatioHigh", tier: severity.Page,
			load: `http_requests_total{job="j",handler="/v1/chat/completions",method="POST",status="2xx"} 0+85x20
http_requests_total{job="j",handler="/v1/chat/completions",method="POST",status="5xx"} 0+15x20
vllm:request_success_total{job="j",model_name="m",engine="0",finished_reason="stop"} 0+85x20
vllm:request_success_total{job="j",model_name="m",engine="0",finished_reason="error"} 0+0x20`,
			want: []string{`{}`},
		},
		{
			// Agents take 30s, chat 0.2s, embeddings 0.05s: only the
			// agent operation breaches, and the alert says which.
			name: "otel per operation", preset: "otel-genai", alert: "AgentLatencyHigh", tier: severity.Page,
			spec: "    latency: {page: {threshold: 10s, for: 5m}}\n",
			load: otelLatency("chat", "0.32", 60) + "\n" + otelLatency("embeddings", "0.08", 600) + "\n" + otelLatency("invoke_agent", "40.96", 2),
			want: []string{`{gen_ai_operation_name="invoke_agent", gen_ai_request_model="gpt-4o"}`},
		},
		{
			// vLLM is up but its latency histogram is gone (renamed).
			name: "vllm latency metric renamed", preset: "vllm", alert: "AgentLatencyMetricAbsent", tier: severity.Ticket,
			load: `up{job="j",instance="a"} 1+0x20
vllm:e2e_request_latency_seconds_v2_count{job="j",model_name="m"} 0+1x20`,
			want: []string{`{job="j"}`},
		},
		{
			name: "vllm latency metric present", preset: "vllm", alert: "AgentLatencyMetricAbsent", tier: severity.Ticket,
			load: `up{job="j",instance="a"} 1+0x20
vllm:e2e_request_latency_seconds_count{job="j",model_name="m"} 0+1x20`,
			want: nil,
		},
	}
	engine := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := mustGenerate(t, "spec.yaml", []byte("version: 1\nservices:\n  - name: s\n    job: j\n    preset: "+tc.preset+"\n"+tc.spec))
			var expr string
			for _, a := range res.Services[0].Alerts {
				if a.Name == tc.alert && a.Tier == tc.tier {
					expr = a.Expr
				}
			}
			if expr == "" {
				t.Fatalf("no %s %s alert generated", tc.alert, tc.tier)
			}
			st := promqltest.LoadedStorage(t, "load 1m\n"+indent(tc.load))
			var got []string
			for _, s := range eval(t, engine, st, expr, time.Unix(0, 0).Add(15*time.Minute)) {
				got = append(got, s.Metric.String())
			}
			sort.Strings(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nmismatch (-want +got):\n%s", expr, diff)
			}
		})
	}
}

// otelLatency is a duration histogram of one operation whose observations
// all fall in the bucket ending at le, n a minute.
func otelLatency(op, le string, n int) string {
	var b strings.Builder
	labels := `job="j",gen_ai_operation_name="` + op + `",gen_ai_request_model="gpt-4o",gen_ai_provider_name="openai"`
	for _, bound := range []string{"0.08", "0.32", "1.28", "5.12", "20.48", "40.96", "81.92", "+Inf"} {
		v := "0"
		if bound == le || boundAbove(bound, le) {
			v = itoa(n)
		}
		b.WriteString(`gen_ai_client_operation_duration_seconds_bucket{` + labels + `,le="` + bound + `"} 0+` + v + "x20\n")
	}
	b.WriteString(`gen_ai_client_operation_duration_seconds_count{` + labels + `} 0+` + itoa(n) + "x20")
	return b.String()
}

func boundAbove(bound, le string) bool {
	order := []string{"0.08", "0.32", "1.28", "5.12", "20.48", "40.96", "81.92", "+Inf"}
	return opIndex(order, bound) > opIndex(order, le)
}

func opIndex(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

func itoa(n int) string { return strconv.Itoa(n) }

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "  " + strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}
