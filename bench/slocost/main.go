// Command slocost measures what SLO rules cost a real Prometheus: it
// backfills three days of traffic for N services (promtool tsdb
// create-blocks-from openmetrics), starts Debian's Prometheus on a copy of
// that TSDB with agentalerts' SLO rules, then on another copy with sloth's
// rules for the same SLOs, and reports the sum over rule groups of
// prometheus_rule_group_last_duration_seconds per evaluation round, and the
// samples the rules wrote.
//
//	go run ./bench/slocost                 # 100 services, 5 rounds each
//	go run ./bench/slocost -services 20 -rounds 3
//
// It needs prometheus, promtool and sloth (v0.16.0, `go install
// github.com/slok/sloth/cmd/sloth@v0.16.0`) on PATH, listens on 127.0.0.1
// only, and prints a markdown table (docs/slo.md).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/slo"
	"github.com/agentalerts/agentalerts/pkg/templates"
)

func main() {
	services := flag.Int("services", 100, "services, each with an availability and a latency SLO")
	rounds := flag.Int("rounds", 5, "evaluation rounds measured per tool (after one warm-up round)")
	interval := flag.Duration("interval", 20*time.Second, "evaluation interval of the rule groups")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	repeat := flag.Int("repeat", 2, "times each tool is measured, alternating (sloth first on even turns), the median of all rounds reported")
	flag.Parse()
	if err := run(*services, *rounds, *repeat, *interval, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "slocost:", err)
		os.Exit(1)
	}
}

// buckets is how many finite bucket boundaries the latency histogram has
// (0.25, 1 and 2.5 seconds); the SLO's threshold is 1s.
const buckets = 3

func run(n, rounds, repeat int, interval time.Duration, keep bool) error {
	for _, tool := range []string{"prometheus", "promtool", "sloth"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not on PATH: %w", tool, err)
		}
	}
	dir, err := os.MkdirTemp("", "slocost-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(os.Stderr, "slocost: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	end := time.Now().Add(-10 * time.Minute).Truncate(time.Minute)
	start := end.Add(-72 * time.Hour)
	fmt.Fprintf(os.Stderr, "slocost: writing 3 days of samples for %d services\n", n)
	om := filepath.Join(dir, "data.om")
	samples, err := writeOpenMetrics(om, n, start, end)
	if err != nil {
		return err
	}
	base := filepath.Join(dir, "tsdb")
	fmt.Fprintf(os.Stderr, "slocost: backfilling %d samples\n", samples)
	if out, err := exec.Command("promtool", "tsdb", "create-blocks-from", "openmetrics", om, base).CombinedOutput(); err != nil {
		return fmt.Errorf("promtool tsdb create-blocks-from: %v\n%s", err, tail(out))
	}
	_ = os.Remove(om)

	ours := filepath.Join(dir, "agentalerts.yaml")
	oursRules, err := writeOurs(ours, n)
	if err != nil {
		return err
	}
	theirs := filepath.Join(dir, "sloth.yaml")
	theirsRules, err := writeSloth(dir, theirs, n)
	if err != nil {
		return err
	}
	// Alternate the order, so that whatever the first server pays (a cold
	// page cache, the machine's other work) falls on both tools.
	tools := []struct{ name, rules string }{{"agentalerts", ours}, {"sloth", theirs}}
	all := map[string][]*result{}
	for turn := 0; turn < repeat; turn++ {
		for k := range tools {
			t := tools[(k+turn)%len(tools)]
			fmt.Fprintf(os.Stderr, "slocost: evaluating %s's rules (turn %d)\n", t.name, turn+1)
			r, err := measure(dir, base, t.name, t.rules, rounds, interval)
			if err != nil {
				return err
			}
			all[t.name] = append(all[t.name], r)
		}
	}
	results := map[string]*result{}
	for name, rs := range all {
		results[name] = merge(rs)
	}
	fmt.Printf("%d services, an availability and a latency SLO each (99.9 %% and 99 %% under 1s, 30d, the workbook's four window pairs); 3 days of 1m samples backfilled, %d series; Prometheus %s; evaluation interval %s; median of %d rounds after a warm-up round, in %d turns alternating which tool goes first.\n\n",
		n, n*(2+buckets+2), promVersion(), interval, rounds*repeat, repeat)
	fmt.Println("| rules | groups | rules | rule group time per round (sum) | slowest group | samples written per round |")
	fmt.Println("|---|--:|--:|--:|--:|--:|")
	for _, name := range []string{"agentalerts", "sloth"} {
		r := results[name]
		count := oursRules
		if name == "sloth" {
			count = theirsRules
		}
		fmt.Printf("| %s | %d | %d | %s | %s | %.0f |\n", name, r.groups, count, fmtSeconds(r.total), fmtSeconds(r.slowest), r.samples)
	}
	return nil
}

