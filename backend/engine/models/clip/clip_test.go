package clip_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// The tiny encoders, one per real key layout and family setting
// (detect.textDefaults): SD 1.x CLIP-L, SD 2.x ViT-H, SDXL CLIP-L and bigG,
// and standalone files.
var (
	sd1L  = tiny{detect.LayoutHF, "cond_stage_model.transformer.text_model.", "quick_gelu", "last", true, 16, 2, 3, 0}
	sd2H  = tiny{detect.LayoutOpenCLIP, "cond_stage_model.model.", "gelu", "penultimate", true, 16, 4, 3, 12}
	sdxlL = tiny{detect.LayoutHF, "conditioner.embedders.0.transformer.text_model.", "quick_gelu", "penultimate", false, 16, 2, 3, 10}
	sdxlG = tiny{detect.LayoutOpenCLIP, "conditioner.embedders.1.model.", "gelu", "penultimate", false, 24, 3, 4, 20}
	soloL = tiny{detect.LayoutHF, "text_model.", "quick_gelu", "last", true, 8, 2, 2, 6}
	soloG = tiny{detect.LayoutOpenCLIP, "", "gelu", "penultimate", false, 8, 2, 2, 6}
)

// window is a short prompt: start, three tokens, end, then padding (the end
// token for CLIP-L, 0 for OpenCLIP, as detect's Pad says).
func window(pad int) []int {
	return []int{tinyStart, 7, 31, 3, tinyEnd, pad, pad}
}

func padFor(c tiny) int {
	if c.layout == detect.LayoutHF {
		return tinyEnd
	}
	return 0
}

type loaded struct {
	dev compute.Device
	src weights.Source
	enc *clip.TextEncoder
	ref *refModel
}

func load(t *testing.T, c tiny, seed int64) loaded {
	t.Helper()
	src := nn.RandomSource(c.spec(), seed)
	dev := cpu.New(1)
	enc, err := clip.Load(nn.NewWeights(src, dev), c.config())
	require.NoError(t, err)
	return loaded{dev, src, enc, loadRef(t, src, c)}
}

func download(t *testing.T, d compute.Device, x tensor.Tensor) []float64 {
	t.Helper()
	v, err := d.Download(x)
	require.NoError(t, err)
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out
}

func requireClose(t *testing.T, want, got []float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.InDelta(t, want[i], got[i], 1e-4*(1+math.Abs(want[i])), "element %d", i)
	}
}

func TestEncodeMatchesReference(t *testing.T) {
	tests := []struct {
		name  string
		c     tiny
		skip  int
		depth int // layers whose output is the hidden state
	}{
		{"sd1 clip-l last", sd1L, 0, 3},
		{"sd1 clip-l skip 1", sd1L, 1, 3},
		{"sd1 clip-l skip 2 normed", sd1L, 2, 2},
		{"sd1 clip-l skip 3", sd1L, 3, 1},
		{"sd2 vit-h penultimate fused", sd2H, 0, 2},
		{"sd2 vit-h skip 1", sd2H, 1, 3},
		{"sdxl clip-l penultimate with projection", sdxlL, 0, 2},
		{"sdxl bigG penultimate", sdxlG, 0, 3},
		{"sdxl bigG skip 3", sdxlG, 3, 2},
		{"standalone hf", soloL, 0, 2},
		{"standalone openclip", soloG, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := load(t, tc.c, 3)
			ids := window(padFor(tc.c))
			hidden, pooled, err := m.enc.Encode(t.Context(), ids, tc.skip)
			require.NoError(t, err)
			assert.Equal(t, tensor.Shape{1, len(ids), tc.c.width}, hidden.Shape())

			wantHidden, wantPooled := m.ref.encode(ids, tc.depth)
			requireClose(t, wantHidden, download(t, m.dev, hidden))
			if tc.c.projection == 0 {
				assert.True(t, pooled.IsZero())
				return
			}
			assert.Equal(t, tensor.Shape{1, tc.c.projection}, pooled.Shape())
			requireClose(t, wantPooled, download(t, m.dev, pooled))
		})
	}
}

