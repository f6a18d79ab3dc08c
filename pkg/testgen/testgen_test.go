package testgen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/internal/golden"
	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/templates"
	"github.com/agentalerts/agentalerts/pkg/unittest"
)

// spec is one input: the built-in example or a golden spec of generate.
type spec struct {
	name string // golden base name
	path string
	src  []byte
}

func specs(t *testing.T) []spec {
	t.Helper()
	out := []spec{{name: "example", path: rules.ExamplePath, src: rules.ExampleSpec()}}
	files, err := filepath.Glob("../../testdata/generate/*.spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Specs of our own for cases generate's goldens do not cover.
	own, err := filepath.Glob("../../testdata/testgen/*.spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, own...)
	// The complete specs docs/spec.md shows: what it promises must pass.
	doc, err := os.ReadFile("../../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, block := range yamlBlocks(string(doc)) {
		if strings.HasPrefix(block, "version: 1\n") {
			out = append(out, spec{name: fmt.Sprintf("docs-spec-%d", i+1), path: "docs/spec.md", src: []byte(block)})
		}
	}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".spec.yaml")
		if strings.HasPrefix(base, "err-") {
			continue // specs that must not generate
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, spec{name: base, path: f, src: src})
	}
	return out
}

// yamlBlocks are the bodies of the ```yaml blocks of a Markdown text.
func yamlBlocks(md string) []string {
	var out []string
	var b strings.Builder
	in := false
	for _, line := range strings.SplitAfter(md, "\n") {
		switch {
		case !in && strings.HasPrefix(line, "```yaml"):
			in = true
			b.Reset()
		case in && strings.HasPrefix(line, "```"):
			in = false
			out = append(out, b.String())
		case in:
			b.WriteString(line)
		}
	}
	return out
}

// generate returns the rule file and the test file for a spec.
func generate(t *testing.T, s spec) (ruleFile, testFile []byte) {
	t.Helper()
	parsed, err := rules.ParseSpec(s.path, s.src)
	if err != nil {
		t.Fatalf("%s: %v", s.path, err)
	}
	res, err := rules.Generate(parsed)
	if err != nil {
		t.Fatalf("%s: %v", s.path, err)
	}
	files, err := rules.Render(res, s.path, false)
	if err != nil {
		t.Fatalf("%s: %v", s.path, err)
	}
	tests, err := Build(res, "rules.yaml")
	if err != nil {
		t.Fatalf("%s: Build: %v", s.path, err)
	}
	again, err := Build(res, "rules.yaml")
	if err != nil || !bytes.Equal(tests, again) {
		t.Fatalf("%s: Build is not deterministic", s.path)
	}
	return files[""], tests
}

// write puts the pair into a fresh directory and returns the test file.
func write(t *testing.T, ruleFile, testFile []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), ruleFile, 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "rules.test.yaml")
	if err := os.WriteFile(p, testFile, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGolden(t *testing.T) {
	for _, s := range specs(t) {
		t.Run(s.name, func(t *testing.T) {
			_, got := generate(t, s)
			golden.Check(t, filepath.Join("../../testdata/testgen", s.name+".test.yaml"), got)
		})
	}
}

// TestGeneratedTestsPass runs the generated tests with our runner and with
// promtool: every case of every spec must pass in both.
func TestGeneratedTestsPass(t *testing.T) {
	for _, s := range specs(t) {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel() // promtool runs single-threaded; overlap the specs
			rf, tf := generate(t, s)
			p := write(t, rf, tf)
			res, err := unittest.RunFile(p, unittest.Options{})
			if err != nil {
				t.Fatalf("agentalerts test: bad input: %v", err)
			}
			if res.Failed() {
				var b bytes.Buffer
				unittest.WriteText(&b, res)
				t.Errorf("agentalerts test failed:\n%s", b.String())
			}
			if len(res.Groups) == 0 {
				t.Errorf("no test groups generated")
			}
			promtool := testtool.Need(t, "promtool")
			out, err := exec.Command(promtool, "test", "rules", p).CombinedOutput()
			if err != nil {
				t.Errorf("promtool test rules: %v\n%s", err, out)
			}
		})
	}
}

