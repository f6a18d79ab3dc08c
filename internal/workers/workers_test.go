package workers

import (
	"sync/atomic"
	"testing"
)

func TestRunCallsEachOnce(t *testing.T) {
	for _, tc := range []struct{ workers, n int }{{1, 5}, {4, 0}, {4, 1}, {3, 100}, {100, 7}} {
		calls := make([]atomic.Int32, tc.n)
		Run(tc.workers, tc.n, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if c := calls[i].Load(); c != 1 {
				t.Errorf("workers %d, n %d: do(%d) called %d times", tc.workers, tc.n, i, c)
			}
		}
	}
}

// One worker runs in order on the caller's goroutine.
func TestRunOneWorkerInOrder(t *testing.T) {
	var got []int
	Run(1, 4, func(i int) { got = append(got, i) })
	for i, v := range got {
		if v != i {
			t.Fatalf("order %v, want 0..3", got)
		}
	}
	if len(got) != 4 {
		t.Fatalf("ran %d, want 4", len(got))
	}
}
