package cpu

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Add is a + b with NumPy broadcasting.
func (d *Device) Add(a, b tensor.Tensor) (tensor.Tensor, error) {
	return d.broadcast(a, b, "add", func(dst, x, y []float32, xs, ys int) {
		switch {
		case xs == 1 && ys == 1:
			for i := range dst {
				dst[i] = x[i] + y[i]
			}
		case ys == 0:
			for i := range dst {
				dst[i] = x[i*xs] + y[0]
			}
		default:
			for i := range dst {
				dst[i] = x[i*xs] + y[i*ys]
			}
		}
	})
}

// Mul is a · b with NumPy broadcasting.
func (d *Device) Mul(a, b tensor.Tensor) (tensor.Tensor, error) {
	return d.broadcast(a, b, "mul", func(dst, x, y []float32, xs, ys int) {
		switch {
		case xs == 1 && ys == 1:
			for i := range dst {
				dst[i] = x[i] * y[i]
			}
		case ys == 0:
			for i := range dst {
				dst[i] = x[i*xs] * y[0]
			}
		default:
			for i := range dst {
				dst[i] = x[i*xs] * y[i*ys]
			}
		}
	})
}

// broadcast runs kernel over rows of the broadcast output. Dims are first
// aligned right and merged where both operands broadcast the same way, so
// the common cases (same shape; [N,C,H,W] + [1,C,1,1]) become a few long
// rows. kernel gets each operand's stride along the row: 1, or 0 when that
// operand is broadcast along it.
func (d *Device) broadcast(a, b tensor.Tensor, op string, kernel func(dst, x, y []float32, xs, ys int)) (tensor.Tensor, error) {
	as, err := d.f32(a, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	bs, err := d.f32(b, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	dout, merged, err := compute.Broadcast(op, a.Shape(), b.Shape())
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, y, err := d.newF32(dout)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	type dim struct{ n, sa, sb int } // size; element strides in a and b (0 = broadcast)
	dims := make([]dim, len(merged))
	for i, m := range merged {
		dims[i] = dim{n: m.N, sa: m.StrideA, sb: m.StrideB}
	}
	last := dims[len(dims)-1]
	outer := dims[:len(dims)-1]
	rows := len(y) / last.n
	// The row kernel takes x as the operand with the larger stride.
	d.parallel(rows, last.n, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			offA, offB, rem := 0, 0, row
			for k := len(outer) - 1; k >= 0; k-- {
				i := rem % outer[k].n
				rem /= outer[k].n
				offA += i * outer[k].sa
				offB += i * outer[k].sb
			}
			dst := y[row*last.n : (row+1)*last.n]
			if last.sa == 0 && last.sb != 0 { // keep the broadcast operand second
				kernel(dst, bs[offB:], as[offA:], last.sb, 0)
			} else {
				kernel(dst, as[offA:], bs[offB:], last.sa, last.sb)
			}
		}
	})
	return out, nil
}

// unary maps f over x into a new tensor.
func (d *Device) unary(x tensor.Tensor, op string, f func(dst, src []float32)) (tensor.Tensor, error) {
	src, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, dst, err := d.newF32(x.Shape())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	d.parallel(len(src), 2, func(lo, hi int) { f(dst[lo:hi], src[lo:hi]) })
	return out, nil
}

// Scale is x · s.
func (d *Device) Scale(x tensor.Tensor, s float32) (tensor.Tensor, error) {
	return d.unary(x, "scale", func(dst, src []float32) {
		for i, v := range src {
			dst[i] = v * s
		}
	})
}

// Clamp limits x to [lo, hi]. NaN stays NaN, as in torch.clamp.
func (d *Device) Clamp(x tensor.Tensor, lo, hi float32) (tensor.Tensor, error) {
	if lo > hi {
		return tensor.Tensor{}, fmt.Errorf("clamp: lo %v > hi %v", lo, hi)
	}
	return d.unary(x, "clamp", func(dst, src []float32) {
		for i, v := range src {
			switch {
			case v < lo:
				v = lo
			case v > hi:
				v = hi
			}
			dst[i] = v
		}
	})
}

// Lerp is a + w·(b − a) over equal shapes.
func (d *Device) Lerp(a, b tensor.Tensor, w float32) (tensor.Tensor, error) {
	const op = "lerp"
	as, err := d.f32(a, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	bs, err := d.f32(b, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	if !a.Shape().Equal(b.Shape()) {
		return tensor.Tensor{}, fmt.Errorf("%s %v and %v: %w: shapes differ", op, a.Shape(), b.Shape(), tensor.ErrShape)
	}
	out, y, err := d.newF32(a.Shape())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	d.parallel(len(y), 3, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = as[i] + w*(bs[i]-as[i])
		}
	})
	return out, nil
}
