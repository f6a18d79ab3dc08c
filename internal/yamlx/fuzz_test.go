package yamlx

import (
	"bytes"
	"testing"
)

// FuzzSyntax: whatever the input, a syntax error is placed on a line of
// the text, at a column of that line (or just past its end, where the
// text ends), and placing it never panics.
func FuzzSyntax(f *testing.F) {
	for _, s := range []string{
		"a: [\n", "a:\n  b: 1\n c: 2\n", "l:\n  - a: 1\n    b: 2\n  c: 3\n", "a: \"x\x01\"\n",
		"a:\n\tb: 1\n", "- a\nb: 1\n", "a: 'x\n", "{a: 1, b\n", "---\na: 1\n---\n b: [\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := Parse(src)
		se, ok := err.(*SyntaxError)
		if !ok {
			return
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		if se.Line < 1 || se.Line > lines || se.Column < 1 {
			t.Fatalf("%q: error at %d:%d, outside the %d lines", src, se.Line, se.Column, lines)
		}
	})
}
