package unet

import (
	"context"
	"math"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// unetRefTol is looser than refTol: the whole UNet chains some forty
// float32 stages.
const unetRefTol = 5e-4

// scoped is the view Load expects: the root scoped at cfg.Prefix.
func scoped(w *nn.Weights, c detect.UNetConfig) *nn.Weights {
	return w.Sub(strings.TrimSuffix(c.Prefix, "."))
}

// inputs are one batch of UNet inputs, as reference arrays.
type inputs struct {
	x, ctx, y arr
	ts        []float64
}

func makeInputs(c detect.UNetConfig, b, h, w, tokens int) inputs {
	in := inputs{x: randArr(11, b, c.InChannels, h, w), ctx: randArr(12, b, tokens, c.ContextDim)}
	for i := range b {
		in.ts = append(in.ts, float64(999-400*i)) // different steps per row
	}
	if c.ADMInChannels > 0 {
		in.y = randArr(13, b, c.ADMInChannels)
	}
	return in
}

func (in inputs) device(t *testing.T, f fixture) (x tensor.Tensor, ts []float32, ctx, y tensor.Tensor) {
	for _, v := range in.ts {
		ts = append(ts, float32(v))
	}
	x, ctx = f.upload(t, in.x), f.upload(t, in.ctx)
	if in.y.v != nil {
		y = f.upload(t, in.y)
	}
	return x, ts, ctx, y
}

func loadTiny(t *testing.T, c detect.UNetConfig, seed int64) (*UNet, fixture) {
	t.Helper()
	f := newFixture(unetSpec(c), seed)
	u, err := Load(scoped(f.w, c), c)
	require.NoError(t, err)
	return u, f
}

func TestUNetMatchesReference(t *testing.T) {
	tests := []struct {
		name string
		cfg  detect.UNetConfig
	}{
		{"sd1 conv projection, 2 heads", sd1Tiny()},
		{"sd2 linear projection, head width 16", sd2Tiny()},
		{"sdxl label_emb, no attention at level 0", sdxlTiny()},
		{"inpaint 9 channels", inpaintTiny()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, f := loadTiny(t, tc.cfg, 21)
			require.Equal(t, tc.cfg.ADMInChannels > 0, u.Label != nil)
			in := makeInputs(tc.cfg, 2, 8, 6, 5)
			x, ts, ctx, y := in.device(t, f)

			out, err := u.Forward(t.Context(), x, ts, ctx, y, nil)
			require.NoError(t, err)
			require.Equal(t, tensor.Shape{2, tc.cfg.OutChannels, 8, 6}, out.Shape())
			got := f.download(t, out)
			for i, v := range got.v {
				require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "element %d is %v", i, v)
			}
			want := ref{t, f}.unet(tc.cfg, in.x, in.ts, in.ctx, in.y, nil, arr{})
			require.Less(t, relErr(got, want), unetRefTol)
		})
	}
}

func TestDetectRoundTrip(t *testing.T) {
	// Weights generated in the LDM layout are described by detect, and
	// Load builds from that description alone: nothing about the model's
	// size is hard-coded here.
	tests := []struct {
		name   string
		cfg    detect.UNetConfig
		family detect.Family
	}{
		{"sd1", sd1Tiny(), detect.FamilySD1},
		// detect fixes SD 2.x heads at 64 wide, so attention starts at the
		// 64-wide level.
		{"sd2", sd2Deep(), detect.FamilySD2},
		{"sdxl", sdxlTiny(), detect.FamilySDXL},
		{"sd1 inpaint", inpaintTiny(), detect.FamilySD1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(unetSpec(tc.cfg), 31)
			m, err := detect.Detect(f.src, detect.Overrides{})
			require.NoError(t, err)
			require.Equal(t, tc.family, m.Family)
			require.NotNil(t, m.UNet)
			got := *m.UNet
			// Heads are family defaults (detect config.go), not shapes.
			want := tc.cfg
			want.NumHeads, want.HeadDim = got.NumHeads, got.HeadDim
			require.Equal(t, want, got)

			u, err := Load(scoped(f.w, got), got)
			require.NoError(t, err)
			in := makeInputs(got, 1, 4, 4, 3)
			x, ts, ctx, y := in.device(t, f)
			out, err := u.Forward(t.Context(), x, ts, ctx, y, nil)
			require.NoError(t, err)
			want2 := ref{t, f}.unet(got, in.x, in.ts, in.ctx, in.y, nil, arr{})
			require.Less(t, relErr(f.download(t, out), want2), unetRefTol)
		})
	}
}

func sd2Deep() detect.UNetConfig {
	c := sd2Tiny()
	c.TransformerDepth, c.TransformerDepthOutput = []int{0, 1}, []int{1, 1, 0, 0}
	return c
}

