//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// TestEndToEndVictoriaMetrics is TestEndToEnd on a scale-out engine: the
// fake services are scraped by vmagent into VictoriaMetrics, vmalert
// evaluates the same generated rule file (MetricsQL parses it) against it
// and notifies the real Alertmanager. The same breaches must reach firing
// with the same labels, within the same bounds, and reach the same
// receivers.
func TestEndToEndVictoriaMetrics(t *testing.T) {
	vmBin := testtool.Need(t, "victoria-metrics")
	vmagentBin := testtool.Need(t, "vmagent")
	vmalertBin := testtool.Need(t, "vmalert")
	goBin := testtool.Need(t, "go")
	amBin := alertmanagerBinary(t)

	ctx, cancel := context.WithTimeout(context.Background(), budget)
	if dl, ok := t.Deadline(); ok && time.Until(dl)-10*time.Second < budget {
		ctx, cancel = context.WithDeadline(context.Background(), dl.Add(-10*time.Second))
	}
	defer cancel()
	started := time.Now()
	dir := t.TempDir()

	t0 := time.Now()
	cli := filepath.Join(dir, "agentalerts")
	fake := filepath.Join(dir, "fakeagent")
	run(t, ctx, "..", goBin, "build", "-o", cli, ".")
	run(t, ctx, "..", goBin, "build", "-o", fake, "./e2e/fakeagent")
	t.Logf("built agentalerts and fakeagent in %s", since(t0))

	spec := filepath.Join(dir, "spec.yaml")
	copyFile(t, specFile, spec)
	ruleFile := filepath.Join(dir, "rules.yml")
	amFile := filepath.Join(dir, "alertmanager.yml")
	res := generate(t, ctx, cli, spec, ruleFile, amFile)
	// The file must also lint clean as vmalert reads it.
	run(t, ctx, ".", cli, "lint", "--dialect", "vmalert", "--quiet", ruleFile)
	run(t, ctx, ".", vmalertBin, "-dryRun", "-rule="+ruleFile, "-loggerLevel=ERROR")

	am := startAlertmanager(t, ctx, dir, amBin, amFile)
	agents := map[string]*fakeAgent{}
	jobs := map[string]string{}
	for _, svc := range res.Spec.Services {
		jobs[svc.Name.V] = svc.Job.V
		agents[svc.Name.V] = startAgent(t, ctx, dir, fake, svc.Selector["agent_type"])
	}
	vm := startVM(t, ctx, dir, vmBin, vmagentBin, vmalertBin, ruleFile, am.addr, jobs, agents)
	for name, job := range jobs {
		vm.waitQuery(t, ctx, fmt.Sprintf(`up{job=%q} == 1`, job), "first scrape of "+name)
	}
	t.Logf("VictoriaMetrics, vmagent and vmalert up, 3 targets scraped, %s after start", since(started))

	settle := time.Now().Add(10 * evalInterval)
	for len(vm.alerts(t, ctx)) > 0 && time.Now().Before(settle) {
		sleep(t, ctx, pollInterval)
	}
	t0 = time.Now()
	for time.Since(t0) < healthyFor {
		if alerts := vm.alerts(t, ctx); len(alerts) > 0 {
			t.Fatalf("healthy traffic raised alerts in vmalert after %s:\n%s", since(t0), describe(alerts))
		}
		sleep(t, ctx, pollInterval)
	}
	t.Logf("healthy traffic: no alert pending or firing in vmalert for %s", healthyFor)

	w := newWatcher(vm.prometheus)
	now := time.Now()
	agents[svcPlanner].kill(t)
	w.expect(now, pick(res, svcPlanner, "availability", "down"))
	delete(agents, svcWriter)
	vm.reconfigure(t, ctx, jobs, agents)
	w.expect(time.Now(), pick(res, svcWriter, "availability", "absent"))
	for _, b := range breaches {
		exps := pick(res, svcResearch, b.family, "")
		for _, a := range vm.alerts(t, ctx) {
			if a.Labels["service"] == svcResearch && a.Labels["family"] == b.family {
				t.Fatalf("%s alert %s is %s before its breach: some other breach set it off", b.family, a.Labels["alertname"], a.State)
			}
		}
		agents[svcResearch].control(t, b.state)
		w.expect(time.Now(), exps)
		w.pollFor(t, ctx, stagger)
	}
	w.pollUntilAllFired(t, ctx)
	report(t, w.exps)
	am.verify(t, ctx, w.exps)
	t.Logf("end to end on VictoriaMetrics + vmalert in %s", since(started))
}

// vmStack is VictoriaMetrics, vmagent scraping into it and vmalert
// evaluating against it; its prometheus serves alerts from vmalert and
// queries from VictoriaMetrics.
type vmStack struct {
	*prometheus
	vmagent string // vmagent's address, for reloads
}

func startVM(t *testing.T, ctx context.Context, dir, vmBin, vmagentBin, vmalertBin, ruleFile, amAddr string, jobs map[string]string, agents map[string]*fakeAgent) *vmStack {
	t.Helper()
	vmAddr, agentAddr, alertAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	vm := start(t, dir, "victoria-metrics", vmBin,
		"-storageDataPath="+filepath.Join(dir, "vm-data"),
		"-httpListenAddr="+vmAddr,
		"-retentionPeriod=1d",
		// Answer with the newest samples: by default the last 30s are
		// hidden as possibly incomplete, which would delay every alert.
		"-search.latencyOffset=0s",
		"-search.disableCache",
		"-loggerLevel=WARN",
	)
	waitHTTP(t, ctx, "http://"+vmAddr+"/health", vm)

	s := &vmStack{prometheus: &prometheus{config: filepath.Join(dir, "scrape.yml"), rules: ruleFile, alertmanager: amAddr,
		queryBase: "http://" + vmAddr}, vmagent: agentAddr}
	writeFile(t, s.config, s.scrapeYAML(jobs, agents))
	agent := start(t, dir, "vmagent", vmagentBin,
		"-promscrape.config="+s.config,
		"-promscrape.config.strictParse",
		"-remoteWrite.url=http://"+vmAddr+"/api/v1/write",
		"-remoteWrite.tmpDataPath="+filepath.Join(dir, "vmagent-data"),
		"-remoteWrite.flushInterval=200ms",
		"-httpListenAddr="+agentAddr,
		"-loggerLevel=WARN",
	)
	waitHTTP(t, ctx, "http://"+agentAddr+"/health", agent)

	alert := start(t, dir, "vmalert", vmalertBin,
		"-rule="+ruleFile,
		"-datasource.url=http://"+vmAddr,
		"-notifier.url=http://"+amAddr,
		"-evaluationInterval="+evalInterval.String(),
		"-httpListenAddr="+alertAddr,
		"-loggerLevel=WARN",
	)
	s.base = "http://" + alertAddr
	s.proc = alert
	waitHTTP(t, ctx, s.base+"/health", alert)
	return s
}

// scrapeYAML is the scrape part of the Prometheus config: vmagent reads
// the same format.
func (s *vmStack) scrapeYAML(jobs map[string]string, agents map[string]*fakeAgent) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n", scrapeInterval)
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

// reconfigure rewrites the scrape config and reloads vmagent, which
// writes stale markers for the targets that went away.
func (s *vmStack) reconfigure(t *testing.T, ctx context.Context, jobs map[string]string, agents map[string]*fakeAgent) {
	t.Helper()
	writeFile(t, s.config, s.scrapeYAML(jobs, agents))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+s.vmagent+"/-/reload", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("reload vmagent: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("reload vmagent: %s", resp.Status)
	}
}
