package gallery

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "http://dreamlayer.local/", nil)
	req.URL.Path = target // set directly: NewRequest would reject some hostile paths
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestServeOutput(t *testing.T) {
	f := newFixture(t)
	pngPath := writePNG(t, f.dir, "a.png", 20, 10)
	jpgPath := filepath.Join(f.dir, "b.JPG")
	var jb bytes.Buffer
	require.NoError(t, jpeg.Encode(&jb, image.NewGray(image.Rect(0, 0, 8, 8)), nil))
	require.NoError(t, os.WriteFile(jpgPath, jb.Bytes(), 0o644))
	p := f.add(t, pngPath, "p", 1)
	j := f.add(t, jpgPath, "j", 2)
	h := f.svc.Handler()

	rec := get(t, h, http.MethodGet, "/media/outputs/"+p.ID)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "image/png", rec.Header().Get("Content-Type"))
	want, _ := os.ReadFile(pngPath)
	assert.Equal(t, want, rec.Body.Bytes())
	assert.NotEmpty(t, rec.Header().Get("Last-Modified"))

	rec = get(t, h, http.MethodGet, "/media/outputs/"+j.ID)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "image/jpeg", rec.Header().Get("Content-Type"))
	assert.Equal(t, jb.Bytes(), rec.Body.Bytes())

	rec = get(t, h, http.MethodHead, "/media/outputs/"+p.ID)
	assert.Equal(t, http.StatusOK, rec.Code)

	rec = get(t, h, http.MethodPost, "/media/outputs/"+p.ID)
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestServeNotFound(t *testing.T) {
	f := newFixture(t)
	ok := f.add(t, writePNG(t, f.dir, "a.png", 4, 4), "p", 1)
	missing := f.add(t, filepath.Join(f.dir, "missing.png"), "p", 2)
	h := f.svc.Handler()

	for _, target := range []string{
		"/media/outputs/unknownid",
		"/media/outputs/" + missing.ID,
		"/media/thumbs/" + missing.ID,
		"/media/outputs/",
		"/media/outputs/../../etc/passwd",
		"/media/thumbs/../../etc/passwd",
		"/media/outputs/" + ok.ID + "/../../../etc/passwd",
		"/media/outputs/..%2F..%2Fetc%2Fpasswd",
		"/media/outputs/" + f.dir + "/a.png",
		"/media/outputs/C:\\Windows\\win.ini",
		"/media/outputs/" + ok.ID + "\x00",
		"/media/other/" + ok.ID,
		"/etc/passwd",
	} {
		t.Run(target, func(t *testing.T) {
			rec := get(t, h, http.MethodGet, target)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.NotContains(t, rec.Body.String(), "root:")
		})
	}
}

// TestTraversalOverTheWire sends the unclean path byte for byte, as a hostile
// page could, so no client-side cleaning hides a bug.
func TestTraversalOverTheWire(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.svc.Handler())
	t.Cleanup(srv.Close)

	for _, target := range []string{"/media/outputs/../../etc/passwd", "/media/outputs/%2e%2e/%2e%2e/etc/passwd"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		_, err = fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		_ = conn.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, target)
		assert.NotContains(t, string(body), "root:")
	}
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(rec.Body.Bytes()))
	require.NoError(t, err)
	return img
}

func TestServeThumb(t *testing.T) {
	tests := []struct {
		name         string
		w, h         int
		wantW, wantH int
	}{
		{"landscape", 1024, 512, 384, 192},
		{"portrait", 512, 768, 256, 384},
		{"small stays", 100, 50, 100, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := f.add(t, writePNG(t, f.dir, "a.png", tt.w, tt.h), "p", 1)
			rec := get(t, f.svc.Handler(), http.MethodGet, "/media/thumbs/"+o.ID)
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, "image/jpeg", rec.Header().Get("Content-Type"), "opaque thumbnails are JPEG")
			img := decodeBody(t, rec)
			assert.Equal(t, image.Rect(0, 0, tt.wantW, tt.wantH), img.Bounds())
		})
	}
}

func TestServeThumbTransparentIsPNG(t *testing.T) {
	f := newFixture(t)
	src := image.NewNRGBA(image.Rect(0, 0, 800, 400))
	for i := range src.Pix {
		if i%4 == 3 {
			src.Pix[i] = 0 // fully transparent
		}
	}
	o := f.add(t, writeImage(t, f.dir, "alpha.png", src), "p", 1)
	rec := get(t, f.svc.Handler(), http.MethodGet, "/media/thumbs/"+o.ID)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "image/png", rec.Header().Get("Content-Type"))
	img := decodeBody(t, rec)
	assert.Equal(t, image.Rect(0, 0, 384, 192), img.Bounds())
	_, _, _, a := img.At(10, 10).RGBA()
	assert.Zero(t, a)
}

