package ideogram

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// imagesHandler serves /img/<n> with distinct PNGs and answers the API
// path with data built by body(baseURL).
type captured struct {
	method, path, apiKey, contentType string
	form                              map[string]string
	image                             []byte
	imageType                         string
}

func capture(t *testing.T, r *http.Request) captured {
	t.Helper()
	c := captured{method: r.Method, path: r.URL.Path, apiKey: r.Header.Get("Api-Key"),
		contentType: r.Header.Get("Content-Type"), form: map[string]string{}}
	require.NoError(t, r.ParseMultipartForm(1<<20))
	for k, v := range r.MultipartForm.Value {
		require.Len(t, v, 1, "field %s sent more than once", k)
		c.form[k] = v[0]
	}
	if fh := r.MultipartForm.File["image"]; len(fh) == 1 {
		f, err := fh[0].Open()
		require.NoError(t, err)
		c.image, _ = io.ReadAll(f)
		_ = f.Close()
		c.imageType = fh[0].Header.Get("Content-Type")
	}
	return c
}

func successBody(base string, prompts ...string) string {
	var data []string
	for i, p := range prompts {
		data = append(data, fmt.Sprintf(`{"url":"%s/img/%d","prompt":%q,"resolution":"1024x1024","is_image_safe":true,"seed":%d,"style_type":"GENERAL"}`,
			base, i, p, 100+i))
	}
	return `{"created":"2025-01-01T00:00:00Z","data":[` + strings.Join(data, ",") + `]}`
}

func TestGenerateSendsExactForm(t *testing.T) {
	tests := []struct {
		name     string
		req      providers.Request
		wantPath string
		want     map[string]string
		remix    bool
	}{
		{
			name: "generate with aspect ratio and every option",
			req: providers.Request{Model: ModelV3, Prompt: "a red fox", NegativePrompt: "blur", N: 2,
				Seed: seed(42), AspectRatio: "16:9", Options: map[string]string{
					"rendering_speed": "BALANCED", "magic_prompt": "OFF", "style_type": "REALISTIC"}},
			wantPath: generatePath,
			want: map[string]string{"prompt": "a red fox", "negative_prompt": "blur", "num_images": "2",
				"seed": "42", "aspect_ratio": "16x9", "rendering_speed": "DEFAULT", "magic_prompt": "OFF",
				"style_type": "REALISTIC"},
		},
		{
			name:     "generate with resolution and defaults left out",
			req:      providers.Request{Model: ModelV3, Prompt: "a red fox", Size: "1024x1024", Options: map[string]string{"rendering_speed": "TURBO"}},
			wantPath: generatePath,
			want:     map[string]string{"prompt": "a red fox", "num_images": "1", "resolution": "1024x1024", "rendering_speed": "TURBO"},
		},
		{
			name: "remix with image and weight",
			req: providers.Request{Model: ModelV3, Prompt: "a red fox", InitImages: [][]byte{pngBytes(t, 9)},
				Options: map[string]string{"image_weight": "70", "rendering_speed": "QUALITY"}},
			wantPath: remixPath,
			want:     map[string]string{"prompt": "a red fox", "num_images": "1", "image_weight": "70", "rendering_speed": "QUALITY"},
			remix:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got captured
			var downloadKeys []string
			var f *fixture
			f = newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/img/") {
					downloadKeys = append(downloadKeys, r.Header.Get("Api-Key"))
					_, _ = w.Write(pngBytes(t, uint8(len(r.URL.Path))))
					return
				}
				got = capture(t, r)
				prompts := make([]string, tt.req.Images())
				for i := range prompts {
					prompts[i] = tt.req.Prompt
				}
				_, _ = io.WriteString(w, successBody(f.srv.URL, prompts...))
			})
			imgs, err := f.p.Generate(t.Context(), tt.req)
			require.NoError(t, err)
			assert.Equal(t, http.MethodPost, got.method)
			assert.Equal(t, tt.wantPath, got.path)
			assert.Equal(t, testKey, got.apiKey)
			assert.True(t, strings.HasPrefix(got.contentType, "multipart/form-data; boundary="), got.contentType)
			assert.Equal(t, tt.want, got.form)
			if tt.remix {
				assert.Equal(t, tt.req.InitImages[0], got.image)
				assert.Equal(t, "image/png", got.imageType)
			} else {
				assert.Nil(t, got.image)
			}
			require.Len(t, imgs, tt.req.Images())
			for i, img := range imgs {
				assert.Equal(t, "image/png", img.MIME)
				assert.Equal(t, pngBytes(t, uint8(len(fmt.Sprintf("/img/%d", i)))), img.Data)
				require.NotNil(t, img.Seed)
				assert.Equal(t, int64(100+i), *img.Seed)
				assert.Empty(t, img.RevisedPrompt, "prompt was not rewritten")
			}
			assert.Equal(t, make([]string, len(imgs)), downloadKeys, "result URLs must be fetched without the key")
		})
	}
}

