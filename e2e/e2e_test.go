//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/alertmanager"
	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/severity"
)

const (
	// Prometheus scrapes and evaluates every second so that alerts move in
	// seconds; the spec's windows (1m) still hold 60 scrapes.
	scrapeInterval = time.Second
	evalInterval   = time.Second
	// pollInterval is how often the test samples /api/v1/alerts and the
	// expressions of breached rules: it bounds the timing error.
	pollInterval = 250 * time.Millisecond
	// healthyFor is how long healthy traffic must raise no alert at all,
	// not even a pending one. It exceeds every ticket/log `for`, so a rule
	// that is true on healthy traffic would have fired.
	healthyFor = 20 * time.Second
	// stagger separates the breach of one family from the next, so that
	// the lower tiers of a family fire before the next family is touched
	// and an alert firing for the wrong breach is caught.
	stagger = 6 * time.Second
	// budget is the whole test's wall-clock limit, processes included.
	budget = 3 * time.Minute
)

const specFile = "testdata/e2e.spec.yaml"

// Services of e2e.spec.yaml and what the test does to each.
const (
	svcResearch = "research-agent" // every family, breached in turn
	svcPlanner  = "planner-agent"  // process killed: up == 0 pages
	svcWriter   = "writer-agent"   // target removed: absent(up) pages
)

// breaches move the research agent out of its healthy state one family at
// a time (the JSON is merged into fakeagent's state). Each is far past the
// page threshold so every tier of the family fires. The budget keeps
// growing after its jump: a forecast over a jump alone would resolve once
// the jump left its window, before Alertmanager is checked.
var breaches = []struct {
	family string
	state  string
}{
	{"error_rate", `{"error_ratio": 0.5}`},
	{"latency", `{"latency_seconds": 7}`},
	{"token_budget", `{"budget_used": 990000, "budget_used_per_second": 2000}`},
	{"queue_backlog", `{"queue_depth": 500}`},
	{"cost", `{"cost_per_request_usd": 0.01}`},
}

