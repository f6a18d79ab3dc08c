// Package mutants measures how well the tests agentalerts generates pin
// the rules they test. It generates rules and tests for a spec, breaks
// one generated rule at a time (a threshold moved, a comparison flipped,
// `for` halved, a guard or a label matcher dropped, ...), reruns the
// unchanged tests against the broken rules, and counts the mutants the
// tests catch ("killed"). A survivor is a rule change the tests would let
// through.
//
// Expressions are mutated on the PromQL syntax tree of Prometheus's own
// parser and printed with its String, never by editing text, so every
// mutant is a valid expression that differs in one place. The package is
// a development tool (make mutants) and a regression test; it is not part
// of the agentalerts binary.
package mutants

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/testgen"
	"github.com/agentalerts/agentalerts/pkg/unittest"
)

// Mutant is one generated rule changed in one place.
type Mutant struct {
	Service, Alert, Tier string
	Op                   string // one of the Op* kinds
	Desc                 string // what changed, e.g. "> 0.1 -> > 0.125"

	rules []byte // the whole rule file with this one change
	tests []byte // the generated test groups that check this alert
}

// String names the mutant for a survivor list.
func (m Mutant) String() string {
	return fmt.Sprintf("%s/%s/%s %s: %s", m.Service, m.Alert, m.Tier, m.Op, m.Desc)
}

// Runner runs a promtool-format test file and reports whether any test
// failed. An error means the run itself could not be made.
type Runner struct {
	Name string
	Run  func(ctx context.Context, testFile string) (failed bool, err error)
}

// InProcess runs tests with agentalerts's own runner (pkg/unittest).
// With failFast a file stops at its first failed test group: a mutant is
// killed by any failure, so the outcome is the same, and a killed mutant
// no longer pays for the groups after it (a survivor still runs them all).
func InProcess(failFast bool) Runner {
	return Runner{Name: "agentalerts", Run: func(_ context.Context, f string) (bool, error) {
		res, err := unittest.RunFile(f, unittest.Options{Parallel: 1, FailFast: failFast})
		if err != nil {
			// Rules that do not load fail the test run; a mutant that
			// broke them is caught.
			return true, nil
		}
		return res.Failed(), nil
	}}
}

// Promtool runs tests with `promtool test rules` at path.
func Promtool(path string) Runner {
	return Runner{Name: "promtool", Run: func(ctx context.Context, f string) (bool, error) {
		cmd := exec.CommandContext(ctx, path, "test", "rules", filepath.Base(f))
		cmd.Dir = filepath.Dir(f)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return false, nil
		case errors.As(err, &exit) && exit.ExitCode() == 1:
			return true, nil
		default:
			return false, fmt.Errorf("promtool: %v\n%s", err, out)
		}
	}}
}

// Outcome is what one runner made of one mutant.
type Outcome struct {
	Killed bool
	Err    error
}

// Report is the result of one spec under every runner.
type Report struct {
	Spec    string
	Mutants []Mutant
	// Outcomes[runner][i] is the outcome of Mutants[i].
	Outcomes map[string][]Outcome
	Runners  []string
}

// Killed is how many mutants runner caught.
func (r *Report) Killed(runner string) int {
	n := 0
	for _, o := range r.Outcomes[runner] {
		if o.Killed {
			n++
		}
	}
	return n
}

// Survivors are the mutants runner did not catch.
func (r *Report) Survivors(runner string) []Mutant {
	var out []Mutant
	for i, o := range r.Outcomes[runner] {
		if !o.Killed {
			out = append(out, r.Mutants[i])
		}
	}
	return out
}

// Score is the killed share under runner, 0..1.
func (r *Report) Score(runner string) float64 {
	if len(r.Mutants) == 0 {
		return 1
	}
	return float64(r.Killed(runner)) / float64(len(r.Mutants))
}

// Options tune a run.
type Options struct {
	Runners  []Runner
	Parallel int // mutants run at once per runner; 0 means 2
	// Ops keeps only mutants of these kinds; empty keeps all.
	Ops []string
}

