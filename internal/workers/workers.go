// Package workers runs independent pieces of work on a bounded number of
// goroutines. generate builds services and writes files with it; one pool
// keeps one answer to "how many at once" and one place to test it.
package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Run calls do(0) … do(n-1) on up to workers goroutines and returns when
// all have returned. With one worker (or one piece) it runs them in order
// on the caller's goroutine.
func Run(workers, n int, do func(i int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			do(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				do(i)
			}
		}()
	}
	wg.Wait()
}

// All is Run on GOMAXPROCS goroutines.
func All(n int, do func(i int)) { Run(runtime.GOMAXPROCS(0), n, do) }
