package lora

import (
	"errors"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// errUnsupported marks a module whose tensors form no algorithm this
// package applies (DoRA, bias-only diffs, OFT, an incomplete set).
var errUnsupported = errors.New("unsupported adapter type")

// maxDim bounds every dimension read from an adapter file, so a hostile
// header cannot drive the size arithmetic into overflow.
const maxDim = 1 << 24

// group is one adapter module: its tensors by role, in one file.
type group struct {
	src   weights.Source
	mod   module
	names map[string]string // role → tensor name
}

func (g *group) has(role string) bool { _, ok := g.names[role]; return ok }

// shape of the weight block a delta must fill: out rows, in columns and
// the kernel's spatial size (1 for a linear layer).
type blockShape struct{ out, in, spatial int }

func (b blockShape) numel() int { return b.out * b.in * b.spatial }

// mat is a host tensor: data and its dimensions.
type mat struct {
	data  []float32
	shape []int
}

func (m mat) dim(i int) int { return m.shape[i] }

// read loads a role's tensor, checking its rank is in [minRank, maxRank]
// and every dimension is sane.
func (g *group) read(role string, minRank, maxRank int) (mat, error) {
	name := g.names[role]
	info, ok := g.src.Info(name)
	if !ok {
		return mat{}, fmt.Errorf("%s: missing", name)
	}
	if len(info.Shape) < minRank || len(info.Shape) > maxRank {
		return mat{}, fmt.Errorf("%s: shape %v, want rank %d…%d", name, info.Shape, minRank, maxRank)
	}
	shape := make([]int, len(info.Shape))
	for i, d := range info.Shape {
		if d < 1 || d > maxDim {
			return mat{}, fmt.Errorf("%s: shape %v", name, info.Shape)
		}
		shape[i] = int(d)
	}
	data, err := g.src.Float32(name)
	if err != nil {
		return mat{}, fmt.Errorf("%s: %w", name, err)
	}
	return mat{data: data, shape: shape}, nil
}

// alpha reads the module's alpha scalar; ok is false when it has none.
func (g *group) alpha() (float32, bool, error) {
	if !g.has(roleAlpha) {
		return 0, false, nil
	}
	a, err := g.read(roleAlpha, 0, 1)
	if err != nil {
		return 0, false, err
	}
	if len(a.data) != 1 {
		return 0, false, fmt.Errorf("%s: %d values, want 1", g.names[roleAlpha], len(a.data))
	}
	return a.data[0], true, nil
}

// rankScale is alpha/rank, or 1 without alpha (kohya's and LyCORIS'
// network_alpha convention; a missing alpha means alpha = rank).
func (g *group) rankScale(rank int) (float32, error) {
	a, ok, err := g.alpha()
	if err != nil || !ok {
		return 1, err
	}
	return a / float32(rank), nil
}

// delta computes the module's ΔW (already multiplied by its alpha scale)
// for a weight block of shape b, as a dense row-major [out, in·spatial].
func (g *group) delta(d compute.Device, b blockShape) ([]float32, error) {
	switch {
	case g.has(roleDoRA):
		return nil, fmt.Errorf("%w: DoRA (dora_scale)", errUnsupported)
	case g.has(roleDown) && g.has(roleUp):
		return g.lora(d, b)
	case g.has(roleW1A) && g.has(roleW1B) && g.has(roleW2A) && g.has(roleW2B):
		return g.loha(d, b)
	case (g.has(roleK1) || g.has(roleK1A) && g.has(roleK1B)) && (g.has(roleK2) || g.has(roleK2A) && g.has(roleK2B)):
		return g.lokr(d, b)
	case g.has(roleDiff):
		m, err := g.read(roleDiff, 1, 4)
		if err != nil {
			return nil, err
		}
		if len(m.data) != b.numel() {
			return nil, fmt.Errorf("diff of %v for a weight of %d elements", m.shape, b.numel())
		}
		return m.data, nil
	}
	return nil, fmt.Errorf("%w: tensors %v", errUnsupported, roles(g))
}

func roles(g *group) []string {
	out := make([]string, 0, len(g.names))
	for r := range g.names {
		out = append(out, r)
	}
	return out
}

// lora is LoRA/LoCon: ΔW = up·down, or with a Tucker core (LoCon's
// lora_mid) ΔW[p,q,s] = Σ_ij up[p,i]·mid[i,j,s]·down[j,q]; scaled by
// alpha/rank with rank = down's first dimension (ComfyUI lora.py).
func (g *group) lora(d compute.Device, b blockShape) ([]float32, error) {
	down, err := g.read(roleDown, 2, 4)
	if err != nil {
		return nil, err
	}
	up, err := g.read(roleUp, 2, 4)
	if err != nil {
		return nil, err
	}
	r := down.dim(0)
	scale, err := g.rankScale(r)
	if err != nil {
		return nil, err
	}
	if up.dim(0) != b.out || len(up.data) != b.out*up.dim(1) {
		return nil, fmt.Errorf("lora_up %v for a weight of %d rows", up.shape, b.out)
	}
	var out []float32
	if g.has(roleMid) {
		mid, err := g.read(roleMid, 4, 4)
		if err != nil {
			return nil, err
		}
		if mid.dim(0) != up.dim(1) || mid.dim(1) != r || len(down.data) != r*b.in || mid.dim(2)*mid.dim(3) != b.spatial {
			return nil, fmt.Errorf("lora_mid %v with lora_down %v and lora_up %v for a [%d %d ×%d] weight", mid.shape, down.shape, up.shape, b.out, b.in, b.spatial)
		}
		if out, err = tucker(d, mid, up.data, down.data, b); err != nil {
			return nil, err
		}
	} else {
		if up.dim(1) != r || len(down.data) != r*b.in*b.spatial {
			return nil, fmt.Errorf("lora_down %v and lora_up %v for a [%d %d ×%d] weight", down.shape, up.shape, b.out, b.in, b.spatial)
		}
		if out, err = matmul(d, up.data, b.out, r, down.data, b.in*b.spatial); err != nil {
			return nil, err
		}
	}
	scaleInPlace(out, scale)
	return out, nil
}

// loha is LoHa: ΔW = (w1a·w1b) ⊙ (w2a·w2b), or with CP cores
// (hada_t1/t2, where w·a is stored [rank, out]) each factor is
// Σ_ij t[i,j,s]·w_b[j,q]·w_a[i,p]; scaled by alpha / w1b's first
// dimension (LyCORIS loha.py, ComfyUI lora.py).
func (g *group) loha(d compute.Device, b blockShape) ([]float32, error) {
	factor := func(ra, rb, rt string) ([]float32, int, error) {
		a, err := g.read(ra, 2, 4)
		if err != nil {
			return nil, 0, err
		}
		bb, err := g.read(rb, 2, 4)
		if err != nil {
			return nil, 0, err
		}
		if g.has(rt) {
			t, err := g.read(rt, 4, 4)
			if err != nil {
				return nil, 0, err
			}
			if len(a.data) != t.dim(0)*b.out || len(bb.data) != t.dim(1)*b.in || t.dim(2)*t.dim(3) != b.spatial {
				return nil, 0, fmt.Errorf("%s %v, %s %v, %s %v for a [%d %d ×%d] weight", ra, a.shape, rb, bb.shape, rt, t.shape, b.out, b.in, b.spatial)
			}
			out, err := tucker(d, t, transpose(a.data, t.dim(0), b.out), bb.data, b)
			return out, bb.dim(0), err
		}
		r := bb.dim(0)
		if len(a.data) != b.out*r || len(bb.data) != r*b.in*b.spatial {
			return nil, 0, fmt.Errorf("%s %v and %s %v for a [%d %d ×%d] weight", ra, a.shape, rb, bb.shape, b.out, b.in, b.spatial)
		}
		out, err := matmul(d, a.data, b.out, r, bb.data, b.in*b.spatial)
		return out, r, err
	}
	m1, r, err := factor(roleW1A, roleW1B, roleT1)
	if err != nil {
		return nil, err
	}
	m2, _, err := factor(roleW2A, roleW2B, roleT2)
	if err != nil {
		return nil, err
	}
	scale, err := g.rankScale(r)
	if err != nil {
		return nil, err
	}
	for i := range m1 {
		m1[i] *= m2[i] * scale
	}
	return m1, nil
}

// lokr is LoKr: ΔW = w1 ⊗ w2 (Kronecker product; for a convolution w1 is
// [a, b] and w2 [c, d, kh, kw], so ΔW[i·c+k, j·d+l, s] = w1[i,j]·w2[k,l,s]),
// each factor stored whole or as a low-rank pair (w2 possibly with a CP
// core lokr_t2). Scaled by alpha/rank of the decomposed factor (w2's
// when both are), else 1 (ComfyUI lora.py).
func (g *group) lokr(d compute.Device, b blockShape) ([]float32, error) {
	var w1 mat
	rank := 0
	if g.has(roleK1) {
		m, err := g.read(roleK1, 2, 2)
		if err != nil {
			return nil, err
		}
		w1 = m
	} else {
		a, err := g.read(roleK1A, 2, 2)
		if err != nil {
			return nil, err
		}
		bb, err := g.read(roleK1B, 2, 2)
		if err != nil {
			return nil, err
		}
		if a.dim(1) != bb.dim(0) {
			return nil, fmt.Errorf("lokr_w1_a %v and lokr_w1_b %v", a.shape, bb.shape)
		}
		rank = bb.dim(0)
		data, err := matmul(d, a.data, a.dim(0), rank, bb.data, bb.dim(1))
		if err != nil {
			return nil, err
		}
		w1 = mat{data: data, shape: []int{a.dim(0), bb.dim(1)}}
	}
	a1, b1 := w1.dim(0), w1.dim(1)
	if b.out%a1 != 0 || b.in%b1 != 0 {
		return nil, fmt.Errorf("lokr_w1 %v does not divide a [%d %d] weight", w1.shape, b.out, b.in)
	}
	c, dd := b.out/a1, b.in/b1
	sub := blockShape{out: c, in: dd, spatial: b.spatial}
	var w2 []float32
	switch {
	case g.has(roleK2):
		m, err := g.read(roleK2, 2, 4)
		if err != nil {
			return nil, err
		}
		if len(m.data) != sub.numel() {
			return nil, fmt.Errorf("lokr_w2 %v, want %d×%d×%d elements", m.shape, c, dd, b.spatial)
		}
		w2 = m.data
	default:
		wa, err := g.read(roleK2A, 2, 2)
		if err != nil {
			return nil, err
		}
		wb, err := g.read(roleK2B, 2, 4)
		if err != nil {
			return nil, err
		}
		rank = wb.dim(0)
		if g.has(roleKT2) {
			t, err := g.read(roleKT2, 4, 4)
			if err != nil {
				return nil, err
			}
			if len(wa.data) != t.dim(0)*c || len(wb.data) != t.dim(1)*dd || t.dim(2)*t.dim(3) != b.spatial {
				return nil, fmt.Errorf("lokr_w2_a %v, lokr_w2_b %v, lokr_t2 %v for a [%d %d ×%d] block", wa.shape, wb.shape, t.shape, c, dd, b.spatial)
			}
			if w2, err = tucker(d, t, transpose(wa.data, t.dim(0), c), wb.data, sub); err != nil {
				return nil, err
			}
		} else {
			if wa.dim(0) != c || wa.dim(1) != rank || len(wb.data) != rank*sub.in*sub.spatial {
				return nil, fmt.Errorf("lokr_w2_a %v and lokr_w2_b %v for a [%d %d ×%d] block", wa.shape, wb.shape, c, dd, b.spatial)
			}
			if w2, err = matmul(d, wa.data, c, rank, wb.data, dd*b.spatial); err != nil {
				return nil, err
			}
		}
	}
	scale := float32(1)
	if rank > 0 {
		s, err := g.rankScale(rank)
		if err != nil {
			return nil, err
		}
		scale = s
	}
	out := make([]float32, b.numel())
	rowLen := b.in * b.spatial
	for i := range a1 {
		for j := range b1 {
			v := w1.data[i*b1+j] * scale
			for k := range c {
				dst := out[(i*c+k)*rowLen+j*dd*b.spatial:]
				src := w2[k*dd*b.spatial : (k+1)*dd*b.spatial]
				for x, s := range src {
					dst[x] = v * s
				}
			}
		}
	}
	return out, nil
}

// tucker contracts a core t [A, B, s] with left [out, A] and right [B, in]:
// ΔW[p, q, s] = Σ_ij left[p,i]·t[i,j,s]·right[j,q] (LyCORIS's
// einsum 'i j k l, j r, i p -> p r k l' with left transposed).
func tucker(d compute.Device, t mat, left, right []float32, b blockShape) ([]float32, error) {
	A, B, s := t.dim(0), t.dim(1), b.spatial
	// tmp[i, q, s] = Σ_j right[j,q]·t[i,j,s]: small (A·in·s), on the host.
	tmp := make([]float32, A*b.in*s)
	for i := range A {
		for j := range B {
			core := t.data[(i*B+j)*s : (i*B+j+1)*s]
			for q := range b.in {
				r := right[j*b.in+q]
				if r == 0 {
					continue
				}
				dst := tmp[(i*b.in+q)*s : (i*b.in+q+1)*s]
				for x, c := range core {
					dst[x] += r * c
				}
			}
		}
	}
	return matmul(d, left, b.out, A, tmp, b.in*s)
}

// matmul is a [m, k] · b [k, n] on the device, brought back to the host.
func matmul(d compute.Device, a []float32, m, k int, b []float32, n int) ([]float32, error) {
	ta, err := d.Upload(tensor.Shape{m, k}, a)
	if err != nil {
		return nil, err
	}
	defer nn.Free(d, ta)
	tb, err := d.Upload(tensor.Shape{k, n}, b)
	if err != nil {
		return nil, err
	}
	defer nn.Free(d, tb)
	tc, err := d.MatMul(ta, tb, false, false)
	if err != nil {
		return nil, err
	}
	defer nn.Free(d, tc)
	return d.Download(tc)
}

// transpose returns the [cols, rows] transpose of a [rows, cols] matrix.
func transpose(a []float32, rows, cols int) []float32 {
	out := make([]float32, len(a))
	for i := range rows {
		for j := range cols {
			out[j*rows+i] = a[i*cols+j]
		}
	}
	return out
}

func scaleInPlace(x []float32, s float32) {
	if s == 1 {
		return
	}
	for i := range x {
		x[i] *= s
	}
}
