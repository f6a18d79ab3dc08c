//go:build !unix

package main

import (
	"os"
	"time"
)

// usage reports CPU time only: peak RSS needs a Unix rusage.
func usage(ps *os.ProcessState) (cpu time.Duration, maxRSS int64, ok bool) {
	return ps.UserTime() + ps.SystemTime(), 0, false
}
