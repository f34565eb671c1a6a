package clip_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// TestEncodeFreesIntermediates checks the Free discipline: after the caller
// frees the outputs, device memory is back to the weights alone, on every
// path (skips, pooled, errors).
func TestEncodeFreesIntermediates(t *testing.T) {
	for _, c := range []tiny{sd1L, sd2H, sdxlG} {
		t.Run(c.prefix, func(t *testing.T) {
			m := load(t, c, 2)
			weightsOnly := m.dev.Info().UsedMemory
			for skip := range c.layers + 1 {
				hidden, pooled, err := m.enc.Encode(t.Context(), window(padFor(c)), skip)
				require.NoError(t, err)
				nn.Free(m.dev, hidden, pooled)
				require.Equal(t, weightsOnly, m.dev.Info().UsedMemory, "skip %d", skip)
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, _, err := m.enc.Encode(ctx, window(padFor(c)), 2)
			require.Error(t, err)
			require.Equal(t, weightsOnly, m.dev.Info().UsedMemory, "cancelled")

			m.enc.Free()
			assert.Zero(t, m.dev.Info().UsedMemory)
			_, _, err = m.enc.Encode(t.Context(), window(padFor(c)), 0)
			require.ErrorContains(t, err, "used after Free")
		})
	}
}

func FuzzEncode(f *testing.F) {
	f.Add([]byte{tinyStart, 3, tinyEnd, 0}, 0)
	f.Add([]byte{255, 0, 1}, 5)
	f.Add([]byte{}, 1)
	src := nn.RandomSource(soloG.spec(), 1)
	dev := cpu.New(1)
	enc, err := clip.Load(nn.NewWeights(src, dev), soloG.config())
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, raw []byte, skip int) {
		ids := make([]int, len(raw))
		for i, b := range raw {
			ids[i] = int(b) - 8 // some negative, some beyond the vocabulary
		}
		hidden, pooled, err := enc.Encode(t.Context(), ids, skip)
		if err != nil {
			return
		}
		require.Equal(t, tensor.Shape{1, len(ids), soloG.width}, hidden.Shape())
		nn.Free(dev, hidden, pooled)
	})
}

func TestAttentionRejectsWrongRank(t *testing.T) {
	m := load(t, sd1L, 1)
	x, err := m.dev.Alloc(tensor.Shape{7, sd1L.width})
	require.NoError(t, err)
	_, err = m.enc.Layers[0].Forward(m.dev, x)
	require.ErrorIs(t, err, tensor.ErrShape)
}
