package gemm

import (
	"fmt"
	"sync"
)

// kernelFunc computes one mr×nr tile from packed panels; see kernelGeneric
// for the loop it stands for.
type kernelFunc func(kc int, a, b, c *float32, ldc int, beta float32)

// kernelSet is one code path: a micro-kernel, its tile shape and the cache
// blocking that suits it.
type kernelSet struct {
	name       string
	mr, nr     int // micro-tile rows (A panel width) and columns (B panel width)
	kc, mc, nc int // depth of a packed block, most rows per task, columns of a B block
	kernel     kernelFunc
	widen      widenLevel // how half-precision operands are widened while packing
}

// genericPath runs everywhere; its blocking only has to be sensible.
var genericPath = &kernelSet{name: "generic", mr: 4, nr: 4, kc: 256, mc: 4 * 32, nc: 1024, kernel: kernel4x4Generic}

// The dispatch table, filled once in init from golang.org/x/sys/cpu and
// read-only afterwards: every path this machine supports, best first, and
// the engine the package-level functions use.
var (
	supported     []*kernelSet
	defaultEngine *Engine
)

func init() {
	supported = append(archPaths(), genericPath)
	defaultEngine = newEngine(supported[0])
}

// Engine runs GEMMs on one code path and keeps that path's packing buffers
// for reuse between calls. It is safe for concurrent use.
type Engine struct {
	ks   *kernelSet
	pool sync.Pool // *workspace
}

func newEngine(ks *kernelSet) *Engine { return &Engine{ks: ks} }

// NewEngine returns an engine pinned to the named path ("avx512", "avx2",
// "neon" or "generic"), for benchmarks and parity checks; the package-level
// functions use the best path.
func NewEngine(path string) (*Engine, error) {
	for _, ks := range supported {
		if ks.name == path {
			return newEngine(ks), nil
		}
	}
	return nil, fmt.Errorf("gemm: path %q not supported on this machine (have %v)", path, Paths())
}

// Path names the engine's code path.
func (e *Engine) Path() string { return e.ks.name }

// Path names the code path the package-level functions use: "avx512",
// "avx2", "neon" or "generic".
func Path() string { return defaultEngine.ks.name }

// Paths lists the code paths this machine supports, best first; "generic"
// is always last.
func Paths() []string {
	names := make([]string, len(supported))
	for i, ks := range supported {
		names[i] = ks.name
	}
	return names
}
