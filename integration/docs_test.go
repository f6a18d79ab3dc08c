package integration

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// A docBlock is one fenced code block of a markdown file. Blocks that are
// examples carry a marker in their info string, e.g. ```yaml test:gitlab-ci,
// naming the test that runs them.
type docBlock struct {
	line int    // of the opening fence, 1-based
	info string // the info string after the fence
	body string
}

func (b docBlock) marker() string {
	for _, f := range strings.Fields(b.info) {
		if name, ok := strings.CutPrefix(f, "test:"); ok {
			return name
		}
	}
	return ""
}

func readDocBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []docBlock
	var cur *docBlock
	var body []string
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &docBlock{line: i + 1, info: strings.TrimSpace(strings.TrimPrefix(line, "```"))}
			body = nil
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.body = strings.Join(body, "\n") + "\n"
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: code block is never closed", path, cur.line)
	}
	return blocks
}

// docExamples maps each example marker to the test that runs it.
var docExamples = map[string]func(t *testing.T, body string){
	"github-workflow":   runGitHubWorkflowExample,
	"gitlab-ci":         runGitLabExample,
	"makefile":          runMakefileExample,
	"pre-commit-config": runPreCommitExample,
}

// TestCIDocExamples runs every marked example of docs/ci.md and README.md.
// In docs/ci.md every block must be an example, each marker appears exactly
// once, and a block without a marker fails: an example nobody runs can rot.
// README.md has other code blocks too; there only the marked ones run.
func TestCIDocExamples(t *testing.T) {
	for _, doc := range []struct {
		path   string
		strict bool
	}{
		{"docs/ci.md", true},
		{"README.md", false},
	} {
		path := filepath.Join(repoRoot, filepath.FromSlash(doc.path))
		if _, err := os.Stat(path); err != nil && !doc.strict {
			continue
		}
		found := map[string]bool{}
		for _, b := range readDocBlocks(t, path) {
			name := b.marker()
			run, ok := docExamples[name]
			switch {
			case name == "" && !doc.strict:
				continue
			case name == "":
				t.Errorf("%s:%d: code block has no test:NAME marker, so no test runs it", doc.path, b.line)
				continue
			case !ok:
				t.Errorf("%s:%d: unknown example marker test:%s", doc.path, b.line, name)
				continue
			case found[name] && doc.strict:
				t.Errorf("%s:%d: second block marked test:%s", doc.path, b.line, name)
				continue
			}
			found[name] = true
			t.Run(filepath.Base(doc.path)+":"+name, func(t *testing.T) { run(t, b.body) })
		}
		if doc.strict {
			for name := range docExamples {
				if !found[name] {
					t.Errorf("%s has no block marked test:%s", doc.path, name)
				}
			}
		}
	}
}

// exampleRepo is the layout `agentalerts init` creates, with the rules
// generated, plus extra files; all committed. It returns the repository
// and the environment with agentalerts on PATH.
func exampleRepo(t *testing.T, extra map[string]string) (string, []string) {
	t.Helper()
	bin := agentalertsBin(t)
	env := baseEnv(t)
	env = setEnv(env, "PATH", filepath.Dir(bin)+string(os.PathListSeparator)+lookup(env, "PATH"))
	dir := gitRepo(t, env, extra)
	mustRun(t, dir, env, bin, "init")
	mustRun(t, dir, env, bin, "generate", "agentalerts.spec.yaml", "-o", "rules/agentalerts.rules.yaml")
	commitAll(t, dir, env, "agentalerts init")
	return dir, env
}

