package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/history"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n0000")

func testModel() Model {
	return Model{Provider: "x", ID: "m", Capabilities: Capabilities{
		TextToImage: true, ImageEdit: true, MaxInputImages: 2, Mask: true, Seed: true, NegativePrompt: true,
		Sizes:        []string{"1024x1024"},
		SizeRange:    &SizeRange{MinWidth: 256, MaxWidth: 1440, MinHeight: 256, MaxHeight: 1440, Multiple: 32},
		AspectRatios: []string{"1:1", "16:9"},
		MaxImages:    4,
		Options: []Option{
			{Key: "speed", Kind: OptionEnum, Values: []string{"TURBO", "QUALITY"}},
			{Key: "weight", Kind: OptionInt, Min: 1, Max: 100},
			{Key: "guidance", Kind: OptionFloat, Min: 1.5, Max: 5},
			{Key: "raw", Kind: OptionBool},
			{Key: "style", Kind: OptionText},
		},
	}}
}

func TestValidate(t *testing.T) {
	seed := int64(3)
	tests := []struct {
		name    string
		mutate  func(*Request)
		wantErr string
	}{
		{"plain", func(r *Request) {}, ""},
		{"listed size", func(r *Request) { r.Size = "1024x1024" }, ""},
		{"size in range", func(r *Request) { r.Size = "1440x768" }, ""},
		{"size off multiple", func(r *Request) { r.Size = "1000x768" }, `size: "1000x768" is not accepted by m (sizes 1024x1024; any size 256–1440 × 256–1440, multiples of 32`},
		{"size too big", func(r *Request) { r.Size = "2048x2048" }, "size:"},
		{"size garbage", func(r *Request) { r.Size = "big" }, "size:"},
		{"size and ratio", func(r *Request) { r.Size, r.AspectRatio = "1024x1024", "1:1" }, "size: give a size or an aspect ratio, not both"},
		{"ratio", func(r *Request) { r.AspectRatio = "16:9" }, ""},
		{"bad ratio", func(r *Request) { r.AspectRatio = "5:4" }, `aspectRatio: "5:4" is not accepted by m (one of 1:1, 16:9)`},
		{"n max", func(r *Request) { r.N = 4 }, ""},
		{"n too many", func(r *Request) { r.N = 5 }, "n: 5 images asked, m makes 1 to 4"},
		{"n negative", func(r *Request) { r.N = -1 }, "n:"},
		{"seed", func(r *Request) { r.Seed = &seed }, ""},
		{"empty prompt", func(r *Request) { r.Prompt = "" }, "prompt: empty"},
		{"invalid UTF-8 prompt", func(r *Request) { r.Prompt = "\xff" }, "prompt:"},
		{"other model", func(r *Request) { r.Model = "n" }, "model:"},
		{"two images", func(r *Request) { r.InitImages = [][]byte{pngMagic, pngMagic} }, ""},
		{"three images", func(r *Request) { r.InitImages = [][]byte{pngMagic, pngMagic, pngMagic} }, "initImages: 3 given, m takes at most 2"},
		{"not an image", func(r *Request) { r.InitImages = [][]byte{[]byte("GIF89a")} }, "initImages[0]: not a PNG, JPEG or WebP image"},
		{"mask", func(r *Request) { r.InitImages, r.Mask = [][]byte{pngMagic}, pngMagic }, ""},
		{"jpeg mask", func(r *Request) { r.InitImages, r.Mask = [][]byte{pngMagic}, []byte{0xFF, 0xD8, 0xFF, 0} }, "mask: must be a PNG"},
		{"mask alone", func(r *Request) { r.Mask = pngMagic }, "mask: a mask needs an input image"},
		{"enum", func(r *Request) { r.Options = map[string]string{"speed": "TURBO"} }, ""},
		{"enum bad", func(r *Request) { r.Options = map[string]string{"speed": "turbo"} }, `options.speed: "turbo" is not one of TURBO, QUALITY`},
		{"int", func(r *Request) { r.Options = map[string]string{"weight": "100"} }, ""},
		{"int out of range", func(r *Request) { r.Options = map[string]string{"weight": "101"} }, "options.weight: \"101\" is not a whole number from 1 to 100"},
		{"int not int", func(r *Request) { r.Options = map[string]string{"weight": "5.5"} }, "options.weight:"},
		{"float", func(r *Request) { r.Options = map[string]string{"guidance": "2.5"} }, ""},
		{"float NaN", func(r *Request) { r.Options = map[string]string{"guidance": "NaN"} }, "options.guidance:"},
		{"bool", func(r *Request) { r.Options = map[string]string{"raw": "true"} }, ""},
		{"bool bad", func(r *Request) { r.Options = map[string]string{"raw": "yes"} }, "options.raw:"},
		{"unknown option", func(r *Request) { r.Options = map[string]string{"zzz": "1"} }, "options.zzz: unknown option for m (known: speed, weight, guidance, raw, style)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Model: "m", Prompt: "a cat", NegativePrompt: "blur"}
			tt.mutate(&r)
			err := testModel().Validate(r)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestValidateCapabilityFlags(t *testing.T) {
	m := Model{ID: "t2i", Capabilities: Capabilities{TextToImage: true}}
	seed := int64(1)
	assert.ErrorContains(t, m.Validate(Request{Model: "t2i", Prompt: "x", Seed: &seed}), "seed: t2i does not take a seed")
	assert.ErrorContains(t, m.Validate(Request{Model: "t2i", Prompt: "x", NegativePrompt: "n"}), "negativePrompt:")
	assert.ErrorContains(t, m.Validate(Request{Model: "t2i", Prompt: "x", InitImages: [][]byte{pngMagic}}), "initImages: t2i does not take input images")
	assert.ErrorContains(t, m.Validate(Request{Model: "t2i", Prompt: "x", Size: "1x1"}), "size:")
	assert.ErrorContains(t, m.Validate(Request{Model: "t2i", Prompt: "x", AspectRatio: "1:1"}), "aspectRatio: t2i takes a size, not an aspect ratio")
	assert.ErrorContains(t, m.Validate(Request{Model: "t2i", Prompt: "x", Options: map[string]string{"a": "b"}}), "options.a: t2i takes no options")
	edit := Model{ID: "kontext", Capabilities: Capabilities{ImageEdit: true}}
	assert.ErrorContains(t, edit.Validate(Request{Model: "kontext", Prompt: "x"}), "initImages: kontext needs an input image")
	assert.ErrorContains(t, edit.Validate(Request{Model: "kontext", Prompt: "x", InitImages: [][]byte{pngMagic}, Mask: pngMagic}), "mask: kontext does not take a mask")
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1024x1024", "0x1", "x", "99999x1", "+1x2", "-1x5", "1X2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, h, ok := ParseSize(s)
		if ok && (w <= 0 || h <= 0 || w > 99999 || h > 99999) {
			t.Fatalf("%q gave %dx%d", s, w, h)
		}
		if ok {
			w2, h2, ok2 := ParseSize(fmt.Sprintf("%dx%d", w, h))
			if !ok2 || w2 != w || h2 != h {
				t.Fatalf("%q: %dx%d does not round-trip", s, w, h)
			}
		}
	})
}

func TestSniffMIME(t *testing.T) {
	assert.Equal(t, "image/png", SniffMIME(pngMagic))
	assert.Equal(t, "image/jpeg", SniffMIME([]byte{0xFF, 0xD8, 0xFF, 0xE0}))
	assert.Equal(t, "image/webp", SniffMIME([]byte("RIFF\x00\x00\x00\x00WEBPVP8 ")))
	assert.Equal(t, "", SniffMIME([]byte("GIF89a")))
	assert.Equal(t, "", SniffMIME(nil))
}

func TestConfigBaseURL(t *testing.T) {
	env := map[string]string{}
	c := Config{BaseURLs: map[string]string{"ideogram": " https://proxy.example/ideo/ "}, Getenv: func(k string) string { return env[k] }}
	got, err := c.BaseURL("openai", "https://api.openai.com/v1")
	require.NoError(t, err)
	assert.Equal(t, "https://api.openai.com/v1", got)
	got, err = c.BaseURL("ideogram", "https://api.ideogram.ai")
	require.NoError(t, err)
	assert.Equal(t, "https://proxy.example/ideo", got, "settings override, trimmed")
	env["DREAMLAYER_IDEOGRAM_BASE_URL"] = "http://127.0.0.1:5555"
	got, err = c.BaseURL("ideogram", "https://api.ideogram.ai")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:5555", got, "environment wins")
	for _, bad := range []string{"ftp://x", "http://", "https://u:p@h", "https://h/?k=1", "https://h/#f", "::"} {
		env["DREAMLAYER_BFL_BASE_URL"] = bad
		_, err = c.BaseURL("bfl", "https://api.bfl.ai")
		assert.ErrorContains(t, err, "bfl base URL from DREAMLAYER_BFL_BASE_URL", bad)
	}
}

func TestConfigKey(t *testing.T) {
	ctx := t.Context()
	_, err := Config{}.Key(ctx, secrets.OpenAI)
	assert.ErrorIs(t, err, ErrNoKey)
	get := func(key string, err error) Config {
		return Config{Keys: KeyFunc(func(context.Context, secrets.Provider) (string, error) { return key, err })}
	}
	_, err = get("", secrets.ErrNotFound).Key(ctx, secrets.BFL)
	assert.ErrorIs(t, err, ErrNoKey)
	assert.ErrorContains(t, err, "BFL_API_KEY")
	_, err = get("", secrets.ErrKeychainUnavailable).Key(ctx, secrets.BFL)
	assert.ErrorIs(t, err, ErrUnavailable)
	k, err := get("sk-abcdefgh", nil).Key(ctx, secrets.OpenAI)
	require.NoError(t, err)
	assert.Equal(t, "sk-abcdefgh", k)
}

func TestClassify(t *testing.T) {
	const key = "key-0123456789"
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"cancel stays", fmt.Errorf("x: %w", context.Canceled), context.Canceled},
		{"401", &httpx.StatusError{StatusCode: 401, Body: []byte("bad " + key)}, ErrInvalidKey},
		{"403", &httpx.StatusError{StatusCode: 403}, ErrInvalidKey},
		{"422", &httpx.StatusError{StatusCode: 422}, ErrInvalidRequest},
		{"429", &httpx.StatusError{StatusCode: 429}, ErrUnavailable},
		{"502", &httpx.StatusError{StatusCode: 502}, ErrUnavailable},
		{"network", &httpx.NetError{Method: "GET", Err: errors.New("refused")}, ErrUnavailable},
		{"expired", fmt.Errorf("download: %w", httpx.ErrExpired), ErrUnavailable},
		{"already classed", &ModeratedError{Provider: "x"}, ErrModerated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify("x", tt.err, key)
			assert.ErrorIs(t, got, tt.want)
			assert.NotContains(t, got.Error(), key)
		})
	}
	assert.ErrorIs(t, Classify("x", fmt.Errorf("download: %w", httpx.ErrExpired), ""), httpx.ErrExpired, "the cause stays reachable")
}

