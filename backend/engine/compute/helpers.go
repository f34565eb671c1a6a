package compute

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Chunk splits x into n equal pieces along axis (torch.chunk when the size
// divides evenly; an uneven split is an error rather than ragged pieces, since
// every use in the models, e.g. GEGLU and the time-embedding scale/shift, is
// even).
func Chunk(d Device, x tensor.Tensor, n, axis int) ([]tensor.Tensor, error) {
	ax, err := tensor.Axis(axis, x.Rank())
	if err != nil {
		return nil, fmt.Errorf("chunk: %w", err)
	}
	if n <= 0 || x.Dim(ax)%n != 0 {
		return nil, fmt.Errorf("chunk %v into %d along axis %d: %w: size not divisible", x.Shape(), n, axis, tensor.ErrShape)
	}
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = x.Dim(ax) / n
	}
	return d.Split(x, ax, sizes...)
}

// Transpose swaps two dims (torch.transpose), via Permute.
func Transpose(d Device, x tensor.Tensor, a, b int) (tensor.Tensor, error) {
	r := x.Rank()
	a, err := tensor.Axis(a, r)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("transpose: %w", err)
	}
	b, err = tensor.Axis(b, r)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("transpose: %w", err)
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = perm[b], perm[a]
	return d.Permute(x, perm...)
}
