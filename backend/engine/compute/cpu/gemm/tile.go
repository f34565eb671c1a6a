package gemm

// Tiler exposes one code path's micro-kernel and packing for callers that
// keep their own packed panels across many products. Flash attention is the
// case in point: it packs each head's K and V once and then streams them
// past every block of queries, which the Gemm entry (re-packing both
// operands per call) cannot express.
//
// Packed layouts: an A panel holds MR rows of a kc-deep slice as
// a[p*MR+i]; a B panel holds NR columns as b[p*NR+j]. Rows or columns past
// the matrix edge are zero.
type Tiler struct{ ks *kernelSet }

// Tiler returns the engine's micro-kernel and packing.
func (e *Engine) Tiler() Tiler { return Tiler{ks: e.ks} }

// MR is the micro-tile's row count (the width of an A panel).
func (t Tiler) MR() int { return t.ks.mr }

// NR is the micro-tile's column count (the width of a B panel).
func (t Tiler) NR() int { return t.ks.nr }

// KC is the depth the path blocks products by: an A panel that deep stays
// in L1 while B panels stream past it. Callers with deeper panels cut them
// (rows [p0,p1) of a packed panel are a[p0*MR:p1*MR]) and accumulate.
func (t Tiler) KC() int { return t.ks.kc }

// Path names the code path, as Engine.Path does.
func (t Tiler) Path() string { return t.ks.name }

// PackedASize is the length PackA needs for rows rows of depth kc.
func (t Tiler) PackedASize(rows, kc int) int { return ceilDiv(rows, t.ks.mr) * t.ks.mr * kc }

// PackedBSize is the length PackB needs for cols columns of depth kc.
func (t Tiler) PackedBSize(kc, cols int) int { return ceilDiv(cols, t.ks.nr) * t.ks.nr * kc }

// PackA packs rows [r0,r0+rows) × cols [p0,p0+kc) of a, times alpha, into
// ceil(rows/MR) panels of MR rows: panel r starts at dst[r*MR*kc].
func (t Tiler) PackA(dst []float32, a Operand, r0, rows, p0, kc int, alpha float32) {
	m, k := a.Dims()
	if r0 < 0 || rows < 0 || p0 < 0 || kc < 0 || r0+rows > m || p0+kc > k {
		panic("gemm: PackA block out of range")
	}
	if len(dst) < t.PackedASize(rows, kc) {
		panic("gemm: PackA dst too short")
	}
	var scratch []float32
	packA(a, dst, r0, rows, p0, kc, t.ks.mr, alpha, &scratch, t.ks.widen)
}

// PackB packs rows [p0,p0+kc) × cols [c0,c0+cols) of b into ceil(cols/NR)
// panels of NR columns: panel q starts at dst[q*NR*kc].
func (t Tiler) PackB(dst []float32, b Operand, p0, kc, c0, cols int) {
	k, n := b.Dims()
	if p0 < 0 || kc < 0 || c0 < 0 || cols < 0 || p0+kc > k || c0+cols > n {
		panic("gemm: PackB block out of range")
	}
	if len(dst) < t.PackedBSize(kc, cols) {
		panic("gemm: PackB dst too short")
	}
	var scratch []float32
	packB(b, dst, p0, kc, c0, cols, t.ks.nr, &scratch, t.ks.widen)
}

// Tile computes one MR×NR tile from an A panel and a B panel of depth kc:
// C[i][j] = beta·C[i][j] + Σp a[p*MR+i]·b[p*NR+j], with C[i][j] at
// c[i*ldc+j]. beta == 0 does not read C. It is the path's assembly
// micro-kernel behind a bounds check.
func (t Tiler) Tile(kc int, a, b, c []float32, ldc int, beta float32) {
	mr, nr := t.ks.mr, t.ks.nr
	switch {
	case kc < 1:
		panic("gemm: Tile depth must be positive")
	case ldc < nr:
		panic("gemm: Tile ldc too small")
	case len(a) < kc*mr || len(b) < kc*nr || len(c) < (mr-1)*ldc+nr:
		panic("gemm: Tile operand too short")
	}
	t.ks.kernel(kc, &a[0], &b[0], &c[0], ldc, beta)
}
