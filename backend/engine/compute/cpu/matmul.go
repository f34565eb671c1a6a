package cpu

import (
	"fmt"
	"runtime"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// operand views rows×cols of t starting at element off as a gemm operand.
// stored is how the matrix lies in memory: rows×cols row-major when !trans,
// cols×rows row-major (so the logical matrix is its transpose) when trans.
// Half tensors stay half: gemm widens them while packing.
func (d *Device) operand(t tensor.Tensor, b *buffer, off, rows, cols int, trans bool) gemm.Operand {
	ld := cols
	if trans {
		ld = rows
	}
	n := rows * cols
	if t.DType().IsHalf() {
		return gemm.Half(rows, cols, b.half[off:off+n], ld, t.DType() == tensor.BF16, trans)
	}
	if trans {
		return gemm.DenseT(rows, cols, b.f32[off:off+n], ld)
	}
	return gemm.Dense(rows, cols, b.f32[off:off+n], ld)
}

// MatMul is a batched matrix product over the last two dims.
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
	defer runtime.KeepAlive(ab) // half storage may be off-heap
	defer runtime.KeepAlive(bb)
	dims, err := compute.CheckMatMul(a, b, transA, transB)
	if err != nil {
		return tensor.Tensor{}, err
	}
	m, n, k, batch := dims.M, dims.N, dims.K, dims.Batch
	outShape := append(batch.Clone(), m, n)
	out, c, err := d.newF32(outShape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	nb := batch.Numel()
	strideA, strideB := m*k, k*n
	if a.Rank() == 2 {
		strideA = 0
	}
	if b.Rank() == 2 {
		strideB = 0
	}
	// Big products parallelise inside gemm; many small ones (attention-like
	// batches) parallelise over the batch with single-threaded gemms.
	inner := d.threads
	if nb >= d.threads && m*n*k < 1<<21 {
		inner = 1
	}
	run := func(i int) {
		opA := d.operand(a, ab, i*strideA, m, k, transA)
		opB := d.operand(b, bb, i*strideB, k, n, transB)
		d.gemm.Gemm(opA, opB, 1, 0, c[i*m*n:(i+1)*m*n], n, nil, inner)
	}
	if inner == 1 {
		d.tasks(nb, func(_, i int) { run(i) })
	} else {
		for i := 0; i < nb; i++ {
			run(i)
		}
	}
	return out, nil
}

// Linear computes act(x·wᵀ + bias) with bias and activation fused into the
// GEMM epilogue.
func (d *Device) Linear(x, w, bias tensor.Tensor, act compute.Activation) (tensor.Tensor, error) {
	const op = "linear"
	in, outF, err := compute.CheckLinear(x, w, act)
	if err != nil {
		return tensor.Tensor{}, err
	}
	xs, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	wb, err := d.buf(w, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer runtime.KeepAlive(wb) // its half storage may be off-heap
	bs, err := d.optional(bias, outF, op, "bias")
	if err != nil {
		return tensor.Tensor{}, err
	}
	rows := x.Numel() / in
	outShape := x.Shape()
	outShape[len(outShape)-1] = outF
	out, c, err := d.newF32(outShape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	var ep *gemm.Epilogue
	if bs != nil || act != compute.ActNone {
		ep = &gemm.Epilogue{BiasCol: bs, Act: gemmAct(act)}
	}
	// w is stored [Out, In]; the product needs wᵀ [In, Out]: a transposed view.
	d.gemm.Gemm(gemm.Dense(rows, in, xs, in), d.operand(w, wb, 0, in, outF, true), 1, 0, c, outF, ep, d.threads)
	return out, nil
}
