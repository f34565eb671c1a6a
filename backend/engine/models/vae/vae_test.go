package vae

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// refTol is the float64-reference tolerance, max |Δ|/(1+|want|): float32
// accumulation over a few thousand products per output and a dozen layers
// stays well inside it.
const refTol = 2e-4

func TestBlocksMatchReference(t *testing.T) {
	dev := cpu.New(2)
	cases := []struct {
		name    string
		in, out int
		h, w    int
		linear  bool
	}{
		{"resnet same width", 32, 32, 5, 7, false},
		{"resnet nin_shortcut", 32, 64, 6, 4, false},
		{"attention conv weights", 32, 32, 5, 3, false},
		{"attention linear weights", 64, 64, 4, 4, true},
		{"downsample odd size", 32, 32, 7, 9, false},
		{"upsample", 32, 32, 3, 5, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := map[string][]int{}
			s := tinyVAE{linearAttn: tc.linear}
			switch {
			case tc.in != tc.out || tc.name[:6] == "resnet":
				putResnet(spec, "b", tc.in, tc.out)
			case tc.name[:4] == "atte":
				s.putAttn(spec, "b", tc.in)
			default:
				putConv(spec, "b.conv", tc.in, tc.in, 3)
			}
			src := nn.RandomSource(spec, int64(i))
			w := nn.NewWeights(src, dev).Sub("b")
			xs := randomData(2*tc.in*tc.h*tc.w, uint64(i+1), -2, 2)
			x := upload(t, dev, tensor.Shape{2, tc.in, tc.h, tc.w}, xs)
			xr := refFrom(xs, 2, tc.in, tc.h, tc.w)
			m := refModel{src: src}

			var want ref
			var got tensor.Tensor
			var err error
			switch {
			case tc.name[:6] == "resnet":
				b, lerr := LoadResnetBlock(w, tc.in, tc.out)
				require.NoError(t, lerr)
				got, err = b.Forward(dev, x)
				want = m.resnet("b", xr, tc.out)
			case tc.name[:4] == "atte":
				a, lerr := LoadAttnBlock(w, tc.in)
				require.NoError(t, lerr)
				got, err = a.Forward(dev, x)
				want = m.attn("b", xr)
			case tc.name[:4] == "down":
				ds, lerr := LoadDownsample(w, tc.in)
				require.NoError(t, lerr)
				got, err = ds.Forward(dev, x)
				want = m.conv("b.conv", padRB(xr), tc.in, 3, 2, 0)
			default:
				us, lerr := LoadUpsample(w, tc.in)
				require.NoError(t, lerr)
				got, err = us.Forward(dev, x)
				want = m.conv("b.conv", xr.Upsample(), tc.in, 3, 1, 1)
			}
			require.NoError(t, err)
			assert.Equal(t, tensor.Shape{want.N, want.C, want.H, want.W}, got.Shape())
			assert.LessOrEqual(t, maxRelDiff(want.D, download(t, dev, got)), refTol)
		})
	}
}

func TestTinyVAEMatchesReference(t *testing.T) {
	dev := cpu.New(2)
	s := tinyVAE{ch: 32, z: 4, nrb: 1, mult: []int{1, 2}}
	src := nn.RandomSource(s.spec(), 3)
	c := s.config()
	c.ScaleFactor, c.ShiftFactor = 0.5, 0.25
	v, err := Load(nn.NewWeights(src, dev), c)
	require.NoError(t, err)
	assert.Equal(t, 2, v.Factor())
	assert.Equal(t, 4, v.LatentChannels())
	m := refModel{src: src}

	// Encode (the posterior's mode): (mean − shift)·scale.
	img := randomData(3*16*12, 5, -1, 1)
	lat, err := v.Encode(t.Context(), upload(t, dev, tensor.Shape{1, 3, 16, 12}, img), false, nil)
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{1, 4, 8, 6}, lat.Shape())
	mom := m.encode("", c, refFrom(img, 1, 3, 16, 12))
	want := make([]float64, 4*8*6)
	for i := range want {
		want[i] = (mom.D[i] - 0.25) * 0.5
	}
	gotLat := download(t, dev, lat)
	assert.LessOrEqual(t, maxRelDiff(want, gotLat), refTol)

	// Decode: z = latent/scale + shift.
	out, err := v.Decode(t.Context(), lat)
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{1, 3, 16, 12}, out.Shape())
	z := refFrom(gotLat, 1, 4, 8, 6).Apply(func(x float64) float64 { return x/0.5 + 0.25 })
	got := download(t, dev, out)
	assert.LessOrEqual(t, maxRelDiff(m.decode("", c, z).D, got), refTol)
	for _, x := range got {
		require.False(t, math.IsNaN(float64(x)) || math.IsInf(float64(x), 0))
	}
}