func TestEndToEnd(t *testing.T) {
	promBin := testtool.Need(t, "prometheus")
	amtool := testtool.Need(t, "amtool")
	goBin := testtool.Need(t, "go")
	amBin := alertmanagerBinary(t)

	ctx, cancel := context.WithTimeout(context.Background(), budget)
	if dl, ok := t.Deadline(); ok && time.Until(dl)-10*time.Second < budget {
		// Leave go test's own timeout room to run the cleanups: a test
		// killed by -timeout runs none and would leak its processes.
		ctx, cancel = context.WithDeadline(context.Background(), dl.Add(-10*time.Second))
	}
	defer cancel()
	started := time.Now()
	dir := t.TempDir()

	// 1. Build the CLI and the fake service.
	t0 := time.Now()
	cli := filepath.Join(dir, "agentalerts")
	fake := filepath.Join(dir, "fakeagent")
	run(t, ctx, "..", goBin, "build", "-o", cli, ".")
	run(t, ctx, "..", goBin, "build", "-o", fake, "./e2e/fakeagent")
	t.Logf("built agentalerts and fakeagent in %s", since(t0))

	// 2. Generate the rules (and the Alertmanager config) from the spec,
	// and compute what must fire from the same spec in-process.
	spec := filepath.Join(dir, "spec.yaml")
	copyFile(t, specFile, spec)
	ruleFile := filepath.Join(dir, "rules.yml")
	amFile := filepath.Join(dir, "alertmanager.yml")
	res := generate(t, ctx, cli, spec, ruleFile, amFile)
	checkAlertmanager(t, ctx, amtool, amFile, res)

	// 3. Start Alertmanager on the generated config, one fake agent per
	// service, and Prometheus scraping them and notifying Alertmanager.
	am := startAlertmanager(t, ctx, dir, amBin, amFile)
	agents := map[string]*fakeAgent{}
	jobs := map[string]string{}
	for _, svc := range res.Spec.Services {
		jobs[svc.Name.V] = svc.Job.V
		agents[svc.Name.V] = startAgent(t, ctx, dir, fake, svc.Selector["agent_type"])
	}
	prom := startPrometheus(t, ctx, dir, promBin, ruleFile, am.addr, jobs, agents)
	prom.waitRulesEvaluated(t, ctx, len(allAlerts(res)))
	for name, job := range jobs {
		prom.waitQuery(t, ctx, fmt.Sprintf(`up{job=%q} == 1`, job), "first scrape of "+name)
	}
	t.Logf("Prometheus up, %d rules loaded and evaluated, 3 targets scraped, %s after start", len(allAlerts(res)), since(started))

	// absent(up) went pending before the first scrape; give the rules
	// some evaluations to see the targets up and drop it. A rule still
	// pending after this is caught by the healthy phase below.
	settle := time.Now().Add(10 * evalInterval)
	for len(prom.alerts(t, ctx)) > 0 && time.Now().Before(settle) {
		sleep(t, ctx, pollInterval)
	}

	// 4. Healthy traffic: nothing pending, nothing firing.
	t0 = time.Now()
	for time.Since(t0) < healthyFor {
		if alerts := prom.alerts(t, ctx); len(alerts) > 0 {
			t.Fatalf("healthy traffic raised alerts after %s:\n%s", since(t0), describe(alerts))
		}
		sleep(t, ctx, pollInterval)
	}
	t.Logf("healthy traffic: no alert pending or firing for %s", healthyFor)

	// 5. Breach: availability of two services at once (their pages take
	// a minute), then each family of the research agent in turn.
	w := newWatcher(prom)
	now := time.Now()
	agents[svcPlanner].kill(t)
	w.expect(now, pick(res, svcPlanner, "availability", "down"))
	// The job stays and loses its target, as when service discovery
	// stops finding a deployment. (Removing the whole job would be the
	// other way, but Prometheus 2.42 can keep scraping a job deleted by
	// a reload, so its up series never goes away.)
	delete(agents, svcWriter)
	prom.reconfigure(t, ctx, jobs, agents)
	w.expect(time.Now(), pick(res, svcWriter, "availability", "absent"))

	for _, b := range breaches {
		exps := pick(res, svcResearch, b.family, "")
		if len(exps) == 0 {
			t.Fatalf("spec generates no %s alert for %s; the e2e spec and the breach table disagree", b.family, svcResearch)
		}
		// None of this family may have moved before its breach.
		for _, a := range prom.alerts(t, ctx) {
			if a.Labels["service"] == svcResearch && a.Labels["family"] == b.family {
				t.Fatalf("%s alert %s is %s before its breach: some other breach set it off", b.family, a.Labels["alertname"], a.State)
			}
		}
		agents[svcResearch].control(t, b.state)
		w.expect(time.Now(), exps)
		w.pollFor(t, ctx, stagger)
	}
	w.pollUntilAllFired(t, ctx)

	// 6. Report and check the timings.
	report(t, w.exps)

	// 7. Alertmanager routed every alert to its tier's receiver, and a
	// firing page suppressed its own ticket and log.
	am.verify(t, ctx, w.exps)
	t.Logf("end to end in %s", since(started))
}

// generate writes the rule file and the Alertmanager config with the CLI
// (generate SPEC -o FILE --alertmanager FILE) and returns the in-process
// result of the same spec, which says what each alert is (family, tier,
// kind, `for`, labels).
func generate(t *testing.T, ctx context.Context, cli, spec, ruleFile, amFile string) *rules.Result {
	t.Helper()
	src, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	s, err := rules.ParseSpec(spec, src)
	if err != nil {
		t.Fatalf("%s: %v", specFile, err)
	}
	res, err := rules.Generate(s)
	if err != nil {
		t.Fatalf("%s: %v", specFile, err)
	}
	run(t, ctx, ".", cli, "generate", spec, "-o", ruleFile, "--alertmanager", amFile)
	// The expectations come from the in-process result: it must be the
	// very file the CLI wrote and Prometheus loads.
	files, err := rules.Render(res, spec, false)
	if err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(ruleFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("rules.Render gave %d files for one output file", len(files))
	}
	for _, want := range files {
		if !bytes.Equal(want, written) {
			t.Fatalf("agentalerts generate wrote a rule file different from pkg/rules.Render of the same spec")
		}
	}
	return res
}

