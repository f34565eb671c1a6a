package workflows

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
)

// growRef is ComfyUI's growth written as the convolution it is: a g×g
// box of ones over the zero-padded mask, padding ⌈(g−1)/2⌉, clamped to 1.
func growRef(m []float32, w, h, g int) []float32 {
	if g == 0 {
		return m
	}
	p := int(math.Ceil(float64(g-1) / 2))
	out := make([]float32, w*h)
	for y := range h {
		for x := range w {
			var s float32
			for ky := range g {
				for kx := range g {
					yy, xx := y-p+ky, x-p+kx
					if yy >= 0 && yy < h && xx >= 0 && xx < w {
						s += m[yy*w+xx]
					}
				}
			}
			out[y*w+x] = min(s, 1)
		}
	}
	return out
}

func TestGrowMask(t *testing.T) {
	cases := []struct {
		name    string
		w, h, g int
		set     [][2]int // x, y of set pixels
	}{
		{"none", 5, 4, 0, [][2]int{{2, 2}}},
		{"grow 1 is identity", 5, 4, 1, [][2]int{{2, 2}}},
		{"even kernel leans up-left", 7, 7, 2, [][2]int{{3, 3}}},
		{"default 6", 16, 12, 6, [][2]int{{8, 6}}},
		{"odd 7 at the corner", 9, 9, 7, [][2]int{{0, 0}}},
		{"larger than the image", 4, 3, 64, [][2]int{{1, 1}}},
		{"empty mask", 6, 6, 6, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := make([]float32, tc.w*tc.h)
			for _, p := range tc.set {
				m[p[1]*tc.w+p[0]] = 1
			}
			assert.Equal(t, growRef(m, tc.w, tc.h, tc.g), growMask(m, tc.w, tc.h, tc.g))
		})
	}
	t.Run("even kernel shape", func(t *testing.T) {
		// g = 2, p = 1: out[y][x] covers rows and columns [x−1, x], so a
		// pixel spreads right and down by one.
		m := make([]float32, 9)
		m[4] = 1
		assert.Equal(t, []float32{0, 0, 0, 0, 1, 1, 0, 1, 1}, growMask(m, 3, 3, 2))
	})
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for range 50 {
			w, h, g := 1+r.IntN(20), 1+r.IntN(20), r.IntN(10)
			m := make([]float32, w*h)
			for i := range m {
				if r.IntN(8) == 0 {
					m[i] = 1
				}
			}
			require.Equal(t, growRef(m, w, h, g), growMask(m, w, h, g), "w %d h %d g %d", w, h, g)
		}
	})
}

// FuzzGrowMask checks the separable growth against the convolution.
func FuzzGrowMask(f *testing.F) {
	f.Add(uint8(5), uint8(4), uint8(6), []byte{0, 0, 1, 0, 0, 0, 0, 1})
	f.Add(uint8(1), uint8(1), uint8(0), []byte{1})
	f.Add(uint8(9), uint8(3), uint8(64), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, w, h, g uint8, bits []byte) {
		W, H, G := int(w%24)+1, int(h%24)+1, int(g%(maxGrowMask+1))
		m := make([]float32, W*H)
		for i, b := range bits {
			if i < len(m) && b&1 == 1 {
				m[i] = 1
			}
		}
		if got, want := growMask(m, W, H, G), growRef(m, W, H, G); !slices.Equal(got, want) {
			t.Fatalf("w %d h %d g %d: got %v, want %v", W, H, G, got, want)
		}
	})
}

func TestTileSizes(t *testing.T) {
	cases := []struct {
		tile, overlap, f int64
		wantT, wantO     int
	}{
		{512, 64, 8, 512, 64},
		{64, 32, 8, 64, 16},  // an overlap above a quarter is cut to tile/4
		{96, 30, 8, 96, 24},  // 30 > 96/4: cut to 24
		{100, 20, 8, 96, 16}, // rounded down to the factor
		{64, 0, 8, 64, 0},
	}
	for _, tc := range cases {
		tile, overlap := tileSizes(Args{"tile_size": tc.tile, "overlap": tc.overlap}, int(tc.f))
		assert.Equal(t, [2]int{tc.wantT, tc.wantO}, [2]int{tile, overlap}, "tile %d overlap %d", tc.tile, tc.overlap)
	}
}

