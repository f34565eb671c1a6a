package cpu

import (
	"fmt"
	"runtime"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Embedding gathers rows of table [V, D] for ids; half tables are widened
// row by row, so a large F16 token table is never widened whole.
func (d *Device) Embedding(table tensor.Tensor, ids []int) (tensor.Tensor, error) {
	const op = "embedding"
	b, err := d.buf(table, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer runtime.KeepAlive(b) // its half storage may be off-heap
	if table.Rank() != 2 || len(ids) == 0 {
		return tensor.Tensor{}, fmt.Errorf("%s table%v with %d ids: %w: want table [V, D] and at least one id", op, table.Shape(), len(ids), tensor.ErrShape)
	}
	v, dim := table.Dim(0), table.Dim(1)
	for i, id := range ids {
		if id < 0 || id >= v {
			return tensor.Tensor{}, fmt.Errorf("%s: id %d at position %d outside vocabulary of %d", op, id, i, v)
		}
	}
	out, y, err := d.newF32(tensor.Shape{len(ids), dim})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	for i, id := range ids {
		dst := y[i*dim : (i+1)*dim]
		if table.DType() == tensor.F32 {
			copy(dst, b.f32[id*dim:])
		} else {
			tensor.HalfBitsToFloat32(dst, b.half[id*dim:(id+1)*dim], table.DType())
		}
	}
	return out, nil
}

// TimestepEmbedding is LDM's timestep_embedding
// (ldm/modules/diffusionmodules/util.py): cosines first, then sines, the
// same as diffusers get_timestep_embedding(flip_sin_to_cos=True,
// downscale_freq_shift=0) used by UNet2DConditionModel.
func (d *Device) TimestepEmbedding(timesteps []float32, dim int) (tensor.Tensor, error) {
	const op = "timestep embedding"
	vals, err := compute.TimestepEmbeddingValues(timesteps, dim)
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, err := d.wrap(tensor.Shape{len(timesteps), dim}, vals)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
