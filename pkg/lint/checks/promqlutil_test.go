package checks

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

func mustParse(t *testing.T, expr string) parser.Expr {
	t.Helper()
	e, err := parser.NewParser(parser.Options{EnableExperimentalFunctions: true}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return e
}

// describe prints a label set as "only(a,b)" or "all-but(x,y)".
func describe(s labelSet) string {
	if s.exact {
		return "only(" + strings.Join(s.known(), ",") + ")"
	}
	var d []string
	for n := range s.drop {
		d = append(d, n)
	}
	return "all-but(" + strings.Join(sortedCopy(d), ",") + ")"
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestOutputLabels(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`up`, "all-but()"},
		{`rate(x_total[5m])`, "all-but()"},
		{`sum(x)`, "only()"},
		{`sum by (job, instance) (x)`, "only(instance,job)"},
		{`sum by (job) (sum by (instance) (x))`, "only()"},
		{`sum without (instance) (x)`, "all-but(instance)"},
		{`sum by (job) (sum without (job) (x))`, "only()"},
		{`max without (pod) (sum without (instance) (x))`, "all-but(instance,pod)"},
		{`topk(3, sum by (job) (x))`, "only(job)"},
		{`count_values("version", build_info)`, "only(version)"},
		{`histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))`, "only(job)"},
		{`histogram_quantile(0.9, rate(x_bucket[5m]))`, "all-but(le)"},
		{`label_replace(sum by (job) (x), "svc", "$1", "job", "(.*)")`, "only(job,svc)"},
		{`absent(up{job="a", instance=~"b.*"})`, "only(job)"},
		{`absent(up{job="a", job="b", env="prod"})`, "only(env)"},
		{`absent_over_time(up{job="a"}[5m])`, "only(job)"},
		{`absent(sum(up{job="a"}))`, "only()"},
		{`vector(1)`, "only()"},
		{`1 + 2`, "only()"},
		{`sum by (job) (x) > 1`, "only(job)"},
		{`2 * sum by (job) (x)`, "only(job)"},
		{`sum by (job, pod) (x) / on (job) sum by (job) (y)`, "only(job)"},
		{`x / ignoring (code) y`, "all-but(code)"},
		{`sum by (job, pod) (x) * on (job) group_left (team) owner`, "only(job,pod,team)"},
		{`owner * on (job) group_right (team) sum by (job, pod) (x)`, "only(job,pod,team)"},
		{`sum by (job) (x) and on (job) y`, "only(job)"},
		{`sum by (job) (x) or sum by (pod) (y)`, "only(job,pod)"},
		{`sum by (job) (x) or y`, "all-but()"},
		{`sum without (a, b) (x) or sum without (b) (y)`, "all-but(b)"},
		{`info(x)`, "all-but()"},
		{`max_over_time(sum by (job) (x)[5m:1m])`, "only(job)"},
		{`-sum by (job) (x)`, "only(job)"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := describe(outputLabels(mustParse(t, tt.expr)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGaugeWord(t *testing.T) {
	tests := map[string]string{
		"agent_queue_depth":               "depth",
		"token_budget_used":               "used",
		"active_agents":                   "active",
		"vllm:num_requests_waiting":       "waiting",
		"vllm:kv_cache_usage_perc":        "perc",
		"node_memory_MemFree_bytes":       "free",
		"process_resident_memory_bytes":   "memory",
		"foo_last_seen_timestamp":         "timestamp",
		"ifHCInOctets":                    "",
		"pg_stat_database_xact_commit":    "",
		"junos_interface_transmit_bytes":  "",
		"cloudflare_zone_requests_status": "",
		"tgi_request_failure":             "",
	}
	for name, want := range tests {
		if got := gaugeWord(name); got != want {
			t.Errorf("gaugeWord(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSplitWords(t *testing.T) {
	tests := map[string]string{
		"HighAgentErrorRate":      "high agent error rate",
		"KubeAPIErrorsHigh":       "kube api errors high",
		"vllm:num_requests_total": "vllm num requests total",
		"HTTP5xxRatio":            "http5xx ratio",
		"Service Is Down":         "service is down",
	}
	for in, want := range tests {
		if got := splitWords(in); got != want {
			t.Errorf("splitWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTemplateRefs(t *testing.T) {
	type ref struct {
		Name string
		Text string
	}
	tests := []struct {
		tmpl  string
		refs  []ref
		value string
	}{
		{tmpl: `plain $labels.job and $value text`},
		{tmpl: `{{ $labels.job }} on {{ .Labels.instance }}`, refs: []ref{{"job", "$labels.job"}, {"instance", ".Labels.instance"}}},
		{tmpl: `{{ index $labels "pod" }}`, refs: []ref{{"pod", `index $labels "pod"`}}},
		{tmpl: `{{ with $labels }}{{ .foo }}{{ end }}`},
		{tmpl: `value {{ $value | humanize }}`, value: "$value"},
		{tmpl: `{{ if gt .Value 1.0 }}big{{ end }}`, value: ".Value"},
		{tmpl: `{{ .Values }} {{ $values }}`},
		{tmpl: `{{ $labels.a }}{{ unterminated`, refs: []ref{{"a", "$labels.a"}}},
		{
			tmpl: `{{ range query "up" }}{{ .Labels.x }} {{ $labels.y }}{{ end }}{{ .Labels.z }}`,
			refs: []ref{{"y", "$labels.y"}, {"z", ".Labels.z"}},
		},
		{
			tmpl: `{{ if .Labels.a }}{{ with $labels }}{{ .Labels.b }}{{ end }}{{ .Labels.c }}{{ end }}`,
			refs: []ref{{"a", ".Labels.a"}, {"c", ".Labels.c"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			var got []ref
			for _, r := range labelRefs(tt.tmpl) {
				got = append(got, ref{r.name, tt.tmpl[r.start:r.end]})
			}
			if diff := cmp.Diff(tt.refs, got); diff != "" {
				t.Errorf("labelRefs mismatch (-want +got):\n%s", diff)
			}
			value := ""
			if s, e, ok := valueRef(tt.tmpl); ok {
				value = tt.tmpl[s:e]
			}
			if diff := cmp.Diff(tt.value, value); diff != "" {
				t.Errorf("valueRef mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsRecordedName(t *testing.T) {
	tests := map[string]bool{
		"job:http_requests:rate5m":                true,
		"x_bucket:rate5m":                         true,
		"slo:sli_error:ratio_rate5m":              true,
		"requests:sum_rate1h":                     true,
		"vllm:num_requests_waiting":               false,
		"vllm:e2e_request_latency_seconds_bucket": false,
		"vllm:avg_prompt_throughput_toks_per_s":   false,
		"agent_requests_total":                    false,
	}
	for name, want := range tests {
		if got := isRecordedName(name); got != want {
			t.Errorf("isRecordedName(%q) = %v, want %v", name, got, want)
		}
	}
}

// FuzzRuleChecks runs every wrong-results and not-actionable check over
// arbitrary expressions and annotation text: none may panic, whatever
// the parser accepts.
func FuzzRuleChecks(f *testing.F) {
	f.Add(`histogram_quantile(0.9, sum by (job) (rate(x_bucket[1m]))) > 1`, `{{ $labels.instance }} {{ $value }}`)
	f.Add(`absent(up{job="a",job="b"}) or vector(1)`, `{{ index $labels "x" }}`)
	f.Add(`sum(x_total) / on (a) group_left (b) y > bool 2`, `50%`)
	f.Add(`label_replace(rate(q[5m:1m]), "a", "$1", "b", "(.*)") unless count_values("v", z)`, `{{ .Labels.a`)
	checks := append(append([]*lint.Check{}, wrongResults...), notActionable...)
	checks = append(checks, labelsRequired, alertUnroutedSeverity)
	f.Fuzz(func(t *testing.T, expr, text string) {
		src := "groups:\n  - name: g\n    rules:\n      - alert: HighErrorRatePercent\n        expr: " + strconv.Quote(expr) +
			"\n        labels:\n          severity: page\n          x: " + strconv.Quote(text) +
			"\n        annotations:\n          summary: " + strconv.Quote(text) + "\n"
		file, _ := lint.ReadFile("f.yaml", []byte(src))
		cfg := lint.DefaultConfig()
		cfg.RequiredLabels = []string{"team"}
		cfg.RoutedSeverities = []string{"ticket"}
		for _, c := range checks {
			pass := lint.NewPass(c, cfg, file, func(diag.Diagnostic) {})
			for _, d := range file.Docs {
				for _, g := range d.Groups {
					for _, r := range g.Rules {
						if c.Rule != nil {
							c.Rule(pass, r)
						}
					}
				}
			}
			runCrossFile(c, cfg, []*lint.File{file, file}, func(diag.Diagnostic) {})
		}
	})
}