func TestEncodeSample(t *testing.T) {
	dev := cpu.New(2)
	s := tinyVAE{ch: 32, z: 4, nrb: 1, mult: []int{1, 2}}
	v, err := Load(nn.NewWeights(nn.RandomSource(s.spec(), 4), dev), s.config())
	require.NoError(t, err)
	img := upload(t, dev, tensor.Shape{2, 3, 8, 8}, randomData(2*3*8*8, 6, -1, 1))
	mode, err := v.Encode(t.Context(), img, false, nil)
	require.NoError(t, err)
	var gotShape tensor.Shape
	ones := func(shape tensor.Shape) ([]float32, error) {
		gotShape = shape
		out := make([]float32, shape.Numel())
		for i := range out {
			out[i] = 1
		}
		return out, nil
	}
	sample, err := v.Encode(t.Context(), img, true, ones)
	require.NoError(t, err)
	assert.Equal(t, tensor.Shape{2, 4, 4, 4}, gotShape)

	// With noise 1 the sample is mean + σ, σ = exp(logvar/2) from the
	// moments' second half, which Encode does not return: check it
	// through the moments.
	mom, _, err := v.moments(t.Context(), img)
	require.NoError(t, err)
	mv, sv := download(t, dev, mode), download(t, dev, sample)
	for b := range 2 {
		for i := range 4 * 16 {
			mean, logVar := mom[b*128+i], mom[b*128+64+i]
			assert.InDelta(t, mean, mv[b*64+i], 1e-6)
			assert.InDelta(t, float64(mean)+math.Exp(0.5*float64(logVar)), float64(sv[b*64+i]), 1e-4)
		}
	}

	_, err = v.Encode(t.Context(), img, true, nil)
	assert.ErrorContains(t, err, "noise source")
	short := func(tensor.Shape) ([]float32, error) { return []float32{1}, nil }
	_, err = v.Encode(t.Context(), img, true, short)
	assert.ErrorContains(t, err, "noise gave 1 values")
}

func TestStandaloneAndPrefixedKeysAgree(t *testing.T) {
	dev := cpu.New(2)
	s := tinyVAE{ch: 32, z: 4, nrb: 2, mult: []int{1, 1, 2}}
	bare := nn.RandomSource(s.spec(), 8)
	img := randomData(3*8*8, 9, -1, 1)
	var outs [][]float32
	for _, tc := range []struct {
		name, prefix string
	}{{"standalone", ""}, {"checkpoint", "first_stage_model."}, {"diffusers-style vae.", "vae."}} {
		t.Run(tc.name, func(t *testing.T) {
			src := prefixed(t, bare, tc.prefix)
			m, err := detect.Detect(src, detect.Overrides{})
			require.NoError(t, err)
			require.NotNil(t, m.VAE)
			c := *m.VAE
			assert.Equal(t, tc.prefix, c.Prefix)
			assert.Equal(t, []int{1, 1, 2}, c.ChannelMult)
			assert.Equal(t, 2, c.NumResBlocks)
			_, err = Load(nn.NewWeights(src, dev), c)
			assert.ErrorContains(t, err, "detect.LatentScale", "a standalone VAE has no family scale")
			c.ScaleFactor, _ = detect.LatentScale(detect.FamilySD1)
			v, err := Load(nn.NewWeights(src, dev), c)
			require.NoError(t, err)
			lat, err := v.Encode(t.Context(), upload(t, dev, tensor.Shape{1, 3, 8, 8}, img), false, nil)
			require.NoError(t, err)
			out, err := v.Decode(t.Context(), lat)
			require.NoError(t, err)
			outs = append(outs, download(t, dev, out))
		})
	}
	require.Len(t, outs, 3)
	assert.Equal(t, outs[0], outs[1])
	assert.Equal(t, outs[0], outs[2])
}