// checkAlertmanager runs amtool on the generated config: it must load, and
// an alert of each tier must reach that tier's receiver and no other.
func checkAlertmanager(t *testing.T, ctx context.Context, amtool, amFile string, res *rules.Result) {
	t.Helper()
	run(t, ctx, ".", amtool, "check-config", amFile)
	seen := map[severity.Tier]bool{}
	for _, a := range allAlerts(res) {
		if seen[a.Tier] {
			continue
		}
		seen[a.Tier] = true
		want := alertmanager.ReceiverName(a.Tier)
		args := []string{"config", "routes", "test", "--config.file=" + amFile, "--verify.receivers=" + want}
		for _, k := range sortedKeys(a.ResultLabels) {
			args = append(args, k+"="+a.ResultLabels[k])
		}
		args = append(args, "alertname="+a.Name)
		out := strings.TrimSpace(run(t, ctx, ".", amtool, args...))
		if out != want {
			t.Fatalf("amtool routes a %s alert to %q, want %q", a.Tier, out, want)
		}
		t.Logf("amtool config routes test: %s alert %s{severity=%q} -> %s", a.Tier, a.Name, a.SeverityValue, out)
	}
	for _, tier := range severity.All {
		if !seen[tier] {
			t.Fatalf("the e2e spec generates no %s-tier alert; every tier must be routed", tier)
		}
	}
}

func allAlerts(res *rules.Result) []*rules.Alert {
	var out []*rules.Alert
	for _, s := range res.Services {
		out = append(out, s.Alerts...)
	}
	return out
}

// pick returns the alerts of service and family (and kind, if given) as
// expectations. Without a kind, a family's metric-absence alert is left
// out: a breach keeps the metric, so it stays silent, and its `for` (30m)
// is beyond this test's budget; the generated unit tests prove it under
// both runners.
func pick(res *rules.Result, service, family string, kind rules.Kind) []*expectation {
	var out []*expectation
	for _, a := range allAlerts(res) {
		if kind == "" && a.Kind == rules.KindAbsentWhileUp {
			continue
		}
		if a.Service == service && string(a.Family) == family && (kind == "" || a.Kind == kind) {
			out = append(out, &expectation{alert: a})
		}
	}
	return out
}

// watcher polls Prometheus and records, per expected alert, when its
// expression first held, when it went pending and when it fired.
type watcher struct {
	prom *prometheus
	exps []*expectation
}

func newWatcher(p *prometheus) *watcher { return &watcher{prom: p} }

func (w *watcher) expect(change time.Time, exps []*expectation) {
	for _, e := range exps {
		e.change = change
		w.exps = append(w.exps, e)
	}
}

// poll samples once: expressions of breached rules not yet seen true, and
// the alert list. An alert firing that no breach explains fails the test.
func (w *watcher) poll(t *testing.T, ctx context.Context) {
	t.Helper()
	now := time.Now()
	for _, e := range w.exps {
		if e.exprTrue.IsZero() && len(w.prom.query(t, ctx, e.alert.Expr)) > 0 {
			e.exprTrue = now
		}
	}
	for _, a := range w.prom.alerts(t, ctx) {
		e := w.match(a.Labels)
		if e == nil {
			t.Fatalf("unexpected alert %s (%s), no breach explains it:\n%s", a.Labels["alertname"], a.State, describe([]apiAlert{a}))
		}
		if e.activeAt.IsZero() {
			e.activeAt = a.ActiveAt
		}
		if a.State == "firing" && e.firing.IsZero() {
			e.firing = now
			e.labels, e.annotations = a.Labels, a.Annotations
		}
	}
}

// match finds the expectation whose alert the API alert is: same name and
// every static label equal (the expression may add labels such as instance).
func (w *watcher) match(labels map[string]string) *expectation {
	for _, e := range w.exps {
		if labels["alertname"] != e.alert.Name {
			continue
		}
		ok := true
		for k, v := range e.alert.ResultLabels {
			if labels[k] != v {
				ok = false
				break
			}
		}
		if ok {
			return e
		}
	}
	return nil
}

func (w *watcher) pollFor(t *testing.T, ctx context.Context, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		w.poll(t, ctx)
		sleep(t, ctx, pollInterval)
	}
}