func TestInpaintExtra(t *testing.T) {
	l := Latent{B: 2, C: 4, H: 1, W: 2, Samples: []float32{
		1, 2, 3, 4, 5, 6, 7, 8, // item 0
		9, 10, 11, 12, 13, 14, 15, 16, // item 1
	}}
	t.Run("without a noise mask: ones and the blank latent", func(t *testing.T) {
		got, err := inpaintExtra(l, 9)
		require.NoError(t, err)
		b := blankInpaint()
		item := []float32{1, 1, b[0], b[0], b[1], b[1], b[2], b[2], b[3], b[3]}
		assert.Equal(t, append(append([]float32(nil), item...), item...), got)
	})
	t.Run("with a noise mask: rounded mask and the latent", func(t *testing.T) {
		m := l
		m.NoiseMask = []float32{0.5, 0.7}
		got, err := inpaintExtra(m, 9)
		require.NoError(t, err)
		assert.Equal(t, []float32{0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 9, 10, 11, 12, 13, 14, 15, 16}, got)
	})
	t.Run("wrong channel count", func(t *testing.T) {
		_, err := inpaintExtra(l, 8)
		assert.ErrorContains(t, err, "takes 8 latent channels, the latent has 4")
	})
}

// tinyVAE loads the tiny SD1 checkpoint's VAE.
func tinyVAE(t *testing.T) (*RunContext, vaeValue) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.safetensors")
	require.NoError(t, fixtures.Write(path, fixtures.SD1, false, 7))
	dev := cpu.New(2)
	t.Cleanup(func() { dev.Close() })
	ck, err := loadCheckpoint(t.Context(), dev, path)
	require.NoError(t, err)
	return &RunContext{Options: Options{Device: dev, Inputs: []string{dir}}}, vaeValue{ck.vae}
}

