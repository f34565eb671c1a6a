package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
)

func i64(v int64) *int64 { return &v }

func TestGenerateSendsExactRequest(t *testing.T) {
	tests := []struct {
		name     string
		req      providers.Request
		wantJSON map[string]any
		revised  string
		nImages  int
	}{
		{
			name: "dall-e-3 hd natural",
			req: providers.Request{Model: DallE3, Prompt: "a lighthouse at dusk", Size: "1792x1024",
				Options: map[string]string{"quality": "hd", "style": "natural"}},
			wantJSON: map[string]any{"model": "dall-e-3", "prompt": "a lighthouse at dusk", "n": 1.0, "size": "1792x1024",
				"quality": "hd", "style": "natural", "response_format": "b64_json"},
			revised: "A tall lighthouse at dusk, painted in warm tones", nImages: 1,
		},
		{
			name:     "dall-e-2 three images",
			req:      providers.Request{Model: DallE2, Prompt: "a cat", Size: "512x512", N: 3},
			wantJSON: map[string]any{"model": "dall-e-2", "prompt": "a cat", "n": 3.0, "size": "512x512", "response_format": "b64_json"},
			nImages:  3,
		},
		{
			name: "gpt-image-1 never sends response_format",
			req: providers.Request{Model: GPTImage1, Prompt: "a logo", Size: "1536x1024", N: 2,
				Options: map[string]string{"quality": "high", "background": "transparent", "output_format": "webp", "output_compression": "80", "moderation": "low"}},
			wantJSON: map[string]any{"model": "gpt-image-1", "prompt": "a logo", "n": 2.0, "size": "1536x1024",
				"quality": "high", "background": "transparent", "output_format": "webp", "output_compression": 80.0, "moderation": "low"},
			nImages: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
				var data []string
				for i := range tt.nImages {
					item := fmt.Sprintf(`{"b64_json":%q`, b64(tinyPNG(t, 4, 3, uint8(i))))
					if tt.revised != "" {
						item += fmt.Sprintf(`,"revised_prompt":%q`, tt.revised)
					}
					data = append(data, item+"}")
				}
				writeJSON(w, 200, `{"created":1,"data":[`+strings.Join(data, ",")+`]}`)
			})
			rg := newRig(t, s, testKey)
			imgs, err := rg.p.Generate(t.Context(), tt.req)
			require.NoError(t, err)

			reqs := s.requests()
			require.Len(t, reqs, 1)
			got := reqs[0]
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, "/v1/images/generations", got.Path)
			assert.Equal(t, "Bearer "+testKey, got.Header.Get("Authorization"))
			assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
			var body map[string]any
			require.NoError(t, json.Unmarshal(got.Body, &body))
			assert.Equal(t, tt.wantJSON, body)

			require.Len(t, imgs, tt.nImages)
			for i, img := range imgs {
				assert.Equal(t, tinyPNG(t, 4, 3, uint8(i)), img.Data)
				assert.Equal(t, "image/png", img.MIME)
				assert.Equal(t, tt.revised, img.RevisedPrompt)
			}
		})
	}
}

// parseForm reads a multipart body: text fields, and file parts by field
// name with their bytes and Content-Type.
func parseForm(t *testing.T, r seen) (map[string][]string, map[string][][]byte, map[string][]string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mt)
	mr := multipart.NewReader(strings.NewReader(string(r.Body)), params["boundary"])
	form, err := mr.ReadForm(32 << 20)
	require.NoError(t, err)
	files := map[string][][]byte{}
	types := map[string][]string{}
	for name, fhs := range form.File {
		for _, fh := range fhs {
			f, err := fh.Open()
			require.NoError(t, err)
			b := make([]byte, fh.Size)
			_, err = f.Read(b)
			require.NoError(t, err)
			files[name] = append(files[name], b)
			types[name] = append(types[name], fh.Header.Get("Content-Type"))
		}
	}
	return form.Value, files, types
}