func TestEncoderLayerMatchesReference(t *testing.T) {
	for _, c := range []tiny{sd1L, sd2H} {
		t.Run(c.layout, func(t *testing.T) {
			src := nn.RandomSource(c.spec(), 5)
			dev := cpu.New(1)
			ref := loadRef(t, src, c)
			w := nn.NewWeights(src, dev)
			layerKey := c.prefix + "encoder.layers"
			act := compute.ActQuickGELU
			if c.layout == detect.LayoutOpenCLIP {
				// Layer code is written against the transformers names; the
				// layout renamer is what Load installs.
				w = nn.NewWeights(src, dev).WithRenamer(func(k string) string {
					k = strings.Replace(k, "encoder.layers.", "transformer.resblocks.", 1)
					for _, r := range [][2]string{{"layer_norm1", "ln_1"}, {"layer_norm2", "ln_2"}, {"self_attn", "attn"}, {"mlp.fc1", "mlp.c_fc"}, {"mlp.fc2", "mlp.c_proj"}} {
						k = strings.Replace(k, r[0], r[1], 1)
					}
					return k
				})
				act = compute.ActGELU
			}
			l, err := clip.LoadEncoderLayer(w.Sub(strings.TrimSuffix(layerKey, ".")).Index(1), c.width, c.heads, act)
			require.NoError(t, err)
			assert.Equal(t, c.layout == detect.LayoutOpenCLIP, l.Attn.QKV != nil, "fused projection kept fused")

			const n = 5
			x := make([]float32, n*c.width)
			xr := make([]float64, len(x))
			for i := range x {
				x[i] = float32(math.Cos(float64(i) * 0.7))
				xr[i] = float64(x[i])
			}
			xt, err := dev.Upload(tensor.Shape{1, n, c.width}, x)
			require.NoError(t, err)
			y, err := l.Forward(dev, xt)
			require.NoError(t, err)
			requireClose(t, ref.layer(ref.layers[1], xr, n), download(t, dev, y))
			_, err = dev.Download(xt)
			require.NoError(t, err, "the layer leaves its input intact")
		})
	}
}

func TestEncodeIsCausal(t *testing.T) {
	m := load(t, sd1L, 9)
	a := []int{tinyStart, 5, 6, 7, tinyEnd, tinyEnd, tinyEnd}
	b := []int{tinyStart, 5, 6, 8, tinyEnd, tinyEnd, tinyEnd} // differs at position 3
	ha, _, err := m.enc.Encode(t.Context(), a, 1)
	require.NoError(t, err)
	hb, _, err := m.enc.Encode(t.Context(), b, 1)
	require.NoError(t, err)
	va, vb := download(t, m.dev, ha), download(t, m.dev, hb)
	w := sd1L.width
	assert.Equal(t, va[:3*w], vb[:3*w], "positions before the change cannot see it")
	assert.NotEqual(t, va[3*w:4*w], vb[3*w:4*w])
	assert.NotEqual(t, va[6*w:], vb[6*w:], "later positions see it")
}

func TestPooledTakesEndToken(t *testing.T) {
	m := load(t, sdxlG, 11)
	// Same prefix, end token at different positions: the pooled output must
	// follow the end token, and equal the reference at that position.
	for _, ids := range [][]int{
		{tinyStart, 4, tinyEnd, 0, 0, 0, 0},
		{tinyStart, 4, 9, 12, 13, tinyEnd, 0},
		{tinyStart, 4, tinyEnd, tinyEnd, tinyEnd, tinyEnd, tinyEnd},
	} {
		t.Run(fmt.Sprint(clip.EndPosition(ids)), func(t *testing.T) {
			_, pooled, err := m.enc.Encode(t.Context(), ids, 0)
			require.NoError(t, err)
			_, want := m.ref.encode(ids, 3)
			requireClose(t, want, download(t, m.dev, pooled))
		})
	}
}

