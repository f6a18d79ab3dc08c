package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// userDocs are README.md and docs/*.md. Each line of their ```sh blocks
// is a command: those that start with agentalerts run
// here, in order per block, as written; every other command must be listed
// in coveredElsewhere with the test or job that runs it, so a command added
// to the docs is run somewhere or this test fails.
func userDocs(t *testing.T) []string {
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, d := range docs {
		rel, _ := filepath.Rel(repoRoot, d)
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

// coveredElsewhere maps a command prefix to what runs it.
var coveredElsewhere = map[string]string{
	"git clone https://github.com/agentalerts/agentalerts": "TestInstallFromCheckout (a clone of this checkout)",
	"make install":         "TestInstallFromCheckout",
	"make release":         "TestMakeRelease",
	"make test":            ".ci/run (CI runs it)",
	"make e2e":             ".ci/run (CI runs it)",
	"go run . generate":    "cmd TestGenerateNoSpecPrintsExample, and this test with the built binary",
	"go run . test":        "this test with the built binary",
	"helm template":        "not run: needs a Helm chart; lint - is TestScript/lint_quiet_stdin",
	"CI=true bash .ci/run": "CI itself",
	// docs/e2e.md: how to repeat .ci/run in a bare Debian root by hand.
	"debootstrap ":             "manual (docs/e2e.md): needs a Debian mirror and root; last run recorded there",
	"cp -a ":                   "manual (docs/e2e.md), part of the debootstrap procedure",
	"git clone -q . /tmp/bare": "manual (docs/e2e.md), part of the debootstrap procedure",
	"mount ":                   "manual (docs/e2e.md), part of the debootstrap procedure",
	"chroot ":                  "manual (docs/e2e.md), part of the debootstrap procedure",
	"umount ":                  "manual (docs/e2e.md), part of the debootstrap procedure",
	"go run ./e2e/fakeagent":   "e2e TestEndToEnd starts the fake agent the same way",
	"curl ":                    "e2e TestEndToEnd posts the same control requests",
	// docs/performance.md and friends: measurements, not tests.
	"make bench":                            "a measurement: make bench; bench/corpusbench's tests run it small",
	"go run ./bench/corpusbench":            "a measurement: bench/corpusbench's tests run it small",
	"go test -run '^$' -bench":              "a measurement: make bench",
	"make precision":                        "internal/precision's tests check the same figures",
	"make mutants":                          "the mutation tester's own test runs it on a small spec",
	"go run ./internal/mutants/cmd/mutants": "the mutation tester's own test (internal/mutants) runs it on a small spec",
	"make fuzz":                             "a measurement: docs/fuzzing.md records the runs",
	"go test ./pkg/":                        "a measurement or a fuzz run named in its doc",
	// docs/precision-new.md: how the corpus findings were collected.
	"go build -o /tmp/agentalerts": "a measurement: internal/precision's tests lint the same corpus",
	"/tmp/agentalerts lint":        "a measurement: internal/precision's tests lint the same corpus",
	"printf 'lint:":                "a measurement: internal/precision's tests lint the same corpus",
}

// TestDocCommands runs every agentalerts command of the user docs' shell
// blocks, block by block and page by page, in a git repository with an origin/main (for
// --diff-base), with the binary built from this checkout on PATH. A
// command that exits non-zero fails the test with its output.
func TestDocCommands(t *testing.T) {
	bash := testtool.Need(t, "bash")
	testtool.Need(t, "git")
	testtool.Need(t, "promtool")
	bin := agentalertsBin(t)
	env := baseEnv(t)
	env = setEnv(env, "PATH", filepath.Dir(bin)+string(os.PathListSeparator)+lookup(env, "PATH"))
	ran := 0
	for _, doc := range userDocs(t) {
		path := filepath.Join(repoRoot, filepath.FromSlash(doc))
		if _, err := os.Stat(path); err != nil {
			continue
		}
		// A reader follows one page top to bottom: its blocks share one
		// workspace, so the rules one block generates are there to lint
		// in the next.
		ws := docWorkspace(t, env)
		if doc != "README.md" {
			// The reference pages assume the layout the README builds:
			// a spec and the rules generated from it.
			mustRun(t, ws, env, "bash", "-c", "agentalerts generate --example-spec > agents.yaml && agentalerts generate -q agents.yaml -o rules/")
		}
		for _, b := range readDocBlocks(t, path) {
			if f := strings.Fields(b.info); len(f) == 0 || (f[0] != "sh" && f[0] != "bash") {
				continue
			}
			var script []string
			for _, line := range commandLines(b.body) {
				switch {
				case needsServer(line):
					// Never dialled from a test: the docs' server is not
					// on loopback. cmd's live tests run the same flags
					// against Debian's Prometheus on 127.0.0.1.
				case strings.HasPrefix(line, "agentalerts ") || line == "agentalerts":
					script = append(script, line)
				case strings.HasPrefix(line, "go run . "):
					script = append(script, "agentalerts "+strings.TrimPrefix(line, "go run . "))
				case strings.HasPrefix(line, "promtool "):
					script = append(script, line)
				default:
					if !covered(line) {
						t.Errorf("%s:%d: command %q is neither an agentalerts command nor listed in coveredElsewhere", doc, b.line, line)
					}
				}
			}
			if len(script) == 0 {
				continue
			}
			ran += len(script)
			t.Run(doc+":"+strings.TrimSpace(script[0]), func(t *testing.T) {
				// Paths of the README's in-repo example become the workspace's.
				body := strings.ReplaceAll(strings.Join(script, "\n"), "/tmp/aa/", ws+"/aa/")
				body = strings.ReplaceAll(body, "testdata/generate/minimal.spec.yaml", filepath.Join(repoRoot, "testdata", "generate", "minimal.spec.yaml"))
				script := "set -e\nmkdir -p aa\nexport PS4='+ $ '\nset -x\n" + body + "\n"
				r := run(t, ws, env, bash, "--noprofile", "--norc", "-c", script)
				if r.code != 0 {
					t.Fatalf("%s:%d: exit %d\n%s%s", doc, b.line, r.code, r.stdout, r.stderr)
				}
			})
		}
	}
	if ran == 0 {
		t.Fatal("no agentalerts command found in the user docs")
	}
}

// commandLines are the commands of a shell block: comments stripped,
// continuation lines joined.
func commandLines(body string) []string {
	var out []string
	cur := ""
	for _, line := range strings.Split(body, "\n") {
		line = trailingComment.ReplaceAllString(line, "")
		line = strings.TrimSpace(line)
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line = strings.TrimSpace(cur + line)
		cur = ""
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// trailingComment is a # that starts a shell comment: at the start of the
// line or after a blank, outside the {{ }} of a template.
var trailingComment = regexp.MustCompile(`(^|\s)#\s.*$|^#.*$`)

// needsServer says whether a command asks a Prometheus server (lint
// --prometheus, generate --verify): TestLintPrometheus* and
// TestGenerateVerify in cmd run those flags against a real server.
func needsServer(line string) bool {
	return strings.HasPrefix(line, "agentalerts ") &&
		(strings.Contains(line, "--prometheus ") || strings.Contains(line, "--verify "))
}

func covered(line string) bool {
	for prefix := range coveredElsewhere {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// docWorkspace is an empty git repository whose origin/main is its first
// commit, as a clone of a team's rules repository would be.
func docWorkspace(t *testing.T, env []string) string {
	t.Helper()
	origin := t.TempDir()
	mustRun(t, origin, env, "git", "init", "-q", "-b", "main")
	mustRun(t, origin, env, "git", "commit", "-q", "--allow-empty", "-m", "start")
	ws := filepath.Join(t.TempDir(), "ws")
	mustRun(t, filepath.Dir(ws), env, "git", "clone", "-q", origin, ws)
	return ws
}