func TestThumbCachingAndRevalidation(t *testing.T) {
	f := newFixture(t)
	path := writePNG(t, f.dir, "a.png", 600, 300)
	o := f.add(t, path, "p", 1)
	h := f.svc.Handler()

	first := get(t, h, http.MethodGet, "/media/thumbs/"+o.ID)
	require.Equal(t, http.StatusOK, first.Code)
	etag := first.Header().Get("ETag")
	require.NotEmpty(t, etag)
	assert.Equal(t, 1, f.svc.thumbs.len())

	again := get(t, h, http.MethodGet, "/media/thumbs/"+o.ID, "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, again.Code)

	// A changed source (new size and mod time) gets a new thumbnail.
	writePNG(t, f.dir, "a.png", 300, 600)
	require.NoError(t, os.Chtimes(path, time.Now(), time.Now().Add(time.Hour)))
	changed := get(t, h, http.MethodGet, "/media/thumbs/"+o.ID, "If-None-Match", etag)
	require.Equal(t, http.StatusOK, changed.Code)
	assert.NotEqual(t, etag, changed.Header().Get("ETag"))
	assert.Equal(t, image.Rect(0, 0, 192, 384), decodeBody(t, changed).Bounds())

	// Deleting forgets the cached thumbnail.
	require.NoError(t, f.svc.Delete(t.Context(), o.ID))
	assert.Zero(t, f.svc.thumbs.len())
}

func TestThumbCacheDir(t *testing.T) {
	cacheDir := filepath.Join(t.TempDir(), "thumbs")
	f := newFixture(t, WithThumbCacheDir(cacheDir))
	o := f.add(t, writePNG(t, f.dir, "a.png", 500, 500), "p", 1)
	rec := get(t, f.svc.Handler(), http.MethodGet, "/media/thumbs/"+o.ID)
	require.Equal(t, http.StatusOK, rec.Code)

	files, err := filepath.Glob(filepath.Join(cacheDir, o.ID+"-*.jpg"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, rec.Body.Bytes(), mustRead(t, files[0]))

	// A fresh service (a restart) serves what is on disk: plant a marker
	// image there and expect it back instead of a newly decoded thumbnail.
	var marker bytes.Buffer
	require.NoError(t, jpeg.Encode(&marker, image.NewGray(image.Rect(0, 0, 3, 3)), nil))
	require.NoError(t, os.WriteFile(files[0], marker.Bytes(), 0o644))
	restarted := New(f.db, f.opener, nil, nil, WithThumbCacheDir(cacheDir))
	rec = get(t, restarted.Handler(), http.MethodGet, "/media/thumbs/"+o.ID)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, marker.Bytes(), rec.Body.Bytes())

	require.NoError(t, restarted.Delete(t.Context(), o.ID))
	files, err = filepath.Glob(filepath.Join(cacheDir, o.ID+"-*"))
	require.NoError(t, err)
	assert.Empty(t, files)
}

func TestThumbFallsBackToOriginal(t *testing.T) {
	f := newFixture(t)
	// Not a PNG or JPEG (a WebP from a cloud API, say): served as is.
	path := filepath.Join(f.dir, "x.webp")
	data := []byte("RIFF\x00\x00\x00\x00WEBPVP8 not really")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	o := f.add(t, path, "p", 1)
	rec := get(t, f.svc.Handler(), http.MethodGet, "/media/thumbs/"+o.ID)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "image/webp", rec.Header().Get("Content-Type"))
	assert.Equal(t, data, rec.Body.Bytes())
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestFitSize(t *testing.T) {
	tests := []struct{ w, h, wantW, wantH int }{
		{1024, 1024, 384, 384},
		{1000, 10, 384, 4},
		{10_000, 1, 384, 1},
		{384, 384, 384, 384},
		{385, 100, 384, 100},
		{1, 1, 1, 1},
	}
	for _, tt := range tests {
		w, h := fitSize(tt.w, tt.h, 384)
		assert.Equal(t, []int{tt.wantW, tt.wantH}, []int{w, h}, "%dx%d", tt.w, tt.h)
	}
}

func TestResizeAreaAverages(t *testing.T) {
	t.Run("fractional coverage", func(t *testing.T) {
		// 3→2 pixels: each output covers 1.5 inputs, so out0 = (0·1 + 90·0.5)/1.5
		// = 30 and out1 = (90·0.5 + 180·1)/1.5 = 150.
		src := image.NewGray(image.Rect(0, 0, 3, 1))
		src.Pix = []uint8{0, 90, 180}
		dst := resizeArea(src, 2, 1)
		assert.Equal(t, []uint8{30, 30, 30, 255, 150, 150, 150, 255}, dst.Pix)
	})
	t.Run("checkerboard becomes mid grey", func(t *testing.T) {
		src := image.NewGray(image.Rect(0, 0, 8, 8))
		for i := range src.Pix {
			if (i%8+i/8)%2 == 0 {
				src.Pix[i] = 255
			}
		}
		dst := resizeArea(src, 2, 2)
		for i, v := range dst.Pix {
			if i%4 == 3 {
				assert.Equal(t, uint8(255), v)
			} else {
				assert.Equal(t, uint8(128), v) // 127.5 rounded half up
			}
		}
	})
	t.Run("transparent colour does not bleed", func(t *testing.T) {
		// Invisible red beside opaque blue averages to half-transparent pure
		// blue, because averaging happens in premultiplied alpha.
		src := image.NewNRGBA(image.Rect(0, 0, 2, 1))
		src.SetNRGBA(0, 0, color.NRGBA{R: 255, A: 0})
		src.SetNRGBA(1, 0, color.NRGBA{B: 255, A: 255})
		dst := resizeArea(src, 1, 1)
		c := color.NRGBAModel.Convert(dst.At(0, 0)).(color.NRGBA)
		assert.Equal(t, uint8(0), c.R)
		assert.InDelta(t, 255, int(c.B), 1)
		assert.Equal(t, uint8(128), c.A)
	})
	t.Run("sub-image bounds", func(t *testing.T) {
		big := image.NewRGBA(image.Rect(0, 0, 4, 4))
		for i := range big.Pix {
			big.Pix[i] = 255
		}
		sub := big.SubImage(image.Rect(2, 2, 4, 4)).(*image.RGBA)
		dst := resizeArea(sub, 1, 1)
		assert.Equal(t, []uint8{255, 255, 255, 255}, dst.Pix)
	})
}

func TestMakeThumbRejects(t *testing.T) {
	// A PNG header claiming 100000×100000 must be refused before decoding.
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))))
	huge := bytes.Clone(b.Bytes())
	// IHDR: length (8..12), type (12..16), width and height (16..24), the
	// rest of the header (24..29), CRC over type and data (29..33).
	copy(huge[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	binary.BigEndian.PutUint32(huge[29:33], crc32.ChecksumIEEE(huge[12:29]))
	_, err := png.DecodeConfig(bytes.NewReader(huge))
	require.NoError(t, err, "the forged header is a valid PNG header")
	_, _, err = makeThumb(bytes.NewReader(huge))
	require.ErrorIs(t, err, errUnsupportedImage)
	assert.Contains(t, err.Error(), "100000x100000")

	for name, data := range map[string][]byte{"empty": nil, "garbage": []byte("hello")} {
		_, _, err := makeThumb(bytes.NewReader(data))
		assert.ErrorIs(t, err, errUnsupportedImage, name)
	}
}

func TestThumbCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newThumbCache(10)
	c.put(&thumb{id: "a", data: make([]byte, 4)})
	c.put(&thumb{id: "b", data: make([]byte, 4)})
	_, ok := c.get("a") // a is now the most recent
	require.True(t, ok)
	c.put(&thumb{id: "c", data: make([]byte, 4)})
	_, ok = c.get("b")
	assert.False(t, ok, "b was least recently used")
	_, ok = c.get("a")
	assert.True(t, ok)
	c.put(&thumb{id: "big", data: make([]byte, 11)})
	_, ok = c.get("big")
	assert.False(t, ok, "larger than the whole cache")
	assert.Equal(t, 2, c.len())
	c.put(&thumb{id: "a", data: make([]byte, 2)}) // replace
	assert.Equal(t, int64(6), c.used)
}

// FuzzMakeThumb feeds arbitrary bytes to the thumbnailer: it must return an
// image or an error, never panic or allocate for an absurd header.
func FuzzMakeThumb(f *testing.F) {
	for _, img := range []image.Image{
		image.NewGray(image.Rect(0, 0, 3, 2)),
		image.NewNRGBA(image.Rect(0, 0, 5, 7)),
		image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White}),
	} {
		var b bytes.Buffer
		require.NoError(f, png.Encode(&b, img))
		f.Add(b.Bytes())
		b.Reset()
		require.NoError(f, jpeg.Encode(&b, img, nil))
		f.Add(b.Bytes())
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ct, err := makeThumb(bytes.NewReader(data))
		if err != nil {
			return
		}
		img, _, err := image.Decode(bytes.NewReader(out))
		require.NoError(t, err, ct)
		assert.LessOrEqual(t, img.Bounds().Dx(), thumbSize)
		assert.LessOrEqual(t, img.Bounds().Dy(), thumbSize)
	})
}