func TestGenerateReportsMagicPromptAndDropsUnsafe(t *testing.T) {
	var f *fixture
	f = newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/img/") {
			_, _ = w.Write(pngBytes(t, 1))
			return
		}
		fmt.Fprintf(w, `{"created":"x","data":[{"url":null,"is_image_safe":false,"prompt":"p"},`+
			`{"url":"%s/img/1","is_image_safe":true,"prompt":"a majestic red fox at dawn","seed":7}]}`, f.srv.URL)
	})
	imgs, err := f.p.Generate(t.Context(), providers.Request{Model: ModelV3, Prompt: "a red fox", N: 2})
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	assert.Equal(t, "a majestic red fox at dawn", imgs[0].RevisedPrompt)
}

func TestGenerateModeration(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"every image unsafe", 200, `{"created":"x","data":[{"is_image_safe":false},{"is_image_safe":false}]}`},
		{"prompt refused by the safety check", 422, `{"error":"Prompt failed the safety check"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, err := f.p.Generate(t.Context(), providers.Request{Model: ModelV3, Prompt: "x", N: 2})
			require.ErrorIs(t, err, providers.ErrModerated)
			var me *providers.ModeratedError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, Name, me.Provider)
		})
	}
}

func TestGenerateRetries(t *testing.T) {
	tests := []struct {
		name       string
		first      func(w http.ResponseWriter)
		wantDelays []time.Duration
	}{
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		}, []time.Duration{3 * time.Second}},
		// The fixture's jitter returns its ceiling, so the first backoff is
		// httpx.DefaultBaseDelay.
		{"500 then success", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusInternalServerError)
		}, []time.Duration{500 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			var f *fixture
			f = newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/img/") {
					_, _ = w.Write(pngBytes(t, 1))
					return
				}
				if calls.Add(1) == 1 {
					tt.first(w)
					return
				}
				capture(t, r) // the replayed body must be complete
				_, _ = io.WriteString(w, successBody(f.srv.URL, "x"))
			})
			imgs, err := f.p.Generate(t.Context(), providers.Request{Model: ModelV3, Prompt: "x"})
			require.NoError(t, err)
			assert.Len(t, imgs, 1)
			assert.Equal(t, int32(2), calls.Load())
			assert.Equal(t, tt.wantDelays, f.sleeps())
		})
	}
}

func TestGenerateCancelledDuringSlowResponse(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		close(arrived)
		select { // never answers on its own
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := f.p.Generate(ctx, providers.Request{Model: ModelV3, Prompt: "x"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestGenerateBadAnswers(t *testing.T) {
	tests := []struct {
		name     string
		api      string // body of the API answer; %s is the server URL
		download int    // status of the image download
		wantMsg  string
	}{
		{"malformed JSON", `{"data":[{"url":`, 200, "decode ideogram response"},
		{"no images", `{"data":[]}`, 200, "no images"},
		{"non-http URL", `{"data":[{"url":"file:///etc/passwd","is_image_safe":true}]}`, 200, "not an absolute http(s) URL"},
		{"expired URL (403)", `{"data":[{"url":"%s/img/0","is_image_safe":true}]}`, 403, "expired"},
		{"expired URL (404)", `{"data":[{"url":"%s/img/0","is_image_safe":true}]}`, 404, "expired"},
		{"download is not an image", `{"data":[{"url":"%s/img/0","is_image_safe":true}]}`, 200, "not a PNG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f *fixture
			f = newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/img/") {
					w.WriteHeader(tt.download)
					_, _ = io.WriteString(w, "<html>nope</html>")
					return
				}
				body := tt.api
				if strings.Contains(body, "%s") {
					body = fmt.Sprintf(body, f.srv.URL)
				}
				_, _ = io.WriteString(w, body)
			})
			_, err := f.p.Generate(t.Context(), providers.Request{Model: ModelV3, Prompt: "x"})
			require.ErrorIs(t, err, providers.ErrUnavailable)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestGenerateRejectsBeforeSending(t *testing.T) {
	tests := []struct {
		name  string
		req   providers.Request
		field string
	}{
		{"seed above int32", providers.Request{Model: ModelV3, Prompt: "x", Seed: seed(maxSeed + 1)}, "seed"},
		{"negative seed", providers.Request{Model: ModelV3, Prompt: "x", Seed: seed(-1)}, "seed"},
		{"image weight without image", providers.Request{Model: ModelV3, Prompt: "x", Options: map[string]string{"image_weight": "50"}}, "image_weight"},
		{"image weight out of range", providers.Request{Model: ModelV3, Prompt: "x", InitImages: [][]byte{pngBytes(t, 1)}, Options: map[string]string{"image_weight": "101"}}, "image_weight"},
		{"nine images", providers.Request{Model: ModelV3, Prompt: "x", N: 9}, "n"},
		{"unknown aspect ratio", providers.Request{Model: ModelV3, Prompt: "x", AspectRatio: "7:5"}, "aspectRatio"},
		{"free size", providers.Request{Model: ModelV3, Prompt: "x", Size: "1000x1000"}, "size"},
		{"API spelling of speed", providers.Request{Model: ModelV3, Prompt: "x", Options: map[string]string{"rendering_speed": "DEFAULT"}}, "rendering_speed"},
		{"unknown model", providers.Request{Model: "ideogram-v2", Prompt: "x"}, "model"},
		{"empty prompt", providers.Request{Model: ModelV3, Prompt: " "}, "prompt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
			_, err := f.p.Generate(t.Context(), tt.req)
			require.ErrorIs(t, err, providers.ErrInvalidRequest)
			assert.Contains(t, err.Error(), tt.field)
			assert.Zero(t, calls.Load(), "an invalid request must not reach the API")
		})
	}
}

func TestGenerateErrorsNeverCarryTheKey(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   error
	}{
		{"401", http.StatusUnauthorized, providers.ErrInvalidKey},
		{"400", http.StatusBadRequest, providers.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				// A hostile or careless server echoing the key back.
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "bad key " + r.Header.Get("Api-Key")})
			})
			_, err := f.p.Generate(t.Context(), providers.Request{Model: ModelV3, Prompt: "x"})
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), testKey)
			assert.Contains(t, err.Error(), "bad key [redacted]")
		})
	}
}

func TestGenerateWithoutKey(t *testing.T) {
	var calls atomic.Int32
	f := newFixture(t, "", func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	_, err := f.p.Generate(t.Context(), providers.Request{Model: ModelV3, Prompt: "x"})
	require.ErrorIs(t, err, providers.ErrNoKey)
	assert.Zero(t, calls.Load())
}

func TestTestKey(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   error // nil: the key is valid
	}{
		{"validation error means the key passed", http.StatusBadRequest, nil},
		{"unprocessable means the key passed", http.StatusUnprocessableEntity, nil},
		{"unauthorized", http.StatusUnauthorized, providers.ErrInvalidKey},
		{"forbidden", http.StatusForbidden, providers.ErrInvalidKey},
		{"server keeps failing", http.StatusServiceUnavailable, providers.ErrUnavailable},
		{"proxy 404", http.StatusNotFound, providers.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got captured
			f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
				got = capture(t, r)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, `{"error":"nope"}`)
			})
			err := f.p.TestKey(t.Context())
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
			assert.Equal(t, http.MethodPost, got.method)
			assert.Equal(t, generatePath, got.path)
			assert.Equal(t, testKey, got.apiKey)
			assert.Empty(t, got.form, "the probe must not carry a prompt, so nothing is generated")
		})
	}
}

func TestTestKeyUnreachable(t *testing.T) {
	f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {})
	f.srv.Close()
	err := f.p.TestKey(t.Context())
	require.ErrorIs(t, err, providers.ErrUnavailable)
	assert.NotContains(t, err.Error(), testKey)
}

func TestBaseURLFromEnvironment(t *testing.T) {
	var hits atomic.Int32
	f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.WriteHeader(400) })
	cfg := f.p.cfg
	cfg.BaseURLs = map[string]string{Name: "http://127.0.0.1:1"} // would fail
	cfg.Getenv = func(k string) string {
		if k == "DREAMLAYER_IDEOGRAM_BASE_URL" {
			return f.srv.URL + "/"
		}
		return ""
	}
	p, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, p.TestKey(t.Context()))
	assert.Equal(t, int32(1), hits.Load())

	cfg.Getenv = func(string) string { return "ftp://example.com" }
	_, err = New(cfg)
	require.Error(t, err)
}

func TestLogsNeverCarryTheKey(t *testing.T) {
	var calls atomic.Int32
	var f *fixture
	f = newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/img/"):
			_, _ = w.Write(pngBytes(t, 1))
		case calls.Add(1) == 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case calls.Load() == 2:
			_, _ = io.WriteString(w, `{"created":"x","data":[{"is_image_safe":false},`+
				`{"url":"`+f.srv.URL+`/img/0","is_image_safe":true}]}`)
		default:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid key `+r.Header.Get("Api-Key")+`"}`)
		}
	})
	_, err := f.p.Generate(t.Context(), providers.Request{Model: ModelV3, Prompt: "x", N: 2})
	require.NoError(t, err)
	require.ErrorIs(t, f.p.TestKey(t.Context()), providers.ErrInvalidKey)
	logs := f.logs.String()
	require.Contains(t, logs, "http retry", "the logger saw the traffic")
	require.Contains(t, logs, "Api-Key=[redacted]", "the request headers were logged, redacted")
	assert.NotContains(t, logs, testKey)
}
