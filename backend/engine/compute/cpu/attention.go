package cpu

import (
	"fmt"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Attention tile sizes. A query block's scores (attnBQ×attnBK floats) and its
// output accumulator (attnBQ×Dv) stay in L2 while the key blocks stream by.
const (
	attnBQ = 64
	attnBK = 256
)

// attnScratch is one worker's tile memory, reused across all its tasks, so
// the whole call allocates O(threads·tile) no matter the token count.
type attnScratch struct {
	s    []float32 // scores, then probabilities, [attnBQ, attnBK]
	o    []float32 // unnormalised output [attnBQ, Dv]
	m, l []float32 // running row max and row sum of exp
}

// Attention is scaled-dot-product attention computed flash-attention style
// (Dao et al. 2022, "FlashAttention", Algorithm 1): for each block of queries
// it streams blocks of keys, keeping a running maximum and sum per row (the
// online softmax of Milakov & Gimelshein 2018) and rescaling the partial
// output whenever the maximum grows. The Nq×Nk matrix never exists.
// QKᵀ and PV tiles are single-threaded gemm calls; parallelism is over
// (batch·head, query block) tasks.
func (d *Device) Attention(q, k, v tensor.Tensor, p compute.AttentionParams) (tensor.Tensor, error) {
	const op = "attention"
	if q.Rank() != 4 || k.Rank() != 4 || v.Rank() != 4 ||
		k.Dim(0) != q.Dim(0) || v.Dim(0) != q.Dim(0) ||
		k.Dim(2) != q.Dim(2) || v.Dim(2) != q.Dim(2) ||
		k.Dim(3) != q.Dim(3) || v.Dim(1) != k.Dim(1) {
		return tensor.Tensor{}, fmt.Errorf("%s q%v k%v v%v: %w: want q [B, Nq, H, D], k [B, Nk, H, D], v [B, Nk, H, Dv]",
			op, q.Shape(), k.Shape(), v.Shape(), tensor.ErrShape)
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
	qBlocks := (nq + attnBQ - 1) / attnBQ
	scratch := make([]*attnScratch, min(d.threads, b*h*qBlocks))
	d.tasks(b*h*qBlocks, func(w, task int) {
		sc := scratch[w]
		if sc == nil {
			sc = &attnScratch{
				s: make([]float32, attnBQ*attnBK), o: make([]float32, attnBQ*dv),
				m: make([]float32, attnBQ), l: make([]float32, attnBQ),
			}
			scratch[w] = sc
		}
		bh, qb := task/qBlocks, task%qBlocks
		bi, hi := bh/h, bh%h
		q0 := qb * attnBQ
		rows := min(attnBQ, nq-q0)
		attnBlock(sc, attnJob{
			q: qs[(bi*nq+q0)*h*dh+hi*dh:], k: ks[bi*nk*h*dh+hi*dh:], v: vs[bi*nk*h*dv+hi*dv:],
			out: y[(bi*nq+q0)*h*dv+hi*dv:], ldq: h * dh, ldv: h * dv,
			rows: rows, q0: q0, nk: nk, dh: dh, dv: dv, scale: scale, causal: p.Causal,
		})
	})
	return out, nil
}

// attnJob is one (batch, head, query block) task. Slices start at the
// block's first element; rows of q/k advance by ldq, rows of v/out by ldv.
type attnJob struct {
	q, k, v, out []float32
	ldq, ldv     int
	rows, q0, nk int
	dh, dv       int
	scale        float32
	causal       bool
}

func attnBlock(sc *attnScratch, j attnJob) {
	o := sc.o[:j.rows*j.dv]
	clear(o)
	m, l := sc.m[:j.rows], sc.l[:j.rows]
	for i := range m {
		m[i], l[i] = float32(math.Inf(-1)), 0
	}
	keys := j.nk
	if j.causal {
		keys = min(j.nk, j.q0+j.rows) // later keys are masked for every row
	}
	qop := gemm.Dense(j.rows, j.dh, j.q[:(j.rows-1)*j.ldq+j.dh], j.ldq)
	for k0 := 0; k0 < keys; k0 += attnBK {
		nk := min(attnBK, keys-k0)
		s := sc.s[:j.rows*attnBK]
		// S = scale · Q Kᵀ; K is stored [nk, D], i.e. Kᵀ transposed.
		kop := gemm.DenseT(j.dh, nk, j.k[k0*j.ldq:k0*j.ldq+(nk-1)*j.ldq+j.dh], j.ldq)
		gemm.Gemm(qop, kop, j.scale, 0, s, attnBK, nil, 1)
		for i := 0; i < j.rows; i++ {
			row := s[i*attnBK : i*attnBK+nk]
			if j.causal {
				// Mask keys after query q0+i: columns from q0+i+1−k0 on.
				if first := j.q0 + i + 1 - k0; first < nk {
					for c := max(first, 0); c < nk; c++ {
						row[c] = float32(math.Inf(-1))
					}
				}
			}
			mx := m[i]
			for _, x := range row {
				mx = max(mx, x)
			}
			// Rescale what was accumulated under the old maximum.
			if mx > m[i] {
				corr := expf(m[i] - mx)
				l[i] *= corr
				orow := o[i*j.dv : (i+1)*j.dv]
				for c := range orow {
					orow[c] *= corr
				}
				m[i] = mx
			}
			var sum float32
			for c, x := range row {
				e := expf(x - mx)
				row[c] = e
				sum += e
			}
			l[i] += sum
		}
		// O += P · V.
		vop := gemm.Dense(nk, j.dv, j.v[k0*j.ldv:k0*j.ldv+(nk-1)*j.ldv+j.dv], j.ldv)
		gemm.Gemm(gemm.Dense(j.rows, nk, s[:(j.rows-1)*attnBK+nk], attnBK), vop, 1, 1, o, j.dv, nil, 1)
	}
	for i := 0; i < j.rows; i++ {
		inv := 1 / l[i]
		dst := j.out[i*j.ldv : i*j.ldv+j.dv]
		for c, x := range o[i*j.dv : (i+1)*j.dv] {
			dst[c] = x * inv
		}
	}
}

// expf is a float32 e^x accurate to about 2 ulp, several times faster than
// math.Exp: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-6 Taylor
// polynomial (truncation error r⁷/7! < 1.2e-7), then scaled by 2^n through
// the exponent bits. Attention spends most of its non-GEMM time here.
func expf(x float32) float32 {
	const (
		log2e = 1.4426950408889634
		ln2hi = 0.693359375 // ln 2 split so n·ln2hi is exact in float32
		ln2lo = -2.12194440e-4
	)
	if x < -87.3 { // e^x underflows float32 normals (also −Inf → 0)
		return 0
	}
	if x > 88 { // near overflow n would reach 128; not on the hot path
		return float32(math.Exp(float64(x)))
	}
	// Round x·log2e to an integer without a float64 round trip: adding
	// 1.5·2²³ pushes the fraction out of the float32 mantissa (Go never
	// reassociates float arithmetic, so the trick is safe).
	const magic = 12582912
	t := x*log2e + magic
	n := t - magic
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	e := int32(math.Float32bits(t)&0x7fffff) - 0x400000 // n as an integer
	return p * math.Float32frombits(uint32(e+127)<<23)
}