func writeOpenMetrics(path string, n int, start, end time.Time) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	samples := 0
	series := func(name, labels string, perMinute float64) {
		v := 0.0
		for t := start; !t.After(end); t = t.Add(time.Minute) {
			fmt.Fprintf(w, "%s{%s} %s %d\n", name, labels, strconv.FormatFloat(v, 'f', -1, 64), t.Unix())
			v += perMinute
			samples++
		}
	}
	fmt.Fprintln(w, "# TYPE requests counter")
	for i := 0; i < n; i++ {
		series("requests_total", fmt.Sprintf(`job="svc%03d"`, i), 600)
	}
	// Errors from 0 to 0.3 % of requests: up to 3 times the 0.1 %
	// budget, so some services have tickets firing, none pages.
	fmt.Fprintln(w, "# TYPE errors counter")
	for i := 0; i < n; i++ {
		series("errors_total", fmt.Sprintf(`job="svc%03d"`, i), float64(i%7)*0.3)
	}
	fmt.Fprintln(w, "# TYPE request_duration_seconds histogram")
	for i := 0; i < n; i++ {
		// Up to 0.4 % of requests over 1s: inside the 1 % budget, so
		// the latency alerts are quiet, the usual state.
		slow := float64(i%5) * 0.6
		for le, perMinute := range map[string]float64{"0.25": 300, "1": 600 - slow, "2.5": 600 - slow/2} {
			series("request_duration_seconds_bucket", fmt.Sprintf(`job="svc%03d",le=%q`, i, le), perMinute)
		}
		series("request_duration_seconds_bucket", fmt.Sprintf(`job="svc%03d",le="+Inf"`, i), 600)
		series("request_duration_seconds_count", fmt.Sprintf(`job="svc%03d"`, i), 600)
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		return 0, err
	}
	return samples, f.Close()
}

func sloFor(i int, kind string) *slo.SLO {
	job := []templates.Matcher{{Name: "job", Op: "=", Value: fmt.Sprintf("svc%03d", i)}}
	s := &slo.SLO{Service: fmt.Sprintf("svc%03d", i), Period: 30 * 24 * time.Hour, Pairs: slo.Google(), MinEvents: 50,
		Scale: severity.Default(), RunbookURL: "https://runbooks.example/slo"}
	switch kind {
	case slo.Latency:
		s.Objective, _ = slo.ParseObjective("99%")
		s.SLI = slo.SLI{Kind: slo.Latency, Histogram: templates.Selector{Name: "request_duration_seconds", Matchers: job}, Threshold: 1}
	default:
		s.Objective, _ = slo.ParseObjective("99.9%")
		s.SLI = slo.SLI{Kind: slo.Availability, Errors: templates.Selector{Name: "errors_total", Matchers: job},
			Total: templates.Selector{Name: "requests_total", Matchers: job}}
	}
	return s
}

