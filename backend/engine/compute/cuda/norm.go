//go:build cuda

package cuda

import (
	"fmt"

	"gorgonia.org/cu"

	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// GroupNorm normalises groups of channels over all their positions, with
// optional affine and fused SiLU. Statistics come from partial sums over
// chunks of each group, so a handful of large groups still fill the GPU.
func (d *Device) GroupNorm(x, gamma, beta tensor.Tensor, groups int, eps float32, silu bool) (tensor.Tensor, error) {
	const op = "group norm"
	if x.IsZero() || x.Rank() < 2 || groups <= 0 || x.Dim(1)%groups != 0 {
		return tensor.Tensor{}, fmt.Errorf("%s x%v groups=%d: %w: want x [N, C, ...] with C divisible by groups", op, x.Shape(), groups, tensor.ErrShape)
	}
	n, c := x.Dim(0), x.Dim(1)
	defer d.enter(op)()
	in, err := d.normInputs(op, x, gamma, beta, c)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer in.done()
	xp, gp, bp, out, ob := in.x, in.gamma, in.beta, in.out, in.outBuf
	spatial := x.Numel() / (n * c)
	cpg := c / groups
	groupSize := int64(cpg * spatial)
	chunks := int(min(max((groupSize+16383)/16384, 1), 64))
	part, err := d.newBuffer(n*groups*chunks*2, false)
	if err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	defer d.release(part)
	if err = d.launch("gn_partial", [3]int{chunks, n * groups, 1}, 256, 0, xp, part.ptr, groupSize, chunks); err == nil {
		blocks := int(min(max(groupSize/(256*8), 1), 64))
		err = d.launch("gn_apply_f", [3]int{blocks, n * groups, 1}, 256, 0,
			xp, part.ptr, gp, bp, ob.ptr, groupSize, chunks, cpg, int64(spatial), groups, eps, silu)
	}
	if err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// LayerNorm normalises each row of the last dim.
func (d *Device) LayerNorm(x, gamma, beta tensor.Tensor, eps float32) (tensor.Tensor, error) {
	const op = "layer norm"
	if x.IsZero() || x.Rank() < 1 {
		return tensor.Tensor{}, fmt.Errorf("%s: %w: need a tensor of rank ≥ 1", op, tensor.ErrShape)
	}
	dim := x.Dim(-1)
	defer d.enter(op)()
	in, err := d.normInputs(op, x, gamma, beta, dim)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer in.done()
	xp, gp, bp, out, ob := in.x, in.gamma, in.beta, in.out, in.outBuf
	if err := d.launch("layernorm_f", [3]int{x.Numel() / dim, 1, 1}, rowBlock(dim), 0, xp, gp, bp, ob.ptr, dim, eps); err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// normInputs are a norm's operands as F32 device pointers (gamma and beta 0
// when absent) and its output; done releases the widened temporaries.
type normInputs struct {
	x, gamma, beta cu.DevicePtr
	out            tensor.Tensor
	outBuf         *buffer
	done           func()
}

// normInputs checks and prepares a norm over channels of size c. The
// caller holds enter().
func (d *Device) normInputs(op string, x, gamma, beta tensor.Tensor, c int) (normInputs, error) {
	var dones []func()
	done := func() {
		for _, f := range dones {
			f()
		}
	}
	xp, xdone, err := d.f32(x, op)
	if err != nil {
		return normInputs{}, err
	}
	dones = append(dones, xdone)
	gp, gdone, err := d.optional(gamma, c, op, "gamma")
	if err != nil {
		done()
		return normInputs{}, err
	}
	dones = append(dones, gdone)
	bp, bdone, err := d.optional(beta, c, op, "beta")
	if err != nil {
		done()
		return normInputs{}, err
	}
	dones = append(dones, bdone)
	out, ob, err := d.newF32(x.Shape())
	if err != nil {
		done()
		return normInputs{}, fmt.Errorf("%s: %w", op, err)
	}
	return normInputs{x: xp, gamma: gp, beta: bp, out: out, outBuf: ob, done: done}, nil
}

// rowBlock is the block size for one-block-per-row kernels.
func rowBlock(dim int) int { return min(1024, max(32, (dim/4+31)&^31)) }

// Softmax over the last dim.
func (d *Device) Softmax(x tensor.Tensor) (tensor.Tensor, error) {
	const op = "softmax"
	if x.IsZero() || x.Rank() < 1 {
		return tensor.Tensor{}, fmt.Errorf("%s: %w: need a tensor of rank ≥ 1", op, tensor.ErrShape)
	}
	dim := x.Dim(-1)
	defer d.enter(op)()
	xp, xdone, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer xdone()
	out, ob, err := d.newF32(x.Shape())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := d.launch("softmax_rows", [3]int{x.Numel() / dim, 1, 1}, rowBlock(dim), 0, xp, ob.ptr, dim); err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

func (d *Device) Mean(x tensor.Tensor, axis int) (tensor.Tensor, error) {
	return d.reduce(x, axis, "mean", false)
}

func (d *Device) Variance(x tensor.Tensor, axis int) (tensor.Tensor, error) {
	return d.reduce(x, axis, "variance", true)
}

func (d *Device) reduce(x tensor.Tensor, axis int, op string, variance bool) (tensor.Tensor, error) {
	if _, err := d.buf(x, op); err != nil {
		return tensor.Tensor{}, err
	}
	ax, err := tensor.Axis(axis, x.Rank())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s %v: %w", op, x.Shape(), err)
	}
	shape := x.Shape()
	outer, dim, inner := shape.Split3(ax)
	shape[ax] = 1
	defer d.enter(op)()
	xp, xdone, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer xdone()
	out, ob, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := d.launch1D("reduce_axis", int64(outer*inner), xp, ob.ptr, int64(outer), dim, int64(inner), variance); err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
