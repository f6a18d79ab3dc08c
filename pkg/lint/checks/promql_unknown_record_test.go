package checks

import "testing"

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
		if got := oneLetterApart(tt.a, tt.b); got != tt.want {
			t.Errorf("oneLetterApart(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := oneLetterApart(tt.b, tt.a); got != tt.want {
			t.Errorf("oneLetterApart(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}
