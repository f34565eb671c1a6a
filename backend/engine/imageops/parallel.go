package imageops

import (
	"runtime"
	"sync"
)

// minRowsPerWorker keeps goroutine overhead below the work on small images.
const minRowsPerWorker = 16

// parallelFor splits [0,n) into contiguous bands and runs fn on each band in
// its own goroutine; bands never overlap, so fn may write its rows freely.
func parallelFor(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/minRowsPerWorker)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range workers {
		lo, hi := i*n/workers, (i+1)*n/workers
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}
