package unet

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// refTol is the relative tolerance of the float32 device path against the
// float64 reference: a few float32 roundings through norms, softmax and
// sums of at most a few hundred products.
const refTol = 1e-4

// randArr is uniform in [-1, 1), deterministic per seed.
func randArr(seed uint64, shape ...int) arr {
	r := rand.New(rand.NewPCG(seed, 7))
	a := zeros(shape...)
	for i := range a.v {
		a.v[i] = 2*r.Float64() - 1
	}
	return a
}

func TestCrossAttention(t *testing.T) {
	const dim, ctxDim, heads = 32, 24, 4
	tests := []struct {
		name string
		ctx  bool
	}{{"self", false}, {"cross", true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := spec{}
			cd := dim
			if tc.ctx {
				cd = ctxDim
			}
			s.attention("blk.attn.", dim, cd)
			f := newFixture(s, 1)
			a, err := LoadCrossAttention(f.w.Sub("blk").Sub("attn"), dim, cd, heads, dim/heads)
			require.NoError(t, err)

			x := randArr(2, 2, 5, dim)
			var c arr
			var ct tensor.Tensor
			if tc.ctx {
				c = randArr(3, 2, 3, ctxDim)
				ct = f.upload(t, c)
			}
			got, err := a.Forward(f.dev, f.upload(t, x), ct)
			require.NoError(t, err)
			want := ref{t, f}.crossAttention("blk.attn.", x, c, heads)
			require.Equal(t, want.shape, []int(got.Shape()))
			require.Less(t, relErr(f.download(t, got), want), refTol)
		})
	}
}

func TestResBlock(t *testing.T) {
	tests := []struct {
		name    string
		in, out int
		scale   float64 // input magnitude; tiny inputs make the norm's eps matter
	}{
		{"same width", 32, 32, 1},
		{"widening with skip conv", 32, 64, 1},
		{"narrowing after concat", 96, 64, 1},
		{"tiny activations (GroupNorm eps 1e-5)", 32, 32, 1e-3},
	}
	const emb = 48
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := spec{}
			s.resBlock("input_blocks.1.0.", tc.in, tc.out, emb)
			f := newFixture(s, 2)
			rb, err := LoadResBlock(f.w.Sub("input_blocks").Index(1).Index(0), tc.in, tc.out, emb)
			require.NoError(t, err)
			require.Equal(t, tc.in != tc.out, rb.Skip != nil)

			x, e := randArr(4, 2, tc.in, 5, 3).apply(func(v float64) float64 { return v * tc.scale }), randArr(5, 2, emb)
			got, err := rb.Forward(f.dev, f.upload(t, x), f.upload(t, e))
			require.NoError(t, err)
			want := ref{t, f}.resBlock("input_blocks.1.0.", x, e)
			require.Equal(t, want.shape, []int(got.Shape()))
			require.Less(t, relErr(f.download(t, got), want), refTol)
		})
	}
}

func TestBasicTransformerBlock(t *testing.T) {
	const dim, ctxDim, heads = 32, 16, 2
	s := spec{}
	s.transformerBlock("tb.", dim, ctxDim)
	f := newFixture(s, 3)
	b, err := LoadBasicTransformerBlock(f.w.Sub("tb"), dim, ctxDim, heads, dim/heads)
	require.NoError(t, err)

	x, c := randArr(6, 2, 7, dim), randArr(7, 2, 4, ctxDim)
	got, err := b.Forward(f.dev, f.upload(t, x), f.upload(t, c))
	require.NoError(t, err)
	want := ref{t, f}.basicBlock("tb.", x, c, heads)
	require.Less(t, relErr(f.download(t, got), want), refTol)
}

func TestSpatialTransformer(t *testing.T) {
	tests := []struct {
		name   string
		linear bool
		depth  int
		heads  int
		scale  float64 // input magnitude; tiny inputs make the norm's eps matter
	}{
		{"conv projection (SD 1.x)", false, 1, 2, 1},
		{"linear projection, two blocks (SD 2.x, SDXL)", true, 2, 4, 1},
		{"tiny activations (GroupNorm eps 1e-6)", true, 1, 2, 1e-3},
	}
	const ch, ctxDim = 64, 32
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := spec{}
			p := "input_blocks.1.1."
			s.spatialTransformer(p, ch, tc.depth, ctxDim, tc.linear)
			f := newFixture(s, 4)
			st, err := LoadSpatialTransformer(f.w.Sub("input_blocks").Index(1).Index(1), ch, tc.depth, ctxDim, tc.heads, ch/tc.heads, tc.linear)
			require.NoError(t, err)

			x, c := randArr(8, 2, ch, 3, 5).apply(func(v float64) float64 { return v * tc.scale }), randArr(9, 2, 6, ctxDim)
			got, err := st.Forward(f.dev, f.upload(t, x), f.upload(t, c))
			require.NoError(t, err)
			want := ref{t, f}.spatialTransformer(p, x, c, tc.heads)
			require.Equal(t, want.shape, []int(got.Shape()))
			require.Less(t, relErr(f.download(t, got), want), refTol)
		})
	}
}

func TestSpatialTransformerWrongProjectionKind(t *testing.T) {
	// A file with conv projections loaded as linear must fail naming the
	// key and shapes, not run with misread weights.
	s := spec{}
	s.spatialTransformer("st.", 32, 1, 32, false)
	f := newFixture(s, 5)
	_, err := LoadSpatialTransformer(f.w.Sub("st"), 32, 1, 32, 2, 16, true)
	require.ErrorIs(t, err, tensor.ErrShape)
	require.ErrorContains(t, err, "st.proj_in.weight")
}

func TestLoadMissingWeightNamesKey(t *testing.T) {
	s := spec{}
	s.resBlock("middle_block.0.", 32, 32, 16)
	delete(s, "middle_block.0.emb_layers.1.bias")
	f := newFixture(s, 6)
	_, err := LoadResBlock(f.w.Sub("middle_block").Index(0), 32, 32, 16)
	require.ErrorIs(t, err, nn.ErrMissing)
	require.ErrorContains(t, err, "middle_block.0.emb_layers.1.bias")
}
