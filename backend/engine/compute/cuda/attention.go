//go:build cuda

package cuda

import (
	"fmt"
	"math"

	"gorgonia.org/cu"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// maxFlashHead is the largest head size the fused attention kernels keep in
// shared memory (SD's heads are 40 to 160 wide). Wider heads, such as the
// VAE's single 512-wide head, go through the chunked path.
const maxFlashHead = 160

// flashQueries is the number of queries one attention block owns.
const flashQueries = 64

// scoreChunkBytes bounds the score block the chunked path materialises.
const scoreChunkBytes = 256 << 20

func round16(n int) int { return (n + 15) &^ 15 }

// attentionSmem is the dynamic shared memory of one attention block
// (layouts in kernels.cu).
func attentionSmem(kernel string, dh, dv int) int {
	if kernel == "attention_f32" {
		return (64*dh + 64*dv + dv*64) * 4
	}
	dp, dvp := round16(dh), round16(dv)
	return 64*(dp+8)*2 + 64*(max(dp, dvp)+8)*2 + 64*68*4 + 64*72*2 + 64*(dvp+4)*4 + 2*64*4
}

// Attention is softmax(q·kᵀ·scale)·v per (batch, head).
func (d *Device) Attention(q, k, v tensor.Tensor, p compute.AttentionParams) (tensor.Tensor, error) {
	const op = "attention"
	if err := compute.CheckAttention(q, k, v); err != nil {
		return tensor.Tensor{}, err
	}
	b, nq, h, dh := q.Dim(0), q.Dim(1), q.Dim(2), q.Dim(3)
	nk, dv := k.Dim(1), v.Dim(3)
	scale := p.Scale
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(dh)))
	}
	defer d.enter(op)()
	qp, qdone, err := d.f32(q, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer qdone()
	kp, kdone, err := d.f32(k, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer kdone()
	vp, vdone, err := d.f32(v, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer vdone()
	out, ob, err := d.newF32(tensor.Shape{b, nq, h, dv})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	kernel := "attention_tc"
	if d.exact {
		kernel = "attention_f32"
	}
	smem := attentionSmem(kernel, dh, dv)
	if dh <= maxFlashHead && dv <= maxFlashHead && smem <= d.attnSmem[kernel] {
		grid := [3]int{(nq + flashQueries - 1) / flashQueries, h, b}
		if d.exact {
			err = d.launch(kernel, grid, 64, smem, qp, kp, vp, ob.ptr, nq, nk, h, dh, dv, scale, p.Causal)
		} else {
			err = d.launch(kernel, grid, 128, smem, qp, kp, vp, ob.ptr, nq, nk, h, dh, dv, round16(dh), round16(dv), scale, p.Causal)
		}
	} else {
		err = d.chunkedAttention(qp, kp, vp, ob.ptr, b, nq, nk, h, dh, dv, scale, p.Causal)
	}
	if err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s q%v k%v: %w", op, q.Shape(), k.Shape(), err)
	}
	return out, nil
}

// chunkedAttention handles heads too wide for the fused kernels: per head and
// per chunk of queries, scores = q·kᵀ (a gemm over the strided layout),
// a row softmax, then out = p·v, with the score block bounded by
// scoreChunkBytes. The caller holds enter().
func (d *Device) chunkedAttention(q, k, v, o cu.DevicePtr, b, nq, nk, h, dh, dv int, scale float32, causal bool) error {
	if causal {
		return fmt.Errorf("%w: causal attention with head size %d > %d", tensor.ErrShape, max(dh, dv), maxFlashHead)
	}
	chunk := max(1, min(nq, scoreChunkBytes/(4*b*nk)))
	s, err := d.newBuffer(b*chunk*nk, false)
	if err != nil {
		return err
	}
	defer d.release(s)
	off := func(p cu.DevicePtr, elems int) cu.DevicePtr { return p + cu.DevicePtr(4*elems) }
	for head := 0; head < h; head++ {
		for q0 := 0; q0 < nq; q0 += chunk {
			rows := min(chunk, nq-q0)
			scores := gemmCall{
				a: off(q, q0*h*dh+head*dh), b: off(k, head*dh), c: s.ptr,
				aLayout: 'r', bLayout: 'n', m: rows, n: nk, k: dh, lda: h * dh, ldb: h * dh, ldc: nk,
				strideA: int64(nq * h * dh), strideB: int64(nk * h * dh), strC: int64(rows * nk),
				batch: b, alpha: scale,
			}
			if err := d.gemm(scores); err != nil {
				return err
			}
			if err := d.launch("softmax_rows", [3]int{b * rows, 1, 1}, 256, 0, s.ptr, s.ptr, nk); err != nil {
				return err
			}
			mix := gemmCall{
				a: s.ptr, b: off(v, head*dv), c: off(o, q0*h*dv+head*dv),
				aLayout: 'r', bLayout: 'k', m: rows, n: dv, k: nk, lda: nk, ldb: h * dv, ldc: h * dv,
				strideA: int64(rows * nk), strideB: int64(nk * h * dv), strC: int64(nq * h * dv),
				batch: b, alpha: 1,
			}
			if err := d.gemm(mix); err != nil {
				return err
			}
		}
	}
	return nil
}
