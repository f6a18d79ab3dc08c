package cmd

import (
	"runtime/debug"
	"testing"
)

// TestSoftMemoryLimit: lint raises GOGC and sets its heap limit only when
// the user set neither, and puts both back afterwards (lint also runs
// in-process, in tests and from other commands).
func TestSoftMemoryLimit(t *testing.T) {
	tests := []struct {
		name         string
		gogc, memlim string
		wantGC       int
		wantMemLimit bool
	}{
		{name: "neither set", wantGC: lintGCPercent, wantMemLimit: true},
		{name: "GOGC set", gogc: "150", wantGC: -2, wantMemLimit: true},
		{name: "GOMEMLIMIT set", memlim: "1GiB", wantGC: -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			t.Setenv("GOMEMLIMIT", tt.memlim)
			origGC := debug.SetGCPercent(123)
			defer debug.SetGCPercent(origGC)
			origLim := debug.SetMemoryLimit(1 << 40)
			defer debug.SetMemoryLimit(origLim)

			restore := softMemoryLimit()
			gc := debug.SetGCPercent(-1)
			debug.SetGCPercent(gc)
			lim := debug.SetMemoryLimit(-1)
			want := tt.wantGC
			if want == -2 {
				want = 123 // left alone
			}
			if gc != want {
				t.Errorf("GOGC during lint = %d, want %d", gc, want)
			}
			if tt.wantMemLimit != (lim == lintMemoryLimit) {
				t.Errorf("memory limit during lint = %d, want lint's %v", lim, tt.wantMemLimit)
			}
			restore()
			if gc := debug.SetGCPercent(-1); gc != 123 {
				t.Errorf("GOGC after lint = %d, want 123 restored", gc)
			}
			debug.SetGCPercent(123)
			if lim := debug.SetMemoryLimit(-1); lim != 1<<40 {
				t.Errorf("memory limit after lint = %d, want %d restored", lim, int64(1<<40))
			}
		})
	}
}
