package gemm

// Micro is an engine's micro-kernel for callers that lay out packed panels
// themselves, such as the Winograd convolution, whose 36 small products per
// tile block read operands it writes straight into panel form (going
// through Gemm would pack each of them a second time).
//
// An A panel holds MR rows of a k-deep slice, column by column: element
// (i, p) is a[p*MR+i]. A B panel holds NR columns, row by row: element
// (p, j) is b[p*NR+j]. A panel of full depth can be cut into depth blocks
// by slicing: rows [p0,p1) of it are a[p0*MR:p1*MR] (b[p0*NR:p1*NR]).
type Micro struct {
	MR, NR int // tile rows and columns
	// KC is the depth the engine blocks by: an A panel of this depth stays
	// in L1 while B panels stream past it.
	KC     int
	kernel kernelFunc
}

// Micro returns the engine's micro-kernel.
func (e *Engine) Micro() Micro {
	return Micro{MR: e.ks.mr, NR: e.ks.nr, KC: e.ks.kc, kernel: e.ks.kernel}
}

// Tile computes the MR×NR tile C = A·B from a k-deep A panel and B panel,
// or C += A·B when accumulate is set; C is row-major with row stride ldc.
// Operands too short for k, MR, NR and ldc panic, as Gemm does.
func (m Micro) Tile(k int, a, b, c []float32, ldc int, accumulate bool) {
	switch {
	case k <= 0:
		panic("gemm: Micro.Tile depth must be positive")
	case len(a) < k*m.MR || len(b) < k*m.NR:
		panic("gemm: Micro.Tile panel too short")
	case ldc < m.NR || len(c) < (m.MR-1)*ldc+m.NR:
		panic("gemm: Micro.Tile C too short")
	}
	var beta float32
	if accumulate {
		beta = 1
	}
	m.kernel(k, &a[0], &b[0], &c[0], ldc, beta)
}