// writeOurs writes one group per service, as generate does.
func writeOurs(path string, n int) (int, error) {
	var groups []any
	count := 0
	for i := 0; i < n; i++ {
		var rules []map[string]any
		for _, kind := range []string{slo.Availability, slo.Latency} {
			for _, r := range sloFor(i, kind).Rules() {
				m := map[string]any{"expr": r.Expr, "labels": r.Labels}
				if r.Record != "" {
					m["record"] = r.Record
				} else {
					m["alert"], m["for"], m["annotations"] = r.Alert, templates.Duration(r.For), r.Annotations
				}
				rules = append(rules, m)
				count++
			}
		}
		groups = append(groups, map[string]any{"name": fmt.Sprintf("agentalerts.svc%03d", i), "rules": rules})
	}
	out, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		return 0, err
	}
	return count, os.WriteFile(path, out, 0o644)
}

// writeSloth writes the same SLOs as sloth specs (one document per
// service) and has sloth generate them.
func writeSloth(dir, path string, n int) (int, error) {
	var spec strings.Builder
	for i := 0; i < n; i++ {
		job := fmt.Sprintf("svc%03d", i)
		fmt.Fprintf(&spec, `---
version: "prometheus/v1"
service: %q
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(errors_total{job=%q}[{{.window}}]))
        total_query: sum(rate(requests_total{job=%q}[{{.window}}]))
    alerting:
      name: SlothAvailability
      page_alert: {labels: {severity: page}}
      ticket_alert: {labels: {severity: ticket}}
  - name: latency
    objective: 99
    sli:
      events:
        error_query: sum(rate(request_duration_seconds_count{job=%q}[{{.window}}])) - sum(rate(request_duration_seconds_bucket{job=%q,le="1"}[{{.window}}]))
        total_query: sum(rate(request_duration_seconds_count{job=%q}[{{.window}}]))
    alerting:
      name: SlothLatency
      page_alert: {labels: {severity: page}}
      ticket_alert: {labels: {severity: ticket}}
`, job, job, job, job, job, job)
	}
	specPath := filepath.Join(dir, "sloth.spec.yaml")
	if err := os.WriteFile(specPath, []byte(spec.String()), 0o644); err != nil {
		return 0, err
	}
	if out, err := exec.Command("sloth", "generate", "--no-log", "-i", specPath, "-o", path).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("sloth generate: %v\n%s", err, tail(out))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	count := 0
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	for {
		var doc struct {
			Groups []struct {
				Rules []any `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
		for _, g := range doc.Groups {
			count += len(g.Rules)
		}
	}
	return count, nil
}

// merge takes the median over the rounds of every turn.
func merge(rs []*result) *result {
	var totals, slowest, samples []float64
	for _, r := range rs {
		totals, slowest, samples = append(totals, r.totals...), append(slowest, r.slowests...), append(samples, r.samplesPer...)
	}
	return &result{groups: rs[0].groups, total: median(totals), slowest: median(slowest), samples: median(samples)}
}

type result struct {
	totals, slowests, samplesPer []float64
	groups                       int
	total, slowest               float64
	samples                      float64
}

// measure starts Prometheus on a copy of the backfilled TSDB with one rule
// file, waits for a warm-up round and then rounds more, and reads the
// group metrics from Prometheus's own /metrics after each.
func measure(dir, base, name, rules string, rounds int, interval time.Duration) (*result, error) {
	data := filepath.Join(dir, "data-"+name)
	if out, err := exec.Command("cp", "-a", base, data).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("copy tsdb: %v: %s", err, out)
	}
	defer os.RemoveAll(data)
	files := []string{rules}
	if docs, err := splitDocuments(dir, name, rules); err == nil && len(docs) > 0 {
		files = docs // sloth writes one YAML document per spec document
	}
	cfg := filepath.Join(dir, "prometheus-"+name+".yml")
	var c strings.Builder
	fmt.Fprintf(&c, "global:\n  evaluation_interval: %s\nrule_files:\n", interval)
	for _, f := range files {
		fmt.Fprintf(&c, "  - %q\n", f)
	}
	if err := os.WriteFile(cfg, []byte(c.String()), 0o644); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command("prometheus", "--config.file="+cfg, "--storage.tsdb.path="+data, "--web.listen-address="+addr,
		"--storage.tsdb.retention.time=40d", "--log.level=warn")
	logs, _ := os.Create(filepath.Join(dir, "prometheus-"+name+".log"))
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var totals, slowest, samples []float64
	groups := 0
	last := map[string]float64{}
	deadline := time.Now().Add(time.Duration(rounds+3)*interval + 3*time.Minute)
	for len(totals) < rounds+1 && time.Now().Before(deadline) {
		time.Sleep(interval / 4)
		m, err := groupMetrics("http://" + addr)
		if err != nil {
			continue
		}
		// A round is complete when every group evaluated since the last one.
		complete := len(m.lastEval) > 0
		for g, ts := range m.lastEval {
			if ts == 0 || ts == last[g] {
				complete = false
			}
		}
		if !complete {
			continue
		}
		for g, ts := range m.lastEval {
			last[g] = ts
		}
		groups = len(m.lastEval)
		var sum, max, s float64
		for g, d := range m.duration {
			sum += d
			max = math.Max(max, d)
			s += m.samples[g]
		}
		totals, slowest, samples = append(totals, sum), append(slowest, max), append(samples, s)
	}
	if os.Getenv("SLOCOST_RULES") != "" {
		printRuleTimes("http://" + addr)
	}
	if len(totals) < rounds+1 {
		return nil, fmt.Errorf("%s: only %d evaluation rounds before the deadline (see %s)", name, len(totals), logs.Name())
	}
	return &result{groups: groups, totals: totals[1:], slowests: slowest[1:], samplesPer: samples[1:]}, nil
}

// splitDocuments writes each YAML document of a multi-document rule file
// (sloth's output) to a file of its own: Prometheus reads only the first.
func splitDocuments(dir, name, path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var files []string
	for i := 0; ; i++ {
		var doc yaml.Node
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		out, err := yaml.Marshal(&doc)
		if err != nil {
			return nil, err
		}
		f := filepath.Join(dir, fmt.Sprintf("%s-%03d.yaml", name, i))
		if err := os.WriteFile(f, out, 0o644); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

type metrics struct {
	lastEval, duration, samples map[string]float64
}

// groupMetrics reads the rule group gauges from Prometheus's /metrics.
func groupMetrics(base string) (*metrics, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	m := &metrics{lastEval: map[string]float64{}, duration: map[string]float64{}, samples: map[string]float64{}}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var into map[string]float64
		switch {
		case strings.HasPrefix(line, "prometheus_rule_group_last_evaluation_timestamp_seconds{"):
			into = m.lastEval
		case strings.HasPrefix(line, "prometheus_rule_group_last_duration_seconds{"):
			into = m.duration
		case strings.HasPrefix(line, "prometheus_rule_group_last_evaluation_samples{"):
			into = m.samples
		default:
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		into[line[strings.IndexByte(line, '{'):i]] = v
	}
	return m, sc.Err()
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func fmtSeconds(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmt.Sprintf("%.2f s", s)
}

func promVersion() string {
	out, err := exec.Command("prometheus", "--version").Output()
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(out))
	if len(f) >= 3 {
		return f[2]
	}
	return "unknown"
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// printRuleTimes prints, on stderr, the evaluation time of the last round
// summed by rule name (record or alert), slowest first.
func printRuleTimes(base string) {
	resp, err := http.Get(base + "/api/v1/rules")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name           string  `json:"name"`
					EvaluationTime float64 `json:"evaluationTime"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return
	}
	sum := map[string]float64{}
	for _, g := range body.Data.Groups {
		for _, r := range g.Rules {
			sum[r.Name] += r.EvaluationTime
		}
	}
	names := make([]string, 0, len(sum))
	for n := range sum {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return sum[names[i]] > sum[names[j]] })
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "%-50s %s\n", n, fmtSeconds(sum[n]))
	}
}