// TestWrongExpectationFailsBoth changes one expected annotation of the
// example's tests and shows that our runner and promtool both fail on it,
// and on nothing else: the generated tests can catch a wrong alert.
func TestWrongExpectationFailsBoth(t *testing.T) {
	rf, tf := generate(t, specs(t)[0])
	const from = "summary: research-agent error ratio above 10%\n"
	if n := strings.Count(string(tf), from); n < 1 {
		t.Fatalf("generated tests lack %q", from)
	}
	wrong := strings.Replace(string(tf), from, "summary: research-agent error ratio above 11%\n", 1)
	p := write(t, rf, []byte(wrong))

	res, err := unittest.RunFile(p, unittest.Options{})
	if err != nil {
		t.Fatalf("agentalerts test: bad input: %v", err)
	}
	var failed []string
	for _, g := range res.Groups {
		if len(g.Failures) > 0 {
			failed = append(failed, g.Name)
		}
	}
	want := []string{"research-agent/AgentErrorRatioHigh/page/breach"}
	if diff := cmp.Diff(want, failed); diff != "" {
		t.Errorf("failing groups mismatch (-want +got):\n%s", diff)
	}

	promtool := testtool.Need(t, "promtool")
	out, err := exec.Command(promtool, "test", "rules", p).CombinedOutput()
	if err == nil {
		t.Fatalf("promtool passed a wrong expectation:\n%s", out)
	}
	if !strings.Contains(string(out), "name: research-agent/AgentErrorRatioHigh/page/breach,") ||
		strings.Count(string(out), "    name: ") != 1 {
		t.Errorf("promtool should fail exactly the page breach group:\n%s", out)
	}
}

// TestEveryAlertIsProven reads the generated tests back and checks that no
// case is vacuous: every alert and tier has a breach that expects exactly
// that tier among the firing alerts, and silent cases that do not expect
// it; error ratios and latencies with a traffic guard have cases just under
// (silent) and just over (firing) min_request_rate.
func TestEveryAlertIsProven(t *testing.T) {
	for _, s := range specs(t) {
		t.Run(s.name, func(t *testing.T) {
			parsed, err := rules.ParseSpec(s.path, s.src)
			if err != nil {
				t.Fatal(err)
			}
			res, err := rules.Generate(parsed)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Build(res, "rules.yaml")
			if err != nil {
				t.Fatal(err)
			}
			f, err := unittest.Parse("generated", b)
			if err != nil {
				t.Fatal(err)
			}
			groups := map[string]*unittest.Group{}
			for _, g := range f.Tests {
				if groups[g.Name] != nil {
					t.Errorf("test group %q is generated twice", g.Name)
				}
				groups[g.Name] = g
			}
			n := 0
			for _, svc := range res.Services {
				for _, a := range svc.Alerts {
					if a.Kind == "burn" {
						n += checkSLOCases(t, a, groups)
						continue
					}
					for _, c := range casesFor(a) {
						n++
						g := groups[GroupName(a, c)]
						if g == nil && optional(a, c) {
							n--
							continue
						}
						if g == nil {
							t.Errorf("no test group %q", GroupName(a, c))
							continue
						}
						// Whether each alert_rule_test expects this tier to fire.
						want := []bool{c == CaseBreach || c == CaseTraffic || c == CaseSmallLimit || c == CaseSpent || c == CaseMinAt}
						if c == CaseRecovery {
							want = []bool{true, false} // kept firing, then resolved
						}
						if (c == CaseBreach || c == CaseTraffic) && a.For >= EvalInterval {
							want = []bool{false, true} // pending, then firing
						}
						if c == CaseAt && isBudgetForecast(a) {
							want = []bool{false, true} // the whole budget, flat: pending, then firing at >= 1
						}
						if c == CaseStops {
							want = []bool{false, true} // before the window and `for` have passed since the last sample, then after
						}
						if c == CaseOnset || c == CaseMinAt {
							want = []bool{false, true} // pending, then firing
						}
						if isSpendForecast(a) {
							switch c {
							case CaseBreach:
								want = []bool{false, true} // before the onset has held for `for`, then firing
							case CaseSpent:
								// Firing on what was spent; silent once the
								// burst has left the period, where the
								// period is short enough to simulate.
								want = []bool{true, false}
								if len(g.AlertTests) == 1 {
									want = []bool{true}
								}
							}
						}
						if len(g.AlertTests) != len(want) {
							t.Errorf("%s: %d alert_rule_tests, want %d", g.Name, len(g.AlertTests), len(want))
							continue
						}
						for i, at := range g.AlertTests {
							found := false
							for _, e := range at.ExpAlerts {
								if e.Labels[a.SeverityLabel] == a.SeverityValue && e.Labels["service"] == a.Service {
									found = true
								}
							}
							if at.Alertname != a.Name || found != want[i] {
								t.Errorf("%s: test %d expects %s tier %s firing = %v, want %s firing = %v",
									g.Name, i, at.Alertname, a.Tier, found, a.Name, want[i])
							}
						}
						if c == CaseLowTraffic && len(g.AlertTests[0].ExpAlerts) != 0 {
							t.Errorf("%s: a low-traffic case must silence every tier", g.Name)
						}
					}
				}
			}
			if n != len(f.Tests) {
				t.Errorf("%d test groups, want %d (one per alert, tier and case)", len(f.Tests), n)
			}
		})
	}
}

