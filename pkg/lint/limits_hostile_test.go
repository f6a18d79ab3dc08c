package lint

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// aliasBombYAML is a "billion laughs" document of size bytes: each anchor
// is a list of ten aliases of the one before, so the last expands to
// 10^levels nodes.
func aliasBombYAML(size int) []byte {
	var b strings.Builder
	b.WriteString("groups: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; b.Len() < size-200; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return []byte(b.String())
}

// TestAliasBombBounded: a 1 MiB alias bomb is rejected as io/read in
// under a second and 100 MiB of allocation (the bound; allocation
// is counted in total, an upper bound of the memory held at any time).
func TestAliasBombBounded(t *testing.T) {
	src := aliasBombYAML(1 << 20)
	if len(src) < 1<<20-300 {
		t.Fatalf("bomb is only %d bytes", len(src))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, ds := ReadFile("bomb.yaml", src)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("1 MiB alias bomb: %v, %d MiB allocated", elapsed, alloc>>20)
	if len(ds) != 1 || ds[0].Check != IDRead || !strings.Contains(ds[0].Message, "an alias bomb?") {
		t.Fatalf("findings = %v, want one io/read alias bomb", ds)
	}
	if alloc > 100<<20 {
		t.Errorf("allocated %d MiB, want under 100 MiB", alloc>>20)
	}
}

// TestLimits: each kind of hostile input is one io/read finding at the
// place it starts, and ordinary YAML aliases are not mistaken for a bomb.
func TestLimits(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"binary", "groups:\n  - \x00\x01\x02", []string{`2:5 io/read binary data (a NUL byte), not a YAML rule file`}},
		{"invalid UTF-8", "groups:\n- name: é\xff\n", []string{`2:10 io/read invalid UTF-8 (byte 0xff): rule files are UTF-8 text`}},
		{"huge line", "groups:\n# " + strings.Repeat("x", MaxLineLength) + "\n", []string{`2:1 io/read line of 1048578 bytes, over the limit of 1048576: not a rule file?`}},
		{"deep nesting", "groups: " + strings.Repeat("[", 10001), []string{`1:1 io/read YAML nested deeper than the decoder's limit of 10000 levels: not a rule file?`}},
		{"alias bomb", string(aliasBombYAML(600)), []string{`8:10 io/read YAML aliases expand 98 nodes written to 123456798 (alias *a6 alone to 11111111), over the limit of 1000000: an alias bomb?`}},
		{"many operators", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: " + strings.Repeat("up + ", 5000) + "up\n",
			[]string{`5:11 io/read expression with 5000 operators and parentheses, over the limit of 4096: not parsed`}},
		{"operators in strings do not count", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: 'up{job=\"" + strings.Repeat("a-b+", 5000) + "\"} == 0'\n    for: 5m\n", nil},
		{"aliases reused", "x: &l {team: a}\ngroups:\n- name: g\n  rules:\n  - {alert: A, expr: up == 0, labels: *l}\n  - {alert: B, expr: up == 0, labels: *l}\n", []string{`1:1 schema/unknown-field unknown field "x" in rule file`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			d := screen("f.yaml", []byte(tt.src))
			if d != nil {
				got = append(got, brief1(*d))
			} else {
				_, ds := ReadFile("f.yaml", []byte(tt.src))
				for _, d := range ds {
					got = append(got, brief1(d))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func brief1(d diag.Diagnostic) string {
	return fmt.Sprintf("%d:%d %s %s", d.Pos.Line, d.Pos.Column, d.Check, d.Message)
}

func TestExprOperators(t *testing.T) {
	tests := map[string]int{
		`up`: 0,
		`sum(rate(x[5m])) / sum(rate(y[5m])) > 0.1`:     6,
		`a or b and c unless d`:                         3,
		`order_total or_x`:                              0,
		`x{a="(+-*/",b!="x",c=~'(\'',d!~` + "`(`" + `}`: 1,
		`a == b != c >= d`:                              3,
	}
	for in, want := range tests {
		if got := exprOperators(in); got != want {
			t.Errorf("exprOperators(%q) = %d, want %d", in, got, want)
		}
	}
}