func TestControlNetResiduals(t *testing.T) {
	cfg := sdxlTiny()
	u, f := loadTiny(t, cfg, 41)
	in := makeInputs(cfg, 1, 4, 4, 3)
	x, ts, ctx, y := in.device(t, f)

	// Residual shapes are the input blocks' output shapes.
	var down []arr
	var downT []tensor.Tensor
	h, w, ch := 4, 4, cfg.ModelChannels
	shapes := [][]int{{1, ch, h, w}}
	for l, m := range cfg.ChannelMult {
		for range cfg.NumResBlocks[l] {
			shapes = append(shapes, []int{1, m * cfg.ModelChannels, h, w})
		}
		if l < len(cfg.ChannelMult)-1 {
			h, w = h/2, w/2
			shapes = append(shapes, []int{1, m * cfg.ModelChannels, h, w})
		}
	}
	require.Len(t, shapes, len(u.Input))
	for i, s := range shapes {
		down = append(down, randArr(uint64(50+i), s...))
		downT = append(downT, f.upload(t, down[i]))
	}
	last := shapes[len(shapes)-1]
	mid := randArr(70, last...)

	t.Run("match residuals added by hand", func(t *testing.T) {
		out, err := u.Forward(t.Context(), x, ts, ctx, y, &Residuals{Down: downT, Mid: f.upload(t, mid)})
		require.NoError(t, err)
		want := ref{t, f}.unet(cfg, in.x, in.ts, in.ctx, in.y, down, mid)
		require.Less(t, relErr(f.download(t, out), want), unetRefTol)
		plain := ref{t, f}.unet(cfg, in.x, in.ts, in.ctx, in.y, nil, arr{})
		require.Greater(t, relErr(plain, want), 100*unetRefTol, "residuals must change the output")
	})

	t.Run("zero residuals are no residuals, exactly", func(t *testing.T) {
		var zs []tensor.Tensor
		for _, s := range shapes {
			z, err := f.dev.Alloc(tensor.Shape(s))
			require.NoError(t, err)
			zs = append(zs, z)
		}
		zm, err := f.dev.Alloc(tensor.Shape(last))
		require.NoError(t, err)
		a, err := u.Forward(t.Context(), x, ts, ctx, y, &Residuals{Down: zs, Mid: zm})
		require.NoError(t, err)
		b, err := u.Forward(t.Context(), x, ts, ctx, y, nil)
		require.NoError(t, err)
		require.Equal(t, f.download(t, b).v, f.download(t, a).v)
	})

	t.Run("only mid", func(t *testing.T) {
		out, err := u.Forward(t.Context(), x, ts, ctx, y, &Residuals{Mid: f.upload(t, mid)})
		require.NoError(t, err)
		want := ref{t, f}.unet(cfg, in.x, in.ts, in.ctx, in.y, nil, mid)
		require.Less(t, relErr(f.download(t, out), want), unetRefTol)
	})

	t.Run("wrong count or shape", func(t *testing.T) {
		_, err := u.Forward(t.Context(), x, ts, ctx, y, &Residuals{Down: downT[1:]})
		require.ErrorContains(t, err, "down residuals")
		bad := append([]tensor.Tensor(nil), downT...)
		bad[0], bad[1] = downT[len(downT)-1], downT[len(downT)-1]
		_, err = u.Forward(t.Context(), x, ts, ctx, y, &Residuals{Down: bad})
		require.ErrorIs(t, err, tensor.ErrShape)
	})
}

// cancelDevice cancels a context on the n-th convolution, so a Forward
// is interrupted in the middle of the network.
type cancelDevice struct {
	compute.Device
	n      int64
	calls  atomic.Int64
	cancel context.CancelFunc
}

func (d *cancelDevice) Conv2D(x, w, b tensor.Tensor, p compute.Conv2DParams) (tensor.Tensor, error) {
	if d.calls.Add(1) == d.n {
		d.cancel()
	}
	return d.Device.Conv2D(x, w, b, p)
}

func TestForwardCancellation(t *testing.T) {
	cfg := sd1Tiny()
	f := newFixture(unetSpec(cfg), 51)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dev := &cancelDevice{Device: f.dev, n: 5, cancel: cancel}
	u, err := Load(scoped(nn.NewWeights(f.src, dev), cfg), cfg)
	require.NoError(t, err)
	in := makeInputs(cfg, 1, 4, 4, 3)
	x, ts, c, y := in.device(t, f)

	_, err = u.Forward(ctx, x, ts, c, y, nil)
	require.ErrorIs(t, err, context.Canceled)
	// Stopped soon after the cancel, far from the whole network's convs.
	require.Less(t, dev.calls.Load(), int64(10))

	done, stop := context.WithCancel(t.Context())
	stop()
	_, err = u.Forward(done, x, ts, c, y, nil)
	require.ErrorIs(t, err, context.Canceled)
}

func TestForwardFreesIntermediates(t *testing.T) {
	// Every temporary is freed: after Forward the device holds what it held
	// before plus the output. GC is off so a leak cannot hide behind the
	// collector's cleanups.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, cfg := range []detect.UNetConfig{sd1Tiny(), sdxlTiny()} {
		u, f := loadTiny(t, cfg, 61)
		in := makeInputs(cfg, 2, 4, 4, 3)
		x, ts, ctx, y := in.device(t, f)
		before := f.dev.Info().UsedMemory
		out, err := u.Forward(t.Context(), x, ts, ctx, y, nil)
		require.NoError(t, err)
		require.Equal(t, before+out.Bytes(), f.dev.Info().UsedMemory)
	}
}