// checkSLOCases checks the cases of one SLO burn-rate alert (one window
// pair) as TestEveryAlertIsProven does the others: each exists and expects
// the pair firing, by its labels, exactly where the case says. It returns
// the number of groups checked.
func checkSLOCases(t *testing.T, a *rules.Alert, groups map[string]*unittest.Group) int {
	t.Helper()
	n := 0
	for _, c := range SLOCases(a) {
		g := groups[SLOGroupName(a, c)]
		if g == nil && SLOOptional(c) {
			continue
		}
		if g == nil {
			t.Errorf("no test group %q", SLOGroupName(a, c))
			continue
		}
		n++
		want := SLOWant(a, c)
		if len(g.AlertTests) != len(want) {
			t.Errorf("%s: %d alert_rule_tests, want %d", g.Name, len(g.AlertTests), len(want))
			continue
		}
		for i, at := range g.AlertTests {
			found := false
			for _, e := range at.ExpAlerts {
				if e.Labels["service"] == a.Service && e.Labels["long_window"] == a.ResultLabels["long_window"] &&
					e.Labels["short_window"] == a.ResultLabels["short_window"] && e.Labels[a.SeverityLabel] == a.SeverityValue {
					found = true
				}
			}
			if at.Alertname != a.Name || found != want[i] {
				t.Errorf("%s: test %d expects the pair firing = %v, want %v", g.Name, i, found, want[i])
			}
		}
	}
	return n
}

// TestMutantsAreCaught breaks the example's rules the two ways a generator
// can be subtly wrong, keeps the tests generated from the correct rules,
// and checks that the tests catch every mutant: with every `for` doubled
// each breach fails (the alert is still pending), and with every threshold
// halved each "below" case fails (the alert fires on healthy traffic).
func TestMutantsAreCaught(t *testing.T) {
	byName := map[string]spec{}
	for _, s := range specs(t) {
		byName[s.name] = s
	}
	tests := []struct {
		name   string
		spec   string
		mutate func(a *rules.Alert) bool // reports whether a was changed
		cases  string                    // the case every changed alert must fail
	}{
		{
			name: "for doubled",
			spec: "example",
			mutate: func(a *rules.Alert) bool {
				a.For *= 2
				return a.For > 0
			},
			cases: CaseBreach,
		},
		{
			name: "threshold halved",
			spec: "example",
			mutate: func(a *rules.Alert) bool {
				from := "> " + templates.Number(a.Threshold)
				if a.Threshold == 0 || !strings.Contains(a.Expr, from) {
					return false // no plain comparison: availability, forecasts
				}
				a.Expr = strings.Replace(a.Expr, from, "> "+templates.Number(a.Threshold/2), 1)
				return true
			},
			cases: CaseBelow,
		},
		{
			name: "keep_firing_for dropped",
			spec: "keep-firing",
			mutate: func(a *rules.Alert) bool {
				changed := a.KeepFiringFor > 0
				a.KeepFiringFor = 0
				return changed
			},
			cases: CaseRecovery,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := byName[tt.spec]
			parsed, err := rules.ParseSpec(s.path, s.src)
			if err != nil {
				t.Fatal(err)
			}
			res, err := rules.Generate(parsed)
			if err != nil {
				t.Fatal(err)
			}
			tf, err := Build(res, "rules.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, svc := range res.Services {
				for _, a := range svc.Alerts {
					if tt.mutate(a) {
						want = append(want, GroupName(a, tt.cases))
					}
				}
			}
			if len(want) < 4 {
				t.Fatalf("only %d alerts mutated; the test would prove little", len(want))
			}
			files, err := rules.Render(res, s.path, false)
			if err != nil {
				t.Fatal(err)
			}
			out, err := unittest.RunFile(write(t, files[""], tf), unittest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string]bool{}
			for _, g := range out.Groups {
				if len(g.Failures) > 0 {
					failed[g.Name] = true
				}
			}
			for _, w := range want {
				if !failed[w] {
					t.Errorf("mutant survived: %s passes although its rule is %s", w, tt.name)
				}
			}
		})
	}
}

// TestBuildFilesPerService writes one rule file per service, as
// `generate -o DIR/` does, and runs tests that load them by a glob.
func TestBuildFilesPerService(t *testing.T) {
	var s spec
	for _, c := range specs(t) {
		if c.name == "multi-dir" {
			s = c
		}
	}
	if s.src == nil {
		t.Skip("no testdata/generate/multi-dir.spec.yaml")
	}
	parsed, err := rules.ParseSpec(s.path, s.src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rules.Generate(parsed)
	if err != nil {
		t.Fatal(err)
	}
	files, err := rules.Render(res, s.path, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("%d rule files, want one per service", len(files))
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, "rules", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tf, err := BuildFiles(res, []string{"rules/*.rules.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "agents.test.yaml")
	if err := os.WriteFile(p, tf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := unittest.RunFile(p, unittest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Failed() || len(out.Groups) == 0 {
		var b bytes.Buffer
		unittest.WriteText(&b, out)
		t.Errorf("per-service tests failed or empty:\n%s", b.String())
	}
}
