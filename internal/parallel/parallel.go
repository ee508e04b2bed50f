// Package parallel runs independent pieces of work side by side.
package parallel

import "sync"

// For calls do(i) for every i from 0 to n-1 on up to workers goroutines,
// and returns when all calls have returned (at least one goroutine: a
// count of 0 or less would wait for ever). Callers write each result to
// its own slot (out[i] = ...), so results keep their order.
func For(n, workers int, do func(i int)) {
	workers = max(1, min(workers, n))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				do(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
