package testgen

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/pkg/unittest"
	"github.com/agentalerts/agentalerts/presets"
)

// presetSpec has one service per preset and per variant, every family on
// with a forecast where the family has one, so each kind of alert every
// preset can generate is tested. Built from presets.Names(), so a new
// preset is covered without editing this test.
func presetSpec(t *testing.T) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("version: 1\nservices:\n")
	for _, name := range presets.Names() {
		p, err := presets.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range append([]string{""}, templates.SortedKeys(p.Variants)...) {
			svc := name
			if v != "" {
				svc += "-" + v
			}
			fmt.Fprintf(&b, "  - name: %s\n    job: job-%s\n    preset: %s\n", svc, svc, name)
			if v != "" {
				fmt.Fprintf(&b, "    variant: %s\n", v)
			}
			b.WriteString("    latency: {page: {threshold: 7s, for: 5m}}\n")
			if p.Budget != nil {
				b.WriteString("    token_budget: {forecast: {}}\n")
			}
			if p.Cost != nil {
				b.WriteString("    cost: {ticket: {threshold: 10}, forecast: {budget: 500}}\n")
			}
		}
	}
	return []byte(b.String())
}

// TestEveryPresetTestsPass generates the tests of every preset (celery
// used to fail with "no up series") and runs them with both runners.
func TestEveryPresetTestsPass(t *testing.T) {
	src := presetSpec(t)
	parsed, err := rules.ParseSpec("presets.spec.yaml", src)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	res, err := rules.Generate(parsed)
	if err != nil {
		t.Fatal(err)
	}
	files, err := rules.Render(res, "presets.spec.yaml", false)
	if err != nil {
		t.Fatal(err)
	}
	tests, err := Build(res, "rules.yaml")
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	p := write(t, files[""], tests)

	// Every preset's alerts are proven, by kind: a kind with no case would
	// be an alert nobody tested.
	for _, svc := range res.Services {
		if len(svc.Alerts) == 0 {
			t.Errorf("service %s: no alerts generated", svc.Name)
		}
		for _, a := range svc.Alerts {
			name := GroupName(a, CaseBreach)
			if !bytes.Contains(tests, []byte("name: "+name+"\n")) {
				t.Errorf("no breach test for %s", name)
			}
		}
	}

	res2, err := unittest.RunFile(p, unittest.Options{})
	if err != nil {
		t.Fatalf("agentalerts test: bad input: %v", err)
	}
	if res2.Failed() {
		var b bytes.Buffer
		unittest.WriteText(&b, res2)
		t.Errorf("agentalerts test failed:\n%s", b.String())
	}
	promtool := testtool.Need(t, "promtool")
	out, err := exec.Command(promtool, "test", "rules", p).CombinedOutput()
	if err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}