func TestGPTImageEditIsMultipartWithImageArray(t *testing.T) {
	a, b, mask := tinyPNG(t, 4, 4, 1), tinyPNG(t, 4, 4, 2), tinyPNG(t, 4, 4, 3)
	out := tinyPNG(t, 4, 4, 9)
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fmt.Sprintf(`{"data":[{"b64_json":%q}]}`, b64(out)))
	})
	rg := newRig(t, s, testKey)
	imgs, err := rg.p.Generate(t.Context(), providers.Request{
		Model: GPTImage1, Prompt: "put them together", Size: "1024x1024", InitImages: [][]byte{a, b}, Mask: mask,
		Options: map[string]string{"quality": "medium", "background": "opaque"},
	})
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	assert.Equal(t, out, imgs[0].Data)

	reqs := s.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, "/v1/images/edits", reqs[0].Path)
	assert.Equal(t, "Bearer "+testKey, reqs[0].Header.Get("Authorization"))
	fields, files, types := parseForm(t, reqs[0])
	assert.Equal(t, map[string][]string{
		"model": {"gpt-image-1"}, "prompt": {"put them together"}, "n": {"1"}, "size": {"1024x1024"},
		"quality": {"medium"}, "background": {"opaque"},
	}, fields, "no response_format field")
	assert.Equal(t, [][]byte{a, b}, files["image[]"])
	assert.Equal(t, []string{"image/png", "image/png"}, types["image[]"])
	assert.Equal(t, [][]byte{mask}, files["mask"])
	assert.NotContains(t, files, "image")
}

func TestDallE2EditSendsImageAndMask(t *testing.T) {
	img, mask := tinyPNG(t, 8, 8, 1), tinyPNG(t, 8, 8, 2)
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fmt.Sprintf(`{"data":[{"b64_json":%q},{"b64_json":%q}]}`, b64(img), b64(mask)))
	})
	rg := newRig(t, s, testKey)
	imgs, err := rg.p.Generate(t.Context(), providers.Request{
		Model: DallE2, Prompt: "add a hat", N: 2, InitImages: [][]byte{img}, Mask: mask,
	})
	require.NoError(t, err)
	assert.Len(t, imgs, 2)
	reqs := s.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/images/edits", reqs[0].Path)
	assert.Equal(t, "Bearer "+testKey, reqs[0].Header.Get("Authorization"))
	fields, files, _ := parseForm(t, reqs[0])
	assert.Equal(t, []string{"dall-e-2"}, fields["model"])
	assert.Equal(t, []string{"2"}, fields["n"])
	assert.Equal(t, []string{"1024x1024"}, fields["size"], "go-openai always sends size; the API default is filled in")
	assert.Equal(t, []string{"b64_json"}, fields["response_format"])
	assert.Equal(t, [][]byte{img}, files["image"])
	assert.Equal(t, [][]byte{mask}, files["mask"])
}

