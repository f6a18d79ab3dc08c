package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// TestMakeRelease runs `make release` as the README gives it for the host
// platform (each of the six is the same loop; cross-compiling all of them
// takes minutes), checks the default platform list in make's dry run, the
// names, the checksums with sha256sum -c, and that the binary says the
// stamped version.
func TestMakeRelease(t *testing.T) {
	testtool.Need(t, "make")
	testtool.Need(t, "sha256sum")
	env := baseEnv(t)
	dist := filepath.Join(t.TempDir(), "dist")
	host := runtime.GOOS + "/" + runtime.GOARCH

	dry := mustRun(t, repoRoot, env, "make", "-n", "release", "VERSION=v9.8.7-test", "DIST="+dist)
	for _, p := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"} {
		if !strings.Contains(dry, " "+p) {
			t.Errorf("make -n release does not build %s by default:\n%s", p, dry)
		}
	}

	mustRun(t, repoRoot, env, "make", "release", "VERSION=v9.8.7-test", "DIST="+dist, "PLATFORMS="+host)

	entries, err := os.ReadDir(dist)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{
		"SHA256SUMS",
		"agentalerts_v9.8.7-test_" + runtime.GOOS + "_" + runtime.GOARCH,
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("dist: mismatch (-want +got):\n%s", diff)
	}
	sums := mustRun(t, dist, env, "sha256sum", "-c", "SHA256SUMS")
	if got := strings.Count(sums, ": OK\n"); got != 1 {
		t.Errorf("sha256sum -c: %d files OK, want 1:\n%s", got, sums)
	}

	var info map[string]string
	out := mustRun(t, dist, env, filepath.Join(dist, want[1]), "version", "--json")
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	if info["version"] != "v9.8.7-test" || info["platform"] != host {
		t.Errorf("version --json = %v, want version v9.8.7-test on %s", info, host)
	}
	// -trimpath: no path of this machine's checkout in the binary.
	bin, err := os.ReadFile(filepath.Join(dist, want[1]))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(bin), repoRoot) {
		t.Errorf("binary contains the build path %s: not built with -trimpath", repoRoot)
	}
}

// TestMakeReleaseRefusesBadVersion: a VERSION that would make a path or
// split a word is refused before anything is built or removed.
func TestMakeReleaseRefusesBadVersion(t *testing.T) {
	testtool.Need(t, "make")
	env := baseEnv(t)
	dist := filepath.Join(t.TempDir(), "dist")
	if err := os.MkdirAll(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dist, "keep")
	if err := os.WriteFile(keep, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, repoRoot, env, "make", "release", "VERSION=../v1", "DIST="+dist)
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "VERSION must be one word") {
		t.Fatalf("exit %d, output:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("DIST was emptied for a refused VERSION: %v", err)
	}
}

// TestInstallFromCheckout is the README's install from a checkout:
// `make install` puts a working binary into GOBIN whose version names the
// checkout's commit (Go stamps a pseudo-version).
func TestInstallFromCheckout(t *testing.T) {
	testtool.Need(t, "make")
	env := baseEnv(t)
	clone, rev := cloneHead(t, env)
	gobin := t.TempDir()
	mustRun(t, clone, append(env, "GOBIN="+gobin, "GOFLAGS=-buildvcs=true"), "make", "install")
	out := mustRun(t, clone, env, filepath.Join(gobin, "agentalerts"), "version", "--json")
	var info map[string]string
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	if info["revision"] != rev || !strings.Contains(info["version"], rev[:12]) {
		t.Errorf("installed binary: version %q revision %q, want the pseudo-version of %s", info["version"], info["revision"], rev)
	}
	out = mustRun(t, clone, env, filepath.Join(gobin, "agentalerts"), "generate")
	if !strings.Contains(out, "groups:") {
		t.Errorf("installed binary's generate printed no rule file:\n%s", out)
	}
}
