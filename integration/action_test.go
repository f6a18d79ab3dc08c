package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// action is the part of action.yml the local runner below understands.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
}

func loadAction(t *testing.T) action {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml: runs.using = %q, want composite", a.Runs.Using)
	}
	return a
}

// ghRunner stands in for a GitHub Actions runner on this machine: one job's
// workspace, RUNNER_TEMP, the GITHUB_PATH and GITHUB_ENV files carried from
// step to step, and the github.* expression values the steps may use.
type ghRunner struct {
	t         *testing.T
	bash      string
	workspace string
	dir       string // runner-private files
	temp      string // RUNNER_TEMP
	env       []string
	github    map[string]string            // github.<key> expression values
	outputs   map[string]map[string]string // steps.<id>.outputs.<name> of steps run so far
	steps     int
}

func newGHRunner(t *testing.T, workspace string) *ghRunner {
	t.Helper()
	r := &ghRunner{t: t, bash: testtool.Need(t, "bash"), workspace: workspace, dir: t.TempDir(), temp: sharedRunnerTemp(t)}
	r.github = map[string]string{"action_path": repoRoot, "workspace": workspace}
	r.outputs = map[string]map[string]string{}
	r.env = baseEnv(t)
	for k, v := range map[string]string{
		"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace,
		"GITHUB_ACTION_PATH": repoRoot,
		"GITHUB_PATH":        r.emptyFile("github_path"), "GITHUB_ENV": r.emptyFile("github_env"),
		"GITHUB_REPOSITORY": "example/agents", "GITHUB_EVENT_NAME": "pull_request",
		"RUNNER_TEMP": r.temp, "RUNNER_OS": "Linux",
	} {
		r.env = setEnv(r.env, k, v)
	}
	return r
}

var (
	runnerTempOnce sync.Once
	runnerTemp     string
)

// sharedRunnerTemp is one RUNNER_TEMP for all runs in this test process.
// Real jobs each get a fresh one; sharing it lets `go install` in the
// action's install step find its binary up to date after the first run
// instead of linking it again for every test. TestMain removes it.
func sharedRunnerTemp(t *testing.T) string {
	runnerTempOnce.Do(func() {
		dir, err := os.MkdirTemp("", "agentalerts-runner-temp-")
		if err != nil {
			t.Fatal(err)
		}
		runnerTemp = dir
		cleanups = append(cleanups, dir)
	})
	return runnerTemp
}

func (r *ghRunner) emptyFile(name string) string {
	p := filepath.Join(r.dir, name)
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		r.t.Fatal(err)
	}
	return p
}

var (
	exprRe       = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	stepOutputRe = regexp.MustCompile(`^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$`)
)

// eval substitutes the ${{ }} expressions in s. Only inputs.*, github.* keys
// the runner was given and runner.temp are modelled; anything else fails the
// test, so a step that starts to depend on more is noticed.
func (r *ghRunner) eval(s string, inputs map[string]string) string {
	return exprRe.ReplaceAllStringFunc(s, func(m string) string {
		expr := exprRe.FindStringSubmatch(m)[1]
		if name, ok := strings.CutPrefix(expr, "inputs."); ok && inputs != nil {
			v, ok := inputs[name]
			if !ok {
				r.t.Fatalf("${{ %s }}: no such input", expr)
			}
			return v
		}
		if key, ok := strings.CutPrefix(expr, "github."); ok {
			if v, ok := r.github[key]; ok {
				return v
			}
		}
		if expr == "runner.temp" {
			return r.temp
		}
		if m := stepOutputRe.FindStringSubmatch(expr); m != nil {
			return r.outputs[m[1]][m[2]] // unset outputs are empty, as on GitHub
		}
		r.t.Fatalf("the local runner does not model ${{ %s }}", expr)
		return ""
	})
}

// stepResult is what one run step did.
type stepResult struct {
	result
	outputs map[string]string // what it wrote to GITHUB_OUTPUT
}

