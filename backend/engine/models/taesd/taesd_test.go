package taesd

import (
	"context"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// tiny describes a small TAESD with the real Sequential layout: first conv
// to narrow channels, then a widening Block (so the 1×1 skip is exercised),
// downs × [stride-2 conv, blocks Blocks] and the latent conv; the decoder
// mirrors it. pool gives the latent-resolution Blocks FLUX.2's pool.
type tiny struct {
	narrow, width, latents, downs, blocks int
	pool                                  bool
}

// refLayer is one Sequential entry as the float64 reference runs it.
type refLayer struct {
	kind   string // "conv", "block", "relu", "up"
	idx    int
	stride int
}

func (s tiny) addBlock(spec map[string][]int, i, in, out int, pool bool) {
	p := fmt.Sprintf("%d.", i)
	spec[p+"conv.0.weight"], spec[p+"conv.0.bias"] = []int{out, in, 3, 3}, []int{out}
	spec[p+"conv.2.weight"], spec[p+"conv.2.bias"] = []int{out, out, 3, 3}, []int{out}
	spec[p+"conv.4.weight"], spec[p+"conv.4.bias"] = []int{out, out, 3, 3}, []int{out}
	if in != out {
		spec[p+"skip.weight"] = []int{out, in, 1, 1}
	}
	if pool {
		h := 4 * in
		spec[p+"pool.0.weight"] = []int{h, in, 1, 1}
		spec[p+"pool.1.weight"], spec[p+"pool.1.bias"] = []int{h}, []int{h}
		spec[p+"pool.3.weight"] = []int{in, h, 1, 1}
	}
}

func (s tiny) encoder() (map[string][]int, []refLayer) {
	spec := map[string][]int{"0.weight": {s.narrow, 3, 3, 3}, "0.bias": {s.narrow}}
	layers := []refLayer{{"conv", 0, 1}}
	s.addBlock(spec, 1, s.narrow, s.width, false)
	layers = append(layers, refLayer{"block", 1, 1})
	i := 2
	for d := range s.downs {
		spec[fmt.Sprintf("%d.weight", i)] = []int{s.width, s.width, 3, 3} // stride 2, no bias
		layers = append(layers, refLayer{"conv", i, 2})
		i++
		for range s.blocks {
			s.addBlock(spec, i, s.width, s.width, s.pool && d == s.downs-1)
			layers = append(layers, refLayer{"block", i, 1})
			i++
		}
	}
	spec[fmt.Sprintf("%d.weight", i)], spec[fmt.Sprintf("%d.bias", i)] = []int{s.latents, s.width, 3, 3}, []int{s.latents}
	return spec, append(layers, refLayer{"conv", i, 1})
}

func (s tiny) decoder() (map[string][]int, []refLayer) {
	spec := map[string][]int{"1.weight": {s.width, s.latents, 3, 3}, "1.bias": {s.width}}
	layers := []refLayer{{"conv", 1, 1}, {"relu", 2, 0}}
	i := 3
	for u := range s.downs {
		for range s.blocks {
			s.addBlock(spec, i, s.width, s.width, s.pool && u == 0)
			layers = append(layers, refLayer{"block", i, 1})
			i++
		}
		layers = append(layers, refLayer{"up", i, 0})
		spec[fmt.Sprintf("%d.weight", i+1)] = []int{s.width, s.width, 3, 3}
		layers = append(layers, refLayer{"conv", i + 1, 1})
		i += 2
	}
	s.addBlock(spec, i, s.width, s.narrow, false)
	spec[fmt.Sprintf("%d.weight", i+1)], spec[fmt.Sprintf("%d.bias", i+1)] = []int{3, s.narrow, 3, 3}, []int{3}
	return spec, append(layers, refLayer{"block", i, 1}, refLayer{"conv", i + 1, 1})
}

func runRef(src weights.Source, layers []refLayer, x ref) ref {
	for _, l := range layers {
		p := fmt.Sprintf("%d.", l.idx)
		switch l.kind {
		case "conv":
			x = refConv(src, p, x, l.stride)
		case "block":
			x = refBlock(src, p, x)
		case "relu":
			x = x.Apply(reluF)
		case "up":
			x = x.Upsample()
		}
	}
	return x
}

func randomData(n int, seed uint64, lo, hi float64) []float32 {
	out := make([]float32, n)
	s := seed
	for i := range out {
		s = s*6364136223846793005 + 1442695040888963407 // Knuth's MMIX LCG
		out[i] = float32(lo + (hi-lo)*float64(s>>11)/float64(1<<53))
	}
	return out
}

func assertClose(t *testing.T, want []float64, got []float32, tol float64) {
	t.Helper()
	require.Len(t, got, len(want))
	worst := 0.0
	for i := range want {
		worst = math.Max(worst, math.Abs(want[i]-float64(got[i]))/(1+math.Abs(want[i])))
	}
	assert.LessOrEqual(t, worst, tol, "largest relative difference to the float64 reference")
}

func TestTinyMatchesReference(t *testing.T) {
	dev := cpu.New(2)
	cases := []struct {
		name string
		s    tiny
	}{
		{"sd", tiny{narrow: 6, width: 8, latents: 4, downs: 2, blocks: 2}},
		{"flux2-pool", tiny{narrow: 4, width: 8, latents: 6, downs: 2, blocks: 2, pool: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/encoder", func(t *testing.T) {
			spec, layers := tc.s.encoder()
			src := nn.RandomSource(spec, 1)
			enc, err := LoadEncoder(nn.NewWeights(src, dev))
			require.NoError(t, err)
			assert.Equal(t, tc.s.latents, enc.LatentChannels())
			assert.Equal(t, 1<<tc.s.downs, enc.Factor())

			img := randomData(2*3*12*16, 7, 0, 1)
			x, err := dev.Upload(tensor.Shape{2, 3, 12, 16}, img)
			require.NoError(t, err)
			out, err := enc.Encode(t.Context(), x)
			require.NoError(t, err)
			assert.Equal(t, tensor.Shape{2, tc.s.latents, 3, 4}, out.Shape())
			got, err := dev.Download(out)
			require.NoError(t, err)
			want := runRef(src, layers, refFrom(img, 2, 3, 12, 16))
			assertClose(t, want.D, got, 1e-4)
		})
		t.Run(tc.name+"/decoder", func(t *testing.T) {
			spec, layers := tc.s.decoder()
			src := nn.RandomSource(spec, 2)
			dec, err := LoadDecoder(nn.NewWeights(src, dev))
			require.NoError(t, err)
			assert.Equal(t, tc.s.latents, dec.LatentChannels())
			assert.Equal(t, 1<<tc.s.downs, dec.Factor())

			// Latents up to ±6 so the 3·tanh(x/3) clamp bends some of them.
			lat := randomData(tc.s.latents*3*5, 9, -6, 6)
			x, err := dev.Upload(tensor.Shape{1, tc.s.latents, 3, 5}, lat)
			require.NoError(t, err)
			out, err := dec.Decode(t.Context(), x)
			require.NoError(t, err)
			assert.Equal(t, tensor.Shape{1, 3, 12, 20}, out.Shape())
			got, err := dev.Download(out)
			require.NoError(t, err)
			in := refFrom(lat, 1, tc.s.latents, 3, 5).Apply(func(v float64) float64 { return 3 * math.Tanh(v/3) })
			want := runRef(src, layers, in).Apply(func(v float64) float64 { return math.Min(math.Max(v, 0), 1) })
			assertClose(t, want.D, got, 1e-4)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dev := cpu.New(1)
	good := tiny{narrow: 4, width: 8, latents: 4, downs: 1, blocks: 1}
	encSpec := func(edit func(map[string][]int)) map[string][]int {
		s, _ := good.encoder()
		edit(s)
		return s
	}
	decSpec := func(edit func(map[string][]int)) map[string][]int {
		s, _ := good.decoder()
		edit(s)
		return s
	}
	cases := []struct {
		name    string
		decoder bool
		spec    map[string][]int
		want    string
	}{
		{"foreign key", false, encSpec(func(s map[string][]int) { s["encoder.conv_in.weight"] = []int{1} }), `key "encoder.conv_in.weight"`},
		{"block conv missing", false, encSpec(func(s map[string][]int) { delete(s, "1.conv.2.weight") }), "1.conv.2.weight"},
		{"width mismatch", false, encSpec(func(s map[string][]int) { s["2.weight"] = []int{8, 5, 3, 3} }), "2.weight"},
		{"hole in encoder", false, encSpec(func(s map[string][]int) { s["9.weight"] = []int{4, 4, 3, 3}; s["9.bias"] = []int{4} }), "index 5 has no weights"},
		{"unknown layer", false, encSpec(func(s map[string][]int) { s["1.other"] = []int{1}; delete(s, "1.conv.0.weight") }), "index 1 has weights"},
		{"skip missing", true, decSpec(func(s map[string][]int) { delete(s, "6.skip.weight") }), "6.skip.weight"},
		{"no clamp slot", true, decSpec(func(s map[string][]int) { s["0.weight"] = []int{8, 4, 3, 3} }), "Clamp, conv, ReLU"},
		{"rgb out", true, decSpec(func(s map[string][]int) { s["7.weight"] = []int{4, 4, 3, 3}; s["7.bias"] = []int{4} }), "want 3"},
		{"empty", true, map[string][]int{}, "no layers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := nn.NewWeights(nn.RandomSource(tc.spec, 1), dev)
			var err error
			if tc.decoder {
				_, err = LoadDecoder(w)
			} else {
				_, err = LoadEncoder(w)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestBadInputsAndCancel(t *testing.T) {
	dev := cpu.New(1)
	s := tiny{narrow: 4, width: 8, latents: 4, downs: 1, blocks: 1}
	es, _ := s.encoder()
	enc, err := LoadEncoder(nn.NewWeights(nn.RandomSource(es, 1), dev))
	require.NoError(t, err)
	ds, _ := s.decoder()
	dec, err := LoadDecoder(nn.NewWeights(nn.RandomSource(ds, 1), dev))
	require.NoError(t, err)

	for _, shape := range []tensor.Shape{{1, 4, 8, 8}, {1, 3, 7, 8}, {3, 8, 8}} {
		x, err := dev.Alloc(shape)
		require.NoError(t, err)
		_, err = enc.Encode(t.Context(), x)
		assert.ErrorIs(t, err, tensor.ErrShape, "image %v", shape)
	}
	lat, err := dev.Alloc(tensor.Shape{1, 5, 4, 4})
	require.NoError(t, err)
	_, err = dec.Decode(t.Context(), lat)
	assert.ErrorIs(t, err, tensor.ErrShape)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	img, err := dev.Alloc(tensor.Shape{1, 3, 8, 8})
	require.NoError(t, err)
	_, err = enc.Encode(ctx, img)
	assert.ErrorIs(t, err, context.Canceled)
}

// repoRoot is the module root, four levels above this package.
var repoRoot = filepath.Join("..", "..", "..", "..")

func loadImage(t *testing.T, dev compute.Device, path string) (tensor.Tensor, []float32) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	im, err := png.Decode(f)
	require.NoError(t, err)
	b := im.Bounds()
	h, w := b.Dy(), b.Dx()
	data := make([]float32, 3*h*w)
	for y := range h {
		for x := range w {
			r, g, bl, _ := im.At(b.Min.X+x, b.Min.Y+y).RGBA()
			for c, v := range []uint32{r, g, bl} {
				data[(c*h+y)*w+x] = float32(v) / 0xffff
			}
		}
	}
	x, err := dev.Upload(tensor.Shape{1, 3, h, w}, data)
	require.NoError(t, err)
	return x, data
}

// TestFlux2RoundTrip runs the real FLUX.2 TAESD (testdata/taesd, MIT) on a
// real photograph (testdata/images/astronaut.png, public domain): the
// round trip must reproduce it at ≥ 25 dB PSNR with sane latents. It
// measured 28.8 dB, latent mean 0.006, std 0.91; leaving out the pool
// blocks drops it to 16 dB.
func TestFlux2RoundTrip(t *testing.T) {
	dev := cpu.New(0)
	open := func(name string) *nn.Weights {
		src, err := weights.Open(filepath.Join(repoRoot, "testdata", "taesd", name))
		require.NoError(t, err)
		t.Cleanup(func() { src.Close() })
		return nn.NewWeights(src, dev)
	}
	enc, err := LoadEncoder(open("taef2_encoder.pth"))
	require.NoError(t, err)
	dec, err := LoadDecoder(open("taef2_decoder.pth"))
	require.NoError(t, err)
	// The FLUX.2 variant (testdata/taesd/README.md): 32 latent channels, ×8.
	require.Equal(t, 32, enc.LatentChannels())
	require.Equal(t, 32, dec.LatentChannels())
	require.Equal(t, 8, enc.Factor())
	require.Equal(t, 8, dec.Factor())

	img, orig := loadImage(t, dev, filepath.Join(repoRoot, "testdata", "images", "astronaut.png"))
	lat, err := enc.Encode(t.Context(), img)
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{1, 32, 32, 32}, lat.Shape())
	lv, err := dev.Download(lat)
	require.NoError(t, err)
	var sum, sq float64
	for _, v := range lv {
		require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0), "latent not finite")
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	mean := sum / float64(len(lv))
	std := math.Sqrt(sq/float64(len(lv)) - mean*mean)
	t.Logf("latent mean %.4f std %.4f", mean, std)
	// FLUX.2 latents are roughly zero-mean with unit-order spread; a wrong
	// layer (missing pool, wrong stride) lands far outside this.
	assert.Less(t, math.Abs(mean), 1.0)
	assert.Greater(t, std, 0.2)
	assert.Less(t, std, 5.0)

	out, err := dec.Decode(t.Context(), lat)
	require.NoError(t, err)
	require.Equal(t, img.Shape(), out.Shape())
	rec, err := dev.Download(out)
	require.NoError(t, err)
	var mse float64
	for i := range rec {
		e := float64(rec[i] - orig[i])
		mse += e * e
	}
	mse /= float64(len(rec))
	psnr := 10 * math.Log10(1/mse)
	t.Logf("round trip PSNR %.2f dB", psnr)
	assert.GreaterOrEqual(t, psnr, 25.0)
}
