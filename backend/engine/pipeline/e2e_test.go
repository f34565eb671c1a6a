package pipeline

import (
	"bytes"
	"context"
	"errors"
	"image"
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

// requireImage checks that an output decodes to the expected size and is not
// a flat colour (NaNs would clamp to one value everywhere).
func requireImage(t *testing.T, img Image, w, h int) {
	t.Helper()
	m := decodePNG(t, img.PNG)
	require.Equal(t, image.Rect(0, 0, w, h), m.Bounds())
	first := m.At(0, 0)
	varied := false
	for y := 0; y < h && !varied; y++ {
		for x := 0; x < w; x++ {
			if m.At(x, y) != first {
				varied = true
				break
			}
		}
	}
	require.True(t, varied, "output is a flat colour")
}

// TestFamiliesAndModes runs every family and mode end to end on tiny
// fixtures and checks each produces a varied image of the right size with
// one progress report per step.
func TestFamiliesAndModes(t *testing.T) {
	initPNG, mask := testPNG(t, 64, 64), maskPNG(t, 64, 64)
	cases := []struct {
		name   string
		family string
		edit   func(r *Request, t *testing.T)
		w, h   int
		steps  int // sampler progress reports expected
	}{
		{"sd1 txt2img", "sd1", nil, 64, 64, 2},
		{"sd2 txt2img", "sd2", nil, 64, 64, 2},
		{"sd2-v txt2img", "sd2-v", nil, 64, 64, 2},
		{"sdxl txt2img", "sdxl", nil, 64, 64, 2},
		{"sdxl with refiner", "sdxl", func(r *Request, t *testing.T) {
			r.Steps = 3
			r.Refiner = &Refiner{Model: fixture(t, "sdxl-refiner"), SwitchAt: 0.5}
		}, 64, 64, 3},
		{"sd1 img2img", "sd1", func(r *Request, _ *testing.T) {
			r.InitImageData, r.Strength, r.Steps = initPNG, ptr(0.6), 3
		}, 64, 64, 2}, // int(0.6·3) = 1, and A1111 runs t_enc+1 steps
		{"sd1 inpaint ordinary checkpoint", "sd1", func(r *Request, _ *testing.T) {
			r.InitImageData, r.MaskData, r.Strength, r.InpaintFill = initPNG, mask, ptr(1.0), FillLatentNoise
		}, 64, 64, 2},
		{"sd1-inpaint inpaint", "sd1-inpaint", func(r *Request, _ *testing.T) {
			r.InitImageData, r.MaskData, r.InpaintFill = initPNG, mask, FillFill
		}, 64, 64, 2}, // strength 0.75 of 2 steps: int(1.5)+1
		{"sd1-inpaint only masked", "sd1-inpaint", func(r *Request, _ *testing.T) {
			r.InitImageData, r.MaskData, r.InpaintOnlyMasked = initPNG, mask, true
		}, 64, 64, 2},
		{"sd1-inpaint txt2img", "sd1-inpaint", nil, 64, 64, 2},
		{"sd1 hires latent", "sd1", func(r *Request, _ *testing.T) {
			r.Hires = &Hires{Scale: 1.5, Steps: 2, Denoise: ptr(0.5)}
		}, 96, 96, 2},
		{"sd1 hires lanczos", "sd1", func(r *Request, _ *testing.T) {
			r.Hires = &Hires{Width: 128, Upscaler: UpscaleLanczos, Steps: 2}
		}, 128, 128, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t)
			req := base(fixture(t, tc.family))
			if tc.edit != nil {
				tc.edit(&req, t)
			}
			reports := 0
			res, err := e.Generate(t.Context(), req, func(p Progress) {
				if p.Stage == StageSample || p.Stage == StageRefine {
					reports++
					require.NotEmpty(t, p.Preview)
				}
			})
			require.NoError(t, err)
			require.Len(t, res.Images, 1)
			requireImage(t, res.Images[0], tc.w, tc.h)
			assert.Equal(t, tc.steps, reports)
		})
	}
}

// TestInpaintKeepsUnmaskedPixels: outside the (blurred) mask an inpainting
// result is the original image, as A1111's overlay makes it.
func TestInpaintKeepsUnmaskedPixels(t *testing.T) {
	e := newEngine(t)
	initPNG := testPNG(t, 64, 64)
	req := base(fixture(t, "sd1"))
	req.InitImageData, req.MaskData, req.MaskBlur = initPNG, maskPNG(t, 64, 64), ptr(0)
	res, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	out, orig := decodePNG(t, res.Images[0].PNG), decodePNG(t, initPNG)
	assert.Equal(t, orig.At(2, 3), out.At(2, 3), "a corner pixel outside the mask")
	assert.Equal(t, orig.At(60, 61), out.At(60, 61))
}

