package cpu

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Concat joins ts along axis.
func (d *Device) Concat(axis int, ts ...tensor.Tensor) (tensor.Tensor, error) {
	const op = "concat"
	srcs := make([][]float32, len(ts))
	for i, t := range ts {
		var err error
		if srcs[i], err = d.f32(t, op); err != nil {
			return tensor.Tensor{}, err
		}
	}
	ax, shape, err := compute.CheckConcat(axis, ts)
	if err != nil {
		return tensor.Tensor{}, err
	}
	total := shape[ax]
	out, y, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	outer, _, inner := shape.Split3(ax)
	// Each outer index owns a contiguous output row of total·inner elements,
	// made of one run per input.
	d.parallel(outer, total*inner, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			dst := y[o*total*inner:]
			for i, t := range ts {
				run := t.Dim(ax) * inner
				copy(dst[:run], srcs[i][o*run:(o+1)*run])
				dst = dst[run:]
			}
		}
	})
	return out, nil
}

// Split cuts x along axis into pieces of the given sizes.
func (d *Device) Split(x tensor.Tensor, axis int, sizes ...int) ([]tensor.Tensor, error) {
	const op = "split"
	src, err := d.f32(x, op)
	if err != nil {
		return nil, err
	}
	ax, err := compute.CheckSplit(x.Shape(), axis, sizes)
	if err != nil {
		return nil, err
	}
	outer, dim, inner := x.Shape().Split3(ax)
	outs := make([]tensor.Tensor, len(sizes))
	start := 0
	for i, s := range sizes {
		shape := x.Shape()
		shape[ax] = s
		t, y, err := d.newF32(shape)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		run := s * inner
		off := start * inner
		d.parallel(outer, run, func(lo, hi int) {
			for o := lo; o < hi; o++ {
				copy(y[o*run:(o+1)*run], src[o*dim*inner+off:])
			}
		})
		outs[i] = t
		start += s
	}
	return outs, nil
}

// Permute reorders dims: out.shape[i] = x.shape[perm[i]].
func (d *Device) Permute(x tensor.Tensor, perm ...int) (tensor.Tensor, error) {
	const op = "permute"
	src, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	r := x.Rank()
	if len(perm) != r {
		return tensor.Tensor{}, fmt.Errorf("%s %v by %v: %w: need %d axes", op, x.Shape(), perm, tensor.ErrShape, r)
	}
	seen := make([]bool, r)
	in := x.Shape()
	inStr := in.Strides()
	shape := make(tensor.Shape, r)
	str := make([]int, r) // input stride for each output dim
	for i, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return tensor.Tensor{}, fmt.Errorf("%s %v by %v: %w: not a permutation", op, x.Shape(), perm, tensor.ErrShape)
		}
		seen[p] = true
		shape[i], str[i] = in[p], inStr[p]
	}
	out, y, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	last := shape[r-1]
	ls := str[r-1]
	d.parallel(len(y)/last, last, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			off, rem := 0, row
			for k := r - 2; k >= 0; k-- {
				off += (rem % shape[k]) * str[k]
				rem /= shape[k]
			}
			dst := y[row*last : (row+1)*last]
			if ls == 1 {
				copy(dst, src[off:off+last])
				continue
			}
			for i := range dst {
				dst[i] = src[off+i*ls]
			}
		}
	})
	return out, nil
}

// Upsample2x is nearest-neighbour upsampling by 2 on the last two dims
// (torch interpolate(scale_factor=2, mode="nearest")).
func (d *Device) Upsample2x(x tensor.Tensor) (tensor.Tensor, error) {
	const op = "upsample 2x"
	src, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	if x.Rank() < 2 {
		return tensor.Tensor{}, fmt.Errorf("%s %v: %w: need rank ≥ 2", op, x.Shape(), tensor.ErrShape)
	}
	h, w := x.Dim(-2), x.Dim(-1)
	shape := x.Shape()
	shape[len(shape)-2], shape[len(shape)-1] = 2*h, 2*w
	out, y, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	d.parallel(len(src)/w, 4*w, func(lo, hi int) {
		for row := lo; row < hi; row++ { // row = plane·h + iy
			s := src[row*w : (row+1)*w]
			d0 := y[2*row*2*w : (2*row+1)*2*w]
			for i, v := range s {
				d0[2*i], d0[2*i+1] = v, v
			}
			copy(y[(2*row+1)*2*w:(2*row+2)*2*w], d0)
		}
	})
	return out, nil
}

// AvgPool2x2 averages 2×2 windows with stride 2 (torch avg_pool2d(2), floor
// mode: an odd last row or column is dropped).
func (d *Device) AvgPool2x2(x tensor.Tensor) (tensor.Tensor, error) {
	const op = "avg pool 2x2"
	src, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	if x.Rank() < 2 || x.Dim(-2) < 2 || x.Dim(-1) < 2 {
		return tensor.Tensor{}, fmt.Errorf("%s %v: %w: need rank ≥ 2 and H, W ≥ 2", op, x.Shape(), tensor.ErrShape)
	}
	h, w := x.Dim(-2), x.Dim(-1)
	oh, ow := h/2, w/2
	shape := x.Shape()
	shape[len(shape)-2], shape[len(shape)-1] = oh, ow
	out, y, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	planes := len(src) / (h * w)
	d.parallel(planes*oh, 4*ow, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			p, oy := row/oh, row%oh
			r0 := src[p*h*w+2*oy*w:]
			r1 := r0[w:]
			dst := y[row*ow : (row+1)*ow]
			for i := range dst {
				dst[i] = 0.25 * (r0[2*i] + r0[2*i+1] + r1[2*i] + r1[2*i+1])
			}
		}
	})
	return out, nil
}
