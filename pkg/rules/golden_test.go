package rules

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/internal/golden"
	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

const goldenDir = "../../testdata/generate"

// perServiceSuffix marks cases rendered with -o DIR/: their golden is a
// directory <case>.golden/ with one file per service.
const perServiceSuffix = "-dir"

// generateCase runs the whole pipeline on one spec and returns the files
// (key "" for one file) or the error text.
func generateCase(t *testing.T, path string, src []byte, perService bool) (map[string][]byte, string) {
	t.Helper()
	spec, err := ParseSpec(path, src)
	if err == nil {
		var res *Result
		res, err = Generate(spec)
		if err == nil {
			files, err := Render(res, path, perService)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			return files, ""
		}
	}
	var l diag.List
	if !errors.As(err, &l) {
		t.Fatalf("error is %T, want diag.List: %v", err, err)
	}
	return nil, l.Error() + "\n"
}

func cases(t *testing.T) []string {
	t.Helper()
	specs, err := filepath.Glob(filepath.Join(goldenDir, "*.spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) == 0 {
		t.Fatalf("no cases in %s", goldenDir)
	}
	sort.Strings(specs)
	return specs
}

func TestGolden(t *testing.T) {
	for _, specPath := range cases(t) {
		name := strings.TrimSuffix(filepath.Base(specPath), ".spec.yaml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(specPath)
			if err != nil {
				t.Fatal(err)
			}
			perService := strings.HasSuffix(name, perServiceSuffix)
			files, errText := generateCase(t, filepath.Base(specPath), src, perService)
			base := filepath.Join(goldenDir, name)
			switch {
			case errText != "":
				golden.Check(t, base+".golden.err", []byte(errText))
			case perService:
				if golden.Update() {
					_ = os.RemoveAll(base + ".golden")
					if err := os.MkdirAll(base+".golden", 0o755); err != nil {
						t.Fatal(err)
					}
				}
				got := []string{}
				for fn, data := range files {
					got = append(got, fn)
					golden.Check(t, filepath.Join(base+".golden", fn), data)
				}
				sort.Strings(got)
				entries, _ := os.ReadDir(base + ".golden")
				want := []string{}
				for _, e := range entries {
					want = append(want, e.Name())
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("per-service files mismatch (-want +got):\n%s", diff)
				}
			default:
				golden.Check(t, base+".golden.yaml", files[""])
			}
		})
	}
}

// TestGoldenExample covers the built-in example, what `agentalerts
// generate` prints with no spec.
func TestGoldenExample(t *testing.T) {
	files, errText := generateCase(t, ExamplePath, ExampleSpec(), false)
	if errText != "" {
		t.Fatalf("built-in example does not generate:\n%s", errText)
	}
	golden.Check(t, filepath.Join(goldenDir, "example.golden.yaml"), files[""])
}

// TestDeterministic generates every case twice; maps in Go iterate in
// random order, so any ordering that leaks from a map shows up here.
func TestDeterministic(t *testing.T) {
	for _, specPath := range cases(t) {
		src, err := os.ReadFile(specPath)
		if err != nil {
			t.Fatal(err)
		}
		perService := strings.HasSuffix(specPath, perServiceSuffix+".spec.yaml")
		a, aerr := generateCase(t, specPath, src, perService)
		for i := 0; i < 5; i++ {
			b, berr := generateCase(t, specPath, src, perService)
			if diff := cmp.Diff(a, b); diff != "" || aerr != berr {
				t.Fatalf("%s: run %d differs (-first +later):\n%s%s", specPath, i, diff, cmp.Diff(aerr, berr))
			}
		}
	}
}

// TestGoldenPromtool loads every golden rule file with the real promtool.
func TestGoldenPromtool(t *testing.T) {
	promtool := testtool.Need(t, "promtool")
	var files []string
	for _, pattern := range []string{"*.golden.yaml", "*.golden/*.yaml", "../presets/*.golden.yaml"} {
		m, _ := filepath.Glob(filepath.Join(goldenDir, pattern))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no golden rule files")
	}
	for _, f := range files {
		out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput()
		if err != nil {
			t.Errorf("promtool check rules %s: %v\n%s", f, err, out)
		}
		if !bytes.Contains(out, []byte("SUCCESS")) {
			t.Errorf("promtool check rules %s: no SUCCESS in\n%s", f, out)
		}
	}
}
