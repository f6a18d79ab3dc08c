package rules

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// vmalertDryRun loads one rule file with vmalert -dryRun, which parses
// every group, expression (MetricsQL) and template and exits without
// querying anything.
func vmalertDryRun(t *testing.T, vmalert, file string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, vmalert, "-dryRun", "-rule="+file, "-loggerLevel=ERROR").CombinedOutput()
	return string(out), err
}

var keepFiringFor = regexp.MustCompile(`(?m)^\s*keep_firing_for:.*\n`)

// TestGoldenVMAlert loads every golden rule file with the real vmalert.
// vmalert learnt keep_firing_for in v1.93.0; an older one (Debian ships
// 1.79.5) must refuse a file using it for that field alone, which is
// checked by loading the file without it.
func TestGoldenVMAlert(t *testing.T) {
	vmalert := testtool.Need(t, "vmalert")
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The control: a file vmalert must refuse, so a vmalert that accepts
	// anything cannot make this test pass.
	if out, err := vmalertDryRun(t, vmalert, write("bad.yaml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(up\n")); err == nil {
		t.Fatalf("vmalert -dryRun accepted a broken expression:\n%s", out)
	}
	_, kffErr := vmalertDryRun(t, vmalert, write("kff.yaml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        keep_firing_for: 5m\n"))
	oldVMAlert := kffErr != nil

	var files []string
	for _, pattern := range []string{"*.golden.yaml", "*.golden/*.yaml", "../presets/*.golden.yaml"} {
		m, _ := filepath.Glob(filepath.Join(goldenDir, pattern))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no golden rule files")
	}
	for _, f := range files {
		out, err := vmalertDryRun(t, vmalert, f)
		if err == nil {
			continue
		}
		src, rerr := os.ReadFile(f)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if !oldVMAlert || !keepFiringFor.Match(src) {
			t.Errorf("vmalert -dryRun -rule=%s: %v\n%s", f, err, out)
			continue
		}
		if !strings.Contains(out, "unknown fields in rule: keep_firing_for") {
			t.Errorf("vmalert -dryRun -rule=%s: refused for another reason than keep_firing_for: %v\n%s", f, err, out)
			continue
		}
		stripped := write(filepath.Base(f), string(keepFiringFor.ReplaceAll(src, nil)))
		if out, err := vmalertDryRun(t, vmalert, stripped); err != nil {
			t.Errorf("vmalert -dryRun -rule=%s (without keep_firing_for): %v\n%s", f, err, out)
			continue
		}
		t.Logf("%s: this vmalert predates keep_firing_for (v1.93.0); the file loads without it", f)
	}
}