// runGitHubWorkflowExample runs the workflow's job on a pull request that
// adds a rule to a repository with an old broken rule: with diff-base, only
// the new rule counts. A clean addition passes; a broken one fails with its
// annotation, and the old rule is never annotated.
func runGitHubWorkflowExample(t *testing.T, body string) {
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string            `yaml:"name"`
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
				Run  string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(body), &wf); err != nil {
		t.Fatalf("workflow is not YAML: %v", err)
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("workflow has %d jobs, the test runs exactly one", len(wf.Jobs))
	}
	a := loadAction(t)

	for _, tc := range []struct {
		name       string
		push       bool // a push event: no pull request, so no base commit
		added      string
		wantCode   int
		wantLegacy bool // the untouched broken rule is annotated
	}{
		{name: "clean pull request", added: goodRulesNamed("AgentNewErrorRatio"), wantCode: 0},
		{name: "pull request adding a broken rule", added: strings.ReplaceAll(badRules, "AgentErrorRateHigh", "AgentNewErrorRateHigh"), wantCode: 1},
		{name: "push lints every rule", push: true, added: goodRulesNamed("AgentNewErrorRatio"), wantCode: 1, wantLegacy: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, env := exampleRepo(t, map[string]string{"rules/legacy.rules.yaml": badRules})
			base := strings.TrimSpace(mustRun(t, ws, env, "git", "rev-parse", "HEAD"))
			writeFiles(t, ws, map[string]string{"rules/new.rules.yaml": tc.added})
			commitAll(t, ws, env, "add a rule")

			r := newGHRunner(t, ws)
			r.env = setEnv(r.env, "PATH", lookup(env, "PATH"))
			r.github["event.pull_request.base.sha"] = base
			if tc.push {
				r.github["event.pull_request.base.sha"] = "" // what GitHub gives on a push
				r.env = setEnv(r.env, "GITHUB_EVENT_NAME", "push")
			}
			var lintOut string
			code := 0
			for _, job := range wf.Jobs {
				for _, st := range job.Steps {
					switch {
					case strings.HasPrefix(st.Uses, "actions/checkout@"):
						// The workspace is the checkout, with full history.
					case strings.HasPrefix(st.Uses, "agentalerts/agentalerts@"):
						with := map[string]string{"setup-go": "false"} // the test's Go is already set up
						for k, v := range st.With {
							if k == "setup-go" {
								t.Fatalf("the example sets setup-go, which this test overrides")
							}
							with[k] = r.eval(v, nil)
						}
						res := r.action(a, with)
						lintOut = res.stdout["lint"]
						code = res.code
					case st.Uses != "":
						t.Fatalf("step %q uses %s, which this test cannot run", st.Name, st.Uses)
					default:
						sr := r.runStep(r.eval(st.Run, nil), nil, "")
						if sr.code != 0 {
							t.Errorf("step %q: exit %d\n%s%s", st.Name, sr.code, sr.stdout, sr.stderr)
						}
					}
					if code != 0 {
						break
					}
				}
			}
			if code != tc.wantCode {
				t.Errorf("action exit %d, want %d\n%s", code, tc.wantCode, lintOut)
			}
			legacy := false
			for _, l := range annotations(lintOut) {
				legacy = legacy || strings.Contains(l, "file=rules/legacy.rules.yaml,")
			}
			if legacy != tc.wantLegacy {
				t.Errorf("annotations on the untouched legacy rule: %v, want %v\n%s", legacy, tc.wantLegacy, lintOut)
			}
			if tc.wantCode == 1 && !tc.push {
				want := fmt.Sprintf("::warning file=rules/new.rules.yaml,line=%d,", badRulesLine)
				if !strings.Contains(lintOut, want) {
					t.Errorf("no annotation %q in:\n%s", want, lintOut)
				}
			}
			if _, err := os.Stat(filepath.Join(ws, "agentalerts.sarif")); err != nil {
				t.Errorf("no SARIF report: %v", err)
			}
		})
	}
}