func TestDecoderOnlyAndNoQuantConv(t *testing.T) {
	dev := cpu.New(2)
	s := tinyVAE{ch: 32, z: 3, nrb: 1, mult: []int{1, 2}, noEncoder: true, noQuant: true}
	v, err := Load(nn.NewWeights(nn.RandomSource(s.spec(), 1), dev), s.config())
	require.NoError(t, err)
	assert.Nil(t, v.Encoder)
	assert.Nil(t, v.PostQuantConv)
	out, err := v.Decode(t.Context(), upload(t, dev, tensor.Shape{1, 3, 4, 4}, randomData(48, 1, -1, 1)))
	require.NoError(t, err)
	assert.Equal(t, tensor.Shape{1, 3, 8, 8}, out.Shape())
	_, err = v.Encode(t.Context(), out, false, nil)
	assert.ErrorContains(t, err, "no encoder")
}

func TestLoadErrors(t *testing.T) {
	dev := cpu.New(1)
	s := tinyVAE{ch: 32, z: 4, nrb: 1, mult: []int{1, 2}}
	cases := []struct {
		name string
		edit func(map[string][]int, *Config)
		want string
	}{
		{"missing tensor", func(m map[string][]int, _ *Config) { delete(m, "decoder.up.1.block.0.norm2.bias") }, "decoder.up.1.block.0.norm2.bias"},
		{"wrong shape", func(m map[string][]int, _ *Config) { m["encoder.mid.attn_1.k.weight"] = []int{64, 32, 1, 1} }, "encoder.mid.attn_1.k.weight"},
		{"conv_shortcut", func(m map[string][]int, _ *Config) {
			m["encoder.down.1.block.0.conv_shortcut.weight"] = []int{64, 32, 3, 3}
		}, "conv_shortcut"},
		{"nothing", func(m map[string][]int, _ *Config) { clear(m) }, "encoder.conv_in.weight"},
		{"zero scale", func(_ map[string][]int, c *Config) { c.ScaleFactor = 0 }, "latent scale"},
		{"bad groups", func(_ map[string][]int, c *Config) { c.Channels = 48 }, "groups"},
		{"no levels", func(_ map[string][]int, c *Config) { c.ChannelMult = nil }, "positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec, c := s.spec(), s.config()
			tc.edit(spec, &c)
			_, err := Load(nn.NewWeights(nn.RandomSource(spec, 1), dev), c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestBadInputsAndCancel(t *testing.T) {
	dev := cpu.New(1)
	s := tinyVAE{ch: 32, z: 4, nrb: 1, mult: []int{1, 2}}
	v, err := Load(nn.NewWeights(nn.RandomSource(s.spec(), 1), dev), s.config())
	require.NoError(t, err)
	for _, shape := range []tensor.Shape{{1, 4, 8, 8}, {1, 3, 7, 8}, {3, 8, 8}} {
		x, err := dev.Alloc(shape)
		require.NoError(t, err)
		_, err = v.Encode(t.Context(), x, false, nil)
		assert.ErrorIs(t, err, tensor.ErrShape, "image %v", shape)
	}
	for _, shape := range []tensor.Shape{{1, 3, 4, 4}, {4, 4, 4}} {
		x, err := dev.Alloc(shape)
		require.NoError(t, err)
		_, err = v.Decode(t.Context(), x)
		assert.ErrorIs(t, err, tensor.ErrShape, "latent %v", shape)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	x, err := dev.Alloc(tensor.Shape{1, 3, 8, 8})
	require.NoError(t, err)
	_, err = v.Encode(ctx, x, false, nil)
	assert.ErrorIs(t, err, context.Canceled)
	z, err := dev.Alloc(tensor.Shape{1, 4, 4, 4})
	require.NoError(t, err)
	_, err = v.Decode(ctx, z)
	assert.ErrorIs(t, err, context.Canceled)
}
