package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForCallsEachIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 4}, {1, 4}, {10, 1}, {100, 3}, {5, 50}} {
		calls := make([]int32, tc.n)
		var running, most int32
		For(tc.n, tc.workers, func(i int) {
			r := atomic.AddInt32(&running, 1)
			for {
				m := atomic.LoadInt32(&most)
				if r <= m || atomic.CompareAndSwapInt32(&most, m, r) {
					break
				}
			}
			atomic.AddInt32(&calls[i], 1)
			atomic.AddInt32(&running, -1)
		})
		for i, c := range calls {
			if c != 1 {
				t.Errorf("n=%d workers=%d: index %d called %d times", tc.n, tc.workers, i, c)
			}
		}
		if int(most) > tc.workers {
			t.Errorf("n=%d workers=%d: %d calls at once", tc.n, tc.workers, most)
		}
	}
}
