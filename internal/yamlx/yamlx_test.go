package yamlx

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func TestSyntaxPositions(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"tab in indentation", "a:\n  b: 1\n\tc: 2\n", "3:1: found a tab character that violates indentation"},
		{"parser error lines are 0-based in yaml.v3", "a:\n  b: 1\n c: 2\n", "3:2: did not find expected key"},
		{"dedented out of a list item", "l:\n  - a: 1\n    b: 2\n  c: 3\n", "4:3: did not find expected '-' indicator"},
		{"control character", "a: \"x\x01\"\n", "1:6: control character U+0001 is not allowed (YAML allows tab, line breaks and printable characters)"},
		{"trailing blank lines belong to the text above", "a: [1, 2\n\n\n", "1:1: did not find expected ',' or ']'"},
		{"a key dedented between two levels is found by re-parsing", "g:\n  - name: x\n    rules:\n      - alert: A\n        expr: up\n     bad: [\n", "6:6: did not find expected key"},
		{"the failing line, not the first line of the construct", "a:\n  b: 1\n  c: 2\n  d: 3\n  e: 4\n  f: 5\n  g: 6\n  h: 7\n x: 8\n  i: 9\n", "9:2: did not find expected key"},
		{"unterminated quote", "a: 1\nb: \"x\n", "2:1: found unexpected end of stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src))
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("Parse error = %v (%T), want a *SyntaxError", err, err)
			}
			if diff := cmp.Diff(tt.want, se.Error()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSyntaxTooDeep(t *testing.T) {
	_, err := Parse([]byte(strings.Repeat("[", 20000)))
	if se, ok := err.(*SyntaxError); !ok || !se.TooDeep {
		t.Fatalf("Parse = %v, want a SyntaxError marked TooDeep", err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "---\n"} {
		doc, err := Parse([]byte(src))
		if root := Root(doc); err != nil || (root != nil && !IsNull(root)) {
			t.Errorf("Parse(%q) = %v, %v; want no document or a null one", src, root, err)
		}
	}
}

func TestDocumentsStopsAtSyntaxError(t *testing.T) {
	var seen []string
	err := Documents([]byte("a: 1\n---\nb: 2\n---\nc: [\n"), func(n *yaml.Node) bool {
		seen = append(seen, Root(n).Content[0].Value)
		return true
	})
	if diff := cmp.Diff([]string{"a", "b"}, seen); diff != "" {
		t.Errorf("documents mismatch (-want +got):\n%s", diff)
	}
	if se, ok := err.(*SyntaxError); !ok || se.Line != 5 {
		t.Errorf("err = %v, want a SyntaxError on line 5", err)
	}
}

func TestMeasureBoundedOnBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 20; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	doc, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	e := Measure(doc)
	if e.Written > 500 || e.Expanded != 1<<40 {
		t.Fatalf("Measure = %+v, want few nodes written and the expansion saturated at 2^40", e)
	}
	if e.Worst == nil || e.WorstSize != 1<<40 {
		t.Errorf("worst alias = %v of %d nodes, want one that saturates", e.Worst, e.WorstSize)
	}
}

func TestInline(t *testing.T) {
	doc, err := Parse([]byte("d: &d {x: 1}\ns: *d\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e := Measure(doc); e.Expanded != 10 {
		t.Errorf("expanded = %d, want 10 (the document, its mapping of 2 pairs and the copy)", e.Expanded)
	}
	Inline(doc)
	root := Root(doc)
	if s := Get(root, "s"); s.Kind != yaml.MappingNode || Get(s, "x").Value != "1" {
		t.Errorf("s after Inline = %+v, want the anchored mapping", s)
	}
}

func TestEntries(t *testing.T) {
	doc, err := Parse([]byte("base: &b {name: n, jb: j}\nm:\n  name: x\n  name: y\n  [k]: 1\n  treshold: 2\n  <<: *b\n"))
	if err != nil {
		t.Fatal(err)
	}
	root := Root(doc)
	var got []string
	for e := range (Schema{Known: []string{"name", "job", "threshold"}, Merge: true}).Entries(Get(root, "m")) {
		s := fmt.Sprintf("%d:%d %s", e.Key.Line, e.Key.Column, e.Key.Value)
		switch e.Problem {
		case NotString:
			s += " not-string"
		case Duplicate:
			s += fmt.Sprintf(" duplicate of line %d", e.First.Line)
		case Unknown:
			s += " unknown, suggest " + e.Suggest
		}
		if e.Merged {
			s += " merged"
		}
		got = append(got, s)
	}
	want := []string{
		"3:3 name",
		"4:3 name duplicate of line 3",
		"5:3  not-string",
		"6:3 treshold unknown, suggest threshold",
		// the merged name is overridden by the explicit one, silently
		"1:20 jb unknown, suggest job merged",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries mismatch (-want +got):\n%s", diff)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"lint", "generate", "threshold"}
	for in, want := range map[string]string{"lnt": "lint", "Treshold": "threshold", "xyz": "", "generaet": "generate"} {
		if got := Suggest(in, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOverBudget(t *testing.T) {
	for _, tt := range []struct {
		e    Expansion
		want bool
	}{
		{Expansion{Written: 10, Expanded: 2_000_000, Worst: &yaml.Node{}}, true},
		{Expansion{Written: 300_000, Expanded: 2_000_000, Worst: &yaml.Node{}}, false}, // a large file, not a bomb
		{Expansion{Written: 10, Expanded: 999_999, Worst: &yaml.Node{}}, false},
		{Expansion{Written: 10, Expanded: 2_000_000}, false}, // no alias: all of it written
	} {
		if got := tt.e.OverBudget(); got != tt.want {
			t.Errorf("%+v.OverBudget() = %v, want %v", tt.e, got, tt.want)
		}
	}
}

func TestShape(t *testing.T) {
	doc, err := Parse([]byte("m: {a: 1}\nl: [1]\nn: null\ns: text\na: &x 1\nb: *x\n"))
	if err != nil {
		t.Fatal(err)
	}
	root := Root(doc)
	for key, want := range map[string]string{"m": "a mapping", "l": "a list", "n": "null", "s": "", "b": "an alias"} {
		if got := Shape(Get(root, key)); got != want {
			t.Errorf("Shape(%s) = %q, want %q", key, got, want)
		}
	}
	if got := Shape(doc); got != "a document" {
		t.Errorf("Shape(document) = %q, want %q", got, "a document")
	}
}

func TestWalkVisitsSharedNodesOnce(t *testing.T) {
	doc, err := Parse([]byte("a: &a [1, 2]\nb: *a\nc: *a\n"))
	if err != nil {
		t.Fatal(err)
	}
	Inline(doc)
	visits := map[*yaml.Node]int{}
	Walk(doc, func(n *yaml.Node) { visits[n]++ })
	for n, k := range visits {
		if k != 1 {
			t.Errorf("node %q visited %d times", n.Value, k)
		}
	}
	// The document, its mapping, 3 keys, the one list and its 2 items.
	if len(visits) != 8 {
		t.Errorf("visited %d nodes, want 8", len(visits))
	}
}

// TestSyntaxRetryBounded: on a file too large to re-parse within the
// budget, the position falls back to the construct yaml.v3 names, fast.
func TestSyntaxRetryBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("top:\n  a:\n")
	for b.Len() < maxRetryBytes {
		b.WriteString("    key: value value value value value value\n")
	}
	b.WriteString("   x: 1\n    y: 2\n")
	start := time.Now()
	_, err := Parse([]byte(b.String()))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Parse of %d bytes took %v", b.Len(), d)
	}
	se, ok := err.(*SyntaxError)
	if !ok || se.Line != 2 {
		t.Fatalf("err = %v, want a SyntaxError at line 2, the construct yaml.v3 names", err)
	}
}
