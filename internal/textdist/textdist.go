// Package textdist measures how far apart two short strings are, for the
// "did you mean" hints of spec, rule-file, test-file and check-id errors.
package textdist

// Levenshtein is the edit distance between a and b in bytes: the names it
// compares (keys, check ids, label values) are ASCII, where bytes are
// characters.
func Levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Closest returns the index of the candidate nearest to s, at an edit
// distance of at most 2 that accept allows for it (each caller has its own
// idea of a likely typo), or -1. Ties go to the earlier candidate.
func Closest(s string, candidates []string, accept func(d int, cand string) bool) int {
	best, bestD := -1, 3
	for i, c := range candidates {
		if d := Levenshtein(s, c); d < bestD && accept(d, c) {
			best, bestD = i, d
		}
	}
	return best
}
