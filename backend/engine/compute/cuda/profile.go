//go:build cuda

package cuda

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// profiler charges wall time, with the GPU synchronised after every call,
// to each operation and to each gemm shape. It exists to find where a
// diffusion step's time goes (DREAMLAYER_CUDA_PROFILE=1); synchronising
// after every call makes the run itself slower.
type profiler struct {
	mu    sync.Mutex
	calls map[string]*profStat
}

type profStat struct {
	n     int
	total time.Duration
}

func (p *profiler) add(key string, dt time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.calls[key]
	if s == nil {
		s = &profStat{}
		p.calls[key] = s
	}
	s.n++
	s.total += dt
}

// report writes the 60 most expensive entries, most expensive first.
func (p *profiler) report(w io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.calls))
	for k := range p.calls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return p.calls[keys[i]].total > p.calls[keys[j]].total })
	fmt.Fprintf(w, "cuda profile (synchronised after each call):\n")
	for i, k := range keys {
		if i == 60 {
			break
		}
		s := p.calls[k]
		fmt.Fprintf(w, "  %10.2f ms %7d calls %9.1f µs/call  %s\n", float64(s.total)/1e6, s.n, float64(s.total)/1e3/float64(s.n), k)
	}
}
