package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestVersionFromCheckout builds agentalerts from a clean clone, then from a
// dirty one, and checks that `version --json` reports the commit and the
// dirty flag that Go stamped into the binary. -buildvcs=true overrides the
// GOFLAGS=-buildvcs=false some environments set.
func TestVersionFromCheckout(t *testing.T) {
	env := baseEnv(t)
	clone, rev := cloneHead(t, env)
	bin := filepath.Join(t.TempDir(), "agentalerts")

	version := func() map[string]string {
		t.Helper()
		mustRun(t, clone, env, "go", "build", "-buildvcs=true", "-o", bin, ".")
		var got map[string]string
		out := mustRun(t, clone, env, bin, "version", "--json")
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("version --json: %v\n%s", err, out)
		}
		// What varies with the toolchain and the commit date is not the point.
		delete(got, "go")
		delete(got, "platform")
		delete(got, "time")
		return got
	}

	// Go (1.24+) derives a pseudo-version from the commit, marked +dirty
	// for a modified tree.
	pseudo := regexp.MustCompile(`^v\d+\.\d+\.\d+-(0\.)?\d{14}-` + rev[:12] + `(\+dirty)?$`)
	checkVersion := func(got map[string]string) {
		t.Helper()
		if !pseudo.MatchString(got["version"]) {
			t.Errorf("version %q is not a pseudo-version of %s", got["version"], rev[:12])
		}
		if strings.HasSuffix(got["version"], "+dirty") != (got["modified"] == "true") {
			t.Errorf("version %q disagrees with modified=%s", got["version"], got["modified"])
		}
		delete(got, "version")
	}

	want := map[string]string{
		"module":   "github.com/agentalerts/agentalerts",
		"revision": rev,
		"modified": "false",
	}
	got := version()
	checkVersion(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("clean checkout: mismatch (-want +got):\n%s", diff)
	}

	if err := os.WriteFile(filepath.Join(clone, "main.go"), append(mustRead(t, filepath.Join(clone, "main.go")), "\n// local change\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	want["modified"] = "true"
	got = version()
	checkVersion(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dirty checkout: mismatch (-want +got):\n%s", diff)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