// runGitLabExample runs the job's before_script and script lines as GitLab's
// shell executor does (one bash, errexit and pipefail), the install
// included: git's url.insteadOf points the example's repository URL at this
// checkout, so the clone and `go install .` are real and the job lints with
// the binary it built (GOBIN first on PATH, as /go/bin is in the golang
// image).
func runGitLabExample(t *testing.T, body string) {
	bash := testtool.Need(t, "bash")
	var cfg map[string]struct {
		BeforeScript []string `yaml:"before_script"`
		Script       []string `yaml:"script"`
		Artifacts    struct {
			When    string            `yaml:"when"`
			Paths   []string          `yaml:"paths"`
			Reports map[string]string `yaml:"reports"`
		} `yaml:"artifacts"`
	}
	if err := yaml.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatalf(".gitlab-ci.yml is not YAML: %v", err)
	}
	job, ok := cfg["alerts"]
	if !ok || len(job.Script) == 0 {
		t.Fatalf("no alerts job with a script in:\n%s", body)
	}
	if job.Artifacts.When != "always" {
		t.Errorf("artifacts.when = %q: reports of a failing job would be dropped", job.Artifacts.When)
	}
	const codeQuality = "gl-code-quality-report.json"
	if got := job.Artifacts.Reports["codequality"]; got != codeQuality {
		t.Errorf("artifacts.reports.codequality = %q, want %q", got, codeQuality)
	}

	var cfgVars map[string]struct {
		Variables map[string]string `yaml:"variables"`
	}
	if err := yaml.Unmarshal([]byte(body), &cfgVars); err != nil {
		t.Fatal(err)
	}
	script := "set -eo pipefail\n" + strings.Join(append(job.BeforeScript, job.Script...), "\n") + "\n"

	// GitLab's Code Quality report: a JSON array of CodeClimate issues.
	type report []struct {
		CheckName   string `json:"check_name"`
		Fingerprint string `json:"fingerprint"`
		Severity    string `json:"severity"`
		Location    struct {
			Path  string `json:"path"`
			Lines struct {
				Begin int `json:"begin"`
			} `json:"lines"`
		} `json:"location"`
	}
	type checkstyle struct {
		Files []struct {
			Name   string `xml:"name,attr"`
			Errors []struct {
				Line int `xml:"line,attr"`
			} `xml:"error"`
		} `xml:"file"`
	}
	for _, tc := range []struct {
		name     string
		bad      bool
		wantCode int
	}{
		{name: "broken rule fails the job", bad: true, wantCode: 1},
		{name: "clean rules pass", bad: false, wantCode: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			extra := map[string]string{}
			if tc.bad {
				extra["rules/bad.rules.yaml"] = badRules
			}
			ws, env := exampleRepo(t, extra)
			gobin := t.TempDir()
			env = setEnv(env, "PATH", gobin+string(os.PathListSeparator)+lookup(env, "PATH"))
			env = setEnv(env, "GOBIN", gobin)
			env = setEnv(env, "TMPDIR", t.TempDir())
			env = setEnv(env, "GIT_CONFIG_COUNT", "1")
			env = setEnv(env, "GIT_CONFIG_KEY_0", "url.file://"+repoRoot+".insteadOf")
			env = setEnv(env, "GIT_CONFIG_VALUE_0", "https://github.com/agentalerts/agentalerts")
			for k, v := range cfgVars["alerts"].Variables {
				env = setEnv(env, k, v)
			}
			env = setEnv(env, "GITLAB_CI", "true")
			env = setEnv(env, "CI_PROJECT_DIR", ws)
			writeFiles(t, ws, map[string]string{".ci-script.sh": script})
			r := run(t, ws, env, bash, "--noprofile", "--norc", ".ci-script.sh")
			if r.code != tc.wantCode {
				t.Fatalf("job exit %d, want %d\n%s%s", r.code, tc.wantCode, r.stdout, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(gobin, "agentalerts")); err != nil {
				t.Errorf("before_script installed no agentalerts into GOBIN: %v", err)
			}
			for _, p := range job.Artifacts.Paths {
				if _, err := os.Stat(filepath.Join(ws, p)); err != nil {
					t.Errorf("artifact %s: %v", p, err)
				}
			}
			var cq report
			if err := json.Unmarshal(mustRead(t, filepath.Join(ws, codeQuality)), &cq); err != nil {
				t.Fatalf("%s: %v", codeQuality, err)
			}
			var cs checkstyle
			if err := xml.Unmarshal(mustRead(t, filepath.Join(ws, "agentalerts-checkstyle.xml")), &cs); err != nil {
				t.Fatalf("agentalerts-checkstyle.xml: %v", err)
			}
			var cqAt, xmlAt []string
			for _, p := range cq {
				cqAt = append(cqAt, fmt.Sprintf("%s:%d", p.Location.Path, p.Location.Lines.Begin))
				if p.CheckName == "" || p.Fingerprint == "" || p.Severity == "" {
					t.Errorf("Code Quality issue lacks a field GitLab needs: %+v", p)
				}
			}
			for _, f := range cs.Files {
				for _, e := range f.Errors {
					xmlAt = append(xmlAt, fmt.Sprintf("%s:%d", f.Name, e.Line))
				}
			}
			if diff := cmp.Diff(cqAt, xmlAt); diff != "" {
				t.Errorf("Code Quality and checkstyle reports disagree: mismatch (-codequality +checkstyle):\n%s", diff)
			}
			want := fmt.Sprintf("rules/bad.rules.yaml:%d", badRulesLine)
			if has := strings.Contains(strings.Join(cqAt, " "), want); has != tc.bad {
				t.Errorf("finding %s in the report: %v, want %v; report: %v", want, has, tc.bad, cqAt)
			}
		})
	}
}