func TestEndPosition(t *testing.T) {
	tests := []struct {
		name string
		ids  []int
		want int
	}{
		{"zero padded", []int{49406, 320, 1125, 49407, 0, 0}, 3},
		{"end padded takes the first", []int{49406, 320, 49407, 49407, 49407}, 2},
		{"truncated window", []int{49406, 320, 1125, 49407}, 3},
		{"empty", nil, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, clip.EndPosition(tc.ids))
		})
	}
}

func TestEncodeBatchMatchesSingle(t *testing.T) {
	m := load(t, sd2H, 13)
	w1 := window(0)
	w2 := []int{tinyStart, 20, 21, 22, 23, 24, tinyEnd}
	hidden, pooled, err := m.enc.EncodeBatch(t.Context(), [][]int{w1, w2}, 0)
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{2, len(w1), sd2H.width}, hidden.Shape())
	require.Equal(t, tensor.Shape{2, sd2H.projection}, pooled.Shape())
	hb, pb := download(t, m.dev, hidden), download(t, m.dev, pooled)
	for i, ids := range [][]int{w1, w2} {
		wantH, wantP := m.ref.encode(ids, 2)
		requireClose(t, wantH, hb[i*len(wantH):(i+1)*len(wantH)])
		requireClose(t, wantP, pb[i*len(wantP):(i+1)*len(wantP)])
	}
}

func TestEncodeSDXL(t *testing.T) {
	spec := sdxlL.spec()
	for k, v := range sdxlG.spec() {
		spec[k] = v
	}
	src := nn.RandomSource(spec, 17)
	dev := cpu.New(1)
	w := nn.NewWeights(src, dev)
	l, err := clip.Load(w, sdxlL.config())
	require.NoError(t, err)
	g, err := clip.Load(w, sdxlG.config())
	require.NoError(t, err)

	idsL, idsG := window(tinyEnd), window(0)
	hidden, pooled, err := clip.EncodeSDXL(t.Context(), l, g, idsL, idsG, 0)
	require.NoError(t, err)
	n := len(idsL)
	require.Equal(t, tensor.Shape{1, n, sdxlL.width + sdxlG.width}, hidden.Shape())
	require.Equal(t, tensor.Shape{1, sdxlG.projection}, pooled.Shape())

	hL, _ := loadRef(t, src, sdxlL).encode(idsL, sdxlL.layers-1)
	hG, pG := loadRef(t, src, sdxlG).encode(idsG, sdxlG.layers-1)
	var want []float64
	for i := range n {
		want = append(want, hL[i*sdxlL.width:(i+1)*sdxlL.width]...)
		want = append(want, hG[i*sdxlG.width:(i+1)*sdxlG.width]...)
	}
	requireClose(t, want, download(t, dev, hidden))
	requireClose(t, pG, download(t, dev, pooled))

	_, _, err = clip.EncodeSDXL(t.Context(), l, g, idsL, idsG[:5], 0)
	require.ErrorContains(t, err, "windows of 7 and 5 tokens")
}

func TestLoadErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name    string
		c       tiny
		drop    string
		reshape map[string][]int
		want    string
	}{
		{"hf mlp", sd1L, "cond_stage_model.transformer.text_model.encoder.layers.2.mlp.fc2.weight", nil,
			"nn: cond_stage_model.transformer.text_model.encoder.layers.2.mlp.fc2.weight: missing weight"},
		{"hf q_proj", sd1L, "cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.q_proj.bias", nil,
			"nn: cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.q_proj.bias: missing weight"},
		{"openclip fused bias", sdxlG, "conditioner.embedders.1.model.transformer.resblocks.1.attn.in_proj_bias", nil,
			"nn: conditioner.embedders.1.model.transformer.resblocks.1.attn.in_proj_bias: missing weight"},
		{"openclip final norm", sd2H, "cond_stage_model.model.ln_final.bias", nil,
			"nn: cond_stage_model.model.ln_final.bias: missing weight"},
		{"openclip positions", sd2H, "cond_stage_model.model.positional_embedding", nil,
			"nn: cond_stage_model.model.positional_embedding: missing weight"},
		{"hf projection beside text_model", sdxlL, "conditioner.embedders.0.transformer.text_projection.weight", nil,
			"nn: conditioner.embedders.0.transformer.text_projection.weight: missing weight"},
		{"fc1 without weight", sd1L, "cond_stage_model.transformer.text_model.encoder.layers.1.mlp.fc1.weight", nil,
			"nn: cond_stage_model.transformer.text_model.encoder.layers.1.mlp.fc1.weight: missing weight"},
		{"wrong shape", sdxlG, "", map[string][]int{"conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_weight": {24, 24}},
			"nn: conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_weight: bad shape: shape [24 24], want [72 24]"},
		{"openclip projection transposed", sdxlG, "", map[string][]int{"conditioner.embedders.1.model.text_projection": {20, 24}},
			"nn: conditioner.embedders.1.model.text_projection: bad shape: shape [20 24], want [24 20]"},
		{"fc1 width", sd1L, "", map[string][]int{"cond_stage_model.transformer.text_model.encoder.layers.0.mlp.fc1.weight": {64, 15}},
			"cond_stage_model.transformer.text_model.encoder.layers.0.mlp.fc1.weight: bad shape: shape [64 15], want [hidden 16]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.c.spec()
			if tc.drop != "" {
				require.Contains(t, spec, tc.drop)
				delete(spec, tc.drop)
			}
			for k, v := range tc.reshape {
				require.Contains(t, spec, k)
				spec[k] = v
			}
			dev := cpu.New(1)
			_, err := clip.Load(nn.NewWeights(nn.RandomSource(spec, 1), dev), tc.c.config())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Zero(t, dev.Info().UsedMemory, "a failed load frees what it loaded")
		})
	}
}

func TestLoadRejectsBadConfig(t *testing.T) {
	src := nn.RandomSource(sd1L.spec(), 1)
	tests := []struct {
		name   string
		change func(*detect.TextEncoderConfig)
		want   string
	}{
		{"activation", func(c *detect.TextEncoderConfig) { c.Activation = "swish" }, `activation "swish"`},
		{"layout", func(c *detect.TextEncoderConfig) { c.Layout = "diffusers" }, `layout "diffusers"`},
		{"heads", func(c *detect.TextEncoderConfig) { c.Heads = 3 }, "width 16 not divisible into 3 heads"},
		{"zero width", func(c *detect.TextEncoderConfig) { c.Width = 0 }, "width 0"},
		{"layer", func(c *detect.TextEncoderConfig) { c.Layer = "first" }, `layer "first"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sd1L.config()
			tc.change(&cfg)
			_, err := clip.Load(nn.NewWeights(src, cpu.New(1)), cfg)
			require.ErrorIs(t, err, clip.ErrConfig)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestEncodeRejectsBadInput(t *testing.T) {
	m := load(t, sd1L, 1)
	long := make([]int, tinyPositions+1)
	tests := []struct {
		name    string
		windows [][]int
		skip    int
		want    string
	}{
		{"skip beyond layers", [][]int{window(tinyEnd)}, 4, "skip 4 outside 1…3 layers"},
		{"negative skip", [][]int{window(tinyEnd)}, -1, "skip -1"},
		{"id outside vocabulary", [][]int{{tinyStart, tinyVocab, tinyEnd}}, 0, "id 50 at position 1 outside vocabulary of 50"},
		{"negative id", [][]int{{tinyStart, -3, tinyEnd}}, 0, "id -3"},
		{"too many tokens", [][]int{long}, 0, "window of 10 tokens, the model has 9 positions"},
		{"ragged batch", [][]int{window(tinyEnd), {1, 2}}, 0, "window 1 has 2 tokens"},
		{"no windows", nil, 0, "no tokens"},
		{"empty window", [][]int{{}}, 0, "no tokens"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := m.enc.EncodeBatch(t.Context(), tc.windows, tc.skip)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestEncodeCancelled(t *testing.T) {
	m := load(t, sd1L, 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := m.enc.Encode(ctx, window(tinyEnd), 0)
	require.ErrorIs(t, err, context.Canceled)
}
