package lint

import (
	"bytes"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// FuzzCompareWithBase feeds any base and current content of a file to the
// --diff-base comparison. Whatever the bytes: no panic; identical content
// hides every finding; against a base with no rules every current rule is
// new; no more current rules are unchanged than the base has rules; and a
// finding at a rule's first line is kept exactly when that rule is new or
// changed.
func FuzzCompareWithBase(f *testing.F) {
	f.Add([]byte(baseRules), []byte(headRules))
	f.Add([]byte(headRules), []byte(baseRules))
	f.Add([]byte(""), []byte(headRules))
	f.Add([]byte(baseRules), []byte(baseRules))
	f.Add([]byte("---\n---\n"+baseRules), []byte(baseRules+"---\n"+headRules))
	f.Add([]byte("x: &a {alert: A, expr: up}\ngroups: [{name: g, rules: [*a, *a]}]\n"), []byte("groups: [{name: g, rules: [{alert: A, expr: up}]}]\n"))
	f.Add([]byte("\xff\xfeg\x00"), []byte(baseRules))
	f.Fuzz(func(t *testing.T, oldSrc, curSrc []byte) {
		lim := ReadLimits{MaxDocuments: 50}
		fc := compareWithBase("f.yaml", oldSrc, curSrc, lim)
		if bytes.Equal(oldSrc, curSrc) {
			if fc.changed || fc.keeps(diag.Diagnostic{Pos: diag.Pos{File: "f.yaml", Line: 1}, Rule: "A"}) {
				t.Fatal("identical content keeps a finding")
			}
			return
		}
		if !fc.changed {
			t.Fatal("different content is not changed")
		}
		oldRules := 0
		if screen("f.yaml", oldSrc) == nil {
			old, _ := ReadFileLimits("f.yaml", oldSrc, lim)
			eachBaseRule(old, func(*Rule) { oldRules++ })
		}
		unchanged := 0
		for i, r := range fc.rules {
			if i > 0 && fc.rules[i-1].line > r.line {
				t.Fatalf("rules not in line order: %+v", fc.rules)
			}
			if !r.changed {
				unchanged++
			}
		}
		if unchanged > oldRules {
			t.Fatalf("%d rules unchanged, but the base has %d", unchanged, oldRules)
		}
		for i, r := range fc.rules {
			if r.name == "" {
				continue // findings carry a rule name; an unnamed rule gets none
			}
			// The finding belongs to the last rule with its name starting
			// at or before it: only a rule with a unique (line, name)
			// decides it.
			dup := false
			for j, o := range fc.rules {
				if j != i && o.line == r.line && o.name == r.name {
					dup = true
				}
			}
			if dup {
				continue
			}
			d := diag.Diagnostic{Pos: diag.Pos{File: "f.yaml", Line: r.line, Column: 1}, Group: r.group, Rule: r.name}
			if got := fc.keeps(d); got != r.changed {
				t.Fatalf("finding on rule %q at line %d: kept %v, want %v (rules %+v)", r.name, r.line, got, r.changed, fc.rules)
			}
		}
	})
}
