package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/rules"
)

// TestMain lets the test binary act as the launcher, as the program does,
// so runChild can be tested.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case launcherArg:
			os.Exit(launch(os.Args[2:]))
		case "floor":
			os.Exit(floorMain(os.Args[2:], os.Stdout, os.Stderr))
		}
	}
	os.Exit(m.Run())
}

func TestRenameRules(t *testing.T) {
	tests := []struct {
		name, in, want   string
		rules, unrenamed int
	}{
		{
			name: "plain names, the rest untouched",
			in: `groups:
  - name: g # HighErrors stays
    rules:
      - alert: HighErrors  # comment
        expr: up == 0
      - record: job:up:sum
        expr: sum by (job) (up)
`,
			want: `groups:
  - name: g # HighErrors stays
    rules:
      - alert: HighErrors_c07  # comment
        expr: up == 0
      - record: job:up:sum_c07
        expr: sum by (job) (up)
`,
			rules: 2,
		},
		{
			name: "quoted names, flow style, escapes",
			in: `groups:
- name: g
  rules:
  - {alert: "Quoted \"x\"", expr: up}
  - record: 'it''s'
    expr: up
`,
			want: `groups:
- name: g
  rules:
  - {alert: "Quoted \"x\"_c07", expr: up}
  - record: 'it''s_c07'
    expr: up
`,
			rules: 2,
		},
		{
			name: "anchors, tags and aliases",
			in: `groups:
  - name: g
    rules:
      - alert: &name Héllo
        expr: up
      - record: !!str rec
        expr: up
      - alert: *name
        expr: up
`,
			want: `groups:
  - name: g
    rules:
      - alert: &name Héllo_c07
        expr: up
      - record: !!str rec_c07
        expr: up
      - alert: *name
        expr: up
`,
			rules: 3,
		},
		{
			name: "block scalar names are left and counted",
			in: `groups:
  - name: g
    rules:
      - alert: |
          Block
        expr: up
`,
			want: `groups:
  - name: g
    rules:
      - alert: |
          Block
        expr: up
`,
			rules: 1, unrenamed: 1,
		},
		{
			name: "later documents renamed, only the first counted",
			in: `groups: [{name: a, rules: [{alert: A, expr: up}]}]
---
groups: [{name: b, rules: [{alert: B, expr: up}]}]
`,
			want: `groups: [{name: a, rules: [{alert: A_c07, expr: up}]}]
---
groups: [{name: b, rules: [{alert: B_c07, expr: up}]}]
`,
			rules: 1,
		},
		{
			name: "not YAML is left alone",
			in:   "groups: [\n",
			want: "groups: [\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, rules, unrenamed, err := renameRules([]byte(tt.in), "_c07")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(out)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([2]int{tt.rules, tt.unrenamed}, [2]int{rules, unrenamed}); diff != "" {
				t.Errorf("rules, unrenamed: mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// corpusDir is the shared corpus beside the repository, or a skip.
func corpusDir(t testing.TB) string {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "valid")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found: %v", err)
	}
	return dir
}

// Every name in every copy of the real corpus is renamed, so copies share
// no rule, and the renamed files still parse to the same expressions.
func TestAssembleCorpus(t *testing.T) {
	src, err := readSource(corpusDir(t), map[string]bool{"rules_large.yml": true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := assemble(t.TempDir(), src, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.unrenamed != 0 {
		t.Errorf("%d names not renamed", c.unrenamed)
	}
	dirs, files := c.scaled(2)
	if diff := cmp.Diff([]int{2, 2 * len(src)}, []int{len(dirs), len(files)}); diff != "" {
		t.Errorf("dirs, files: mismatch (-want +got):\n%s", diff)
	}
	orig, err := parseFloor([]string{corpusDir(t)}, 2)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseFloor(dirs[:1], 2)
	if err != nil {
		t.Fatal(err)
	}
	// The source dir also holds the excluded file: compare without it.
	large, err := parseFloor([]string{filepath.Join(corpusDir(t), "prometheus", "cmd", "promtool", "testdata", "rules_large.yml")}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := floorResult{Files: orig.Files - large.Files, Exprs: orig.Exprs - large.Exprs, ExprErrors: orig.ExprErrors, YAMLErrors: orig.YAMLErrors}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("one copy: mismatch (-want +got):\n%s", diff)
	}

	for i, dir := range dirs {
		for _, f := range c.files[i] {
			if !strings.HasPrefix(f, dir) {
				t.Fatalf("%s not under %s", f, dir)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				l := strings.TrimLeft(strings.TrimSpace(line), "- ")
				for _, key := range []string{"alert: ", "record: "} {
					if v, ok := strings.CutPrefix(l, key); ok && !strings.HasPrefix(v, "*") && !strings.HasPrefix(v, "|") && !strings.HasPrefix(v, ">") {
						suffix := []string{"_c01", "_c02"}[i]
						if !strings.Contains(v, suffix) {
							t.Errorf("%s: %q has no %s", f, l, suffix)
						}
					}
				}
			}
		}
	}
}

func TestParseFloorCounts(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml":        "groups: [{name: a, rules: [{alert: A, expr: up}, {record: r, expr: 'sum(up'}]}]\n",
		"sub/b.yml":     "groups: [{name: b, rules: [{record: r, expr: up}]}]\n---\ngroups: [{name: c, rules: [{record: s, expr: up}]}]\n",
		"c.yaml":        "groups: [\n",
		"notes.txt":     "not a rule file",
		".hidden/x.yml": "groups: [{name: x, rules: [{record: r, expr: up}]}]\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := parseFloor([]string{dir}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := floorResult{Files: 3, Exprs: 4, ExprErrors: 1, YAMLErrors: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if _, err := parseFloor([]string{filepath.Join(dir, "missing")}, 1); err == nil {
		t.Error("missing path: no error")
	}
}

func TestMedian(t *testing.T) {
	s := func(ds ...time.Duration) []sample {
		var out []sample
		for _, d := range ds {
			out = append(out, sample{Wall: d})
		}
		return out
	}
	wall := func(x sample) time.Duration { return x.Wall }
	tests := []struct {
		in   []sample
		want time.Duration
	}{
		{nil, 0},
		{s(5), 5},
		{s(9, 1, 5), 5},
		{s(9, 1, 5, 7), 6},
	}
	for _, tt := range tests {
		if got := median(tt.in, wall); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseScales(t *testing.T) {
	got, err := parseScales("1, 5,20")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 5, 20}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "0", "1,x", "-2"} {
		if _, err := parseScales(bad); err == nil {
			t.Errorf("parseScales(%q): no error", bad)
		}
	}
}

func TestPromtoolSaw(t *testing.T) {
	stdout := "Checking a.yml\n  SUCCESS: 3 rules found\n\nChecking b.yml\nChecking c.yml\n  SUCCESS: 2 rules found\n\n"
	stderr := "  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: X\n"
	want := "3 files; 5 rules in the 2 without duplicate-rule warnings; 1 with"
	if got := promtoolSaw([]byte(stdout), stderr); got != want {
		t.Errorf("promtoolSaw = %q, want %q", got, want)
	}
}

func TestLintSaw(t *testing.T) {
	got, n := lintSaw([]byte(`{"problems": [], "summary": {"files": 2, "rules": 7, "errors": 1, "warnings": 2, "infos": 3}}`))
	if diff := cmp.Diff("2 files, 7 rules, 6 problems", got); diff != "" || n != 6 {
		t.Errorf("n = %d; mismatch (-want +got):\n%s", n, diff)
	}
	if _, n := lintSaw([]byte("{")); n != -1 {
		t.Errorf("bad JSON: n = %d, want -1", n)
	}
}

func TestManyServices(t *testing.T) {
	spec, err := manyServices(3)
	if err != nil {
		t.Fatal(err)
	}
	s, err := rules.ParseSpec("spec.yaml", spec)
	if err != nil {
		t.Fatalf("%v\n%s", err, spec)
	}
	r, err := rules.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	files, err := rules.Render(r, "spec.yaml", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Errorf("%d files, want one per service (3)", len(files))
	}
	for _, want := range []string{"-0001", "-0002", "-0003"} {
		if strings.Count(string(spec), want) != 2 {
			t.Errorf("spec has not one name and one job ending %s:\n%s", want, spec)
		}
	}
}

// The rusage of a finished child is read on every Unix; elsewhere peak
// RSS is unknown and the table says so.
func TestRunChildUsage(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no rusage")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := runChild(t.TempDir(), true, self, "-test.run=^$")
	if err != nil {
		t.Fatal(err)
	}
	if s.Exit != 0 || s.MaxRSS <= 0 || s.Wall <= 0 {
		t.Errorf("exit %d, maxrss %d, wall %v: want 0 and positive", s.Exit, s.MaxRSS, s.Wall)
	}
	if !strings.Contains(string(s.Stdout), "PASS") {
		t.Errorf("stdout %q not captured", s.Stdout)
	}
	s, _, err = runChild(t.TempDir(), false, self, "-test.run=^TestNoSuchTest$", "-test.count=x")
	if err != nil || s.Exit == 0 {
		t.Errorf("failing child: exit %d, err %v; want non-zero exit, no error", s.Exit, err)
	}
	if _, _, err := runChild(t.TempDir(), false, filepath.Join(t.TempDir(), "nosuchprogram")); err == nil {
		t.Error("missing program: no error")
	}
}

// The peak RSS of a small child must not include the benchmark's own:
// Linux would charge it when the benchmark starts the child itself.
func TestRunChildRSSNotParents(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the vfork accounting is Linux's")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ballast := make([]byte, 300<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	s, _, err := runChild(t.TempDir(), false, self, "-test.run=^$")
	runtime.KeepAlive(ballast)
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxRSS >= 200<<20 {
		t.Errorf("child peak RSS %d MB: the parent's 300 MB leaked into it", s.MaxRSS>>20)
	}
}

func TestSeries(t *testing.T) {
	s := series{samples: []sample{
		{Wall: 9, CPU: 4, MaxRSS: 10},
		{Wall: 1, CPU: 2, MaxRSS: 30},
		{Wall: 5, CPU: 3, MaxRSS: 20},
	}}
	got := []int64{int64(s.Wall()), int64(s.Fastest()), int64(s.CPU()), s.MaxRSS()}
	if diff := cmp.Diff([]int64{5, 1, 3, 30}, got); diff != "" {
		t.Errorf("wall, fastest, CPU, max RSS: mismatch (-want +got):\n%s", diff)
	}
}

func TestBenchMainSkips(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nocorpus")
	tests := []struct {
		name, ci string
		args     []string
		want     int
		stderr   string
	}{
		{name: "no corpus", args: []string{"-corpus", missing}, want: 0, stderr: "skipping: corpus " + missing + " not found"},
		{name: "no corpus in CI", ci: "true", args: []string{"-corpus", missing}, want: 1, stderr: "CI=true: failing"},
		{name: "no promtool", args: []string{"-corpus", t.TempDir(), "-promtool", "nosuchpromtool"}, want: 0, stderr: "skipping: promtool not found"},
		{name: "bad scales", args: []string{"-scales", "1,0"}, want: 2, stderr: "need positive numbers"},
		{name: "bad flag", args: []string{"-nosuchflag"}, want: 2, stderr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			var out, errOut strings.Builder
			got := benchMain(tt.args, &out, &errOut)
			if got != tt.want || !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", got, errOut.String(), tt.want, tt.stderr)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}