func TestErrorAnswers(t *testing.T) {
	moderated := `{"error":{"code":"content_policy_violation","message":"Your request was rejected as a result of our safety system.","type":"invalid_request_error"}}`
	blocked := `{"error":{"code":"moderation_blocked","message":"Your request was rejected by the safety system.","type":"image_generation_user_error"}}`
	badKey := `{"error":{"code":"invalid_api_key","message":"Incorrect API key provided: ` + testKey + `. You can find your API key at https://platform.openai.com.","type":"invalid_request_error"}}`
	tests := []struct {
		name     string
		req      providers.Request
		status   int
		body     string
		wantKind error
		wantMsg  string
	}{
		{"dall-e-3 moderation", providers.Request{Model: DallE3, Prompt: "x"}, 400, moderated, providers.ErrModerated, "rejected as a result of our safety system"},
		{"gpt-image-1 moderation", providers.Request{Model: GPTImage1, Prompt: "x"}, 400, blocked, providers.ErrModerated, "rejected by the safety system"},
		{"gpt-image-1 edit moderation", providers.Request{Model: GPTImage1, Prompt: "x", InitImages: [][]byte{[]byte("\x89PNG\r\n\x1a\n....")}}, 400, blocked, providers.ErrModerated, "rejected by the safety system"},
		{"invalid key", providers.Request{Model: DallE3, Prompt: "x"}, 401, badKey, providers.ErrInvalidKey, "Incorrect API key provided: [redacted]"},
		{"invalid key on edit path", providers.Request{Model: GPTImage1, Prompt: "x", InitImages: [][]byte{[]byte("\x89PNG\r\n\x1a\n....")}}, 401, badKey, providers.ErrInvalidKey, "[redacted]"},
		{"validation", providers.Request{Model: DallE3, Prompt: "x"}, 400, `{"error":{"code":"invalid_size","message":"bad size","type":"invalid_request_error"}}`, providers.ErrInvalidRequest, "bad size"},
		{"malformed JSON", providers.Request{Model: DallE3, Prompt: "x"}, 200, `{"data":[{"b64_json":`, providers.ErrUnavailable, "malformed"},
		{"malformed JSON on edit path", providers.Request{Model: GPTImage1, Prompt: "x", InitImages: [][]byte{[]byte("\x89PNG\r\n\x1a\n....")}}, 200, `{"data":`, providers.ErrUnavailable, "malformed"},
		{"not JSON error body", providers.Request{Model: DallE3, Prompt: "x"}, 400, `<html>bad gateway</html>`, providers.ErrInvalidRequest, "bad gateway"},
		{"bad base64", providers.Request{Model: DallE3, Prompt: "x"}, 200, `{"data":[{"b64_json":"!!!"}]}`, providers.ErrUnavailable, "malformed base64"},
		{"not an image", providers.Request{Model: DallE3, Prompt: "x"}, 200, `{"data":[{"b64_json":"aGVsbG8="}]}`, providers.ErrUnavailable, "not a PNG"},
		{"empty data", providers.Request{Model: DallE3, Prompt: "x"}, 200, `{"data":[]}`, providers.ErrUnavailable, "no images"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.body) })
			rg := newRig(t, s, testKey)
			_, err := rg.p.Generate(t.Context(), tt.req)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantKind)
			assert.ErrorContains(t, err, tt.wantMsg)
			assert.NotContains(t, err.Error(), testKey)
			assert.NotContains(t, rg.logs.String(), testKey)
			if tt.wantKind == providers.ErrModerated {
				var me *providers.ModeratedError
				require.ErrorAs(t, err, &me)
				assert.Equal(t, "openai", me.Provider)
			}
			assert.Len(t, s.requests(), 1, "errors other than 429/5xx are not retried")
		})
	}
}