// pollUntilAllFired waits for every expectation to fire. Each has its own
// deadline, generous on purpose (the tight bound is checked in report):
// change + window + for + 10s.
func (w *watcher) pollUntilAllFired(t *testing.T, ctx context.Context) {
	t.Helper()
	for {
		w.poll(t, ctx)
		pending := 0
		for _, e := range w.exps {
			if !e.firing.IsZero() {
				continue
			}
			pending++
			if time.Since(e.change) > e.alert.Window+e.alert.For+10*time.Second+scrapeInterval {
				report(t, w.exps)
				t.Fatalf("%s did not fire %s after its breach (expression true at %s, pending since %s)",
					e.key(), since(e.change), stamp(e.exprTrue, e.change), stamp(e.activeAt, e.change))
			}
		}
		if pending == 0 {
			return
		}
		sleep(t, ctx, pollInterval)
	}
}

// report logs the timing table and fails the test for each check that
// does not hold (see checkFired).
func report(t *testing.T, exps []*expectation) {
	t.Helper()
	table, failures := checkFired(exps, evalInterval, pollInterval)
	t.Logf("timings (breach → firing):\n%s", table)
	for _, f := range failures {
		t.Error(f)
	}
}

// ---- processes ----

// proc is a child process in its own process group, killed with the whole
// group when the test ends however it ends.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func start(t *testing.T, dir, name, bin string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group: the cleanup kills the child and anything it
	// started. Pdeathsig kills it should the test binary itself die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("--- last lines of %s log:\n%s", name, tail(logPath, 30))
		}
	})
	return p
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

type fakeAgent struct {
	*proc
	addr string
}

func startAgent(t *testing.T, ctx context.Context, dir, bin, agentType string) *fakeAgent {
	t.Helper()
	addr := freeAddr(t)
	p := start(t, dir, "fakeagent-"+agentType, bin, "-listen", addr, "-agent-type", agentType)
	a := &fakeAgent{proc: p, addr: addr}
	waitHTTP(t, ctx, "http://"+addr+"/healthz", p)
	return a
}

func (a *fakeAgent) control(t *testing.T, state string) {
	t.Helper()
	resp, err := http.Post("http://"+a.addr+"/control", "application/json", strings.NewReader(state))
	if err != nil {
		t.Fatalf("fakeagent control: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("fakeagent control %s: %s %s", state, resp.Status, b)
	}
}

func (a *fakeAgent) kill(t *testing.T) {
	t.Helper()
	a.stop()
}

type prometheus struct {
	*proc
	base, config, rules, alertmanager string
	// queryBase, when set, serves /api/v1/query instead of base: with
	// vmalert the alerts come from vmalert, the data from VictoriaMetrics.
	queryBase string
}

func startPrometheus(t *testing.T, ctx context.Context, dir, bin, ruleFile, amAddr string, jobs map[string]string, agents map[string]*fakeAgent) *prometheus {
	t.Helper()
	addr := freeAddr(t)
	p := &prometheus{base: "http://" + addr, config: filepath.Join(dir, "prometheus.yml"), rules: ruleFile, alertmanager: amAddr}
	writeFile(t, p.config, p.configYAML(jobs, agents))
	data := filepath.Join(dir, "data")
	p.proc = start(t, dir, "prometheus", bin,
		"--config.file="+p.config,
		"--storage.tsdb.path="+data,
		"--web.listen-address="+addr,
		"--web.enable-lifecycle",
		"--log.level=warn",
	)
	waitHTTP(t, ctx, p.base+"/-/ready", p.proc)
	return p
}

func (p *prometheus) configYAML(jobs map[string]string, agents map[string]*fakeAgent) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  evaluation_interval: %s\n", scrapeInterval, evalInterval)
	fmt.Fprintf(&b, "rule_files:\n  - %q\n", p.rules)
	fmt.Fprintf(&b, "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [%q]\n", p.alertmanager)
	b.WriteString("scrape_configs:\n")
	for _, svc := range sortedKeys(jobs) {
		if a, ok := agents[svc]; ok {
			fmt.Fprintf(&b, "  - job_name: %q\n    static_configs:\n      - targets: [%q]\n", jobs[svc], a.addr)
		} else {
			fmt.Fprintf(&b, "  - job_name: %q\n    static_configs: []\n", jobs[svc])
		}
	}
	return []byte(b.String())
}

// reconfigure rewrites the scrape configs and reloads Prometheus; a job
// without an agent gets no target, and the series of the target it had go
// stale within a few scrape intervals.
func (p *prometheus) reconfigure(t *testing.T, ctx context.Context, jobs map[string]string, agents map[string]*fakeAgent) {
	t.Helper()
	writeFile(t, p.config, p.configYAML(jobs, agents))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/-/reload", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("reload Prometheus: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("reload Prometheus: %s %s", resp.Status, b)
	}
}

