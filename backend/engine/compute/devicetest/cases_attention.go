package devicetest

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
)

type attnCase struct {
	b, nq, nk, h, d, dv int
	scale               float32
	causal              bool
}

func (c attnCase) String() string {
	s := fmt.Sprintf("b%d_q%d_k%d_h%d_d%d_dv%d", c.b, c.nq, c.nk, c.h, c.d, c.dv)
	if c.causal {
		s += "_causal"
	}
	if c.scale != 0 {
		s += "_scaled"
	}
	return s
}

func caseAttention(t *testing.T, dev compute.Device) {
	tests := []attnCase{
		{b: 1, nq: 1, nk: 1, h: 1, d: 1, dv: 1},
		{b: 2, nq: 7, nk: 13, h: 3, d: 40, dv: 40},
		{b: 1, nq: 65, nk: 63, h: 2, d: 64, dv: 64},
		{b: 1, nq: 63, nk: 257, h: 1, d: 80, dv: 80},
		{b: 1, nq: 129, nk: 77, h: 2, d: 128, dv: 128}, // cross-attention to 77 text tokens
		{b: 1, nq: 33, nk: 17, h: 1, d: 160, dv: 160},
		{b: 2, nq: 77, nk: 77, h: 3, d: 64, dv: 64, causal: true}, // CLIP's causal mask
		{b: 1, nq: 300, nk: 300, h: 1, d: 40, dv: 40, causal: true},
		{b: 1, nq: 19, nk: 23, h: 2, d: 24, dv: 9, scale: 0.3},
		{b: 1, nq: 1000, nk: 1000, h: 2, d: 40, dv: 40},
		{b: 1, nq: 1000, nk: 1000, h: 1, d: 64, dv: 64, causal: true},
	}
	for i, tc := range tests {
		t.Run(tc.String(), func(t *testing.T) {
			r := rng(uint64(1000 + i))
			qv := randn(r, tc.b*tc.nq*tc.h*tc.d)
			kv := randn(r, tc.b*tc.nk*tc.h*tc.d)
			vv := randn(r, tc.b*tc.nk*tc.h*tc.dv)
			q := upload(t, dev, qv, tc.b, tc.nq, tc.h, tc.d)
			k := upload(t, dev, kv, tc.b, tc.nk, tc.h, tc.d)
			v := upload(t, dev, vv, tc.b, tc.nk, tc.h, tc.dv)
			y, err := dev.Attention(q, k, v, compute.AttentionParams{Scale: tc.scale, Causal: tc.causal})
			require.NoError(t, err)
			scale := float64(tc.scale)
			if scale == 0 {
				scale = 1 / math.Sqrt(float64(tc.d))
			}
			want := refAttention(qv, kv, vv, tc.b, tc.nq, tc.nk, tc.h, tc.d, tc.dv, scale, tc.causal)
			assertClose(t, want, download(t, dev, y, tc.b, tc.nq, tc.h, tc.dv), tol{abs: 2e-5 * math.Sqrt(float64(tc.d)), rel: 1e-4})
		})
	}
	t.Run("memory linear in tokens", func(t *testing.T) { attentionMemory(t, dev) })
	t.Run("errors", func(t *testing.T) {
		q := upload(t, dev, randn(rng(1), 2*3*8), 1, 2, 3, 8)
		k := upload(t, dev, randn(rng(2), 4*3*4), 1, 4, 3, 4)
		_, err := dev.Attention(q, k, k, compute.AttentionParams{})
		requireShapeErr(t, err, "head size differs")
		k2 := upload(t, dev, randn(rng(3), 4*2*8), 1, 4, 2, 8)
		_, err = dev.Attention(q, k2, k2, compute.AttentionParams{})
		requireShapeErr(t, err, "head count differs")
		flat := upload(t, dev, randn(rng(4), 2*24), 2, 24)
		_, err = dev.Attention(flat, flat, flat, compute.AttentionParams{})
		requireShapeErr(t, err, "rank 2")
	})
}

// attentionMemory checks that doubling the tokens roughly doubles what one
// Attention call allocates on the host (output and tiles), instead of
// quadrupling it as a materialised tokens×tokens score matrix would. It
// reads runtime.MemStats.TotalAlloc, so it checks allocation, not time.
func attentionMemory(t *testing.T, dev compute.Device) {
	const h, d = 1, 64
	measure := func(n int) uint64 {
		r := rng(uint64(n))
		q := upload(t, dev, randn(r, n*h*d), 1, n, h, d)
		var best uint64 = math.MaxUint64
		for range 3 { // minimum of a few runs filters a concurrent GC refilling pools
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			y, err := dev.Attention(q, q, q, compute.AttentionParams{})
			require.NoError(t, err)
			require.NoError(t, dev.Synchronize())
			runtime.ReadMemStats(&after)
			best = min(best, after.TotalAlloc-before.TotalAlloc)
			require.NoError(t, dev.Free(y))
		}
		return best
	}
	small, large := measure(1024), measure(2048)
	scores := uint64(2048 * 2048 * 4) // one float32 score matrix at 2048 tokens
	t.Logf("attention host allocation: %d B at 1024 tokens, %d B at 2048", small, large)
	require.Less(t, large, scores/4, "allocation must stay far below one tokens² score matrix")
	require.Less(t, large, 3*small+(64<<10), "allocation must grow about linearly with tokens")
}