func TestRetryAfterAndServerErrors(t *testing.T) {
	for _, path := range []string{"generations", "edits"} {
		t.Run(path, func(t *testing.T) {
			var n atomic.Int32
			out := tinyPNG(t, 2, 2, 5)
			s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
				switch n.Add(1) {
				case 1:
					w.Header().Set("Retry-After", "3")
					writeJSON(w, 429, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`)
				case 2:
					writeJSON(w, 500, `{"error":{"message":"The server had an error","type":"server_error"}}`)
				default:
					writeJSON(w, 200, fmt.Sprintf(`{"data":[{"b64_json":%q}]}`, b64(out)))
				}
			})
			rg := newRig(t, s, testKey)
			req := providers.Request{Model: GPTImage1, Prompt: "x"}
			if path == "edits" {
				req.InitImages = [][]byte{tinyPNG(t, 2, 2, 1)}
			}
			imgs, err := rg.p.Generate(t.Context(), req)
			require.NoError(t, err)
			assert.Equal(t, out, imgs[0].Data)
			reqs := s.requests()
			require.Len(t, reqs, 3)
			for _, r := range reqs {
				assert.Equal(t, "/v1/images/"+path, r.Path)
				assert.Equal(t, reqs[0].Body, r.Body, "each retry sends the same body")
			}
			require.Len(t, rg.sleeps, 2)
			assert.Equal(t, 3*time.Second, rg.sleeps[0], "Retry-After is honoured")
			assert.LessOrEqual(t, rg.sleeps[1], time.Second, "then full-jitter backoff (second retry ≤ 2×500ms)")
		})
	}
}

func TestPersistent429IsUnavailable(t *testing.T) {
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 429, `{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}`)
	})
	rg := newRig(t, s, testKey)
	_, err := rg.p.Generate(t.Context(), providers.Request{Model: DallE2, Prompt: "x"})
	assert.ErrorIs(t, err, providers.ErrUnavailable)
	assert.Len(t, s.requests(), httpx.DefaultMaxRetries+1)
}

func TestSlowResponseIsCancelled(t *testing.T) {
	for _, edit := range []bool{false, true} {
		t.Run(fmt.Sprint("edit=", edit), func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
				arrived <- struct{}{}
				select {
				case <-r.Context().Done():
				case <-time.After(30 * time.Second):
				}
			})
			rg := newRig(t, s, testKey)
			ctx, cancel := context.WithCancel(t.Context())
			req := providers.Request{Model: GPTImage1, Prompt: "x"}
			if edit {
				req.InitImages = [][]byte{tinyPNG(t, 2, 2, 1)}
			}
			done := make(chan error, 1)
			go func() { _, err := rg.p.Generate(ctx, req); done <- err }()
			<-arrived
			cancel()
			select {
			case err := <-done:
				assert.ErrorIs(t, err, context.Canceled)
				assert.Empty(t, rg.sleeps, "no retry after a cancel")
			case <-time.After(10 * time.Second):
				t.Fatal("Generate did not return after cancel")
			}
		})
	}
}

func TestURLResultsAreDownloadedAndExpiryReported(t *testing.T) {
	out := tinyPNG(t, 3, 3, 4)
	var s *standIn
	s = newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/images/generations":
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			name := "ok.png"
			if body["prompt"] == "late" {
				name = "expired.png"
			}
			writeJSON(w, 200, fmt.Sprintf(`{"data":[{"url":"%s/files/%s"}]}`, s.srv.URL, name))
		case "/files/ok.png":
			assert.Empty(t, r.Header.Get("Authorization"), "the key never goes to result URLs")
			_, _ = w.Write(out)
		default:
			w.WriteHeader(http.StatusForbidden)
		}
	})
	rg := newRig(t, s, testKey)
	imgs, err := rg.p.Generate(t.Context(), providers.Request{Model: DallE2, Prompt: "on time"})
	require.NoError(t, err)
	assert.Equal(t, out, imgs[0].Data)

	_, err = rg.p.Generate(t.Context(), providers.Request{Model: DallE2, Prompt: "late"})
	assert.ErrorIs(t, err, providers.ErrUnavailable)
	assert.ErrorIs(t, err, httpx.ErrExpired)
	assert.ErrorContains(t, err, "result URL expired")
}

func TestInvalidRequestsNeverReachTheAPI(t *testing.T) {
	png := tinyPNG(t, 2, 2, 1)
	tests := []struct {
		name  string
		req   providers.Request
		field string
	}{
		{"dall-e-3 one image only", providers.Request{Model: DallE3, Prompt: "x", N: 2}, "n:"},
		{"dall-e-2 at most 10", providers.Request{Model: DallE2, Prompt: "x", N: 11}, "n:"},
		{"dall-e-3 size", providers.Request{Model: DallE3, Prompt: "x", Size: "512x512"}, "size:"},
		{"dall-e-3 no edits", providers.Request{Model: DallE3, Prompt: "x", InitImages: [][]byte{png}}, "initImages:"},
		{"dall-e-2 one input", providers.Request{Model: DallE2, Prompt: "x", InitImages: [][]byte{png, png}}, "initImages:"},
		{"unknown model", providers.Request{Model: "dall-e-4", Prompt: "x"}, "model:"},
		{"empty prompt", providers.Request{Model: DallE2, Prompt: " "}, "prompt:"},
		{"bad quality", providers.Request{Model: DallE3, Prompt: "x", Options: map[string]string{"quality": "high"}}, "options.quality:"},
		{"unknown option", providers.Request{Model: DallE3, Prompt: "x", Options: map[string]string{"background": "opaque"}}, "options.background:"},
		{"transparent jpeg", providers.Request{Model: GPTImage1, Prompt: "x", Options: map[string]string{"background": "transparent", "output_format": "jpeg"}}, "options.background:"},
		{"no seed", providers.Request{Model: GPTImage1, Prompt: "x", Seed: i64(1)}, "seed:"},
		{"no negative", providers.Request{Model: GPTImage1, Prompt: "x", NegativePrompt: "blur"}, "negativePrompt:"},
		{"aspect ratio", providers.Request{Model: GPTImage1, Prompt: "x", AspectRatio: "16:9"}, "aspectRatio:"},
		{"mask without image", providers.Request{Model: GPTImage1, Prompt: "x", Mask: png}, "mask:"},
	}
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request reached the API") })
	rg := newRig(t, s, testKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rg.p.Generate(t.Context(), tt.req)
			assert.ErrorIs(t, err, providers.ErrInvalidRequest)
			assert.ErrorContains(t, err, tt.field)
		})
	}
}

func TestNoKey(t *testing.T) {
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request sent without a key") })
	rg := newRig(t, s, "")
	_, err := rg.p.Generate(t.Context(), providers.Request{Model: DallE3, Prompt: "x"})
	assert.ErrorIs(t, err, providers.ErrNoKey)
	assert.ErrorContains(t, err, "OPENAI_API_KEY")
	assert.ErrorIs(t, rg.p.TestKey(t.Context()), providers.ErrNoKey)
}

func TestTestKey(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"valid", 200, `{"object":"list","data":[{"id":"gpt-image-1","object":"model"}]}`, nil},
		{"invalid", 401, `{"error":{"code":"invalid_api_key","message":"Incorrect API key provided: ` + testKey + `"}}`, providers.ErrInvalidKey},
		{"down", 503, `{"error":{"message":"overloaded"}}`, providers.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.body) })
			rg := newRig(t, s, testKey)
			err := rg.p.TestKey(t.Context())
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
				assert.NotContains(t, err.Error(), testKey)
			}
			reqs := s.requests()
			require.NotEmpty(t, reqs)
			assert.Equal(t, http.MethodGet, reqs[0].Method)
			assert.Equal(t, "/v1/models", reqs[0].Path)
			assert.Equal(t, "Bearer "+testKey, reqs[0].Header.Get("Authorization"))
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {})
		rg := newRig(t, s, testKey)
		s.srv.Close()
		assert.ErrorIs(t, rg.p.TestKey(t.Context()), providers.ErrUnavailable)
	})
}

// TestKeyNeverLogged runs every path (success, retry, errors, edits) with
// debug logging and scans everything logged for the key.
func TestKeyNeverLogged(t *testing.T) {
	var n atomic.Int32
	out := tinyPNG(t, 2, 2, 1)
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 4 {
		case 1:
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 429, `{"error":{"message":"slow down"}}`)
		case 2:
			writeJSON(w, 401, `{"error":{"code":"invalid_api_key","message":"Incorrect API key provided: `+testKey+`"}}`)
		default:
			writeJSON(w, 200, fmt.Sprintf(`{"data":[{"b64_json":%q}]}`, b64(out)))
		}
	})
	rg := newRig(t, s, testKey)
	for range 3 {
		_, _ = rg.p.Generate(t.Context(), providers.Request{Model: DallE2, Prompt: "x"})
		_, _ = rg.p.Generate(t.Context(), providers.Request{Model: GPTImage1, Prompt: "x", InitImages: [][]byte{out}})
		_ = rg.p.TestKey(t.Context())
	}
	logs := rg.logs.String()
	require.Contains(t, logs, "level=DEBUG", "debug logging was on")
	require.Contains(t, logs, "http retry")
	assert.NotContains(t, logs, testKey)
	assert.NotContains(t, logs, testKey[len(testKey)-12:])
}

func TestBaseURLFromEnvironmentWins(t *testing.T) {
	p, err := New(providers.Config{
		BaseURLs: map[string]string{"openai": "https://settings.example/v1"},
		Getenv: func(k string) string {
			if k == "DREAMLAYER_OPENAI_BASE_URL" {
				return "http://127.0.0.1:1/v1/"
			}
			return ""
		},
	})
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:1/v1", p.(*Provider).baseURL)

	_, err = New(providers.Config{Getenv: func(string) string { return "ftp://nope" }})
	assert.ErrorContains(t, err, "DREAMLAYER_OPENAI_BASE_URL")

	p, err = New(providers.Config{Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, p.(*Provider).baseURL)
}
