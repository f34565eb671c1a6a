package cpu

import "sync"

// minGrain is the least work (in rough element-operations) worth handing to
// a goroutine; below it, spawning costs more than it saves.
const minGrain = 1 << 14

// parallel runs fn over [0, n) split into contiguous chunks on up to
// d.threads goroutines. cost is the rough work per index, used to avoid
// spreading tiny jobs. fn must be safe to call concurrently on disjoint ranges.
func (d *Device) parallel(n, cost int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := d.threads
	if cost < 1 {
		cost = 1
	}
	if maxW := (n*cost + minGrain - 1) / minGrain; maxW < workers {
		workers = maxW
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// tasks runs fn(i) for each i in [0, n) with dynamic scheduling: workers pull
// the next index from a shared counter, which balances uneven tasks such as
// causal-attention query blocks. Each worker gets its own id in [0, workers)
// so it can own scratch memory.
func (d *Device) tasks(n int, fn func(worker, i int)) {
	workers := min(d.threads, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	var next sync.Mutex
	i := 0
	take := func() int {
		next.Lock()
		defer next.Unlock()
		j := i
		i++
		return j
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := take(); j < n; j = take() {
				fn(w, j)
			}
		}()
	}
	wg.Wait()
}