// runMakefileExample drives the targets as a developer would: the check
// fails on stale rules, `make alerts` regenerates them, the check then
// fails only on a broken rule, and passes once it is fixed.
func runMakefileExample(t *testing.T, body string) {
	mk := testtool.Need(t, "make")
	ws, env := exampleRepo(t, map[string]string{"rules/bad.rules.yaml": badRules})
	writeFiles(t, ws, map[string]string{"Makefile": body})

	spec := string(mustRead(t, filepath.Join(ws, "agentalerts.spec.yaml")))
	writeFiles(t, ws, map[string]string{"agentalerts.spec.yaml": strings.Replace(spec, "threshold: 5%,", "threshold: 7%,", 1)})
	r := run(t, ws, env, mk, "alerts-check")
	if r.code == 0 || !strings.Contains(r.stdout, "0.07") {
		t.Errorf("make alerts-check with a stale rule file: exit %d, want a failure showing the change\n%s%s", r.code, r.stdout, r.stderr)
	}

	mustRun(t, ws, env, mk, "alerts")
	r = run(t, ws, env, mk, "alerts-check")
	if want := fmt.Sprintf("rules/bad.rules.yaml:%d:", badRulesLine); r.code == 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("make alerts-check with a broken rule: exit %d, want a failure with %q\n%s%s", r.code, want, r.stdout, r.stderr)
	}

	writeFiles(t, ws, map[string]string{"rules/bad.rules.yaml": goodRules})
	if r := run(t, ws, env, mk, "alerts-check"); r.code != 0 {
		t.Errorf("make alerts-check on fresh, clean rules: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// runPreCommitExample points the example's repo entry at a clone of this
// repository and runs pre-commit on the init layout: clean passes, a broken
// rule fails the lint hook.
func runPreCommitExample(t *testing.T, body string) {
	pc := testtool.Need(t, "pre-commit")
	h := sharedHookRepo(t)
	env := h.env(t)

	ws, wsEnv := exampleRepo(t, nil)
	writeFiles(t, ws, map[string]string{".pre-commit-config.yaml": h.localConfig(t, body)})
	commitAll(t, ws, wsEnv, "use the docs' pre-commit config")

	r := run(t, ws, env, pc, "run", "--color", "never", "--all-files")
	status, _ := hookReports(r.stdout + r.stderr)
	want := map[string]string{lintHook: "Passed", generateHook: "Passed"}
	if diff := cmp.Diff(want, status); r.code != 0 || diff != "" {
		t.Fatalf("pre-commit run on clean rules: exit %d, hooks mismatch (-want +got):\n%s\n%s%s", r.code, diff, r.stdout, r.stderr)
	}

	writeFiles(t, ws, map[string]string{"alerts/team.yaml": badRules})
	mustRun(t, ws, env, "git", "add", "-A")
	r = run(t, ws, env, pc, "run", "--color", "never", "--all-files")
	status, output := hookReports(r.stdout + r.stderr)
	want[lintHook] = "Failed"
	if diff := cmp.Diff(want, status); r.code != 1 || diff != "" {
		t.Errorf("pre-commit run with a broken rule: exit %d, hooks mismatch (-want +got):\n%s\n%s%s", r.code, diff, r.stdout, r.stderr)
	}
	if find := fmt.Sprintf("alerts/team.yaml:%d:", badRulesLine); !strings.Contains(output[lintHook], find) {
		t.Errorf("lint hook output lacks %q:\n%s", find, output[lintHook])
	}
}

// TestActionInputsDocumented compares the inputs table of docs/ci.md with
// the inputs action.yml declares, names and defaults both, so the table
// cannot fall behind the action.
func TestActionInputsDocumented(t *testing.T) {
	a := loadAction(t)
	want := map[string]string{}
	for name, in := range a.Inputs {
		want[name] = in.Default
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| (?:`([^`]*)`)? *\\|")
	got := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(mustRead(t, filepath.Join(repoRoot, "docs", "ci.md"))), -1) {
		got[m[1]] = m[2]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("docs/ci.md inputs table vs action.yml inputs: mismatch (-action.yml +docs):\n%s", diff)
	}
}