// Generate returns the rule file and the generated tests of a spec, as
// `agentalerts generate SPEC -o rules.yaml --tests tests.yaml` writes them,
// and the mutants of its rules.
func Generate(path string, src []byte) (ruleFile, testFile []byte, ms []Mutant, err error) {
	spec, err := rules.ParseSpec(path, src)
	if err != nil {
		return nil, nil, nil, err
	}
	res, err := rules.Generate(spec)
	if err != nil {
		return nil, nil, nil, err
	}
	files, err := rules.Render(res, path, false)
	if err != nil {
		return nil, nil, nil, err
	}
	ruleFile = files[""]
	testFile, err = testgen.BuildFiles(res, []string{"rules.yaml"})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generating tests: %w", err)
	}
	ms, err = mutate(res, ruleFile, testFile)
	return ruleFile, testFile, ms, err
}

// mutate lists every mutant of every alert. The i-th alert of the result
// is the i-th rule of the file (Render writes them in order); each mutant
// edits that rule's node of the parsed file, so everything else stays
// byte for byte as generated.
func mutate(res *rules.Result, ruleFile, testFile []byte) ([]Mutant, error) {
	var alerts []*rules.Alert
	for _, s := range res.Services {
		alerts = append(alerts, s.Alerts...)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(ruleFile, &doc); err != nil {
		return nil, err
	}
	nodes := ruleNodes(&doc)
	if len(nodes) != len(alerts) {
		return nil, fmt.Errorf("rule file has %d rules for %d alerts", len(nodes), len(alerts))
	}
	testsFor := map[string][]byte{}
	var out []Mutant
	for i, a := range alerts {
		n := nodes[i]
		if v := lint.MapGet(n, "alert"); v == nil || v.Value != a.Name {
			return nil, fmt.Errorf("rule %d is not alert %s", i, a.Name)
		}
		if testsFor[a.Name] == nil {
			t, err := testsOf(testFile, a.Name)
			if err != nil {
				return nil, err
			}
			testsFor[a.Name] = t
		}
		add := func(op, desc string, edit func()) error {
			saved := snapshot(n)
			edit()
			b, err := encode(&doc)
			restore(n, saved)
			if err != nil {
				return err
			}
			out = append(out, Mutant{Service: a.Service, Alert: a.Name, Tier: a.Tier.String(), Op: op, Desc: desc, rules: b, tests: testsFor[a.Name]})
			return nil
		}
		ems, err := exprMutants(a.Expr)
		if err != nil {
			return nil, fmt.Errorf("alert %s (%s): %w", a.Name, a.Tier, err)
		}
		for _, em := range ems {
			em := em
			if err := add(em.op, em.desc, func() { setScalar(n, "expr", em.expr) }); err != nil {
				return nil, err
			}
		}
		for _, kd := range []struct {
			key string
			d   time.Duration
		}{{"for", a.For}, {"keep_firing_for", a.KeepFiringFor}} {
			key, d := kd.key, kd.d
			if d <= 0 {
				continue
			}
			op := OpFor
			if key == "keep_firing_for" {
				op = OpKeepFiring
			}
			for _, f := range []float64{0.5, 2} {
				to := model.Duration(time.Duration(float64(d) * f)).String()
				if err := add(op, fmt.Sprintf("%s %s -> %s", key, model.Duration(d), to), func() { setScalar(n, key, to) }); err != nil {
					return nil, err
				}
			}
			if key == "keep_firing_for" {
				if err := add(op, "keep_firing_for removed", func() { removeKey(n, key) }); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// ruleNodes are the alerting rule mappings of a rule file, in file order.
func ruleNodes(doc *yaml.Node) []*yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	var out []*yaml.Node
	groups := lint.MapGet(doc.Content[0], "groups")
	if groups == nil {
		return nil
	}
	for _, g := range groups.Content {
		if rs := lint.MapGet(g, "rules"); rs != nil {
			for _, r := range rs.Content {
				// Recording rules (an SLO's) are not mutated: the
				// mutants are of alerts, whose tests name them.
				if lint.MapGet(r, "alert") != nil {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

func snapshot(n *yaml.Node) []*yaml.Node {
	saved := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp := *c
		saved[i] = &cp
	}
	return saved
}

func restore(n *yaml.Node, saved []*yaml.Node) { n.Content = saved }

func setScalar(n *yaml.Node, key, value string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := *n.Content[i+1]
			v.Value, v.Style = value, 0
			if strings.Contains(value, "\n") {
				v.Style = yaml.LiteralStyle
			}
			n.Content[i+1] = &v
			return
		}
	}
}

func removeKey(n *yaml.Node, key string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = append(n.Content[:i:i], n.Content[i+2:]...)
			return
		}
	}
}

func encode(doc *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// testsOf keeps the test groups that check alertname: only they can
// catch a change to one of its rules, since every alert_rule_test names
// the alert it checks. Running fewer groups makes a mutant cheap.
func testsOf(testFile []byte, alertname string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(testFile, &doc); err != nil {
		return nil, err
	}
	tests := lint.MapGet(doc.Content[0], "tests")
	if tests == nil {
		return nil, fmt.Errorf("generated test file has no tests")
	}
	var keep []*yaml.Node
	for _, g := range tests.Content {
		art := lint.MapGet(g, "alert_rule_test")
		if art == nil {
			continue
		}
		for _, at := range art.Content {
			if n := lint.MapGet(at, "alertname"); n != nil && n.Value == alertname {
				keep = append(keep, g)
				break
			}
		}
	}
	if len(keep) == 0 {
		return nil, fmt.Errorf("no generated test checks alert %s", alertname)
	}
	tests.Content = keep
	return encode(&doc)
}

// Run generates the spec's rules and tests, checks that the tests pass on
// the unchanged rules under every runner, and runs every mutant under
// every runner.
func Run(ctx context.Context, path string, src []byte, opts Options) (*Report, error) {
	ruleFile, testFile, ms, err := Generate(path, src)
	if err != nil {
		return nil, err
	}
	if len(opts.Ops) > 0 {
		keep := map[string]bool{}
		for _, o := range opts.Ops {
			keep[o] = true
		}
		var kept []Mutant
		for _, m := range ms {
			if keep[m.Op] {
				kept = append(kept, m)
			}
		}
		ms = kept
	}
	par := opts.Parallel
	if par <= 0 {
		par = 2
	}
	dir, err := os.MkdirTemp("", "agentalerts-mutants-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep := &Report{Spec: path, Mutants: ms, Outcomes: map[string][]Outcome{}}
	for _, r := range opts.Runners {
		rep.Runners = append(rep.Runners, r.Name)
		// The baseline: a mutant is only caught if the tests pass without it.
		base := filepath.Join(dir, "base")
		if err := writePair(base, ruleFile, testFile); err != nil {
			return nil, err
		}
		failed, err := r.Run(ctx, filepath.Join(base, "tests.yaml"))
		if err != nil {
			return nil, err
		}
		if failed {
			return nil, fmt.Errorf("%s: the generated tests fail on the unchanged rules under %s", path, r.Name)
		}
		outs := make([]Outcome, len(ms))
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < par; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				wd := filepath.Join(dir, fmt.Sprintf("%s-%d", r.Name, w))
				for i := range next {
					if err := writePair(wd, ms[i].rules, ms[i].tests); err != nil {
						outs[i] = Outcome{Err: err}
						continue
					}
					failed, err := r.Run(ctx, filepath.Join(wd, "tests.yaml"))
					outs[i] = Outcome{Killed: failed && err == nil, Err: err}
				}
			}(w)
		}
		for i := range ms {
			next <- i
		}
		close(next)
		wg.Wait()
		for i, o := range outs {
			if o.Err != nil {
				return nil, fmt.Errorf("mutant %s under %s: %w", ms[i], r.Name, o.Err)
			}
		}
		rep.Outcomes[r.Name] = outs
	}
	return rep, nil
}

func writePair(dir string, ruleFile, testFile []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), ruleFile, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "tests.yaml"), testFile, 0o644)
}