// apiAlert is one element of /api/v1/alerts.
type apiAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
	ActiveAt    time.Time         `json:"activeAt"`
	Value       string            `json:"value"`
}

func (p *prometheus) alerts(t *testing.T, ctx context.Context) []apiAlert {
	t.Helper()
	var data struct {
		Alerts []apiAlert `json:"alerts"`
	}
	p.get(t, ctx, "/api/v1/alerts", &data)
	return data.Alerts
}

// query evaluates expr now and returns the result's label sets.
func (p *prometheus) query(t *testing.T, ctx context.Context, expr string) []map[string]string {
	t.Helper()
	var data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
		} `json:"result"`
	}
	base := p.base
	if p.queryBase != "" {
		base = p.queryBase
	}
	p.getFrom(t, ctx, base, "/api/v1/query?query="+url.QueryEscape(expr), &data)
	out := make([]map[string]string, len(data.Result))
	for i, r := range data.Result {
		out[i] = r.Metric
	}
	return out
}

func (p *prometheus) waitQuery(t *testing.T, ctx context.Context, expr, what string) {
	t.Helper()
	for len(p.query(t, ctx, expr)) == 0 {
		sleep(t, ctx, pollInterval)
	}
}

// waitRulesEvaluated waits until Prometheus has loaded n alerting rules,
// all healthy, each evaluated at least once.
func (p *prometheus) waitRulesEvaluated(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	for {
		var data struct {
			Groups []struct {
				Rules []struct {
					Name           string    `json:"name"`
					Type           string    `json:"type"`
					Health         string    `json:"health"`
					LastError      string    `json:"lastError"`
					LastEvaluation time.Time `json:"lastEvaluation"`
				} `json:"rules"`
			} `json:"groups"`
		}
		p.get(t, ctx, "/api/v1/rules", &data)
		count, evaluated := 0, 0
		for _, g := range data.Groups {
			for _, r := range g.Rules {
				if r.Type != "alerting" {
					continue
				}
				count++
				if r.Health == "err" {
					t.Fatalf("rule %s fails to evaluate on Prometheus: %s", r.Name, r.LastError)
				}
				if r.Health == "ok" && !r.LastEvaluation.IsZero() {
					evaluated++
				}
			}
		}
		if count > 0 && count != n {
			t.Fatalf("Prometheus loaded %d alerting rules, the generator made %d", count, n)
		}
		if count == n && evaluated == n {
			return
		}
		sleep(t, ctx, pollInterval)
	}
}

func (p *prometheus) get(t *testing.T, ctx context.Context, path string, into any) {
	t.Helper()
	p.getFrom(t, ctx, p.base, path, into)
}

// getFrom reads a Prometheus-style API answer ({status, data}) from base.
func (p *prometheus) getFrom(t *testing.T, ctx context.Context, base, path string, into any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("GET %s: %s: %v", path, resp.Status, err)
	}
	if env.Status != "success" {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, env.Error)
	}
	if err := json.Unmarshal(env.Data, into); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// ---- Alertmanager ----

// alertmanagerBinary finds Alertmanager: Debian installs it as
// prometheus-alertmanager, upstream as alertmanager.
func alertmanagerBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("alertmanager"); err == nil {
		return p
	}
	return testtool.Need(t, "prometheus-alertmanager")
}

type alertmanagerProc struct {
	*proc
	addr string
}

