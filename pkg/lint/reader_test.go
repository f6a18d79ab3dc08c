package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// corpusDir is the shared corpus of real rule files beside the repo.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus")

func needCorpus(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not found at %s", corpusDir)
	}
}

// onlyRule reads src and returns its only rule.
func onlyRule(t *testing.T, src string) (*File, *Rule) {
	t.Helper()
	f, ds := ReadFile("f.yaml", []byte(src))
	for _, d := range ds {
		t.Errorf("unexpected finding: %s", d)
	}
	var rules []*Rule
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			rules = append(rules, g.Rules...)
		}
	}
	if len(rules) != 1 {
		t.Fatalf("got %d rules, want 1", len(rules))
	}
	return f, rules[0]
}

func TestExprPosAt(t *testing.T) {
	const head = "groups:\n- name: g\n  rules:\n  - alert: A\n"
	tests := []struct {
		name string
		expr string // the expr: line(s) of the rule, after head
		at   string // PosAt of the first byte of this substring of the value
		want string // line:col
	}{
		{"plain", "    expr: up == 0\n", "==", "5:14"},
		{"plain multi-line", "    expr: sum(rate(x[5m]))\n      > 0.1\n", ">", "6:7"},
		{"plain after fold", "    expr: a\n\n      or b\n", "or", "7:7"},
		{"single-quoted", "    expr: 'up{job=''x''} == 0'\n", "==", "5:26"},
		{"single-quoted escape", "    expr: 'up{job=''x''} == 0'\n", "x", "5:21"},
		{"double-quoted", "    expr: \"up{job=\\\"x\\\"} == 0\"\n", "==", "5:26"},
		{"double-quoted unicode escape", "    expr: \"up{a=\\u00e9} == 0\"\n", "==", "5:25"},
		{"double-quoted escaped break", "    expr: \"sum(x) \\\n      > 1\"\n", ">", "6:7"},
		{"literal", "    expr: |\n      sum(x)\n        > 1\n", ">", "7:9"},
		{"literal keep", "    expr: |+\n      up\n        == 0\n\n", "==", "7:9"},
		{"literal strip", "    expr: |-\n      up\n      == 0\n", "==", "7:7"},
		{"literal indentation indicator", "    expr: |2\n         up == 0\n", "up", "6:10"},
		{"literal with comment in header", "    expr: | # the query\n      up == 0\n", "==", "6:10"},
		{"folded", "    expr: >\n      sum(x)\n      > 1\n", ">", "7:7"},
		{"folded more-indented", "    expr: >-\n      a\n        or b\n", "or", "7:9"},
		{"folded blank line", "    expr: >\n      a\n\n      or b\n", "or", "8:7"},
		{"tagged", "    expr: !!str up == 0\n", "==", "5:20"},
		{"utf-8 columns", "    expr: up{a=\"é\"} == 0\n", "==", "5:21"},
		{"crlf", "    expr: |\r\n      a\r\n      or b\r\n", "or", "7:7"},
		{"flow mapping", "    labels: {a: b}\n    expr: \"up\"\n", "up", "6:12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + tt.expr
			if tt.name == "crlf" {
				src = strings.ReplaceAll(head, "\n", "\r\n") + tt.expr
			}
			f, r := onlyRule(t, src)
			if !r.Expr.Mapped() {
				t.Fatalf("expr %q not mapped", r.Expr.Value.Value)
			}
			off := strings.Index(r.Expr.Value.Value, tt.at)
			if off < 0 {
				t.Fatalf("%q not in %q", tt.at, r.Expr.Value.Value)
			}
			p := r.Expr.PosAt(f.Path, off)
			if diff := cmp.Diff(tt.want, fmt.Sprintf("%d:%d", p.Line, p.Column)); diff != "" {
				t.Errorf("PosAt(%q) mismatch (-want +got):\n%s", tt.at, diff)
			}
			checkMapping(t, f, r)
		})
	}
}

