//go:build cuda

package cuda

import (
	"fmt"

	"gorgonia.org/cu"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// unary runs a grid-stride kernel name(x, y, n, extra...) over x.
func (d *Device) unary(x tensor.Tensor, op, name string, extra ...any) (tensor.Tensor, error) {
	if _, err := d.buf(x, op); err != nil {
		return tensor.Tensor{}, err
	}
	defer d.enter(op)()
	xp, done, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer done()
	out, ob, err := d.newF32(x.Shape())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	n := int64(x.Numel())
	if err := d.launch1D(name, n, append([]any{xp, ob.ptr, n}, extra...)...); err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

func (d *Device) Activate(x tensor.Tensor, act compute.Activation) (tensor.Tensor, error) {
	if !act.Valid() {
		return tensor.Tensor{}, fmt.Errorf("activate: unknown activation %d", act)
	}
	return d.unary(x, "activate "+act.String(), "act_f", int(act))
}

func (d *Device) Scale(x tensor.Tensor, s float32) (tensor.Tensor, error) {
	return d.unary(x, "scale", "scale_f", s)
}

func (d *Device) Clamp(x tensor.Tensor, lo, hi float32) (tensor.Tensor, error) {
	if lo > hi {
		return tensor.Tensor{}, fmt.Errorf("clamp: lower bound %v above upper bound %v", lo, hi)
	}
	return d.unary(x, "clamp", "clamp_f", lo, hi)
}

func (d *Device) Lerp(a, b tensor.Tensor, w float32) (tensor.Tensor, error) {
	const op = "lerp"
	if _, err := d.buf(a, op); err != nil {
		return tensor.Tensor{}, err
	}
	if _, err := d.buf(b, op); err != nil {
		return tensor.Tensor{}, err
	}
	if !a.Shape().Equal(b.Shape()) {
		return tensor.Tensor{}, fmt.Errorf("%s %v and %v: %w: shapes differ", op, a.Shape(), b.Shape(), tensor.ErrShape)
	}
	defer d.enter(op)()
	ap, adone, err := d.f32(a, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer adone()
	bp, bdone, err := d.f32(b, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer bdone()
	out, ob, err := d.newF32(a.Shape())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	n := int64(a.Numel())
	if err := d.launch1D("lerp_f", n, ap, bp, ob.ptr, n, w); err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

func (d *Device) Add(a, b tensor.Tensor) (tensor.Tensor, error) { return d.broadcast(a, b, "add", 0) }
func (d *Device) Mul(a, b tensor.Tensor) (tensor.Tensor, error) { return d.broadcast(a, b, "mul", 1) }

// bdim is one merged broadcast dimension: its size and the element strides
// of a and b along it (0 where that operand is broadcast).
type bdim struct{ n, sa, sb int64 }

// broadcast applies a NumPy-broadcasting binary op (0 add, 1 mul) over the
// merged dims of compute.Broadcast; the kernel takes four, and any further
// leading dims are looped here.
func (d *Device) broadcast(a, b tensor.Tensor, op string, code int) (tensor.Tensor, error) {
	ab, err := d.buf(a, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	bb, err := d.buf(b, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	dout, merged, err := compute.Broadcast(op, a.Shape(), b.Shape())
	if err != nil {
		return tensor.Tensor{}, err
	}
	// Innermost first, padded to the kernel's four.
	dims := make([]bdim, 0, max(4, len(merged)))
	for k := len(merged) - 1; k >= 0; k-- {
		m := merged[k]
		dims = append(dims, bdim{n: int64(m.N), sa: int64(m.StrideA), sb: int64(m.StrideB)})
	}
	for len(dims) < 4 {
		dims = append(dims, bdim{n: 1})
	}
	defer d.enter(op)()
	out, ob, err := d.newF32(dout)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	// The kernel reads a as F32 and b as F32 or F16; a half a swaps with b
	// (both ops commute), two half operands widen one.
	pa, pb, halfB := ab.ptr, bb.ptr, bb.half
	if ab.half {
		pa, pb, halfB = bb.ptr, ab.ptr, true
		for i := range dims {
			dims[i].sa, dims[i].sb = dims[i].sb, dims[i].sa
		}
		if bb.half {
			wa, done, err := d.f32(b, op)
			if err != nil {
				d.release(ob)
				return tensor.Tensor{}, err
			}
			defer done()
			pa = wa
		}
	}
	name := "binary_ff"
	if halfB {
		name = "binary_fh"
	}
	inner := dims[:4] // innermost four
	outer := dims[4:]
	step := inner[0].n * inner[1].n * inner[2].n * inner[3].n
	count := int64(1)
	for _, o := range outer {
		count *= o.n
	}
	for idx := int64(0); idx < count; idx++ {
		var offA, offB int64
		rem := idx
		for _, o := range outer {
			i := rem % o.n
			rem /= o.n
			offA += i * o.sa
			offB += i * o.sb
		}
		elemA, elemB := int64(4), int64(4)
		if halfB {
			elemB = 2
		}
		err = d.launch1D(name, step, pa+cu.DevicePtr(offA*elemA), pb+cu.DevicePtr(offB*elemB), ob.ptr+cu.DevicePtr(idx*step*4), code,
			inner[3].n, inner[2].n, inner[1].n, inner[0].n,
			inner[3].sa, inner[2].sa, inner[1].sa, inner[0].sa,
			inner[3].sb, inner[2].sb, inner[1].sb, inner[0].sb)
		if err != nil {
			d.release(ob)
			return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	return out, nil
}
