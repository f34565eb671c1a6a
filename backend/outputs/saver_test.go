package outputs

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/gallery"
	"github.com/dreamlayer/dreamlayer/backend/history"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/providers"
)

func encoded(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		img.Set(i%w, i/w, color.NRGBA{R: uint8(i * 7), G: 100, B: 200, A: 255})
	}
	var buf bytes.Buffer
	switch format {
	case "png":
		require.NoError(t, png.Encode(&buf, img))
	case "jpeg":
		require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}))
	}
	return buf.Bytes()
}

type recorder struct {
	mu     sync.Mutex
	names  []string
	events []any
}

func (r *recorder) Emit(name string, payload any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, name)
	r.events = append(r.events, payload)
}

func TestSaveWritesPNGWithMetadataAndRecordsIt(t *testing.T) {
	for _, format := range []string{"png", "jpeg"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			db, err := history.Open(filepath.Join(t.TempDir(), "history.db"))
			require.NoError(t, err)
			defer db.Close()
			rec := &recorder{}
			s := NewSaver(func() string { return dir }, db, rec, nil)
			s.Now = func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }
			seed := int64(1234)
			meta := providers.Meta{Provider: "openai", Request: providers.Request{
				Model: "dall-e-3", Prompt: "a red fox, in snow", NegativePrompt: "blurry", Size: "1024x1024", Seed: &seed,
				Options:    map[string]string{"quality": "hd", "style": "natural"},
				InitImages: [][]byte{[]byte("input bytes never saved")},
			}}
			out, err := s.Save(t.Context(), meta, providers.Image{Data: encoded(t, format, 6, 4), MIME: "image/" + format, RevisedPrompt: "A red fox standing in fresh snow"})
			require.NoError(t, err)

			assert.Equal(t, dir, filepath.Dir(out.Path))
			assert.Equal(t, ".png", filepath.Ext(out.Path))
			assert.Equal(t, 6, out.Width)
			assert.Equal(t, 4, out.Height)
			assert.NotEmpty(t, out.ID)

			data, err := os.ReadFile(out.Path)
			require.NoError(t, err)
			decoded, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err, "the file is a PNG whatever the provider sent")
			assert.Equal(t, image.Rect(0, 0, 6, 4), decoded.Bounds())
			assert.NotContains(t, string(data), "input bytes never saved")

			info, err := pnginfo.Read(bytes.NewReader(data))
			require.NoError(t, err)
			assert.Equal(t, pnginfo.SourceDreamLayer, info.Source)
			require.NotNil(t, info.Parameters, "A1111 parameters parse")
			assert.Equal(t, "a red fox, in snow", info.Parameters.Prompt)
			assert.Equal(t, "blurry", info.Parameters.NegativePrompt)
			assert.Equal(t, "openai/dall-e-3", info.Parameters.Model)
			assert.Equal(t, int64(1234), info.Parameters.Seed)
			assert.Equal(t, 6, info.Parameters.Width)
			p, _ := info.Parameters.Get("Provider")
			assert.Equal(t, "openai", p)
			rp, _ := info.Parameters.Get("Revised prompt")
			assert.Equal(t, "A red fox standing in fresh snow", rp)

			var got Record
			require.NoError(t, json.Unmarshal(info.Request, &got))
			assert.Equal(t, Record{
				Provider: "openai", Model: "dall-e-3", Prompt: "a red fox, in snow", NegativePrompt: "blurry",
				RevisedPrompt: "A red fox standing in fresh snow", Seed: &seed, Size: "1024x1024", N: 1,
				Options: map[string]string{"quality": "hd", "style": "natural"}, Edit: true, SourceMIME: "image/" + format,
			}, got)

			stored, err := db.GetOutput(t.Context(), out.ID)
			require.NoError(t, err)
			assert.Equal(t, out.Path, stored.Path)
			assert.Equal(t, "openai", stored.Provider)
			assert.Equal(t, "dall-e-3", stored.Model)
			assert.Equal(t, "a red fox, in snow", stored.Prompt)
			assert.Equal(t, int64(1234), stored.Seed)
			assert.Equal(t, "A red fox standing in fresh snow", stored.Params["revisedPrompt"])
			found, total, err := db.ListOutputs(t.Context(), history.Query{Text: "fox"})
			require.NoError(t, err)
			assert.Equal(t, 1, total)
			assert.Equal(t, out.ID, found[0].ID)

			assert.Equal(t, []string{events.GalleryChanged}, rec.names)
			assert.Equal(t, []any{gallery.Change{Type: ChangeAdded, ID: out.ID}}, rec.events)
		})
	}
}

func TestSaveNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	s := NewSaver(func() string { return dir }, nil, nil, nil)
	s.Now = func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }
	meta := providers.Meta{Provider: "openai", Request: providers.Request{Model: "gpt-image-1", Prompt: "same"}}
	img := providers.Image{Data: encoded(t, "png", 2, 2)}
	a, err := s.Save(t.Context(), meta, img)
	require.NoError(t, err)
	b, err := s.Save(t.Context(), meta, img)
	require.NoError(t, err)
	assert.NotEqual(t, a.Path, b.Path)
	assert.Empty(t, a.ID, "no database, no id")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2)
}

func TestSaveRejectsNonImages(t *testing.T) {
	dir := t.TempDir()
	s := NewSaver(func() string { return dir }, nil, nil, nil)
	_, err := s.Save(t.Context(), providers.Meta{Provider: "x", Request: providers.Request{Model: "m", Prompt: "p"}},
		providers.Image{Data: []byte("<html>")})
	assert.ErrorContains(t, err, "not a PNG, JPEG or WebP image")
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries, "nothing reserved or written")
}

func TestToPNGBounds(t *testing.T) {
	// A PNG header claiming 100000×100000 pixels is refused before decoding.
	huge := encoded(t, "png", 1, 1)
	copy(huge[16:24], []byte{0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0})
	_, _, _, err := ToPNG(huge)
	assert.Error(t, err)
}

func FuzzToPNG(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10})
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, w, h, err := ToPNG(data)
		if err != nil {
			return
		}
		if w <= 0 || h <= 0 || int64(w)*int64(h) > MaxPixels || providers.SniffMIME(out) != "image/png" {
			t.Fatalf("accepted %dx%d %q", w, h, providers.SniffMIME(out))
		}
	})
}

func TestWebPIsConvertedToPNG(t *testing.T) {
	// From golang.org/x/image's testdata (licence in testdata/).
	webp, err := os.ReadFile(filepath.Join("testdata", "blue-purple-pink.lossy.webp"))
	require.NoError(t, err)
	require.Equal(t, "image/webp", providers.SniffMIME(webp))
	dir := t.TempDir()
	s := NewSaver(func() string { return dir }, nil, nil, nil)
	out, err := s.Save(t.Context(), providers.Meta{Provider: "openai", Request: providers.Request{Model: "gpt-image-1", Prompt: "p",
		Options: map[string]string{"output_format": "webp"}}}, providers.Image{Data: webp, MIME: "image/webp"})
	require.NoError(t, err)
	data, err := os.ReadFile(out.Path)
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, out.Width, cfg.Width)
	assert.Greater(t, cfg.Width, 1)
	info, err := pnginfo.Read(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Contains(t, string(info.Request), `"source_mime":"image/webp"`)
}