// checkMapping verifies that every non-blank byte of the expression maps
// to the same character in the source, or to the quote or backslash of
// the escape that produced it.
func checkMapping(t *testing.T, f *File, r *Rule) {
	t.Helper()
	m := newSrcMap(f.Source)
	v := r.Expr.Value.Value
	for i, c := range v {
		if c == ' ' || c == '\n' || c == '\t' {
			continue
		}
		p := r.Expr.PosAt(f.Path, i)
		j := m.offset(p.Line, p.Column)
		if j < 0 {
			t.Fatalf("%s: offset %d maps to %d:%d, outside the file", f.Path, i, p.Line, p.Column)
		}
		got, _ := utf8.DecodeRune(f.Source[j:])
		if got != c && got != '\\' && got != '\'' {
			t.Fatalf("%s:%d:%d: expr byte %d is %q but the source there is %q", f.Path, p.Line, p.Column, i, c, got)
		}
	}
}

// checkSegments is checkMapping in linear time, for long expressions: it
// walks each segment once instead of calling PosAt per byte.
func checkSegments(t *testing.T, m *srcMap, f *File, r *Rule) {
	t.Helper()
	v, segs := r.Expr.Value.Value, r.Expr.segs
	for k, s := range segs {
		end := len(v)
		if k+1 < len(segs) {
			end = int(segs[k+1].off)
		}
		j := m.offset(int(s.line), int(s.col))
		if j < 0 {
			t.Fatalf("%s: segment %d at %d:%d is outside the file", f.Path, k, s.line, s.col)
		}
		for i := int(s.off); i < end && j < len(f.Source); {
			c, w := utf8.DecodeRuneInString(v[i:])
			got, sw := utf8.DecodeRune(f.Source[j:])
			if c != ' ' && c != '\n' && c != '\t' && got != c && (i > int(s.off) || got != '\\' && got != '\'' && got != '\n') {
				t.Fatalf("%s:%d: expr byte %d is %q but the source there is %q", f.Path, s.line, i, c, got)
			}
			i, j = i+w, j+sw
		}
	}
}

// TestExprMappingCorpus checks the position map of every expression of
// the corpus, character by character.
func TestExprMappingCorpus(t *testing.T) {
	needCorpus(t)
	n := 0
	walkCorpus(t, func(path string, src []byte) {
		f, _ := ReadFile(path, src)
		m := newSrcMap(src)
		for _, d := range f.Docs {
			for _, g := range d.Groups {
				for _, r := range g.Rules {
					if r.Expr.Value.Value == "" {
						continue
					}
					n++
					if !r.Expr.Mapped() {
						t.Errorf("%s:%d: expression not mapped", path, r.Expr.Node.Line)
						continue
					}
					checkSegments(t, m, f, r)
				}
			}
		}
	})
	if n == 0 {
		t.Fatal("no expressions found in the corpus")
	}
}

func walkCorpus(t testing.TB, fn func(path string, src []byte)) {
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || (filepath.Ext(p) != ".yml" && filepath.Ext(p) != ".yaml") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fn(p, src)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// brief is a finding reduced to what the reader tests compare.
func brief(ds []diag.Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%d:%d %s %s", d.Pos.Line, d.Pos.Column, d.Check, d.Message))
	}
	return out
}