// startAlertmanager runs Alertmanager on a copy of the generated config
// whose placeholder webhooks point at a local sink, so that the receivers
// it notifies answer instead of refusing connections.
func startAlertmanager(t *testing.T, ctx context.Context, dir, bin, amFile string) *alertmanagerProc {
	t.Helper()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(sink.Close)
	b, err := os.ReadFile(amFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(alertmanager.DefaultWebhookBase)) {
		t.Fatalf("%s has no placeholder webhook %s", amFile, alertmanager.DefaultWebhookBase)
	}
	running := filepath.Join(dir, "alertmanager.running.yml")
	writeFile(t, running, bytes.ReplaceAll(b, []byte(alertmanager.DefaultWebhookBase), []byte(sink.URL)))

	addr := freeAddr(t)
	p := start(t, dir, "alertmanager", bin,
		"--config.file="+running,
		"--storage.path="+filepath.Join(dir, "am-data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // no gossip port: a single instance
		"--log.level=warn",
	)
	waitHTTP(t, ctx, "http://"+addr+"/-/ready", p)
	return &alertmanagerProc{proc: p, addr: addr}
}

// amAlert is one element of Alertmanager's /api/v2/alerts.
type amAlert struct {
	Labels    map[string]string `json:"labels"`
	Receivers []struct {
		Name string `json:"name"`
	} `json:"receivers"`
	Status struct {
		State       string   `json:"state"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status"`
}

// verify waits (a few seconds: Prometheus sends on its next evaluation)
// until Alertmanager holds every fired alert, each routed to its tier's
// receiver, suppressed exactly when a higher tier of the same alert name
// and service fires too.
func (am *alertmanagerProc) verify(t *testing.T, ctx context.Context, exps []*expectation) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got []amAlert
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+am.addr+"/api/v2/alerts", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("Alertmanager API: %v", err)
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("Alertmanager API: %v", err)
		}
		var problems []string
		var table bytes.Buffer
		tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "service\talert\ttier\treceiver\tstate\t")
		for _, e := range exps {
			a := findAM(got, e.alert)
			if a == nil {
				problems = append(problems, e.key()+" never reached Alertmanager")
				continue
			}
			var recv []string
			for _, r := range a.Receivers {
				recv = append(recv, r.Name)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", e.alert.Service, e.alert.Name, e.alert.Tier, strings.Join(recv, ","), a.Status.State)
			if want := alertmanager.ReceiverName(e.alert.Tier); len(recv) != 1 || recv[0] != want {
				problems = append(problems, fmt.Sprintf("%s routed to %v, want [%s]", e.key(), recv, want))
			}
			if want := wantAMState(e, exps); a.Status.State != want {
				problems = append(problems, fmt.Sprintf("%s is %s in Alertmanager, want %s", e.key(), a.Status.State, want))
			}
		}
		tw.Flush()
		if len(problems) == 0 {
			t.Logf("Alertmanager (real, on the generated config):\n%s", table.String())
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Alertmanager disagrees with the generated routing:\n  %s\n%s", strings.Join(problems, "\n  "), table.String())
		}
		sleep(t, ctx, 500*time.Millisecond)
	}
}

func findAM(alerts []amAlert, want *rules.Alert) *amAlert {
	for i, a := range alerts {
		if a.Labels["alertname"] != want.Name {
			continue
		}
		ok := true
		for k, v := range want.ResultLabels {
			if a.Labels[k] != v {
				ok = false
				break
			}
		}
		if ok {
			return &alerts[i]
		}
	}
	return nil
}

// ---- small helpers ----

func describe(alerts []apiAlert) string {
	var b strings.Builder
	for _, a := range alerts {
		var ls []string
		for _, k := range sortedKeys(a.Labels) {
			ls = append(ls, k+"="+a.Labels[k])
		}
		fmt.Fprintf(&b, "  %s %s {%s} value=%s\n", a.State, a.Labels["alertname"], strings.Join(ls, ", "), a.Value)
	}
	return b.String()
}

// freeAddr returns a loopback address with a port free at the time of the
// call. The port is released before the child binds it; on a test machine
// the window for another process to take it is negligible.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(t *testing.T, ctx context.Context, u string, p *proc) {
	t.Helper()
	for {
		select {
		case <-p.done:
			t.Fatalf("%s exited before it was ready:\n%s", p.name, tail(p.log, 30))
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		sleep(t, ctx, 100*time.Millisecond)
	}
}

func sleep(t *testing.T, ctx context.Context, d time.Duration) {
	t.Helper()
	select {
	case <-ctx.Done():
		t.Fatalf("end-to-end test over its %s budget: %v", budget, ctx.Err())
	case <-time.After(d):
	}
}

var runMu sync.Mutex

// run runs a command to completion and returns its stdout; a failure ends
// the test with the command's output.
func run(t *testing.T, ctx context.Context, dir, bin string, args ...string) string {
	t.Helper()
	runMu.Lock()
	defer runMu.Unlock()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(bin), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, b)
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }
