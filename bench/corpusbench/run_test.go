package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// TestBenchRuns runs the whole benchmark on a two-file corpus at 1× and 2×
// with the real CLI and promtool: every section and every target is
// printed, and what each tool saw matches the corpus.
func TestBenchRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI")
	}
	promtool := testtool.Need(t, "promtool")
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "agentalerts")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	corpus := t.TempDir()
	files := map[string]string{
		"a/alerts.yml": "groups:\n  - name: a\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: 5m\n        labels: {severity: page}\n",
		"b/rec.yaml":   "groups:\n  - name: b\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n      - alert: Big\n        expr: job:up:sum > 3\n",
		"big.yml":      "groups:\n  - name: c\n    rules:\n      - record: r\n        expr: up\n",
	}
	for name, content := range files {
		p := filepath.Join(corpus, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut strings.Builder
	code := benchMain([]string{"-corpus", corpus, "-exclude", "big.yml", "-scales", "1,2", "-runs", "1", "-small-runs", "1",
		"-services", "2", "-bin", bin, "-promtool", promtool}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut.String(), out.String())
	}
	for _, want := range []string{
		`per copy 2 files, 3 rules`,
		`(?m)^\| 1× \| 2 \| 3 \| .* agentalerts lint .* \| 2 files, 3 rules, \d+ problems \|$`,
		`(?m)^\| 2× \| 4 \| 6 \| .* promtool check rules .* \| 4 files; 6 rules in the 4 without duplicate-rule warnings; 0 with \|$`,
		`(?m)^\| 2× \| 4 \| 6 \| .* parse floor .* \| files 4 exprs 6 expr_errors 0 yaml_errors 0 \|$`,
		`(?m)^\| 1 file \| 1 \| [12] \| .* agentalerts lint`,
		`(?m)^\| big\.yml \| 1 \| 1 \| .* promtool check rules`,
		`(?m)^\| one file per service \(-o DIR/\) \| .* \| 2 files, `,
		`(?m)^\| one file \(-o FILE\) \| .* \| 1 files, `,
		`(?m)^\| re-read floor: .* \| \d+ ms \| `,
		`(?m)^generate -o DIR/ / re-read floor: \d+\.\d\d in wall time, \d+\.\d\d in CPU time$`,
		`(?m)^\| 2×: lint / promtool wall time \| \d+\.\d\d \| ≤ 0.35 `,
		`(?m)^\| 2×: lint / parse floor wall time \|`,
		`(?m)^\| linear: lint 2× / 1× wall time \| .* \| ≤ 2.2 `,
		`(?m)^\| 2×: lint peak RSS \| \d+\.\d\d MB \| ≤ 100 MB \|`,
		`(?m)^\| one small file: lint / promtool wall time \|`,
		`(?m)^\| generate 2 services, one file \(-o FILE\) \| \d+\.\d\d s \| ≤ 1 s \|`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("output has no match for %s\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "not independent") {
		t.Errorf("copies share rules:\n%s", out.String())
	}
}