// runStep runs a `run:` script as the runner does for shell: bash, with
// bash --noprofile --norc -eo pipefail on a script file, in dir (default:
// the workspace), and applies what it appended to GITHUB_PATH and
// GITHUB_ENV to the steps after it.
func (r *ghRunner) runStep(script string, env map[string]string, dir string) stepResult {
	r.t.Helper()
	r.steps++
	file := filepath.Join(r.dir, fmt.Sprintf("step%d.sh", r.steps))
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		r.t.Fatal(err)
	}
	out := r.emptyFile(fmt.Sprintf("output%d", r.steps))
	stepEnv := setEnv(r.env, "GITHUB_OUTPUT", out)
	for k, v := range env {
		stepEnv = setEnv(stepEnv, k, v)
	}
	if dir == "" {
		dir = r.workspace
	}
	res := stepResult{result: run(r.t, dir, stepEnv, r.bash, "--noprofile", "--norc", "-eo", "pipefail", file)}
	res.outputs = readKV(r.t, out)

	ghPath, ghEnv := lookup(r.env, "GITHUB_PATH"), lookup(r.env, "GITHUB_ENV")
	for _, p := range readLines(r.t, ghPath) {
		r.env = setEnv(r.env, "PATH", p+string(os.PathListSeparator)+lookup(r.env, "PATH"))
	}
	for k, v := range readKV(r.t, ghEnv) {
		r.env = setEnv(r.env, k, v)
	}
	for _, f := range []string{ghPath, ghEnv} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	return res
}

// actionRun is what a local run of the action's shell steps did.
type actionRun struct {
	stdout  map[string]string            // step id (or name) → stdout
	outputs map[string]map[string]string // step id → GITHUB_OUTPUT values
	failed  string                       // the step that exited non-zero, if any
	code    int                          // its exit code
	stderr  string
}

// runAction runs the `run:` steps of action.yml the way a runner runs a
// composite action's steps, with the inputs in with (the rest at their
// defaults). `uses:` steps (setup-go, the SARIF upload) need GitHub and are
// skipped; a run step with an if: fails the test, as the runner here does
// not evaluate conditions.
func runAction(t *testing.T, a action, workspace string, with map[string]string) actionRun {
	t.Helper()
	return newGHRunner(t, workspace).action(a, with)
}

func (r *ghRunner) action(a action, with map[string]string) actionRun {
	t := r.t
	t.Helper()
	inputs := make(map[string]string)
	for name, in := range a.Inputs {
		inputs[name] = in.Default
	}
	for name, v := range with {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("input %q is not declared in action.yml", name)
		}
		inputs[name] = v
	}
	res := actionRun{stdout: map[string]string{}, outputs: map[string]map[string]string{}}
	for _, st := range a.Runs.Steps {
		if st.Uses != "" {
			continue
		}
		if st.If != "" {
			t.Fatalf("step %q: the local runner does not evaluate if: on run steps", st.Name)
		}
		if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash (composite run steps must name one)", st.Name, st.Shell)
		}
		key := st.ID
		if key == "" {
			key = st.Name
		}
		env := map[string]string{}
		for k, v := range st.Env {
			env[k] = r.eval(v, inputs)
		}
		if strings.Contains(st.Run, "${{") {
			t.Fatalf("step %q splices an expression into its script; pass it through env instead", st.Name)
		}
		sr := r.runStep(st.Run, env, r.eval(st.WorkingDirectory, inputs))
		res.stdout[key] = sr.stdout
		res.stderr += sr.stderr
		res.outputs[key] = sr.outputs
		if st.ID != "" {
			r.outputs[st.ID] = sr.outputs
		}
		if sr.code != 0 {
			res.failed, res.code = key, sr.code
			break
		}
	}
	return res
}

func lookup(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, _ := strings.Cut(env[i], "="); k == key {
			return v
		}
	}
	return ""
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// readKV reads a GITHUB_OUTPUT/GITHUB_ENV file of name=value lines. The
// multi-line heredoc form is not used by action.yml and fails the test here.
func readKV(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("%s: line %q is not name=value", filepath.Base(path), sc.Text())
		}
		kv[k] = v
	}
	return kv
}

