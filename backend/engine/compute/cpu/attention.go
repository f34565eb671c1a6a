package cpu

import (
	"fmt"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// attnKeys is about how many keys one online-softmax step covers (rounded
// up to the micro-kernel's MR): the score block (keys × NR floats, 25 KiB
// with AVX-512) and the Vᵀ panel that meets it in the PV product (MR × keys,
// 11 KiB) fit L1 together, so the PV tiles read both from there. At 256
// keys they did not (34 + 15 KiB against 48), and the 4096-token SD case ran
// ~5% slower (interleaved runs on the 2-core Sapphire Rapids VM).
const attnKeys = 192

// Attention is scaled-dot-product attention computed flash-attention style
// (Dao et al. 2022, "FlashAttention", Algorithm 1): for each block of queries
// it streams blocks of keys, keeping a running maximum and sum per query
// (the online softmax of Milakov & Gimelshein 2018) and rescaling the
// partial output whenever the maximum grows. The Nq×Nk matrix never exists.
//
// Everything runs on the gemm micro-kernel with packed panels, transposed so
// that the scores come out in the layout the next product wants:
//   - per (batch, head), K is packed once as A panels (MR keys, times
//     scale·log2 e so that the softmax can use 2^x) and Vᵀ once as A panels
//     (MR value dims × all keys); every query block then streams them from
//     cache;
//   - a task is one panel of NR queries, packed once as a B panel of Qᵀ;
//   - Sᵀ = K·Qᵀ comes out keys × queries, row stride NR: exactly a packed B
//     panel of Pᵀ, so after the softmax step Oᵀ += Vᵀ·Pᵀ reads it as is;
//   - with one query per column, the softmax's per-query max and sum are
//     plain vector operations down the rows (vmath.FlashStep).
//
// Parallelism is over (batch·head, query panel) tasks; memory is the packed
// K and V (linear in tokens) plus one score block per thread.
func (d *Device) Attention(q, k, v tensor.Tensor, p compute.AttentionParams) (tensor.Tensor, error) {
	const op = "attention"
	if err := compute.CheckAttention(q, k, v); err != nil {
		return tensor.Tensor{}, err
	}
	qs, err := d.f32(q, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	ks, err := d.f32(k, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	vs, err := d.f32(v, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	b, nq, h, dh := q.Dim(0), q.Dim(1), q.Dim(2), q.Dim(3)
	nk, dv := k.Dim(1), v.Dim(3)
	scale := p.Scale
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(dh)))
	}
	out, y, err := d.newF32(tensor.Shape{b, nq, h, dv})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	if b*h*nq == 0 {
		return out, nil
	}
	a := attention{
		tl: d.gemm.Tiler(), d: d, q: qs, k: ks, v: vs, out: y,
		b: b, nq: nq, nk: nk, h: h, dh: dh, dv: dv, causal: p.Causal,
	}
	a.pack(scale * math.Log2E)
	a.run()
	return out, nil
}

// attention is one call's geometry and packed operands.
type attention struct {
	tl                   gemm.Tiler
	d                    *Device
	q, k, v, out         []float32 // [B, N, H, D] row-major
	b, nq, nk, h, dh, dv int
	causal               bool
	kSize, vSize         int       // packed floats per head
	packed               []float32 // per head: K panels, then Vᵀ panels
	dvPad, blockKeys     int
}

// pack packs K (times kScale) and Vᵀ of every head, heads in parallel.
func (a *attention) pack(kScale float32) {
	mr := a.tl.MR()
	a.kSize = a.tl.PackedASize(a.nk, a.dh)
	a.vSize = a.tl.PackedASize(a.dv, a.nk)
	a.dvPad = (a.dv + mr - 1) / mr * mr
	a.blockKeys = (attnKeys + mr - 1) / mr * mr
	heads := a.b * a.h
	a.packed = make([]float32, heads*(a.kSize+a.vSize))
	if a.nk == 0 {
		return
	}
	a.d.tasks(heads, func(_, bh int) {
		bi, hi := bh/a.h, bh%a.h
		dst := a.packed[bh*(a.kSize+a.vSize):]
		if a.dh > 0 {
			kop := gemm.Dense(a.nk, a.dh, a.k[bi*a.nk*a.h*a.dh+hi*a.dh:], a.h*a.dh)
			a.tl.PackA(dst[:a.kSize], kop, 0, a.nk, 0, a.dh, kScale)
		}
		if a.dv > 0 {
			vop := gemm.DenseT(a.dv, a.nk, a.v[bi*a.nk*a.h*a.dv+hi*a.dv:], a.h*a.dv)
			a.tl.PackA(dst[a.kSize:a.kSize+a.vSize], vop, 0, a.dv, 0, a.nk, 1)
		}
	})
}

// attnScratch is one worker's tile memory, reused across all its tasks.
type attnScratch struct {
	qp   []float32 // packed Qᵀ panel [D, NR]
	s    []float32 // scores, then probabilities, [blockKeys, NR]
	o    []float32 // unnormalised Oᵀ [dvPad, NR]
	m, l []float32 // running max (log2 units) and sum per query
}

// run computes every (batch·head, query panel) task.
func (a *attention) run() {
	mr, nr := a.tl.MR(), a.tl.NR()
	panels := (a.nq + nr - 1) / nr
	tasks := a.b * a.h * panels
	scratch := make([]*attnScratch, min(a.d.threads, tasks))
	a.d.tasks(tasks, func(w, task int) {
		sc := scratch[w]
		if sc == nil {
			sc = &attnScratch{
				qp: make([]float32, max(1, a.dh)*nr), s: make([]float32, a.blockKeys*nr),
				o: make([]float32, a.dvPad*nr), m: make([]float32, nr), l: make([]float32, nr),
			}
			scratch[w] = sc
		}
		bh, qb := task/panels, task%panels
		a.panel(sc, bh, qb*nr, min(nr, a.nq-qb*nr), mr, nr)
	})
}

// panel computes the output rows of queries [q0, q0+rows) of head bh.
func (a *attention) panel(sc *attnScratch, bh, q0, rows, mr, nr int) {
	bi, hi := bh/a.h, bh%a.h
	kp := a.packed[bh*(a.kSize+a.vSize):][:a.kSize]
	vp := a.packed[bh*(a.kSize+a.vSize)+a.kSize:][:a.vSize]
	if a.dh > 0 {
		qop := gemm.DenseT(a.dh, a.nq, a.q[bi*a.nq*a.h*a.dh+hi*a.dh:], a.h*a.dh)
		a.tl.PackB(sc.qp, qop, 0, a.dh, q0, rows)
	}
	clear(sc.o)
	for j := range sc.m {
		sc.m[j], sc.l[j] = float32(math.Inf(-1)), 0
	}
	keys := a.nk
	if a.causal {
		keys = min(a.nk, q0+rows) // later keys are masked for every query
	}
	for k0 := 0; k0 < keys; k0 += a.blockKeys {
		kc := min(a.blockKeys, keys-k0)
		// Sᵀ = (scale·log2 e·K) Qᵀ, MR keys per tile.
		for r := 0; r < kc; r += mr {
			if a.dh == 0 {
				clear(sc.s[r*nr : (r+mr)*nr])
				continue
			}
			a.tl.Tile(a.dh, kp[(k0+r)*a.dh:], sc.qp, sc.s[r*nr:], nr, 0)
		}
		if a.causal {
			// Key k0+r is masked for queries before it: columns j < k0+r−q0.
			for r := max(0, q0+1-k0); r < kc; r++ {
				row := sc.s[r*nr : r*nr+min(nr, k0+r-q0)]
				for j := range row {
					row[j] = float32(math.Inf(-1))
				}
			}
		}
		a.d.vm.FlashStep(sc.s, kc, nr, sc.o, a.dvPad, sc.m, sc.l)
		// Oᵀ += Vᵀ Pᵀ, MR value dims per tile.
		for r := 0; r < a.dvPad; r += mr {
			a.tl.Tile(kc, vp[r*a.nk+k0*mr:], sc.s, sc.o[r*nr:], nr, 1)
		}
	}
	// out[q][c] = Oᵀ[c][q] / l[q].
	ld := a.h * a.dv
	base := (bi*a.nq+q0)*ld + hi*a.dv
	for j := 0; j < rows; j++ {
		inv := 1 / sc.l[j]
		dst := a.out[base+j*ld : base+j*ld+a.dv]
		for c := range dst {
			dst[c] = sc.o[c*nr+j] * inv
		}
	}
}
