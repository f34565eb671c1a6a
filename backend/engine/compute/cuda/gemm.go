//go:build cuda

package cuda

import (
	"fmt"
	"time"

	"gorgonia.org/cu"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Operand layouts and bias modes of the gemm kernels (kernels.cu).
const (
	biasNone = 0
	biasRow  = 1
	biasCol  = 2
	gemmTile = 128 // block tile in M and N, both kernel families
)

// gemmCall is one (batched) launch of a gemm kernel:
// C[b] = alpha·A[b]·B[b] + bias, act.
type gemmCall struct {
	a, b, c, bias          cu.DevicePtr
	aHalf, bHalf           bool
	aLayout, bLayout       byte // 'r'/'c' for A; 'k'/'n'/'v' (conv) for B
	m, n, k                int
	lda, ldb, ldc          int
	strideA, strideB, strC int64 // elements between batch items
	batch                  int
	alpha                  float32
	act                    compute.Activation
	biasMode               int
	conv                   convGeom // for bLayout 'v'
}

func typeCode(half bool) byte {
	if half {
		return 'h'
	}
	return 'f'
}

// gemm launches the call on the tensor cores, or on the float32 kernels when
// the device is exact. A call whose tiles would leave multiprocessors idle
// (the UNet's 16×16 and 8×8 levels, where K is 5 760 to 11 520 and the
// output small; the text context's projections) is split along K into partial products that a second kernel
// sums. The caller holds enter().
func (d *Device) gemm(g gemmCall) error {
	kind := "tc"
	if d.exact {
		kind = "f32"
	}
	name := fmt.Sprintf("gemm_%s_%c%c_%c%c", kind, g.aLayout, g.bLayout, typeCode(g.aHalf), typeCode(g.bHalf))
	gx, gy := (g.n+gemmTile-1)/gemmTile, (g.m+gemmTile-1)/gemmTile
	kSplit := 1
	if blocks := gx * gy * g.batch; !d.exact && blocks < d.sms && g.k >= 512 {
		kSplit = max(1, min(16, 2*d.sms/blocks, g.k/128))
	}
	var work *buffer
	if kSplit > 1 {
		var err error
		if work, err = d.newBuffer(g.batch*kSplit*g.m*g.n, false); err != nil {
			return err
		}
		defer d.release(work)
	}
	var workPtr cu.DevicePtr
	if work != nil {
		workPtr = work.ptr
	}
	var start time.Time
	if d.prof != nil {
		_ = cu.Synchronize()
		start = time.Now()
	}
	c := g.conv
	err := d.launch(name, [3]int{gx, gy, g.batch * kSplit}, 256, 0,
		g.a, g.b, g.c, g.bias, g.m, g.n, g.k, g.lda, g.ldb, g.ldc,
		g.strideA, g.strideB, g.strC, g.alpha, int(g.act), g.biasMode,
		c.cin, c.h, c.w, c.kh, c.kw, c.stride, c.pad, c.ow,
		kSplit, workPtr, vectorOK(g.a, g.lda, g.strideA, g.aHalf), vectorOK(g.b, g.ldb, g.strideB, g.bHalf))
	if err == nil && kSplit > 1 {
		err = d.launch1D("gemm_splitk_reduce", int64(g.batch*g.m*g.n), work.ptr, g.c, g.bias, g.m, g.n, g.ldc, g.strC,
			g.batch, kSplit, g.alpha, int(g.act), g.biasMode)
	}
	if d.prof != nil {
		_ = cu.Synchronize()
		d.prof.add(fmt.Sprintf("%s m%d n%d k%d b%d split%d", name, g.m, g.n, g.k, g.batch, kSplit), time.Since(start))
	}
	return err
}

// vectorOK reports whether an operand's rows can be read with 16-byte loads:
// the pointer, the row stride and the batch stride all keep 16-byte
// alignment.
func vectorOK(p cu.DevicePtr, ld int, batchStride int64, half bool) bool {
	v := 4
	if half {
		v = 8
	}
	return uintptr(p)%16 == 0 && ld%v == 0 && batchStride%int64(v) == 0
}

// MatMul multiplies the last two dims, batched.
func (d *Device) MatMul(a, b tensor.Tensor, transA, transB bool) (tensor.Tensor, error) {
	const op = "matmul"
	ab, err := d.buf(a, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	bb, err := d.buf(b, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	dims, err := compute.CheckMatMul(a, b, transA, transB)
	if err != nil {
		return tensor.Tensor{}, err
	}
	m, n, k, batch := dims.M, dims.N, dims.K, dims.Batch
	defer d.enter(op)()
	out, cb, err := d.newF32(append(batch.Clone(), m, n))
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	g := gemmCall{
		a: ab.ptr, b: bb.ptr, c: cb.ptr, aHalf: ab.half, bHalf: bb.half,
		aLayout: 'r', bLayout: 'k', m: m, n: n, k: k, lda: k, ldb: n, ldc: n,
		strideA: int64(m * k), strideB: int64(k * n), strC: int64(m * n),
		batch: max(batch.Numel(), 1), alpha: 1,
	}
	if transA {
		g.aLayout, g.lda = 'c', m
	}
	if transB {
		g.bLayout, g.ldb = 'n', k
	}
	if dims.SharedA {
		g.strideA = 0
	}
	if dims.SharedB {
		g.strideB = 0
	}
	if err := d.gemm(g); err != nil {
		d.release(cb)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// optional checks an optional per-channel vector and returns it as F32 (0
// when absent).
func (d *Device) optional(t tensor.Tensor, want int, op, what string) (cu.DevicePtr, func(), error) {
	if t.IsZero() {
		return 0, func() {}, nil
	}
	if t.Rank() != 1 || t.Dim(0) != want {
		return 0, nil, fmt.Errorf("%s: %w: %s shape %v, want [%d]", op, tensor.ErrShape, what, t.Shape(), want)
	}
	return d.f32(t, op)
}

// Linear is x·wᵀ + bias with a fused activation.
func (d *Device) Linear(x, w, bias tensor.Tensor, act compute.Activation) (tensor.Tensor, error) {
	const op = "linear"
	in, outF, err := compute.CheckLinear(x, w, act)
	if err != nil {
		return tensor.Tensor{}, err
	}
	xb, err := d.buf(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	wb, err := d.buf(w, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer d.enter(op)()
	bp, done, err := d.optional(bias, outF, op, "bias")
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer done()
	shape := x.Shape()
	shape[len(shape)-1] = outF
	out, cb, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	rows := x.Numel() / in
	g := gemmCall{
		a: xb.ptr, b: wb.ptr, c: cb.ptr, bias: bp, aHalf: xb.half, bHalf: wb.half,
		aLayout: 'r', bLayout: 'n', m: rows, n: outF, k: in, lda: in, ldb: in, ldc: outF,
		batch: 1, alpha: 1, act: act,
	}
	if bp != 0 {
		g.biasMode = biasCol
	}
	if err := d.gemm(g); err != nil {
		d.release(cb)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// convGeom is a validated conv2d problem (compute.CheckConv2D) in the
// names the kernels' parameters use.
type convGeom struct {
	n, cin, h, w   int
	cout, kh, kw   int
	stride, pad    int
	groups, oh, ow int
}

func convCheck(x, w tensor.Tensor, p compute.Conv2DParams) (convGeom, error) {
	c, err := compute.CheckConv2D(x, w, p)
	if err != nil {
		return convGeom{}, err
	}
	return convGeom{n: c.N, cin: c.Cin, h: c.H, w: c.W, cout: c.Cout, kh: c.KH, kw: c.KW,
		stride: c.Stride, pad: c.Pad, groups: c.Groups, oh: c.OH, ow: c.OW}, nil
}

// Conv2D is implicit-GEMM convolution: out[n] (Cout × OH·OW) = W (Cout ×
// Cin·KH·KW) · patches(x[n]), the patches gathered by the kernel as it loads
// its tiles. A 1×1 stride-1 convolution reads x[n] directly as the matrix.
func (d *Device) Conv2D(x, w, bias tensor.Tensor, p compute.Conv2DParams) (tensor.Tensor, error) {
	const op = "conv2d"
	if _, err := d.buf(x, op); err != nil {
		return tensor.Tensor{}, err
	}
	wb, err := d.buf(w, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	g, err := convCheck(x, w, p)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer d.enter(op)()
	bp, done, err := d.optional(bias, g.cout, op, "bias")
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer done()
	xp, xdone, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer xdone()
	out, cb, err := d.newF32(tensor.Shape{g.n, g.cout, g.oh, g.ow})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	if g.groups != 1 {
		name := "dwconv_f"
		if wb.half {
			name = "dwconv_h"
		}
		err = d.launch1D(name, int64(g.n*g.cout*g.oh*g.ow), xp, wb.ptr, bp, cb.ptr,
			g.n, g.cin, g.cout, g.h, g.w, g.kh, g.kw, g.stride, g.pad, g.oh, g.ow)
	} else {
		k := g.cin * g.kh * g.kw
		call := gemmCall{
			a: wb.ptr, b: xp, c: cb.ptr, bias: bp, aHalf: wb.half,
			aLayout: 'r', bLayout: 'v', m: g.cout, n: g.oh * g.ow, k: k, lda: k, ldc: g.oh * g.ow,
			strideB: int64(g.cin * g.h * g.w), strC: int64(g.cout * g.oh * g.ow),
			batch: g.n, alpha: 1, conv: g,
		}
		if g.kh == 1 && g.kw == 1 && g.stride == 1 && g.pad == 0 {
			call.bLayout, call.ldb = 'k', g.h*g.w
		}
		if bp != 0 {
			call.biasMode = biasRow
		}
		err = d.gemm(call)
	}
	if err != nil {
		d.release(cb)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
