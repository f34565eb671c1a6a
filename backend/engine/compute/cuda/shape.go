//go:build cuda

package cuda

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Concat joins ts along axis: each input is a block copy into its column
// range of the output viewed as [outer, total·inner].
func (d *Device) Concat(axis int, ts ...tensor.Tensor) (tensor.Tensor, error) {
	const op = "concat"
	for _, t := range ts {
		if _, err := d.buf(t, op); err != nil {
			return tensor.Tensor{}, err
		}
	}
	ax, shape, err := compute.CheckConcat(axis, ts)
	if err != nil {
		return tensor.Tensor{}, err
	}
	total := shape[ax]
	outer, _, inner := shape.Split3(ax)
	defer d.enter(op)()
	out, ob, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	col := 0
	for _, t := range ts {
		src, done, err := d.f32(t, op)
		if err != nil {
			d.release(ob)
			return tensor.Tensor{}, err
		}
		run := t.Dim(ax) * inner
		err = d.launch1D("copy_2d", int64(outer*run), src, ob.ptr+cu.DevicePtr(4*col), int64(outer), int64(run), int64(run), int64(total*inner))
		done()
		if err != nil {
			d.release(ob)
			return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
		}
		col += run
	}
	return out, nil
}

// Split cuts x along axis into pieces of the given sizes.
func (d *Device) Split(x tensor.Tensor, axis int, sizes ...int) ([]tensor.Tensor, error) {
	const op = "split"
	if _, err := d.buf(x, op); err != nil {
		return nil, err
	}
	ax, err := compute.CheckSplit(x.Shape(), axis, sizes)
	if err != nil {
		return nil, err
	}
	outer, dim, inner := x.Shape().Split3(ax)
	defer d.enter(op)()
	src, done, err := d.f32(x, op)
	if err != nil {
		return nil, err
	}
	defer done()
	outs := make([]tensor.Tensor, 0, len(sizes))
	start := 0
	for _, s := range sizes {
		shape := x.Shape()
		shape[ax] = s
		t, b, err := d.newF32(shape)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		run := s * inner
		if err := d.launch1D("copy_2d", int64(outer*run), src+cu.DevicePtr(4*start*inner), b.ptr, int64(outer), int64(run), int64(dim*inner), int64(run)); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		outs = append(outs, t)
		start += s
	}
	return outs, nil
}

// maxPermuteRank is the rank the permute kernel indexes directly.
const maxPermuteRank = 6

// Permute reorders dims: out.shape[i] = x.shape[perm[i]].
func (d *Device) Permute(x tensor.Tensor, perm ...int) (tensor.Tensor, error) {
	const op = "permute"
	if _, err := d.buf(x, op); err != nil {
		return tensor.Tensor{}, err
	}
	r := x.Rank()
	if len(perm) != r {
		return tensor.Tensor{}, fmt.Errorf("%s %v by %v: %w: need %d axes", op, x.Shape(), perm, tensor.ErrShape, r)
	}
	if r > maxPermuteRank {
		return tensor.Tensor{}, fmt.Errorf("%s %v: %w: rank above %d", op, x.Shape(), tensor.ErrShape, maxPermuteRank)
	}
	seen := make([]bool, r)
	in := x.Shape()
	inStr := in.Strides()
	shape := make(tensor.Shape, r)
	var o, s [maxPermuteRank]int64
	for i := range o {
		o[i] = 1
	}
	pad := maxPermuteRank - r
	for i, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return tensor.Tensor{}, fmt.Errorf("%s %v by %v: %w: not a permutation", op, x.Shape(), perm, tensor.ErrShape)
		}
		seen[p] = true
		shape[i] = in[p]
		o[pad+i], s[pad+i] = int64(in[p]), int64(inStr[p])
	}
	defer d.enter(op)()
	src, done, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer done()
	out, ob, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := d.launch1D("permute6", int64(x.Numel()), src, ob.ptr, o[0], o[1], o[2], o[3], o[4], o[5], s[0], s[1], s[2], s[3], s[4], s[5]); err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// planeOp runs upsample2x or avgpool2x2 over the last two dims.
func (d *Device) planeOp(x tensor.Tensor, op, name string, oh, ow int) (tensor.Tensor, error) {
	h, w := x.Dim(-2), x.Dim(-1)
	shape := x.Shape()
	shape[len(shape)-2], shape[len(shape)-1] = oh, ow
	defer d.enter(op)()
	src, done, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer done()
	out, ob, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	planes := int64(x.Numel() / (h * w))
	if err := d.launch1D(name, planes*int64(oh*ow), src, ob.ptr, planes, h, w); err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

func (d *Device) Upsample2x(x tensor.Tensor) (tensor.Tensor, error) {
	const op = "upsample 2x"
	if _, err := d.buf(x, op); err != nil {
		return tensor.Tensor{}, err
	}
	if x.Rank() < 2 {
		return tensor.Tensor{}, fmt.Errorf("%s %v: %w: need rank ≥ 2", op, x.Shape(), tensor.ErrShape)
	}
	return d.planeOp(x, op, "upsample2x", 2*x.Dim(-2), 2*x.Dim(-1))
}

func (d *Device) AvgPool2x2(x tensor.Tensor) (tensor.Tensor, error) {
	const op = "avg pool 2x2"
	if _, err := d.buf(x, op); err != nil {
		return tensor.Tensor{}, err
	}
	if x.Rank() < 2 || x.Dim(-2) < 2 || x.Dim(-1) < 2 {
		return tensor.Tensor{}, fmt.Errorf("%s %v: %w: need rank ≥ 2 and H, W ≥ 2", op, x.Shape(), tensor.ErrShape)
	}
	return d.planeOp(x, op, "avgpool2x2", x.Dim(-2)/2, x.Dim(-1)/2)
}

// Embedding gathers table rows by id.
func (d *Device) Embedding(table tensor.Tensor, ids []int) (tensor.Tensor, error) {
	const op = "embedding"
	tb, err := d.buf(table, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	if table.Rank() != 2 || len(ids) == 0 {
		return tensor.Tensor{}, fmt.Errorf("%s table%v with %d ids: %w: want table [V, D] and at least one id", op, table.Shape(), len(ids), tensor.ErrShape)
	}
	v, dim := table.Dim(0), table.Dim(1)
	idx := make([]int32, len(ids))
	for i, id := range ids {
		if id < 0 || id >= v {
			return tensor.Tensor{}, fmt.Errorf("%s: id %d at position %d outside vocabulary of %d", op, id, i, v)
		}
		idx[i] = int32(id)
	}
	defer d.enter(op)()
	ib, err := d.newBuffer(len(idx), false) // int32 takes the room of a float32
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	defer d.release(ib)
	if err := cu.MemcpyHtoD(ib.ptr, unsafe.Pointer(&idx[0]), int64(len(idx))*4); err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	out, ob, err := d.newF32(tensor.Shape{len(ids), dim})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	name := "embed_f"
	if tb.half {
		name = "embed_h"
	}
	if err := d.launch1D(name, int64(len(ids)*dim), tb.ptr, ib.ptr, ob.ptr, len(ids), dim); err != nil {
		d.release(ob)
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// TimestepEmbedding is computed on the host (a few thousand values, in
// float64 as the CPU device does) and uploaded.
func (d *Device) TimestepEmbedding(timesteps []float32, dim int) (tensor.Tensor, error) {
	y, err := compute.TimestepEmbeddingValues(timesteps, dim)
	if err != nil {
		return tensor.Tensor{}, err
	}
	return d.Upload(tensor.Shape{len(timesteps), dim}, y)
}