func TestVAEEncodeForInpaint(t *testing.T) {
	rc, v := tinyVAE(t)
	// 36×20: cropped to 32×16 from (2, 2). The mask is half the size, so
	// it is resized first; it repaints its pixels x ∈ [8, 12), y ∈ [3, 6),
	// the image's x ∈ [16, 24), y ∈ [6, 12).
	const W, H = 36, 20
	im := imageops.NewRGB(W, H)
	for i := range im.Pix {
		im.Pix[i] = float32(i%97) / 96
	}
	m := imageops.NewMask(W/2, H/2)
	for y := 3; y < 6; y++ {
		for x := 8; x < 12; x++ {
			m.Pix[y*m.W+x] = 1
		}
	}
	out, err := runEncodeForInpaint(t.Context(), rc, Args{"pixels": Images{im}, "vae": v, "mask": m, "grow_mask_by": int64(6)})
	require.NoError(t, err)
	l := out[0].(Latent)
	require.Equal(t, [4]int{1, 4, 2, 4}, [4]int{l.B, l.C, l.H, l.W})

	// The same encode of the cropped image with the masked pixels set to
	// 0.5 by hand.
	full := imageops.LatentUpscale(m.Pix, 1, m.H, m.W, H, W, "bilinear")
	crop := imageops.Crop(im, 2, 2, 34, 18)
	hard := make([]float32, 32*16)
	for y := range 16 {
		for x := range 32 {
			if full[(y+2)*W+x+2] > 0.5 {
				hard[y*32+x] = 1
				for c := range 3 {
					crop.Pix[c*32*16+y*32+x] = 0.5
				}
			}
		}
	}
	greyed := 0
	for _, v := range hard {
		greyed += int(v)
	}
	assert.Equal(t, 8*6, greyed, "the resized mask covers the image's 8×6 pixels")
	want, err := encodeImages(t.Context(), rc.Device, v.v, Images{crop}, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, want.Samples, l.Samples, "masked pixels are grey before encoding")
	assert.Equal(t, imageops.LatentUpscale(growRef(hard, 32, 16, 6), 1, 16, 32, 2, 4, "bilinear"), l.NoiseMask)

	t.Run("no growth keeps the mask", func(t *testing.T) {
		out, err := runEncodeForInpaint(t.Context(), rc, Args{"pixels": Images{im}, "vae": v, "mask": m, "grow_mask_by": int64(0)})
		require.NoError(t, err)
		assert.Equal(t, imageops.LatentUpscale(hard, 1, 16, 32, 2, 4, "bilinear"), out[0].(Latent).NoiseMask)
	})
	t.Run("batch of different sizes", func(t *testing.T) {
		_, err := runEncodeForInpaint(t.Context(), rc, Args{"pixels": Images{im, imageops.NewRGB(16, 16)}, "vae": v, "mask": m, "grow_mask_by": int64(0)})
		assert.ErrorContains(t, err, "differ in size")
	})
	t.Run("image below the factor", func(t *testing.T) {
		_, err := runEncodeForInpaint(t.Context(), rc, Args{"pixels": Images{imageops.NewRGB(4, 16)}, "vae": v, "mask": m, "grow_mask_by": int64(0)})
		assert.ErrorContains(t, err, "smaller than 8 pixels")
	})
	t.Run("no VAE", func(t *testing.T) {
		_, err := runEncodeForInpaint(t.Context(), rc, Args{"pixels": Images{im}, "vae": nil, "mask": m, "grow_mask_by": int64(0)})
		assert.ErrorContains(t, err, "no VAE")
	})
}

func TestDecodeLatentChannelMismatch(t *testing.T) {
	rc, v := tinyVAE(t)
	_, err := decodeLatent(t.Context(), rc.Device, v.v, Latent{B: 1, C: 3, H: 2, W: 2, Samples: make([]float32, 12)}, 0, 0)
	assert.ErrorContains(t, err, "the latent has 3 channels, the VAE decodes 4")
}

func TestLoadImageMask(t *testing.T) {
	dir := t.TempDir()
	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		rgba.SetNRGBA(i%3, i/3, color.NRGBA{R: uint8(i * 40), G: uint8(255 - i*40), B: 17, A: uint8(i * 51)})
	}
	writePNG(t, filepath.Join(dir, "rgba.png"), rgba)
	gray := image.NewGray(image.Rect(0, 0, 2, 2))
	gray.SetGray(1, 0, color.Gray{Y: 255})
	writePNG(t, filepath.Join(dir, "gray.png"), gray)
	rc := &RunContext{Options: Options{Inputs: []string{dir}}}
	px := func(vs ...int) []float32 {
		out := make([]float32, len(vs))
		for i, v := range vs {
			out[i] = float32(v) / 255
		}
		return out
	}
	cases := []struct {
		file, channel string
		w, h          int
		want          []float32
	}{
		{"rgba.png", "red", 3, 2, px(0, 40, 80, 120, 160, 200)},
		{"rgba.png", "green", 3, 2, px(255, 215, 175, 135, 95, 55)},
		{"rgba.png", "blue", 3, 2, px(17, 17, 17, 17, 17, 17)},
		// alpha is inverted: 1 − a.
		{"rgba.png", "alpha", 3, 2, []float32{1, 1 - 51.0/255, 1 - 102.0/255, 1 - 153.0/255, 1 - 204.0/255, 0}},
		{"gray.png", "red", 2, 2, px(0, 255, 0, 0)},
		// An opaque image's alpha mask keeps everything, at full size.
		{"gray.png", "alpha", 2, 2, []float32{0, 0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.channel, func(t *testing.T) {
			out, err := runLoadImageMask(t.Context(), rc, Args{"image": tc.file, "channel": tc.channel})
			require.NoError(t, err)
			m := out[0].(imageops.Mask)
			require.Equal(t, [2]int{tc.w, tc.h}, [2]int{m.W, m.H})
			assert.InDeltaSlice(t, tc.want, m.Pix, 1e-6)
		})
	}
	_, err := runLoadImageMask(t.Context(), rc, Args{"image": "missing.png", "channel": "red"})
	assert.ErrorContains(t, err, "missing.png")
}

