package gemm

// Operand is a logical rows×cols matrix read block by block and widened to
// float32.
type Operand interface {
	Dims() (rows, cols int)
	// Block copies the logical sub-matrix [r0,r0+nr)×[c0,c0+nc) into dst
	// row-major with row stride ld. Must be safe to call concurrently.
	Block(r0, nr, c0, nc int, dst []float32, ld int)
}

// PanelPacker is an optional fast path for a B operand whose Block would
// only be a staging copy, such as an implicit im2col matrix: gemm then asks
// it for packed panels directly and the values are written once instead of
// twice (gathered into a block, then re-laid into panels).
type PanelPacker interface {
	// PackPanels writes rows [p0,p0+kc) × cols [c0,c0+cols) as panels of w
	// columns: element (p0+p, c0+q*w+l) goes to dst[q*w*kc+p*w+l]. Lanes
	// past cols in the last panel need not be written (gemm zeroes them).
	// Must be safe to call concurrently.
	PackPanels(dst []float32, p0, kc, c0, cols, w int)
}

// Activation is applied element-wise by the epilogue after bias.
type Activation uint8

const (
	ActNone      Activation = iota
	ActSiLU                 // x·σ(x)
	ActGELU                 // x·Φ(x), exact (erf) form
	ActGELUTanh             // 0.5x(1+tanh(√(2/π)(x+0.044715x³)))
	ActQuickGELU            // x·σ(1.702x)
	ActReLU                 // max(x, 0)
)

// Epilogue is fused into the last pass over each C tile, while it is still
// in cache: C[i][j] = Act(C[i][j] + BiasCol[j] + BiasRow[i]).
type Epilogue struct {
	BiasCol []float32 // len n, added to every row; nil for none
	BiasRow []float32 // len m, added to every column; nil for none
	Act     Activation
}

// strided is a matrix stored with element (r, c) at data[r*rs+c*cs]; one of
// rs, cs is 1. Exactly one of f32, f16 is set.
type strided struct {
	rows, cols int
	rs, cs     int
	f32        []float32
	f16        []uint16
	bf16       bool
}

func (s *strided) Dims() (int, int) { return s.rows, s.cols }

func (s *strided) Block(r0, nr, c0, nc int, dst []float32, ld int) {
	if r0 < 0 || c0 < 0 || nr < 0 || nc < 0 || r0+nr > s.rows || c0+nc > s.cols {
		panic("gemm: Block out of range")
	}
	for i := 0; i < nr; i++ {
		row := dst[i*ld : i*ld+nc]
		base := (r0+i)*s.rs + c0*s.cs
		for j := range row {
			row[j] = s.at(base + j*s.cs)
		}
	}
}

func (s *strided) at(off int) float32 {
	if s.f32 != nil {
		return s.f32[off]
	}
	return halfToFloat(s.f16[off], s.bf16)
}

// span is the number of elements a rows×cols matrix with the given strides
// reaches, or 0 when it is empty.
func span(rows, cols, rs, cs int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*rs + (cols-1)*cs + 1
}

func checkStorage(rows, cols, stride, minStride int) {
	switch {
	case rows < 0 || cols < 0:
		panic("gemm: negative dimension")
	case stride < max(1, minStride):
		panic("gemm: stride too small")
	}
}

// Dense is a row-major rows×cols matrix: element (r, c) is data[r*stride+c].
func Dense(rows, cols int, data []float32, stride int) Operand {
	checkStorage(rows, cols, stride, cols)
	if len(data) < span(rows, cols, stride, 1) {
		panic("gemm: data too short")
	}
	return &strided{rows: rows, cols: cols, rs: stride, cs: 1, f32: orEmpty(data)}
}

// DenseT is a logical rows×cols matrix stored transposed (cols×rows,
// row-major): element (r, c) is data[c*stride+r].
func DenseT(rows, cols int, data []float32, stride int) Operand {
	checkStorage(rows, cols, stride, rows)
	if len(data) < span(rows, cols, 1, stride) {
		panic("gemm: data too short")
	}
	return &strided{rows: rows, cols: cols, rs: 1, cs: stride, f32: orEmpty(data)}
}

// Half is a rows×cols matrix of IEEE binary16 (bf16 false) or bfloat16 (bf16
// true) values, row-major or, with trans, stored transposed like DenseT. It
// stays half-size in memory; values are widened while packing.
func Half(rows, cols int, bits []uint16, stride int, bf16, trans bool) Operand {
	rs, cs, minStride := stride, 1, cols
	if trans {
		rs, cs, minStride = 1, stride, rows
	}
	checkStorage(rows, cols, stride, minStride)
	if len(bits) < span(rows, cols, rs, cs) {
		panic("gemm: data too short")
	}
	if bits == nil {
		bits = []uint16{}
	}
	return &strided{rows: rows, cols: cols, rs: rs, cs: cs, f16: bits, bf16: bf16}
}

// orEmpty keeps f32 non-nil so that strided can tell its element type.
func orEmpty(d []float32) []float32 {
	if d == nil {
		return []float32{}
	}
	return d
}

// Gemm computes C = alpha·A·B + beta·C, then the epilogue (nil for none),
// with A m×k, B k×n and C row-major m×n with row stride ldc. Tiles are
// spread over threads goroutines (threads <= 0: runtime.GOMAXPROCS(0)).
// beta == 0 overwrites C without reading it. Invalid shapes panic, as in
// BLAS.
func Gemm(a, b Operand, alpha, beta float32, c []float32, ldc int, ep *Epilogue, threads int) {
	defaultEngine.Gemm(a, b, alpha, beta, c, ldc, ep, threads)
}

// Sgemm is the BLAS-style form over row-major float32 slices, parallel over
// all cores: C = alpha·op(A)·op(B) + beta·C with op(A) m×k and op(B) k×n;
// transA means a holds A as k×m (lda ≥ m), likewise transB.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	defaultEngine.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemm is the package-level Sgemm on this engine's path.
func (e *Engine) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	e.Gemm(denseOp(transA, m, k, a, lda), denseOp(transB, k, n, b, ldb), alpha, beta, c, ldc, nil, 0)
}

func denseOp(trans bool, rows, cols int, data []float32, stride int) Operand {
	if trans {
		return DenseT(rows, cols, data, stride)
	}
	return Dense(rows, cols, data, stride)
}
