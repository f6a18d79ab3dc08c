// Package linediff prints the unified diff of two texts that `generate
// --check` shows. It takes the hunks of go-internal's anchored diff, which
// is fast on megabytes of rules but anchors only on unique lines, and
// refines each run of removed-then-added lines with a longest common
// subsequence, so that a changed threshold shows the lines that changed
// and not every repeated "for: 5m" or "labels:" around them.
package linediff

import (
	"bytes"

	"github.com/rogpeppe/go-internal/diff"
)

// maxRefine bounds the lines of one removed or added run that are refined
// (the table is the product of both): a run longer than this is printed
// as the anchored diff gave it.
const maxRefine = 4000

// Unified returns the unified diff of old and new, nil when they are equal.
// Hunk headers stay those of the anchored diff: turning a removed and an
// added copy of one line into a context line keeps both line counts.
func Unified(oldName string, old []byte, newName string, new []byte) []byte {
	d := diff.Diff(oldName, old, newName, new)
	if d == nil {
		return nil
	}
	lines := bytes.SplitAfter(d, []byte("\n"))
	var out bytes.Buffer
	for i := 0; i < len(lines); {
		l := lines[i]
		if len(l) == 0 || l[0] != '-' || bytes.HasPrefix(l, []byte("--- ")) {
			out.Write(l)
			i++
			continue
		}
		j := i
		for j < len(lines) && len(lines[j]) > 0 && lines[j][0] == '-' {
			j++
		}
		k := j
		for k < len(lines) && len(lines[k]) > 0 && lines[k][0] == '+' && !bytes.HasPrefix(lines[k], []byte("+++ ")) {
			k++
		}
		refine(&out, lines[i:j], lines[j:k])
		i = k
	}
	return out.Bytes()
}

// refine writes removed and added lines (with their - and + marks) as a
// minimal edit: lines both runs share become context lines.
func refine(out *bytes.Buffer, removed, added [][]byte) {
	if len(added) == 0 || len(removed) > maxRefine || len(added) > maxRefine {
		for _, l := range removed {
			out.Write(l)
		}
		for _, l := range added {
			out.Write(l)
		}
		return
	}
	n, m := len(removed), len(added)
	same := func(a, b []byte) bool { return bytes.Equal(a[1:], b[1:]) }
	// lcs[i][j]: longest common subsequence of removed[i:] and added[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if same(removed[i], added[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && same(removed[i], added[j]):
			out.WriteByte(' ')
			out.Write(removed[i][1:])
			i++
			j++
		case j == m || i < n && lcs[i+1][j] >= lcs[i][j+1]:
			out.Write(removed[i])
			i++
		default:
			out.Write(added[j])
			j++
		}
	}
}