func TestRequestFromJob(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "in.png")
	require.NoError(t, os.WriteFile(img, pngMagic, 0o644))
	var params map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"size":"1024x1024","n":2,"seed":42,
		"options":{"quality":"hd","raw":true,"weight":50},
		"initImages":["`+filepath.ToSlash(img)+`","data:image/png;base64,`+base64.StdEncoding.EncodeToString(pngMagic)+`"],
		"mask":"data:image/png;base64,`+base64.StdEncoding.EncodeToString(pngMagic)+`"}`), &params))
	req, err := RequestFromJob(jobs.Request{Provider: "openai", Model: "m", Prompt: "p", NegativePrompt: "n", Params: params})
	require.NoError(t, err)
	assert.Equal(t, "m", req.Model)
	assert.Equal(t, "p", req.Prompt)
	assert.Equal(t, "n", req.NegativePrompt)
	assert.Equal(t, "1024x1024", req.Size)
	assert.Equal(t, 2, req.N)
	require.NotNil(t, req.Seed)
	assert.Equal(t, int64(42), *req.Seed)
	assert.Equal(t, map[string]string{"quality": "hd", "raw": "true", "weight": "50"}, req.Options)
	assert.Equal(t, [][]byte{pngMagic, pngMagic}, req.InitImages)
	assert.Equal(t, pngMagic, req.Mask)

	req, err = RequestFromJob(jobs.Request{Model: "m", Prompt: "p", Params: map[string]any{"seed": -1.0, "batchSize": 3.0}})
	require.NoError(t, err)
	assert.Nil(t, req.Seed, "-1 is random")
	assert.Equal(t, 3, req.N)

	for name, p := range map[string]map[string]any{
		"n":                 {"n": 1.5},
		"size":              {"size": 5.0},
		"options":           {"options": []any{"x"}},
		"options.x":         {"options": map[string]any{"x": []any{}}},
		"initImages":        {"initImages": "one.png"},
		"initImages[0]":     {"initImages": []any{filepath.Join(dir, "missing.png")}},
		"mask":              {"mask": "data:image/png,notbase64"},
		"seed":              {"seed": "abc"},
		"initImages[0] b64": {"initImages": []any{"data:image/png;base64,!!"}},
	} {
		_, err := RequestFromJob(jobs.Request{Model: "m", Prompt: "p", Params: p})
		assert.ErrorIs(t, err, ErrInvalidRequest, name)
	}
}

// fakeProvider returns fixed images, recording the request.
type fakeProvider struct {
	images []Image
	err    error
	got    Request
}

func (f *fakeProvider) Name() string                  { return "fake" }
func (f *fakeProvider) Models() []Model               { return []Model{testModel()} }
func (f *fakeProvider) TestKey(context.Context) error { return nil }
func (f *fakeProvider) Generate(_ context.Context, r Request) ([]Image, error) {
	f.got = r
	return f.images, f.err
}

type fakeSaver struct{ metas []Meta }

func (s *fakeSaver) Save(_ context.Context, m Meta, img Image) (history.OutputRecord, error) {
	s.metas = append(s.metas, m)
	return history.OutputRecord{Path: fmt.Sprintf("/out/%d.png", len(s.metas)), Width: 4, Height: 3, Seed: 9}, nil
}

func TestJobProvider(t *testing.T) {
	fp := &fakeProvider{images: []Image{{Data: pngMagic, RevisedPrompt: "better"}, {Data: pngMagic}}}
	sv := &fakeSaver{}
	jp := JobProvider(fp, sv)
	assert.Equal(t, "fake", jp.Name())
	assert.Equal(t, 3, jp.Concurrency())
	var progress []jobs.Progress
	out, err := jp.Run(t.Context(), jobs.Job{ID: "job1", Request: jobs.Request{Provider: "fake", Model: "m", Prompt: "p",
		Params: map[string]any{"n": 2.0, "aspectRatio": "16:9"}}}, func(p jobs.Progress) { progress = append(progress, p) })
	require.NoError(t, err)
	assert.Equal(t, Request{Model: "m", Prompt: "p", N: 2, AspectRatio: "16:9"}, fp.got)
	assert.Equal(t, []jobs.Output{
		{Path: "/out/1.png", Width: 4, Height: 3, Seed: 9, Metadata: map[string]any{"revisedPrompt": "better"}},
		{Path: "/out/2.png", Width: 4, Height: 3, Seed: 9},
	}, out)
	require.Len(t, sv.metas, 2)
	assert.Equal(t, "job1", sv.metas[0].JobID)
	assert.Equal(t, "fake", sv.metas[0].Provider)
	require.Len(t, progress, 3)
	assert.Equal(t, 2, progress[2].Step)

	fp.err = &ModeratedError{Provider: "fake", Message: "no"}
	_, err = jp.Run(t.Context(), jobs.Job{Request: jobs.Request{Model: "m", Prompt: "p"}}, func(jobs.Progress) {})
	assert.ErrorIs(t, err, ErrModerated)
}

// FuzzRequestFromJob feeds params as the UI would send them (JSON). Image
// sources are limited to data: URLs so the fuzzer never opens files.
func FuzzRequestFromJob(f *testing.F) {
	f.Add([]byte(`{"size":"1024x1024","n":2,"seed":42,"options":{"quality":"hd","raw":true}}`))
	f.Add([]byte(`{"initImages":["data:image/png;base64,iVBORw0KGgo="],"mask":"data:;base64,"}`))
	f.Add([]byte(`{"n":1e300,"seed":-1,"batchSize":"3"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var params map[string]any
		if json.Unmarshal(data, &params) != nil {
			return
		}
		for _, k := range []string{ParamInitImage, ParamMask} {
			if s, ok := params[k].(string); ok && !strings.HasPrefix(s, "data:") {
				delete(params, k)
			}
		}
		if list, ok := params[ParamInitImages].([]any); ok {
			for _, item := range list {
				if s, ok := item.(string); ok && !strings.HasPrefix(s, "data:") {
					delete(params, ParamInitImages)
					break
				}
			}
		}
		req, err := RequestFromJob(jobs.Request{Model: "m", Prompt: "p", Params: params})
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("unclassed error %v", err)
			}
			return
		}
		if req.N < 0 || req.N > 100 || (req.Seed != nil && *req.Seed < 0) {
			t.Fatalf("out of range: %+v", req)
		}
	})
}
