package compute

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// TestBroadcast checks the merged dimensions both devices index by:
// outermost first, element strides, 0 where an operand is broadcast.
func TestBroadcast(t *testing.T) {
	tests := []struct {
		name string
		a, b tensor.Shape
		out  tensor.Shape
		dims []BroadcastDim
	}{
		{"same shape merges to one run", tensor.Shape{2, 3, 4}, tensor.Shape{2, 3, 4}, tensor.Shape{2, 3, 4}, []BroadcastDim{{24, 1, 1}}},
		{"bias per channel", tensor.Shape{2, 320, 8, 8}, tensor.Shape{1, 320, 1, 1}, tensor.Shape{2, 320, 8, 8},
			[]BroadcastDim{{2, 320 * 64, 0}, {320, 64, 1}, {64, 1, 0}}},
		{"trailing vector", tensor.Shape{5, 7}, tensor.Shape{7}, tensor.Shape{5, 7}, []BroadcastDim{{5, 7, 0}, {7, 1, 1}}},
		{"a broadcast", tensor.Shape{1, 7}, tensor.Shape{5, 7}, tensor.Shape{5, 7}, []BroadcastDim{{5, 0, 7}, {7, 1, 1}}},
		{"scalars", tensor.Shape{1}, tensor.Shape{1, 1}, tensor.Shape{1, 1}, []BroadcastDim{{1, 1, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, dims, err := Broadcast("add", tc.a, tc.b)
			require.NoError(t, err)
			assert.Equal(t, tc.out, out)
			assert.Equal(t, tc.dims, dims)
		})
	}
	_, _, err := Broadcast("mul", tensor.Shape{2, 3}, tensor.Shape{4, 3})
	require.ErrorIs(t, err, tensor.ErrShape)
	require.ErrorContains(t, err, "dims 2 and 4 do not broadcast")
}

func TestTimestepEmbeddingValues(t *testing.T) {
	v, err := TimestepEmbeddingValues([]float32{0, 1}, 5)
	require.NoError(t, err)
	require.Len(t, v, 10)
	assert.Equal(t, []float32{1, 1, 0, 0, 0}, v[:5], "t=0: cosines 1, sines 0, odd dim padded with 0")
	assert.InDelta(t, 0.5403023, v[5], 1e-6, "cos(1·freq₀)")
	_, err = TimestepEmbeddingValues(nil, 4)
	require.ErrorIs(t, err, tensor.ErrShape)
}