// TestActionAnnotations runs the action on a workspace with a broken rule
// file and checks that the pull request would get an annotation at
// the broken line, exactly the ones `agentalerts lint --format github`
// prints, and that the step fails.
func TestActionAnnotations(t *testing.T) {
	a := loadAction(t)
	bin := agentalertsBin(t)
	env := baseEnv(t)
	ws := gitRepo(t, env, map[string]string{
		"rules/bad.rules.yaml":  badRules,
		"rules/good.rules.yaml": goodRules,
		"README.md":             "# agents\n",
	})

	direct := run(t, ws, env, bin, "lint", "--format", "github", "rules")
	if direct.code != 1 {
		t.Fatalf("agentalerts lint --format github rules: exit %d, want 1\n%s%s", direct.code, direct.stdout, direct.stderr)
	}

	res := runAction(t, a, ws, map[string]string{"paths": "rules", "setup-go": "false"})
	if res.failed != "lint" || res.code != 1 {
		t.Fatalf("action failed in step %q with exit %d, want step lint with exit 1\nstderr:\n%s", res.failed, res.code, res.stderr)
	}
	got := annotations(res.stdout["lint"])
	if diff := cmp.Diff(annotations(direct.stdout), got); diff != "" {
		t.Errorf("action annotations differ from agentalerts lint --format github: mismatch (-want +got):\n%s", diff)
	}
	want := fmt.Sprintf("::warning file=rules/bad.rules.yaml,line=%d,", badRulesLine)
	found := false
	for _, l := range got {
		if strings.HasPrefix(l, want) {
			found = true
		}
		if strings.Contains(l, "good.rules.yaml") {
			t.Errorf("annotation on the clean file: %s", l)
		}
	}
	if !found {
		t.Errorf("no annotation starting %q in:\n%s", want, strings.Join(got, "\n"))
	}
	if diff := cmp.Diff(map[string]string{"exit-code": "1"}, res.outputs["lint"]); diff != "" {
		t.Errorf("lint step outputs mismatch (-want +got):\n%s", diff)
	}
}