func TestValidateNewNodes(t *testing.T) {
	base := `{
 "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny.safetensors"}},
 "10": {"class_type": "LoadImage", "inputs": {"image": "input.png"}},
 "12": {"class_type": "LoadImageMask", "inputs": {"image": "mask.png", "channel": "alpha"}},
 "11": {"class_type": "VAEEncodeForInpaint", "inputs": {"pixels": ["10", 0], "vae": ["4", 2], "mask": ["12", 0], "grow_mask_by": 6}},
 "13": {"class_type": "VAEEncodeTiled", "inputs": {"pixels": ["10", 0], "vae": ["4", 2], "tile_size": 512, "overlap": 64}},
 "8": {"class_type": "VAEDecodeTiled", "inputs": {"samples": ["11", 0], "vae": ["4", 2], "tile_size": 512, "overlap": 64}},
 "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0]}},
 "14": {"class_type": "VAEDecode", "inputs": {"samples": ["13", 0], "vae": ["4", 2]}},
 "15": {"class_type": "PreviewImage", "inputs": {"images": ["14", 0]}}
}`
	reg := CoreRegistry()
	g, err := Load([]byte(base))
	require.NoError(t, err)
	_, err = Validate(g, reg)
	require.NoError(t, err)

	cases := []struct {
		name, old, new string
		sentinel       error
		node, want     string
	}{
		{"tile below 64", `"tile_size": 512, "overlap": 64}},
 "9"`, `"tile_size": 32, "overlap": 64}},
 "9"`, ErrInputType, "8", "32 is outside 64…4096"},
		{"encode tile not a number", `"tile_size": 512, "overlap": 64}},
 "8"`, `"tile_size": "big", "overlap": 64}},
 "8"`, ErrInputType, "13", "wants an integer"},
		{"negative overlap", `"tile_size": 512, "overlap": 64}},
 "9"`, `"tile_size": 512, "overlap": -8}},
 "9"`, ErrInputType, "8", "outside"},
		{"grow beyond 64", `"grow_mask_by": 6`, `"grow_mask_by": 65`, ErrInputType, "11", "65 is outside 0…64"},
		{"mask from an image output", `"mask": ["12", 0]`, `"mask": ["10", 0]`, ErrInputType, "11", "wants MASK, but output 0 of node 10 (LoadImage) is IMAGE"},
		{"missing mask", `, "mask": ["12", 0]`, ``, ErrMissingInput, "11", `input "mask"`},
		{"bad channel", `"channel": "alpha"`, `"channel": "luma"`, ErrInputType, "12", `"luma" is not one of alpha, red, green, blue`},
		{"missing channel", `, "channel": "alpha"`, ``, ErrMissingInput, "12", `input "channel"`},
		{"latent from an image", `"samples": ["11", 0]`, `"samples": ["10", 0]`, ErrInputType, "8", "wants LATENT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, base, tc.old)
			g, err := Load([]byte(strings.Replace(base, tc.old, tc.new, 1)))
			require.NoError(t, err)
			_, err = Validate(g, reg)
			require.ErrorIs(t, err, tc.sentinel)
			var ne *NodeError
			require.ErrorAs(t, err, &ne)
			assert.Equal(t, tc.node, ne.ID)
			assert.Contains(t, err.Error(), "node "+ne.ID+" ("+ne.Class+")")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
