// Package textdist measures how far apart two short strings are, for the
// "did you mean" hints of spec, rule-file, test-file and check-id errors.
package textdist

import "unicode"

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

// OneLetterApart reports whether a and b differ by one added, dropped or
// changed letter, or by two neighbouring letters swapped, where no rune
// that differs is a digit (rate1m and rate5m are two windows, node_load1
// and node_load5 two metrics). Not Levenshtein: that counts a swap as two
// edits and cannot leave digits out.
func OneLetterApart(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) > len(y) {
		x, y = y, x
	}
	i := 0
	for i < len(x) && x[i] == y[i] {
		i++
	}
	if i == len(y) {
		return false // equal
	}
	letter := func(r rune) bool { return !unicode.IsDigit(r) }
	switch len(y) - len(x) {
	case 1: // y has one more rune, at i
		return string(x[i:]) == string(y[i+1:]) && letter(y[i])
	case 0:
		if string(x[i+1:]) == string(y[i+1:]) {
			return letter(x[i]) && letter(y[i])
		}
		return i+1 < len(x) && x[i] == y[i+1] && x[i+1] == y[i] && string(x[i+2:]) == string(y[i+2:]) &&
			letter(x[i]) && letter(x[i+1])
	}
	return false
}
