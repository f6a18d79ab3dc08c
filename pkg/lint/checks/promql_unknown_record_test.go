package checks

import "testing"

// Every pair one edit apart shares a deletion key, and the keys are those
// of the strings themselves: the same hash for the same string however it
// was reached.
func TestDeletionKeysShared(t *testing.T) {
	pairs := [][2]string{
		{"job:latency:avg", "job:latncy:avg"},   // dropped
		{"job:latency:avg", "job:latenncy:avg"}, // added
		{"job:latency:avg", "job:latensy:avg"},  // changed
		{"job:latency:avg", "job:laetncy:avg"},  // swapped
		{"abcd", "bcd"},                         // first rune
		{"abcd", "abc"},                         // last rune
		{"mé:trïc", "mé:tric"},                  // runes, not bytes
	}
	for _, p := range pairs {
		a := map[uint64]bool{}
		for _, k := range deletionKeys(p[0], nil) {
			a[k] = true
		}
		shared := false
		for _, k := range deletionKeys(p[1], nil) {
			shared = shared || a[k]
		}
		if !shared {
			t.Errorf("%q and %q share no deletion key", p[0], p[1])
		}
	}
	if deletionKeys("abd", nil)[0] != deletionKeys("abcd", nil)[3] {
		t.Errorf("abcd with c deleted does not hash as abd")
	}
}
