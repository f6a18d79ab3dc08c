//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// usage returns the CPU time (user + system) and peak resident set size
// of a finished child, from the rusage the kernel reports for it.
func usage(ps *os.ProcessState) (cpu time.Duration, maxRSS int64, ok bool) {
	ru, isRusage := ps.SysUsage().(*syscall.Rusage)
	if !isRusage || ru == nil {
		return 0, 0, false
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	maxRSS = int64(ru.Maxrss)
	// Linux and the BSDs report kilobytes, macOS bytes.
	if runtime.GOOS != "darwin" && runtime.GOOS != "ios" {
		maxRSS *= 1024
	}
	return cpu, maxRSS, true
}
