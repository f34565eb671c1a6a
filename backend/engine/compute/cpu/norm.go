package cpu

import (
	"fmt"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// GroupNorm is torch group_norm (Wu & He 2018) with optional affine and a
// fused SiLU, the GroupNorm→SiLU pair that opens every SD ResNet block.
func (d *Device) GroupNorm(x, gamma, beta tensor.Tensor, groups int, eps float32, silu bool) (tensor.Tensor, error) {
	const op = "group norm"
	xs, gs, bs, err := d.groupNormArgs(op, x, gamma, beta, groups)
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, y, err := d.newF32(x.Shape())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	d.groupNorm(y, xs, gs, bs, x.Dim(0), x.Dim(1), groups, eps, silu)
	return out, nil
}

// GroupNormInPlace is GroupNorm written over x's own storage
// (compute.InPlaceGroupNorm): the VAE decoder at 512² uses it on a 268 MB
// activation it no longer needs, instead of holding a second copy.
func (d *Device) GroupNormInPlace(x, gamma, beta tensor.Tensor, groups int, eps float32, silu bool) error {
	const op = "group norm in place"
	if !x.IsZero() && x.DType() != tensor.F32 {
		return fmt.Errorf("%s: x is %v, want F32 storage", op, x.DType())
	}
	xs, gs, bs, err := d.groupNormArgs(op, x, gamma, beta, groups)
	if err != nil {
		return err
	}
	d.groupNorm(xs, xs, gs, bs, x.Dim(0), x.Dim(1), groups, eps, silu)
	return nil
}

func (d *Device) groupNormArgs(op string, x, gamma, beta tensor.Tensor, groups int) (xs, gs, bs []float32, err error) {
	if x.IsZero() || x.Rank() < 2 || groups <= 0 || x.Dim(1)%groups != 0 {
		return nil, nil, nil, fmt.Errorf("%s x%v groups=%d: %w: want x [N, C, ...] with C divisible by groups", op, x.Shape(), groups, tensor.ErrShape)
	}
	if xs, err = d.f32(x, op); err != nil {
		return nil, nil, nil, err
	}
	c := x.Dim(1)
	if gs, err = d.optional(gamma, c, op, "gamma"); err != nil {
		return nil, nil, nil, err
	}
	if bs, err = d.optional(beta, c, op, "beta"); err != nil {
		return nil, nil, nil, err
	}
	return xs, gs, bs, nil
}

// groupNorm writes the normalised xs into y (which may be xs itself: each
// group's statistics are taken before any of it is written, and the writes
// are elementwise).
func (d *Device) groupNorm(y, xs, gs, bs []float32, n, c, groups int, eps float32, silu bool) {
	spatial := len(xs) / (n * c)
	cpg := c / groups
	size := cpg * spatial
	d.parallel(n*groups, 3*size, func(lo, hi int) {
		for gi := lo; gi < hi; gi++ {
			src := xs[gi*size : (gi+1)*size]
			mean, inv := d.meanInvStd(src, eps)
			c0 := (gi % groups) * cpg
			for ch := 0; ch < cpg; ch++ {
				// Fold normalisation and affine into one multiply-add per
				// element, fused with the SiLU in the same pass.
				a, b := inv, -mean*inv
				if gs != nil {
					a, b = a*gs[c0+ch], b*gs[c0+ch]
				}
				if bs != nil {
					b += bs[c0+ch]
				}
				s := src[ch*spatial : (ch+1)*spatial]
				dst := y[gi*size+ch*spatial : gi*size+(ch+1)*spatial]
				if silu {
					d.vm.AffineSwish(dst, s, a, b, 1)
				} else {
					d.vm.Affine(dst, s, a, b)
				}
			}
		}
	})
}

// meanInvStd returns the mean and 1/√(var+eps) of v from one vectorised
// pass of Σx and Σx² in float64: float32 squares are exact in float64, so
// E[x²]−E[x]² only loses digits once the mean exceeds the deviation by
// about 10⁶, far beyond activations (the old two-pass form read the
// group twice).
func (d *Device) meanInvStd(v []float32, eps float32) (float32, float32) {
	s, q := d.vm.SumSq(v)
	n := float64(len(v))
	mean := s / n
	variance := max(0, q/n-mean*mean)
	return float32(mean), float32(1 / math.Sqrt(variance+float64(eps)))
}

// LayerNorm normalises over the last dim (Ba et al. 2016).
func (d *Device) LayerNorm(x, gamma, beta tensor.Tensor, eps float32) (tensor.Tensor, error) {
	const op = "layer norm"
	xs, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	dim := x.Dim(-1)
	gs, err := d.optional(gamma, dim, op, "gamma")
	if err != nil {
		return tensor.Tensor{}, err
	}
	bs, err := d.optional(beta, dim, op, "beta")
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, y, err := d.newF32(x.Shape())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	d.parallel(len(xs)/dim, 3*dim, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			src, dst := xs[r*dim:(r+1)*dim], y[r*dim:(r+1)*dim]
			mean, inv := d.meanInvStd(src, eps)
			for i, v := range src {
				o := (v - mean) * inv
				if gs != nil {
					o *= gs[i]
				}
				if bs != nil {
					o += bs[i]
				}
				dst[i] = o
			}
		}
	})
	return out, nil
}

// Softmax over the last dim, shifted by the row maximum so exp never
// overflows.
func (d *Device) Softmax(x tensor.Tensor) (tensor.Tensor, error) {
	const op = "softmax"
	xs, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	dim := x.Dim(-1)
	out, y, err := d.newF32(x.Shape())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	d.parallel(len(xs)/dim, 8*dim, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			src, dst := xs[r*dim:(r+1)*dim], y[r*dim:(r+1)*dim]
			m := d.vm.Max(src)
			sum := d.vm.ExpShiftSum(dst, src, m)
			d.vm.Affine(dst, dst, 1/sum, 0)
		}
	})
	return out, nil
}

// Mean averages over axis, keeping it as size 1.
func (d *Device) Mean(x tensor.Tensor, axis int) (tensor.Tensor, error) {
	return d.reduce(x, axis, "mean", false)
}

// Variance is the population variance over axis, keeping it as size 1.
func (d *Device) Variance(x tensor.Tensor, axis int) (tensor.Tensor, error) {
	return d.reduce(x, axis, "variance", true)
}

func (d *Device) reduce(x tensor.Tensor, axis int, op string, variance bool) (tensor.Tensor, error) {
	xs, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	ax, err := tensor.Axis(axis, x.Rank())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s %v: %w", op, x.Shape(), err)
	}
	shape := x.Shape()
	outer, dim, inner := shape.Split3(ax)
	shape[ax] = 1
	out, y, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	d.parallel(outer*inner, 2*dim, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			o, i := p/inner, p%inner
			base := o*dim*inner + i
			var s float64
			for j := 0; j < dim; j++ {
				s += float64(xs[base+j*inner])
			}
			mean := s / float64(dim)
			if !variance {
				y[p] = float32(mean)
				continue
			}
			var q float64
			for j := 0; j < dim; j++ {
				dx := float64(xs[base+j*inner]) - mean
				q += dx * dx
			}
			y[p] = float32(q / float64(dim))
		}
	})
	return out, nil
}
