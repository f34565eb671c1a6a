package generation

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/catalog"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

type fakeCatalog map[string]catalog.Model

func (f fakeCatalog) Get(id string) (catalog.Model, bool) { m, ok := f[id]; return m, ok }

type recordingQueue struct{ got []jobs.Request }

func (q *recordingQueue) Submit(_ context.Context, r jobs.Request) (jobs.Job, error) {
	q.got = append(q.got, r)
	return jobs.Job{ID: "j1", Request: r, State: jobs.Queued}, nil
}

func testService(t *testing.T) (*Service, *recordingQueue) {
	cat := fakeCatalog{
		"ck":   {ID: "ck", FileName: "sd15.safetensors", Path: "/models/checkpoints/sd15.safetensors", Kind: catalog.KindCheckpoint, Status: catalog.StatusOK},
		"vae":  {ID: "vae", FileName: "vae.safetensors", Path: "/models/vae/vae.safetensors", Kind: catalog.KindVAE, Status: catalog.StatusOK},
		"bad":  {ID: "bad", FileName: "bad.safetensors", Kind: catalog.KindCheckpoint, Status: catalog.StatusUnreadable, Error: "header is truncated"},
		"lora": {ID: "lora", FileName: "style.safetensors", Kind: catalog.KindLoRA, Status: catalog.StatusOK},
	}
	q := &recordingQueue{}
	return New(cat, q, t.TempDir()), q
}

func TestSubmitMapsTheFormOntoALocalJob(t *testing.T) {
	s, q := testService(t)
	job, err := s.Submit(t.Context(), Request{
		Model: "ck", Mode: "txt2img", Prompt: "a cat <lora:style:0.5>", NegativePrompt: "blurry",
		Sampler: "euler_a", Scheduler: "karras", Steps: 12, CFGScale: 6.5, Width: 512, Height: 768,
		Seed: 42, BatchSize: 2, BatchCount: 1, ClipSkip: 2, VAE: "vae",
		Hires: &Hires{Scale: 1.5, Upscaler: "latent", Steps: 5, Denoise: 0.6},
		Loras: []Lora{{Name: "style", Weight: 0.8}},
	})
	require.NoError(t, err)
	assert.Equal(t, "j1", job.ID)
	require.Len(t, q.got, 1)
	r := q.got[0]
	assert.Equal(t, "local", r.Provider)
	assert.Equal(t, "/models/checkpoints/sd15.safetensors", r.Model)
	assert.Equal(t, "txt2img", r.Mode)
	assert.Equal(t, "a cat <lora:style:0.5>", r.Prompt)
	p := r.Params
	assert.EqualValues(t, 12, p["steps"])
	assert.EqualValues(t, 6.5, p["cfg_scale"])
	assert.EqualValues(t, 42, p["seed"])
	assert.EqualValues(t, 768, p["height"])
	assert.EqualValues(t, 2, p["batch_size"])
	assert.EqualValues(t, 2, p["clip_skip"])
	assert.Equal(t, "/models/vae/vae.safetensors", p["vae"])
	assert.Equal(t, "karras", p["scheduler"])
	hires := p["hires"].(map[string]any)
	assert.EqualValues(t, 1.5, hires["scale"])
	assert.EqualValues(t, 0.6, hires["denoise"])
	assert.NotContains(t, p, "strength", "txt2img sends no img2img fields")
}

func TestSubmitRandomSeedAndImg2ImgFields(t *testing.T) {
	s, q := testService(t)
	_, err := s.Submit(t.Context(), Request{Model: "ck", Mode: "img2img", Prompt: "x", Steps: 4, Seed: -1,
		InitImage: "/tmp/init.png", Strength: 0.4, ResizeMode: "crop_and_resize"})
	require.NoError(t, err)
	p := q.got[0].Params
	assert.NotContains(t, p, "seed", "a negative seed leaves the choice to the engine")
	assert.EqualValues(t, 0.4, p["strength"])
	assert.Equal(t, "/tmp/init.png", p["init_image"])
	assert.Equal(t, "crop_and_resize", p["resize_mode"])
}

