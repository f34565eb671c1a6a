package compute

import (
	"fmt"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Shape rules every device applies the same way. Devices call these before
// touching memory, so a bad shape gives the same error on the CPU and on a
// GPU.

// MatMulDims is a validated MatMul: C [Batch…, M, N] = A [.., M, K] · B [.., K, N].
// SharedA/SharedB mark a rank-2 operand used by every batch item.
type MatMulDims struct {
	M, N, K          int
	Batch            tensor.Shape
	SharedA, SharedB bool
}

// CheckMatMul validates MatMul's operands (see Device.MatMul).
func CheckMatMul(a, b tensor.Tensor, transA, transB bool) (MatMulDims, error) {
	const op = "matmul"
	if a.Rank() < 2 || b.Rank() < 2 {
		return MatMulDims{}, fmt.Errorf("%s %v·%v: %w: operands need rank ≥ 2", op, a.Shape(), b.Shape(), tensor.ErrShape)
	}
	m, k := a.Dim(-2), a.Dim(-1)
	if transA {
		m, k = k, m
	}
	k2, n := b.Dim(-2), b.Dim(-1)
	if transB {
		k2, n = n, k2
	}
	if k != k2 {
		return MatMulDims{}, fmt.Errorf("%s %v·%v (transA=%v transB=%v): %w: inner dims %d and %d differ", op, a.Shape(), b.Shape(), transA, transB, tensor.ErrShape, k, k2)
	}
	batchA, batchB := a.Shape()[:a.Rank()-2], b.Shape()[:b.Rank()-2]
	d := MatMulDims{M: m, N: n, K: k, SharedA: a.Rank() == 2, SharedB: b.Rank() == 2}
	switch {
	case batchA.Equal(batchB), b.Rank() == 2:
		d.Batch = batchA
	case a.Rank() == 2:
		d.Batch = batchB
	default:
		return MatMulDims{}, fmt.Errorf("%s %v·%v: %w: batch dims %v and %v differ", op, a.Shape(), b.Shape(), tensor.ErrShape, batchA, batchB)
	}
	return d, nil
}

// CheckLinear validates Linear's x [..., In] and w [Out, In].
func CheckLinear(x, w tensor.Tensor, act Activation) (in, out int, err error) {
	const op = "linear"
	if !act.Valid() {
		return 0, 0, fmt.Errorf("%s: unknown activation %d", op, act)
	}
	if w.Rank() != 2 || x.Rank() < 1 || x.Dim(-1) != w.Dim(1) {
		return 0, 0, fmt.Errorf("%s x%v w%v: %w: want x [..., In] and w [Out, In]", op, x.Shape(), w.Shape(), tensor.ErrShape)
	}
	return w.Dim(1), w.Dim(0), nil
}

// ConvGeom is a validated conv2d problem.
type ConvGeom struct {
	N, Cin, H, W   int
	Cout, KH, KW   int
	Stride, Pad    int
	Groups, OH, OW int
}

// CheckConv2D validates Conv2D's x, w and parameters (see Device.Conv2D).
func CheckConv2D(x, w tensor.Tensor, p Conv2DParams) (ConvGeom, error) {
	g := ConvGeom{Stride: p.Stride, Pad: p.Padding, Groups: p.Groups}
	if g.Stride == 0 {
		g.Stride = 1
	}
	if g.Groups == 0 {
		g.Groups = 1
	}
	bad := func(why string, args ...any) (ConvGeom, error) {
		return ConvGeom{}, fmt.Errorf("conv2d x%v w%v %+v: %w: %s", x.Shape(), w.Shape(), p, tensor.ErrShape, fmt.Sprintf(why, args...))
	}
	if x.Rank() != 4 || w.Rank() != 4 {
		return bad("want x [N, Cin, H, W] and w [Cout, Cin/groups, KH, KW]")
	}
	if g.Stride < 0 || g.Pad < 0 || g.Groups < 0 {
		return bad("negative stride, padding or groups")
	}
	g.N, g.Cin, g.H, g.W = x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	g.Cout, g.KH, g.KW = w.Dim(0), w.Dim(2), w.Dim(3)
	switch {
	case g.Groups == 1:
		if w.Dim(1) != g.Cin {
			return bad("weight has %d input channels, x has %d", w.Dim(1), g.Cin)
		}
	case g.Groups == g.Cin:
		if w.Dim(1) != 1 || g.Cout%g.Cin != 0 {
			return bad("depthwise weight must be [k·Cin, 1, KH, KW]")
		}
	default:
		return bad("groups must be 1 or Cin (%d)", g.Cin)
	}
	if g.H+2*g.Pad < g.KH || g.W+2*g.Pad < g.KW {
		return bad("kernel larger than padded input")
	}
	g.OH = (g.H+2*g.Pad-g.KH)/g.Stride + 1
	g.OW = (g.W+2*g.Pad-g.KW)/g.Stride + 1
	return g, nil
}

// CheckAttention validates q [B, Nq, H, D], k [B, Nk, H, D], v [B, Nk, H, Dv].
func CheckAttention(q, k, v tensor.Tensor) error {
	if q.Rank() != 4 || k.Rank() != 4 || v.Rank() != 4 ||
		k.Dim(0) != q.Dim(0) || v.Dim(0) != q.Dim(0) ||
		k.Dim(2) != q.Dim(2) || v.Dim(2) != q.Dim(2) ||
		k.Dim(3) != q.Dim(3) || v.Dim(1) != k.Dim(1) {
		return fmt.Errorf("attention q%v k%v v%v: %w: want q [B, Nq, H, D], k [B, Nk, H, D], v [B, Nk, H, Dv]",
			q.Shape(), k.Shape(), v.Shape(), tensor.ErrShape)
	}
	return nil
}

// BroadcastDim is one dimension of a broadcast binary operation after
// merging: its size and the element strides of a and b along it (0 where
// that operand is broadcast).
type BroadcastDim struct{ N, StrideA, StrideB int }

// Broadcast applies NumPy broadcasting to shapes a and b: the output shape,
// and its dimensions outermost first with adjacent dimensions of the same
// broadcast pattern merged (at least one dimension, size-1 ones dropped).
func Broadcast(op string, a, b tensor.Shape) (tensor.Shape, []BroadcastDim, error) {
	r := max(len(a), len(b))
	da, db, out := make([]int, r), make([]int, r), make(tensor.Shape, r)
	for i := range r {
		da[i], db[i] = 1, 1
		if j := i - (r - len(a)); j >= 0 {
			da[i] = a[j]
		}
		if j := i - (r - len(b)); j >= 0 {
			db[i] = b[j]
		}
		switch {
		case da[i] == db[i] || db[i] == 1:
			out[i] = da[i]
		case da[i] == 1:
			out[i] = db[i]
		default:
			return nil, nil, fmt.Errorf("%s %v and %v: %w: dims %d and %d do not broadcast", op, a, b, tensor.ErrShape, da[i], db[i])
		}
	}
	// Merge adjacent dims with the same pattern, then turn the pattern into
	// element strides, innermost first.
	var dims []BroadcastDim
	for i := range r {
		if out[i] == 1 {
			continue
		}
		bcA, bcB := da[i] == 1, db[i] == 1
		if k := len(dims) - 1; k >= 0 && (dims[k].StrideA == 0) == bcA && (dims[k].StrideB == 0) == bcB {
			dims[k].N *= out[i]
			continue
		}
		dims = append(dims, BroadcastDim{N: out[i], StrideA: b2i(!bcA), StrideB: b2i(!bcB)})
	}
	if len(dims) == 0 {
		dims = []BroadcastDim{{N: 1, StrideA: 1, StrideB: 1}}
	}
	accA, accB := 1, 1
	for k := len(dims) - 1; k >= 0; k-- {
		if dims[k].StrideA != 0 {
			dims[k].StrideA = accA
			accA *= dims[k].N
		}
		if dims[k].StrideB != 0 {
			dims[k].StrideB = accB
			accB *= dims[k].N
		}
	}
	return out, dims, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CheckConcat validates Concat's inputs and returns the axis and the output
// shape.
func CheckConcat(axis int, ts []tensor.Tensor) (int, tensor.Shape, error) {
	const op = "concat"
	if len(ts) == 0 {
		return 0, nil, fmt.Errorf("%s: no tensors", op)
	}
	ax, err := tensor.Axis(axis, ts[0].Rank())
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", op, err)
	}
	shape := ts[0].Shape()
	total := 0
	for _, t := range ts {
		s := t.Shape()
		if len(s) != len(shape) {
			return 0, nil, fmt.Errorf("%s along %d: %w: %v and %v differ in rank", op, axis, tensor.ErrShape, shape, s)
		}
		for j := range s {
			if j != ax && s[j] != shape[j] {
				return 0, nil, fmt.Errorf("%s along %d: %w: %v and %v differ in dim %d", op, axis, tensor.ErrShape, shape, s, j)
			}
		}
		total += s[ax]
	}
	shape[ax] = total
	return ax, shape, nil
}

// CheckSplit validates Split's sizes and returns the axis.
func CheckSplit(x tensor.Shape, axis int, sizes []int) (int, error) {
	const op = "split"
	ax, err := tensor.Axis(axis, len(x))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	sum := 0
	for _, s := range sizes {
		if s <= 0 {
			return 0, fmt.Errorf("%s %v along %d into %v: %w: sizes must be positive", op, x, axis, sizes, tensor.ErrShape)
		}
		sum += s
	}
	if len(sizes) == 0 || sum != x[ax] {
		return 0, fmt.Errorf("%s %v along %d into %v: %w: sizes sum to %d, want %d", op, x, axis, sizes, tensor.ErrShape, sum, x[ax])
	}
	return ax, nil
}

// TimestepEmbeddingValues computes Device.TimestepEmbedding on the host:
// [len(timesteps), dim], cosines first, in float64 (LDM computes in
// float32, which differs by ~1e-4 at worst for t≈1000 at high frequency).
func TimestepEmbeddingValues(timesteps []float32, dim int) ([]float32, error) {
	if len(timesteps) == 0 || dim < 2 {
		return nil, fmt.Errorf("timestep embedding: %w: %d timesteps, dim %d (want ≥ 1 and ≥ 2)", tensor.ErrShape, len(timesteps), dim)
	}
	y := make([]float32, len(timesteps)*dim)
	half := dim / 2
	for n, t := range timesteps {
		row := y[n*dim : (n+1)*dim]
		for i := range half {
			freq := math.Exp(-math.Log(10000) * float64(i) / float64(half))
			arg := float64(t) * freq
			row[i] = float32(math.Cos(arg))
			row[half+i] = float32(math.Sin(arg))
		}
	}
	return y, nil
}

// CheckUpload validates an upload of n values as shape; half says
// UploadHalf with dtype dt (which must be F16 or BF16).
func CheckUpload(shape tensor.Shape, n int, half bool, dt tensor.DType) error {
	op := "upload"
	if half {
		op = "upload half"
		if !dt.IsHalf() {
			return fmt.Errorf("%s: dtype %v is not F16 or BF16", op, dt)
		}
	}
	if err := shape.Validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n != shape.Numel() {
		return fmt.Errorf("%s %v: %w: %d values, want %d", op, shape, tensor.ErrShape, n, shape.Numel())
	}
	return nil
}