// TestSameSeedSameBytes: generation is deterministic on one machine.
func TestSameSeedSameBytes(t *testing.T) {
	e := newEngine(t)
	req := base(fixture(t, "sd1"))
	req.Sampler = "DPM++ 2M SDE" // stochastic: the Brownian noise must be seeded too
	a, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	b, err := newEngine(t).Generate(t.Context(), req, nil)
	require.NoError(t, err)
	require.True(t, bytes.Equal(a.Images[0].PNG, b.Images[0].PNG))
	req.Seed = ptr(int64(43))
	c, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	require.False(t, bytes.Equal(a.Images[0].PNG, c.Images[0].PNG), "another seed, another image")
}

// TestMetadataRoundTrip: the written PNG's parameters parse back to the
// request, and the dreamlayer chunk holds the request JSON.
func TestMetadataRoundTrip(t *testing.T) {
	e := newEngine(t)
	req := base(fixture(t, "sd1"))
	req.Prompt = "a (red:1.2) fox, forest"
	req.Sampler, req.Scheduler, req.ClipSkip = "dpmpp_2m", "karras", 2
	req.OutputDir = t.TempDir()
	req.FilenamePattern = "[seed]-[prompt_words]"
	res, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	data, err := os.ReadFile(res.Images[0].Path)
	require.NoError(t, err)
	require.Equal(t, res.Images[0].PNG, data)
	assert.Contains(t, res.Images[0].Path, "42-")
	info, err := pnginfo.Read(bytes.NewReader(data))
	require.NoError(t, err)
	require.NotNil(t, info.Parameters)
	p := info.Parameters
	assert.Equal(t, pnginfo.SourceDreamLayer, info.Source)
	assert.Equal(t, req.Prompt, p.Prompt)
	assert.Equal(t, "blurry", p.NegativePrompt)
	assert.Equal(t, int64(42), p.Seed)
	assert.Equal(t, 2, p.Steps)
	assert.Equal(t, "DPM++ 2M", p.Sampler)
	assert.Equal(t, "Karras", p.Schedule)
	assert.Equal(t, 5.0, p.CFGScale)
	assert.Equal(t, 2, p.ClipSkip)
	assert.Equal(t, [2]int{64, 64}, [2]int{p.Width, p.Height})
	assert.Len(t, p.ModelHash, 10)
	assert.Contains(t, string(info.Request), `"prompt":"a (red:1.2) fox, forest"`)

	// Never overwrite: the same name again gets a suffix.
	res2, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.NotEqual(t, res.Images[0].Path, res2.Images[0].Path)
}

// TestBatchEqualsSeparateRuns: a batch of 2 is the images of seed and seed+1
// generated alone (one batched UNet pass computes the same maths).
func TestBatchEqualsSeparateRuns(t *testing.T) {
	e := newEngine(t)
	req := base(fixture(t, "sd1"))
	req.Sampler = "Euler a" // per-image ancestral noise must follow each seed
	req.BatchSize = 2
	batch, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	require.Len(t, batch.Images, 2)
	for i, seed := range []int64{42, 43} {
		one := req
		one.BatchSize, one.Seed = 1, ptr(seed)
		single, err := e.Generate(t.Context(), one, nil)
		require.NoError(t, err)
		require.Equal(t, seed, batch.Images[i].Seed)
		a, b := decodePNG(t, batch.Images[i].PNG), decodePNG(t, single.Images[0].PNG)
		require.LessOrEqual(t, maxPixelDiff(a, b), 2, "image %d", i)
	}
	assert.Greater(t, maxPixelDiff(decodePNG(t, batch.Images[0].PNG), decodePNG(t, batch.Images[1].PNG)), 2)
}

func maxPixelDiff(a, b image.Image) int {
	worst := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			for _, d := range []float64{float64(ar) - float64(br), float64(ag) - float64(bg), float64(ab) - float64(bb)} {
				worst = max(worst, int(math.Abs(d)/257))
			}
		}
	}
	return worst
}

