package cpu

import (
	"fmt"
	"math"
	"runtime"

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
	if len(timesteps) == 0 || dim < 2 {
		return tensor.Tensor{}, fmt.Errorf("%s: %w: %d timesteps, dim %d (want ≥ 1 and ≥ 2)", op, tensor.ErrShape, len(timesteps), dim)
	}
	out, y, err := d.newF32(tensor.Shape{len(timesteps), dim})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	half := dim / 2
	for n, t := range timesteps {
		row := y[n*dim : (n+1)*dim]
		for i := 0; i < half; i++ {
			// float64 keeps large timesteps (t≈1000, high freq) accurate; LDM
			// computes in float32, which differs by ~1e-4 at worst.
			freq := math.Exp(-math.Log(10000) * float64(i) / float64(half))
			arg := float64(t) * freq
			row[i] = float32(math.Cos(arg))
			row[half+i] = float32(math.Sin(arg))
		}
	}
	return out, nil
}