func TestSubmitNamesTheBadField(t *testing.T) {
	s, q := testService(t)
	for _, tc := range []struct {
		name string
		req  Request
		want string
	}{
		{"no model", Request{}, "model: choose a model"},
		{"unknown id", Request{Model: "nope"}, `model: no model with id "nope"`},
		{"wrong kind", Request{Model: "vae"}, "model: vae.safetensors is a vae, not a checkpoint"},
		{"unreadable", Request{Model: "bad"}, "header is truncated"},
		{"vae not a vae", Request{Model: "ck", VAE: "ck"}, "vae: sd15.safetensors is a checkpoint"},
		{"refiner missing", Request{Model: "ck", Refiner: &Refiner{Model: "gone", SwitchAt: 0.8}}, "refiner.model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Submit(t.Context(), tc.req)
			require.ErrorIs(t, err, ErrInvalidRequest)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.Empty(t, q.got)
}

func TestCountTokens(t *testing.T) {
	s, _ := testService(t)
	c, err := s.CountTokens("a photo of a cat")
	require.NoError(t, err)
	assert.Equal(t, TokenCount{Tokens: 5, Chunks: 1}, c)
	c, err = s.CountTokens("a photo of a cat <lora:style:0.7>")
	require.NoError(t, err)
	assert.Equal(t, 5, c.Tokens, "extra-network tags are not tokens")
	long := ""
	for range 80 {
		long += "cat "
	}
	c, err = s.CountTokens(long)
	require.NoError(t, err)
	assert.Equal(t, TokenCount{Tokens: 80, Chunks: 2}, c)
	c, err = s.CountTokens("")
	require.NoError(t, err)
	assert.Equal(t, TokenCount{Tokens: 0, Chunks: 1}, c)
}

func TestSaveUploadStoresOncePerContent(t *testing.T) {
	s, _ := testService(t)
	a, err := s.SaveUpload("drop.PNG", []byte("image bytes"))
	require.NoError(t, err)
	b, err := s.SaveUpload("again.png", []byte("image bytes"))
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, ".png", filepath.Ext(a))
	data, err := os.ReadFile(a)
	require.NoError(t, err)
	assert.Equal(t, "image bytes", string(data))

	c, err := s.SaveUpload("evil.sh", []byte("other"))
	require.NoError(t, err)
	assert.Equal(t, ".png", filepath.Ext(c), "only image extensions are kept")

	_, err = s.SaveUpload("empty.png", nil)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = s.SaveUpload("huge.png", make([]byte, maxUpload+1))
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

func TestReadPNGInfo(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))))
	text := pnginfo.FormatA1111(pnginfo.Parameters{Prompt: "a cat", Steps: 20, Sampler: "Euler a", CFGScale: 7, Seed: 9, Width: 512, Height: 512})
	data, err := pnginfo.Embed(buf.Bytes(), map[string]string{"parameters": text}, nil)
	require.NoError(t, err)

	info, err := ReadPNGInfoData(data)
	require.NoError(t, err)
	require.NotNil(t, info.Parameters)
	assert.Equal(t, "a1111", info.Source)
	assert.Equal(t, "a cat", info.Parameters.Prompt)
	assert.EqualValues(t, 9, info.Parameters.Seed)

	path := filepath.Join(t.TempDir(), "x.png")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	info, err = ReadPNGInfo(path)
	require.NoError(t, err)
	assert.Equal(t, 20, info.Parameters.Steps)

	_, err = ReadPNGInfoData([]byte("not a png"))
	assert.Error(t, err)
	_, err = ReadPNGInfo(filepath.Join(t.TempDir(), "missing.png"))
	assert.Error(t, err)
}

func TestSubmitNamesFilesWithTheSettingsPattern(t *testing.T) {
	s, q := testService(t)
	pattern := "[seed]-[model_name]"
	s.Pattern = func() string { return pattern }
	_, err := s.Submit(t.Context(), Request{Model: "ck", Prompt: "x", Steps: 2, Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, "[seed]-[model_name]", q.got[0].Params["filename_pattern"])
	pattern = "[date]"
	_, err = s.Submit(t.Context(), Request{Model: "ck", Prompt: "x", Steps: 2, Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, "[date]", q.got[1].Params["filename_pattern"], "a changed setting applies to the next job")
}

func TestSubmitTurnsAMinusOneVariationSeedIntoARandomOne(t *testing.T) {
	s, q := testService(t)
	_, err := s.Submit(t.Context(), Request{Model: "ck", Prompt: "x", Steps: 2, Seed: 1, Subseed: -1})
	require.NoError(t, err)
	assert.NotContains(t, q.got[0].Params, "subseed", "no variation: no subseed")
	_, err = s.Submit(t.Context(), Request{Model: "ck", Prompt: "x", Steps: 2, Seed: 1, Subseed: -1, SubseedStrength: 0.3})
	require.NoError(t, err)
	sub, ok := q.got[1].Params["subseed"].(float64)
	require.True(t, ok)
	assert.GreaterOrEqual(t, sub, 0.0)
	assert.Less(t, sub, float64(1<<32))
}