func TestReadFileShapes(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		kinds []Kind
		rules int
		diags []string
	}{
		{name: "empty", src: "", kinds: nil},
		{name: "null", src: "# nothing\n", kinds: nil},
		{name: "explicit null", src: "null\n", kinds: []Kind{KindEmpty}},
		{name: "empty mapping", src: "{}\n", kinds: []Kind{KindRuleFile}},
		{name: "empty groups", src: "groups: []\n", kinds: []Kind{KindRuleFile}},
		{
			name: "rule file", kinds: []Kind{KindRuleFile}, rules: 2,
			src: "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n  - record: job:up:sum\n    expr: sum by (job) (up)\n",
		},
		{
			name: "prometheus rule", kinds: []Kind{KindPrometheusRule, KindPrometheusRule}, rules: 2,
			src: "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n  groups:\n  - name: a\n    partial_response_strategy: warn\n    rules:\n    - alert: A\n      expr: up == 0\n" +
				"---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: a\n    rules:\n    - alert: A\n      expr: up == 0\n",
		},
		{
			name: "prometheus rule beside other objects", kinds: []Kind{KindUnknown, KindPrometheusRule}, rules: 1,
			src: "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: a\n    rules:\n    - alert: A\n      expr: up == 0\n",
		},
		{
			name: "only other objects", kinds: []Kind{KindUnknown},
			src:   "apiVersion: v1\nkind: ConfigMap\n",
			diags: []string{`1:1 schema/not-rules not a rule file: a ConfigMap resource has neither groups: nor kind: PrometheusRule`},
		},
		{
			name: "configmap with a rule file", kinds: []Kind{KindConfigMap}, rules: 1,
			src:   "apiVersion: v1\nkind: ConfigMap\ndata:\n  notes.txt: |\n    hello\n  rules.yaml: |\n    groups:\n      - name: a\n        rules:\n          - alert: A\n            expr: up == 0\n            owner: x\n",
			diags: []string{`12:13 schema/unknown-field unknown field "owner" in rule`},
		},
		{
			name: "configmap with broken yaml", kinds: []Kind{KindConfigMap},
			src:   "apiVersion: v1\nkind: ConfigMap\ndata:\n  rules.yaml: |\n    groups:\n      - name: a\n       rules: []\n",
			diags: []string{`7:8 yaml/syntax YAML syntax: did not find expected '-' indicator`},
		},
		{
			name: "configmap without rules", kinds: []Kind{KindUnknown},
			src:   "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n",
			diags: []string{`1:1 schema/not-rules not a rule file: a ConfigMap resource has neither groups: nor kind: PrometheusRule`},
		},
		{
			name: "bare list", kinds: []Kind{KindBareList},
			src:   "- alert: A\n  expr: up == 0\n",
			diags: []string{`1:1 schema/bare-list a bare list of rules: Prometheus expects a mapping with groups:, each group with a name and rules:`},
		},
		{
			name: "second rules document", kinds: []Kind{KindRuleFile, KindRuleFile}, rules: 2,
			src:   "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up\n---\ngroups:\n- name: b\n  rules:\n  - alert: B\n    expr: up\n",
			diags: []string{`7:1 schema/multi-document Prometheus reads only the first YAML document of a rule file; the groups in document 2 are never loaded`},
		},
		{
			name: "syntax error", kinds: nil,
			src:   "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: [\n",
			diags: []string{`5:5 yaml/syntax YAML syntax: did not find expected node content`},
		},
		{
			name: "scalar file", kinds: []Kind{KindUnknown},
			src:   "hello\n",
			diags: []string{`1:1 schema/wrong-type a rule file must be a mapping with groups:, not the value "hello"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ds := ReadFile("f.yaml", []byte(tt.src))
			var kinds []Kind
			rules := 0
			for _, d := range f.Docs {
				kinds = append(kinds, d.Kind)
				for _, g := range d.Groups {
					rules += len(g.Rules)
				}
			}
			if diff := cmp.Diff(tt.kinds, kinds); diff != "" {
				t.Errorf("kinds mismatch (-want +got):\n%s", diff)
			}
			if rules != tt.rules {
				t.Errorf("got %d rules, want %d", rules, tt.rules)
			}
			if diff := cmp.Diff(tt.diags, brief(ds)); diff != "" {
				t.Errorf("findings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadFileModel(t *testing.T) {
	src := `groups:
- name: agent
  interval: 30s
  rules:
  - alert: &n AgentDown
    expr: up == 0
    for: 5m
    keep_firing_for: 1m
    labels:
      severity: page
      team: ai
    annotations:
      summary: down
  - record: job:up:sum
    expr: sum by (job) (up)
`
	f, ds := ReadFile("f.yaml", []byte(src))
	if len(ds) != 0 {
		t.Fatalf("unexpected findings: %v", brief(ds))
	}
	g := f.Docs[0].Groups[0]
	a, rec := g.Rules[0], g.Rules[1]
	got := []string{
		g.Name.Value, g.Interval.Value, a.Name(), a.For.Value, a.KeepFiringFor.Value,
		fmt.Sprint(a.IsAlert(), rec.IsAlert(), rec.Index),
		fmt.Sprint(a.Expr.AST != nil, a.Expr.Err),
		fmt.Sprint(NodePos("f.yaml", a.Alert.Key)), fmt.Sprint(NodePos("f.yaml", a.Alert.Node)),
	}
	for _, kv := range a.Labels {
		got = append(got, kv.Key.Value+"="+kv.Value.Value+"@"+fmt.Sprint(kv.Key.Node.Line))
	}
	sev, ok := a.Label("severity")
	got = append(got, fmt.Sprint(ok, " ", sev.Value.Value))
	want := []string{
		"agent", "30s", "AgentDown", "5m", "1m", "true false 1", "true <nil>",
		"f.yaml:5:5", "f.yaml:5:12",
		"severity=page@10", "team=ai@11", "true page",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("model mismatch (-want +got):\n%s", diff)
	}
}

func TestReadFileSchema(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col id message | fix"
	}{
		{
			"label beside expr",
			"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    severity: page\n",
			[]string{`6:5 schema/unknown-field unknown field "severity" in rule | move it under labels:`},
		},
		{
			"annotation beside expr",
			"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    summary: down\n",
			[]string{`6:5 schema/unknown-field unknown field "summary" in rule | move it under annotations:`},
		},
		{
			"typo",
			"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    label: {a: b}\n",
			[]string{`6:5 schema/unknown-field unknown field "label" in rule | did you mean "labels"?`},
		},
		{
			"rule fields in group",
			"groups:\n- name: a\n  alert: A\n",
			[]string{`3:3 schema/unknown-field unknown field "alert" in group | rule fields go inside rules: as a list item (- alert: ...)`},
		},
		{
			"thanos field in a plain file",
			"groups:\n- name: a\n  partial_response_strategy: warn\n",
			[]string{`3:3 schema/unknown-field unknown field "partial_response_strategy" in group: a field of thanos, not of prometheus | if thanos evaluates this file, lint it in that dialect (dialect: thanos in the lint config); otherwise remove it`},
		},
		{
			"wrong types",
			"groups:\n- name: a\n  limit: x\n  rules:\n  - alert: [A]\n    expr: up\n    labels: [a]\n",
			[]string{
				`3:10 schema/wrong-type limit must be a whole number, not "x" | `,
				`5:12 schema/wrong-type alert must be a single value, not a list | `,
				`7:13 schema/wrong-type labels must be a mapping of name: value, not a list | `,
			},
		},
		{
			"missing fields",
			"groups:\n- rules:\n  - alert: A\n  - expr: up\n",
			[]string{
				`2:3 schema/missing-field group has no name | add name: with a name unique in the file`,
				`3:5 schema/missing-field a rule needs a non-empty expr: | add expr: with the PromQL query`,
				`4:5 schema/missing-field a rule needs alert: or record: | add alert: <Name> for an alerting rule, or record: <level:metric:operations> for a recording rule`,
			},
		},
		{
			"both alert and record",
			"groups:\n- name: a\n  rules:\n  - alert: A\n    record: b\n    expr: up\n",
			[]string{`5:5 schema/alert-and-record a rule sets both alert: and record: | split it into an alerting rule and a recording rule`},
		},
		{
			"duplicate keys",
			"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up\n    expr: down\n    labels:\n      a: b\n      a: c\n",
			[]string{
				`6:5 yaml/duplicate-key "expr" is defined twice in this rule (first at line 5) | keep one of them; YAML does not allow a key twice in a mapping`,
				`9:7 yaml/duplicate-key "a" is defined twice in labels (first at line 8) | keep one of them; YAML does not allow a key twice in a mapping`,
			},
		},
		{
			"missing groups",
			"rules:\n- alert: A\n",
			[]string{
				`1:1 schema/unknown-field unknown field "rules" in rule file | groups go in a list under groups: (groups: - name: ... rules: ...)`,
				`1:1 schema/missing-field no groups: key in the file | rules must be in groups: a list of {name, rules}`,
			},
		},
		{
			"merge keys and aliases",
			"common: &c\n  severity: page\ngroups:\n- name: a\n  rules:\n  - alert: A\n    expr: up\n    labels:\n      <<: *c\n      team: x\n",
			[]string{`1:1 schema/unknown-field unknown field "common" in rule file | known fields: groups`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := ReadFile("f.yaml", []byte(tt.src))
			var got []string
			for _, d := range ds {
				got = append(got, fmt.Sprintf("%d:%d %s %s | %s", d.Pos.Line, d.Pos.Column, d.Check, d.Message, d.Fix))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDirectives(t *testing.T) {
	src := `# agentalerts file-disable=alert/summary whole file
groups:
- name: a
  rules:
  # agentalerts disable=promql/x,promql/y the reason
  - alert: A
    expr: up == 0
  - alert: B  # agentalerts disable=alert/for
    expr: |
      up == 0
  - alert: C
    expr: up == 0

  # agentalerts disable=alert/for nothing below
  # agentalerts enable=x
`
	f, ds := ReadFile("f.yaml", []byte(src))
	var got []string
	for _, d := range f.Directives {
		rule := "-"
		if d.Rule != nil {
			rule = d.Rule.Name()
		}
		got = append(got, fmt.Sprintf("%d:%d file=%v ids=%v reason=%q rule=%s", d.Line, d.Column, d.File, d.IDs, d.Reason, rule))
	}
	want := []string{
		`1:1 file=true ids=[alert/summary] reason="whole file" rule=-`,
		`5:3 file=false ids=[promql/x promql/y] reason="the reason" rule=A`,
		`8:15 file=false ids=[alert/for] reason="" rule=B`,
		`14:3 file=false ids=[alert/for] reason="nothing below" rule=-`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("directives mismatch (-want +got):\n%s", diff)
	}
	if f.Disabled["alert/summary"] == nil {
		t.Error("file-disable not recorded in Disabled")
	}
	if diff := cmp.Diff([]string{`15:3 directive/syntax unknown agentalerts directive "enable=x"; expected disable= or file-disable=`}, brief(ds)); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}

func FuzzReadFile(f *testing.F) {
	f.Add([]byte("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: |\n      up == 0\n"))
	f.Add([]byte("- alert: A\n  expr: 'a''b'\n"))
	f.Add([]byte("groups:\n- name: a\n  rules:\n  - record: r\n    expr: \"a\\u00e9\\\n  b\"\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if !utf8.Valid(src) {
			return // yaml.v3 rejects it; columns are runes
		}
		file, _ := ReadFile("f.yaml", src)
		for _, d := range file.Docs {
			for _, g := range d.Groups {
				for _, r := range g.Rules {
					if r.Expr.Mapped() {
						checkMapping(t, file, r)
					}
				}
			}
		}
	})
}

// BenchmarkRead reads and parses every rule file of the corpus (no
// checks): the floor every lint run pays.
func BenchmarkRead(b *testing.B) {
	needCorpus(b)
	var files [][]byte
	var paths []string
	var size int64
	for _, sub := range []string{"valid", "crd"} {
		filepath.WalkDir(filepath.Join(corpusDir, sub), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				src, err := os.ReadFile(p)
				if err == nil {
					files, paths = append(files, src), append(paths, p)
					size += int64(len(src))
				}
			}
			return nil
		})
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for i, src := range files {
			ReadFile(paths[i], src)
		}
	}
}

// TestAliasPositions: a value given by alias is placed at the alias.
func TestAliasPositions(t *testing.T) {
	src := "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {severity: &s page}\n  - alert: B\n    expr: up\n    labels: {severity: *s}\n"
	f, ds := ReadFile("f.yaml", []byte(src))
	if len(ds) != 0 {
		t.Fatalf("unexpected findings: %v", brief(ds))
	}
	b := f.Docs[0].Groups[0].Rules[1]
	kv, _ := b.Label("severity")
	if got := fmt.Sprintf("%s %v", kv.Value.Value, NodePos("f.yaml", kv.Value.Node)); got != "page f.yaml:9:24" {
		t.Errorf("aliased value = %s, want page at f.yaml:9:24", got)
	}
}

// Mapped reports whether the reader could map every character of the
// expression to its place in the file. When false, PosAt falls back to
// the start of the expr value.
func (e *Expr) Mapped() bool { return len(e.segs) > 0 }
