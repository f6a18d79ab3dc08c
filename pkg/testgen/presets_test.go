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

// presetSpecs are one spec per preset and per variant, every family on
// with a forecast where the family has one, so each kind of alert every
// preset can generate is tested. Built from presets.Names(), so a new
// preset is covered without editing this test. One spec each: promtool
// evaluates every rule of the file for every test group, so one file of
// all presets costs the square.
func presetSpecs(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
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
			var b strings.Builder
			fmt.Fprintf(&b, "version: 1\nservices:\n  - name: %s\n    job: job-%s\n    preset: %s\n", svc, svc, name)
			if v != "" {
				fmt.Fprintf(&b, "    variant: %s\n", v)
			}
			b.WriteString("    latency: {page: {threshold: 7s, for: 5m}}\n")
			if p.Budget != nil {
				b.WriteString("    token_budget: {forecast: {}}\n")
			}
			if p.Cost != nil {
				b.WriteString("    cost: {ticket: {threshold: 10}}\n")
			}
			out[svc] = []byte(b.String())
		}
	}
	return out
}

// TestEveryPresetTestsPass generates the tests of every preset (celery
// used to fail with "no up series") and runs them with both runners.
func TestEveryPresetTestsPass(t *testing.T) {
	for name, src := range presetSpecs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			parsed, err := rules.ParseSpec(name+".spec.yaml", src)
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			res, err := rules.Generate(parsed)
			if err != nil {
				t.Fatal(err)
			}
			files, err := rules.Render(res, name+".spec.yaml", false)
			if err != nil {
				t.Fatal(err)
			}
			tests, err := Build(res, "rules.yaml")
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			p := write(t, files[""], tests)
			// Every alert has its breach case: an alert without one would
			// be an alert nobody tested.
			for _, a := range res.Services[0].Alerts {
				if g := GroupName(a, CaseBreach); !bytes.Contains(tests, []byte("name: "+g+"\n")) {
					t.Errorf("no breach test for %s", g)
				}
			}
			got, err := unittest.RunFile(p, unittest.Options{})
			if err != nil {
				t.Fatalf("agentalerts test: bad input: %v", err)
			}
			if got.Failed() {
				var b bytes.Buffer
				unittest.WriteText(&b, got)
				t.Errorf("agentalerts test failed:\n%s", b.String())
			}
			promtool := testtool.Need(t, "promtool")
			out, err := exec.Command(promtool, "test", "rules", p).CombinedOutput()
			if err != nil {
				t.Errorf("promtool test rules: %v\n%s", err, out)
			}
		})
	}
}