// TestActionInputs covers the inputs a workflow passes: a clean path passes
// silently, fail-on raises the bar, several paths, and the SARIF report.
func TestActionInputs(t *testing.T) {
	a := loadAction(t)
	agentalertsBin(t) // fail early, with the build error, if the CLI does not build
	env := baseEnv(t)
	ws := gitRepo(t, env, map[string]string{
		"rules/bad.rules.yaml":     badRules,
		"alerts/good.rules.yaml":   goodRules,
		"more/also-good.rules.yml": goodRulesNamed("AgentAlsoHighErrorRatio"),
	})

	t.Run("clean paths pass without annotations", func(t *testing.T) {
		res := runAction(t, a, ws, map[string]string{"paths": "alerts\nmore/also-good.rules.yml", "setup-go": "false"})
		if res.failed != "" {
			t.Fatalf("step %q failed with exit %d\nstderr:\n%s", res.failed, res.code, res.stderr)
		}
		if got := annotations(res.stdout["lint"]); len(got) != 0 {
			t.Errorf("unexpected annotations:\n%s", strings.Join(got, "\n"))
		}
		if diff := cmp.Diff(map[string]string{"exit-code": "0"}, res.outputs["lint"]); diff != "" {
			t.Errorf("lint step outputs mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("unknown fail-on is a usage error", func(t *testing.T) {
		res := runAction(t, a, ws, map[string]string{"paths": "rules", "fail-on": "sometimes", "setup-go": "false"})
		if res.failed != "lint" || res.code != 2 {
			t.Errorf("failed step %q exit %d, want lint exit 2", res.failed, res.code)
		}
	})

	t.Run("sarif report", func(t *testing.T) {
		res := runAction(t, a, ws, map[string]string{"paths": "rules", "sarif": "reports/agentalerts.sarif", "setup-go": "false"})
		if res.failed != "lint" || res.code != 1 {
			t.Fatalf("failed step %q exit %d, want lint exit 1\nstderr:\n%s", res.failed, res.code, res.stderr)
		}
		if diff := cmp.Diff(map[string]string{"exit-code": "1", "sarif": "reports/agentalerts.sarif"}, res.outputs["lint"]); diff != "" {
			t.Errorf("lint step outputs mismatch (-want +got):\n%s", diff)
		}
		data, err := os.ReadFile(filepath.Join(ws, "reports", "agentalerts.sarif"))
		if err != nil {
			t.Fatal(err)
		}
		var sarif struct {
			Version string `json:"version"`
			Runs    []struct {
				Results []struct {
					RuleID    string `json:"ruleId"`
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct {
								URI string `json:"uri"`
							} `json:"artifactLocation"`
							Region struct {
								StartLine int `json:"startLine"`
							} `json:"region"`
						} `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(data, &sarif); err != nil {
			t.Fatalf("SARIF report is not JSON: %v\n%s", err, data)
		}
		if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 {
			t.Fatalf("SARIF version %q with %d runs, want 2.1.0 with 1", sarif.Version, len(sarif.Runs))
		}
		found := false
		for _, r := range sarif.Runs[0].Results {
			for _, l := range r.Locations {
				if l.PhysicalLocation.ArtifactLocation.URI == "rules/bad.rules.yaml" && l.PhysicalLocation.Region.StartLine == badRulesLine {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("no SARIF result at rules/bad.rules.yaml:%d in:\n%s", badRulesLine, data)
		}
		// The pull request still gets annotations alongside the report.
		if len(annotations(res.stdout["lint"])) == 0 {
			t.Errorf("no annotations printed when sarif is set")
		}
	})
}

// TestActionGenerateCheck covers the spec and output inputs: fresh rules
// pass, stale rules fail with an annotation on the rule file while lint
// still runs, and spec without output is a usage error.
func TestActionGenerateCheck(t *testing.T) {
	a := loadAction(t)
	bin := agentalertsBin(t)
	env := baseEnv(t)
	ws := gitRepo(t, env, nil)
	mustRun(t, ws, env, bin, "init")
	mustRun(t, ws, env, bin, "generate", "agentalerts.spec.yaml", "-o", "rules/agentalerts.rules.yaml")
	with := map[string]string{"paths": "rules", "spec": "agentalerts.spec.yaml", "output": "rules/agentalerts.rules.yaml", "setup-go": "false"}

	t.Run("fresh", func(t *testing.T) {
		res := runAction(t, a, ws, with)
		if res.failed != "" {
			t.Fatalf("step %q failed with exit %d\n%s", res.failed, res.code, res.stderr)
		}
		if diff := cmp.Diff(map[string]string{"exit-code": "0"}, res.outputs["generate"]); diff != "" {
			t.Errorf("generate step outputs mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("stale", func(t *testing.T) {
		spec := filepath.Join(ws, "agentalerts.spec.yaml")
		orig := mustRead(t, spec)
		t.Cleanup(func() { os.WriteFile(spec, orig, 0o644) })
		edited := strings.Replace(string(orig), "threshold: 5%,", "threshold: 7%,", 1)
		if edited == string(orig) {
			t.Fatal("the example spec no longer has a 5% threshold to edit")
		}
		writeFiles(t, ws, map[string]string{"agentalerts.spec.yaml": edited})

		res := runAction(t, a, ws, with)
		if res.failed != "lint" || res.code != 1 {
			t.Fatalf("failed step %q exit %d, want lint exit 1 (for the stale rules)\n%s", res.failed, res.code, res.stderr)
		}
		if diff := cmp.Diff(map[string]string{"exit-code": "1"}, res.outputs["generate"]); diff != "" {
			t.Errorf("generate step outputs mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{"exit-code": "0"}, res.outputs["lint"]); diff != "" {
			t.Errorf("lint step outputs mismatch (-want +got):\n%s", diff)
		}
		want := []string{"::error file=rules/agentalerts.rules.yaml,title=agentalerts generate::rules/agentalerts.rules.yaml is stale: " +
			"run agentalerts generate agentalerts.spec.yaml -o rules/agentalerts.rules.yaml and commit the result"}
		if diff := cmp.Diff(want, annotations(res.stdout["generate"])); diff != "" {
			t.Errorf("generate annotations mismatch (-want +got):\n%s", diff)
		}
		if !strings.Contains(res.stdout["generate"], "0.07") {
			t.Errorf("the log does not show the diff:\n%s", res.stdout["generate"])
		}
	})

	t.Run("spec without output", func(t *testing.T) {
		res := runAction(t, a, ws, map[string]string{"spec": "agentalerts.spec.yaml", "setup-go": "false"})
		if res.failed != "generate" || res.code != 2 {
			t.Errorf("failed step %q exit %d, want generate exit 2", res.failed, res.code)
		}
		if got := annotations(res.stdout["generate"]); len(got) != 1 || !strings.HasPrefix(got[0], "::error title=agentalerts::") {
			t.Errorf("want one error annotation, got %q", got)
		}
	})
}

// TestWorkflowCommandEscaping runs the action's escaping helpers on the
// characters GitHub gives meaning to.
func TestWorkflowCommandEscaping(t *testing.T) {
	bash := testtool.Need(t, "bash")
	a := loadAction(t)
	var helpers string
	for _, st := range a.Runs.Steps {
		for _, l := range strings.Split(st.Run, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "esc() ") || strings.HasPrefix(l, "esc_prop() ") {
				helpers += l + "\n"
			}
		}
	}
	if helpers == "" {
		t.Fatal("no esc/esc_prop helpers in action.yml")
	}
	script := helpers + `esc "$1"; echo; esc_prop "$1"; echo`
	got := mustRun(t, t.TempDir(), baseEnv(t), bash, "-c", script, "esc", "a%b:c,d\r\ne")
	want := "a%25b:c,d%0D%0Ae\na%25b%3Ac%2Cd%0D%0Ae\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("escaping mismatch (-want +got):\n%s", diff)
	}
}
