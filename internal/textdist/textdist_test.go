package textdist

import "testing"

func TestLevenshtein(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"page", "page", 0},
		{"pgae", "page", 2},
		{"treshold", "threshold", 1},
		{"critical", "page", 8},
		{"kitten", "sitting", 3},
	} {
		if got := Levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Levenshtein(tt.b, tt.a); got != tt.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	any := func(int, string) bool { return true }
	short := func(d int, c string) bool { return d*2 < len(c) }
	for _, tt := range []struct {
		s      string
		cands  []string
		accept func(int, string) bool
		want   int
	}{
		{"treshold", []string{"for", "threshold", "window"}, any, 1},
		{"pgae", []string{"page", "ticket"}, any, 0},
		{"xyz", []string{"page", "ticket"}, any, -1}, // distance 3 or more
		{"lg", []string{"log", "page"}, any, 0},      // nearest wins
		{"lg", []string{"log"}, short, 0},            // 1*2 < 3: accepted
		{"lo", []string{"go"}, short, -1},            // 1*2 < 2 fails: refused
		{"ab", []string{"abc", "abd"}, any, 0},       // tie: the earlier
		{"", nil, any, -1},
	} {
		if got := Closest(tt.s, tt.cands, tt.accept); got != tt.want {
			t.Errorf("Closest(%q, %q) = %d, want %d", tt.s, tt.cands, got, tt.want)
		}
	}
}

func TestOneLetterApart(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"wlatencypa", "wlatencya", true},            // added
		{"job:latncy:avg", "job:latency:avg", true},  // dropped
		{"job:latenci:avg", "job:latency:avg", true}, // changed
		{"job:agnet:avg", "job:agent:avg", true},     // swapped
		{"job:x:rate1m", "job:x:rate5m", false},      // another window
		{"node_load1", "node_load15", false},         // a digit added
		{"job:x:avg", "job:x:avg", false},            // the same
		{"job:x:avg", "job:y:max", false},            // two changes
		{"abcd", "badc", false},                      // two swaps
	}
	for _, tt := range tests {
		if got := OneLetterApart(tt.a, tt.b); got != tt.want {
			t.Errorf("OneLetterApart(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := OneLetterApart(tt.b, tt.a); got != tt.want {
			t.Errorf("OneLetterApart(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}