// TestCancellation: a cancelled context stops the job between steps.
func TestCancellation(t *testing.T) {
	e := newEngine(t)
	req := base(fixture(t, "sd1"))
	req.Steps = 10
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	steps := 0
	_, err := e.Generate(ctx, req, func(p Progress) {
		if p.Stage == StageSample {
			steps++
			if steps == 2 {
				cancel()
			}
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, steps, 4)
}

// TestValidationNamesTheField checks the up-front validation.
func TestValidationNamesTheField(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(r *Request)
		field string
	}{
		{"no model", func(r *Request) { r.Model = "" }, "Model"},
		{"negative steps", func(r *Request) { r.Steps = -1 }, "Steps"},
		{"cfg NaN", func(r *Request) { r.CFGScale = ptr(math.NaN()) }, "CFGScale"},
		{"unknown sampler", func(r *Request) { r.Sampler = "Nope" }, "Sampler"},
		{"unknown scheduler", func(r *Request) { r.Scheduler = "nope" }, "Scheduler"},
		{"width not multiple of 8", func(r *Request) { r.Width = 65 }, "Width"},
		{"huge height", func(r *Request) { r.Height = 1 << 20 }, "Height"},
		{"bad rng", func(r *Request) { r.RNG = "quantum" }, "RNG"},
		{"seed below -1", func(r *Request) { r.Seed = ptr(int64(-5)) }, "Seed"},
		{"batch size", func(r *Request) { r.BatchSize = 1000 }, "BatchSize"},
		{"img2img without image", func(r *Request) { r.Mode = ModeImg2Img }, "InitImage"},
		{"inpaint without mask", func(r *Request) { r.Mode, r.InitImage = ModeInpaint, "x.png" }, "Mask"},
		{"strength out of range", func(r *Request) { r.InitImage, r.Strength = "x.png", ptr(1.5) }, "Strength"},
		{"bad mode", func(r *Request) { r.Mode = "outpaint" }, "Mode"},
		{"hires denoise", func(r *Request) { r.Hires = &Hires{Scale: 2, Denoise: ptr(2.0)} }, "Hires.Denoise"},
		{"hires upscaler", func(r *Request) { r.Hires = &Hires{Upscaler: "esrgan"} }, "Hires.Upscaler"},
		{"refiner switch", func(r *Request) { r.Refiner = &Refiner{Model: "r", SwitchAt: 1.5} }, "Refiner.SwitchAt"},
		{"lora without name", func(r *Request) { r.Loras = []Lora{{Weight: 1}} }, "Loras[0]"},
		{"clip skip", func(r *Request) { r.ClipSkip = 99 }, "ClipSkip"},
	}
	e := newEngine(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := base("model.safetensors")
			tc.edit(&req)
			_, err := e.Generate(t.Context(), req, nil)
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrInvalidRequest), "%v", err)
			require.Contains(t, err.Error(), ": "+tc.field+":")
		})
	}
}

// TestMissingModelFile: a model path that does not exist is an error
// naming it, after validation passed.
func TestMissingModelFile(t *testing.T) {
	_, err := newEngine(t).Generate(t.Context(), base("/nonexistent/m.safetensors"), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "m.safetensors")
}

// TestModelCache: a second job on the same file reuses the loaded model.
func TestModelCache(t *testing.T) {
	e := newEngine(t)
	req := base(fixture(t, "sd1"))
	_, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	first := e.models[0]
	_, err = e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	require.Same(t, first, e.models[0])
}

// gpuNamed is the CPU device under another name: the pipeline batches the
// two guidance branches on any device but the CPU, and this lets a test
// run that path here.
// It records the largest batch of latents uploaded, to show the pairing
// happened.
type gpuNamed struct {
	compute.Device
	maxBatch *int
}

func (gpuNamed) Name() string { return "gpu-under-test" }

func (g gpuNamed) Upload(shape tensor.Shape, data []float32) (tensor.Tensor, error) {
	if len(shape) == 4 && shape[1] == 4 {
		*g.maxBatch = max(*g.maxBatch, shape[0])
	}
	return g.Device.Upload(shape, data)
}

// TestPairedGuidanceMatchesSeparatePasses runs txt2img with the conditional
// and unconditional UNet passes batched together (as on a GPU) and
// separately (as on the CPU), for SD1 and SDXL (whose pooled vectors stack
// too): the images must agree.
func TestPairedGuidanceMatchesSeparatePasses(t *testing.T) {
	for _, family := range []string{"sd1", "sdxl"} {
		t.Run(family, func(t *testing.T) {
			req := base(fixture(t, family))
			separate, err := newEngine(t).Generate(t.Context(), req, nil)
			require.NoError(t, err)
			var batch int
			dev := gpuNamed{cpu.New(2), &batch}
			paired := New(dev, Options{Version: "test",
				Now:        func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) },
				RandomSeed: func() int64 { return 1234 }})
			both, err := paired.Generate(t.Context(), req, nil)
			require.NoError(t, err)
			require.Equal(t, 2, batch, "the UNet ran both branches as one batch")
			require.LessOrEqual(t, maxPixelDiff(decodePNG(t, separate.Images[0].PNG), decodePNG(t, both.Images[0].PNG)), 1)
		})
	}
}
