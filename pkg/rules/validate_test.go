package rules

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedCorpus is the public rule-file corpus beside the repository;
// tests that read it skip without it.
const sharedCorpus = "../../../shared/corpus"

// checkerCases are rule files built to catch a memo that hides a defect:
// each pair of documents is checked in order by one checker, the first
// proving some pairs, the second reusing them where it must not.
var checkerCases = []struct {
	name  string
	files []string
}{
	{"bad template after a good label", []string{
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {severity: page}\n",
		"groups:\n- name: b\n  rules:\n  - alert: B\n    expr: up == 0\n    labels: {severity: page}\n    annotations: {summary: '{{ $labels.job }'}\n",
	}},
	{"annotations of a recording rule are an error even when proven", []string{
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations: {summary: down}\n",
		"groups:\n- name: b\n  rules:\n  - record: job:up:sum\n    expr: sum(up)\n    annotations: {summary: down}\n",
	}},
	{"a define of the alert's own template name", []string{
		"groups:\n- name: a\n  rules:\n  - alert: Bar\n    expr: up == 0\n    annotations: {summary: '{{ define \"__alert_Foo\" }}x{{ end }}'}\n",
		"groups:\n- name: b\n  rules:\n  - alert: Foo\n    expr: up == 0\n    annotations: {summary: '{{ define \"__alert_Foo\" }}x{{ end }}'}\n",
	}},
	{"a block of the alert's own template name", []string{
		"groups:\n- name: a\n  rules:\n  - alert: Bar\n    expr: up == 0\n    labels: {x: '{{ block \"__alert_Foo\" . }}x{{ end }}'}\n",
		"groups:\n- name: b\n  rules:\n  - alert: Foo\n    expr: up == 0\n    labels: {x: '{{ block \"__alert_Foo\" . }}x{{ end }}'}\n",
	}},
	{"same value under an invalid label name", []string{
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {severity: page}\n",
		"groups:\n- name: b\n  rules:\n  - alert: B\n    expr: up == 0\n    labels: {__name__: page}\n",
	}},
	{"same value as label then annotation name", []string{
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations: {__name__: x}\n",
		"groups:\n- name: b\n  rules:\n  - alert: B\n    expr: up == 0\n    labels: {__name__: x}\n",
	}},
	{"a pair first seen in a failing rule", []string{
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up ==\n    annotations: {summary: '{{ .x'}\n",
		"groups:\n- name: b\n  rules:\n  - alert: B\n    expr: up == 0\n    annotations: {summary: '{{ .x'}\n",
	}},
	{"plain values: bad names, stray braces", []string{
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {bad-name: page}\n",
		"groups:\n- name: b\n  rules:\n  - alert: B\n    expr: up == 0\n    annotations: {bad-name: text}\n",
		"groups:\n- name: c\n  rules:\n  - alert: C\n    expr: up == 0\n    labels: {x: '}} { } {'}\n    annotations: {summary: '{ {$value}} }}'}\n",
		"groups:\n- name: d\n  rules:\n  - alert: D\n    expr: up == 0\n    annotations: {summary: 'ends in {'}\n",
		"groups:\n- name: e\n  rules:\n  - alert: E\n    expr: up == 0\n    annotations: {summary: '{{'}\n",
	}},
	{"both record and alert", []string{
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations: {summary: s}\n",
		"groups:\n- name: b\n  rules:\n  - alert: B\n    record: b\n    expr: up == 0\n    annotations: {summary: s}\n",
	}},
	{"group problems", []string{
		"groups:\n- name: ''\n  rules: []\n",
		"groups:\n- name: a\n  rules: []\n- name: a\n  rules: []\n",
		"groups:\n- name: a\n  labels: {team: x}\n  rules: []\n",
		"groups:\n- name: a\n  labels: {__name__: x}\n  rules: []\n",
	}},
	{"unknown field, second document, empty", []string{
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    fro: 5m\n",
		"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n---\ngroups: 3\n",
		"",
		"# only a comment\n",
	}},
}

// TestCheckerMatchesRulefmt holds the checker to rulefmt.Parse: on every
// golden output, every file of the public corpus (valid and invalid) and
// the cases above, one checker shared by all of them in one order and
// another in the reverse order (so a pair proven by any file meets every
// other file), the verdict is rulefmt's, and the errors are rulefmt's own.
func TestCheckerMatchesRulefmt(t *testing.T) {
	var files []string
	var names []string
	add := func(name string, b []byte) {
		names = append(names, name)
		files = append(files, string(b))
	}
	for _, c := range checkerCases {
		for i, f := range c.files {
			add(fmt.Sprintf("%s#%d", c.name, i), []byte(f))
		}
	}
	goldens, _ := filepath.Glob(filepath.Join(goldenDir, "*.golden.yaml"))
	if len(goldens) == 0 {
		t.Fatal("no golden outputs found")
	}
	for _, p := range goldens {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		add(p, b)
	}
	corpus := 0
	for _, dir := range []string{"valid", "invalid"} {
		root := filepath.Join(sharedCorpus, dir)
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			add(p, b)
			corpus++
			return nil
		})
	}
	if corpus == 0 {
		t.Logf("%s absent: checked the goldens and the built-in cases only", sharedCorpus)
	}

	valid := 0
	for _, order := range []string{"forward", "reverse"} {
		c := newChecker()
		idx := make([]int, len(files))
		for i := range idx {
			idx[i] = i
		}
		if order == "reverse" {
			slices.Reverse(idx)
		}
		for _, i := range idx {
			want := parseErrors([]byte(files[i]))
			_, fast := c.validate([]byte(files[i]))
			if (len(fast) == 0) != (len(want) == 0) {
				t.Errorf("%s (%s): checker says %v, rulefmt.Parse says %v", names[i], order, fast, want)
				continue
			}
			_, got := c.check([]byte(files[i]))
			if diff := slices.Compare(errStrings(got), errStrings(want)); diff != 0 {
				t.Errorf("%s (%s): check's errors are not rulefmt's:\n got %q\nwant %q", names[i], order, errStrings(got), errStrings(want))
			}
			if order == "forward" && len(want) == 0 {
				valid++
			}
		}
	}
	// Both verdicts must occur, or the comparison proves little.
	if valid == 0 || valid == len(files) {
		t.Fatalf("%d of %d files valid: the inputs do not exercise both verdicts", valid, len(files))
	}
}

func errStrings(errs []error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

// FuzzCheckerMatchesRulefmt: for any two files checked in turn by one
// checker, each verdict is rulefmt.Parse's.
func FuzzCheckerMatchesRulefmt(f *testing.F) {
	for _, c := range checkerCases {
		for i := 0; i+1 < len(c.files); i++ {
			f.Add([]byte(c.files[i]), []byte(c.files[i+1]))
		}
	}
	example, err := Render(mustGenerate(f, "spec.yaml", ExampleSpec()), "spec.yaml", false)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example[""], example[""])
	f.Fuzz(func(t *testing.T, a, b []byte) {
		c := newChecker()
		for _, in := range [][]byte{a, b} {
			want := parseErrors(in)
			_, got := c.validate(in)
			if (len(got) == 0) != (len(want) == 0) {
				t.Fatalf("checker says %v, rulefmt.Parse says %v, for\n%q\nafter\n%q", got, want, in, a)
			}
		}
	})
}
