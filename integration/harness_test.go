// Package integration tests agentalerts where it is used: as a pre-commit
// hook, as a GitHub Action, from the CI examples in docs/ci.md, and as a
// binary built from a checkout. The tests drive real programs (git,
// pre-commit, bash, make) on throwaway repositories in t.TempDir().
package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// repoRoot is the agentalerts checkout these tests run in.
var repoRoot = func() string {
	abs, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return abs
}()

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// agentalertsBin builds the CLI from the working tree once per test binary
// and returns its path.
func agentalertsBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "agentalerts-integration-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "agentalerts")
		c := exec.Command("go", "build", "-o", binPath, ".")
		c.Dir = repoRoot
		if out, err := c.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// cleanups are directories shared across tests, removed when all are done.
var cleanups []string

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	for _, d := range cleanups {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// baseEnv is the environment for child processes: the test's own, minus
// anything that would make a child behave as if it ran inside GitHub Actions
// or read the developer's git or pre-commit configuration.
func baseEnv(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "RUNNER_") ||
			strings.HasPrefix(k, "GIT_") || strings.HasPrefix(k, "PRE_COMMIT") ||
			k == "HOME" || k == "XDG_CONFIG_HOME" || k == "NO_COLOR" ||
			// Under `make test` these carry the outer make's jobserver and
			// flags into the make a test runs.
			k == "MAKEFLAGS" || k == "MFLAGS" || k == "MAKELEVEL" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=agentalerts test", "GIT_AUTHOR_EMAIL=test@example.invalid",
		"GIT_COMMITTER_NAME=agentalerts test", "GIT_COMMITTER_EMAIL=test@example.invalid",
	)
	// HOME moved, so the Go settings it held (go env -w, the build and
	// module caches) are passed explicitly: children must reuse the caches
	// rather than rebuild or re-download everything.
	return append(env, goEnv(t)...)
}

var (
	goEnvOnce sync.Once
	goEnvVars []string
	goEnvErr  error
)

func goEnv(t *testing.T) []string {
	t.Helper()
	goEnvOnce.Do(func() {
		keys := []string{"GOMODCACHE", "GOCACHE", "GOFLAGS", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOTOOLCHAIN", "GOPATH"}
		out, err := exec.Command("go", append([]string{"env", "-json"}, keys...)...).Output()
		if err != nil {
			goEnvErr = fmt.Errorf("go env: %v", err)
			return
		}
		var m map[string]string
		if err := json.Unmarshal(out, &m); err != nil {
			goEnvErr = fmt.Errorf("go env -json: %v", err)
			return
		}
		for _, k := range keys {
			if v := m[k]; v != "" {
				goEnvVars = append(goEnvVars, k+"="+v)
			}
		}
	})
	if goEnvErr != nil {
		t.Fatal(goEnvErr)
	}
	return goEnvVars
}

// setEnv returns env with key set to value, replacing an earlier setting.
func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// result is what a child process did.
type result struct {
	stdout, stderr string
	code           int
}

// run runs name args in dir with env and returns its output and exit code;
// a process that could not start fails the test.
func run(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	c.Env = env
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// mustRun is run that fails the test on a non-zero exit.
func mustRun(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	r := run(t, dir, env, name, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// writeFiles writes name → content under dir, creating directories.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// gitRepo makes a git repository in a new temp dir holding files, all
// committed, and returns its path.
func gitRepo(t *testing.T, env []string, files map[string]string) string {
	t.Helper()
	testtool.Need(t, "git")
	dir := t.TempDir()
	mustRun(t, dir, env, "git", "init", "-q", "-b", "main")
	writeFiles(t, dir, files)
	commitAll(t, dir, env, "initial")
	return dir
}

func commitAll(t *testing.T, dir string, env []string, msg string) {
	t.Helper()
	mustRun(t, dir, env, "git", "add", "-A")
	mustRun(t, dir, env, "git", "commit", "-q", "--allow-empty", "-m", msg)
}

// cloneHead clones the agentalerts repository at its HEAD commit into a
// temp dir: what pre-commit or `go install module@rev` would see, without
// anyone's uncommitted work.
func cloneHead(t *testing.T, env []string) (dir, rev string) {
	t.Helper()
	testtool.Need(t, "git")
	dir = filepath.Join(t.TempDir(), "agentalerts")
	mustRun(t, repoRoot, env, "git", "clone", "-q", "--no-local", repoRoot, dir)
	rev = strings.TrimSpace(mustRun(t, dir, env, "git", "rev-parse", "HEAD"))
	return dir, rev
}

// annotations returns the GitHub workflow-command lines (::error, ::warning,
// ::notice) in out, in order.
func annotations(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "::error ") || strings.HasPrefix(l, "::warning ") || strings.HasPrefix(l, "::notice ") ||
			strings.HasPrefix(l, "::error::") || strings.HasPrefix(l, "::warning::") || strings.HasPrefix(l, "::notice::") {
			lines = append(lines, l)
		}
	}
	return lines
}