func TestADMVector(t *testing.T) {
	cfg := sdxlTiny()
	u, f := loadTiny(t, cfg, 71)
	pooledW := 32 // sdxlTiny: ADM = 32 + 6·256
	pooled := randArr(72, 2, pooledW)
	nums := SDXLSizes(1024, 768, 16, 8, 1024, 768)
	y, err := u.ADMVector(f.upload(t, pooled), nums)
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{2, cfg.ADMInChannels}, y.Shape())

	// Reference: pooled ⊕ 256-wide sinusoid of each number (sgm
	// ConcatTimestepEmbedderND, outdim 256), per row.
	per := (cfg.ADMInChannels - pooledW) / len(nums)
	require.Equal(t, 256, per)
	var fs []float64
	for _, n := range nums {
		fs = append(fs, float64(n))
	}
	e := timestepEmbedding(fs, per)
	want := zeros(2, cfg.ADMInChannels)
	for r := range 2 {
		row := want.v[r*cfg.ADMInChannels:]
		copy(row, pooled.v[r*pooledW:(r+1)*pooledW])
		copy(row[pooledW:], e.v)
	}
	require.Less(t, relErr(f.download(t, y), want), 1e-5)

	_, err = u.ADMVector(f.upload(t, pooled), SDXLRefinerSizes(1024, 1024, 0, 0, 6))
	require.ErrorIs(t, err, tensor.ErrShape, "5 numbers cannot fill the base model's vector")

	sd1, f1 := loadTiny(t, sd1Tiny(), 73)
	_, err = sd1.ADMVector(f1.upload(t, pooled), nums)
	require.ErrorContains(t, err, "without label_emb")
}

func TestForwardRejectsBadInputs(t *testing.T) {
	cfg := sdxlTiny()
	u, f := loadTiny(t, cfg, 81)
	in := makeInputs(cfg, 1, 4, 4, 3)
	x, ts, ctx, y := in.device(t, f)
	odd := f.upload(t, randArr(1, 1, cfg.InChannels, 5, 4))
	nine := f.upload(t, randArr(1, 1, 9, 4, 4))
	wrongCtx := f.upload(t, randArr(1, 1, 3, cfg.ContextDim+1))
	tests := []struct {
		name    string
		x, c, y tensor.Tensor
		ts      []float32
		want    string
	}{
		{"channels", nine, ctx, y, ts, "want [B, 4, H, W]"},
		{"size not a multiple of the downsampling", odd, ctx, y, ts, "multiples of 2"},
		{"timesteps per batch", x, ctx, y, []float32{1, 2}, "2 timesteps for batch 1"},
		{"context width", x, wrongCtx, y, ts, "unet context"},
		{"missing y", x, ctx, tensor.Tensor{}, ts, "see ADMVector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := u.Forward(t.Context(), tc.x, tc.ts, tc.c, tc.y, nil)
			require.ErrorContains(t, err, tc.want)
		})
	}

	sd1, f1 := loadTiny(t, sd1Tiny(), 82)
	x1, ts1, c1, _ := makeInputs(sd1Tiny(), 1, 4, 4, 3).device(t, f1)
	_, err := sd1.Forward(t.Context(), x1, ts1, c1, f1.upload(t, randArr(1, 1, 8)), nil)
	require.ErrorContains(t, err, "without label_emb")
}

func TestLoadRejectsBadConfig(t *testing.T) {
	f := newFixture(unetSpec(sd1Tiny()), 91)
	tests := []struct {
		name string
		edit func(*detect.UNetConfig)
		want string
	}{
		{"no levels", func(c *detect.UNetConfig) { c.ChannelMult, c.NumResBlocks, c.TransformerDepth = nil, nil, nil }, "no levels"},
		{"both head settings", func(c *detect.UNetConfig) { c.HeadDim = 16 }, "exactly one of NumHeads"},
		{"output depths", func(c *detect.UNetConfig) { c.TransformerDepthOutput = c.TransformerDepthOutput[1:] }, "TransformerDepthOutput"},
		{"level lists disagree", func(c *detect.UNetConfig) { c.NumResBlocks = []int{1} }, "levels but"},
		{"heads do not split width", func(c *detect.UNetConfig) { c.NumHeads = 3 }, "does not split"},
		{"more res blocks than the file", func(c *detect.UNetConfig) {
			c.NumResBlocks = []int{2, 1}
			c.TransformerDepthOutput = []int{1, 1, 1, 1, 1}
		}, "input_blocks.2.0.in_layers.0.weight"},
		{"attention without context", func(c *detect.UNetConfig) { c.ContextDim = 0 }, "without a context"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := sd1Tiny()
			tc.edit(&c)
			_, err := Load(scoped(f.w, c), c)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
