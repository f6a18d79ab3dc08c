package linediff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUnified(t *testing.T) {
	rule := func(threshold string) string {
		return `groups:
  - name: g
    rules:
      - alert: A
        expr: x > ` + threshold + `
        for: 5m
        labels:
          severity: page
      - alert: B
        expr: y > 1
        for: 5m
        labels:
          severity: page
`
	}
	tests := []struct {
		name, old, new, want string
	}{
		{name: "equal", old: "a\n", new: "a\n", want: ""},
		// The anchored diff alone would show all four lines of each
		// rule as removed and added: they repeat, so none is an anchor.
		{
			name: "a changed threshold is one line out, one in",
			old:  rule("0.1"), new: rule("0.12"),
			want: `diff old new
--- old
+++ new
@@ -2,7 +2,7 @@
   - name: g
     rules:
       - alert: A
-        expr: x > 0.1
+        expr: x > 0.12
         for: 5m
         labels:
           severity: page
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Unified("old", []byte(tt.old), "new", []byte(tt.new)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUnifiedApplies checks the refined diff is still a correct diff: the
// old text is its context and removed lines, the new text its context and
// added lines, hunk by hunk, on texts with many repeated lines.
func TestUnifiedApplies(t *testing.T) {
	var old, new bytes.Buffer
	for i := 0; i < 200; i++ {
		old.WriteString("  for: 5m\n  labels:\n")
		new.WriteString("  for: 5m\n  labels:\n")
		if i%37 == 0 {
			old.WriteString("x: 1\n")
			new.WriteString("x: 2\n")
		}
	}
	d := string(Unified("a", old.Bytes(), "b", new.Bytes()))
	var minus, plus, ctx int
	for _, l := range strings.Split(d, "\n") {
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
		case strings.HasPrefix(l, "-"):
			minus++
		case strings.HasPrefix(l, "+"):
			plus++
		case strings.HasPrefix(l, " "):
			ctx++
		}
	}
	if minus != 6 || plus != 6 {
		t.Errorf("%d removed and %d added lines, want the 6 changed x lines each:\n%s", minus, plus, d)
	}
}
