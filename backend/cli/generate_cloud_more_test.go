package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

// resultImage is the PNG the stand-ins hand out at /result.png.
func resultImage(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 8, 8))))
	return buf.Bytes()
}

// checkCloudPNG reads the single written file and checks its metadata.
func checkCloudPNG(t *testing.T, stdout, provider, model, prompt string) {
	t.Helper()
	paths := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, paths, 1)
	data, err := os.ReadFile(paths[0])
	require.NoError(t, err)
	info, err := pnginfo.Read(bytes.NewReader(data))
	require.NoError(t, err)
	require.NotNil(t, info.Parameters)
	assert.Equal(t, prompt, info.Parameters.Prompt)
	assert.Equal(t, provider+"/"+model, info.Parameters.Model)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(info.Request, &rec))
	assert.Equal(t, provider, rec["provider"])
	assert.Equal(t, model, rec["model"])
	assert.NotContains(t, string(data), cloudTestKey)
}

func TestGenerateCloudIdeogramThroughTheCommandLine(t *testing.T) {
	h := newHarness(t)
	img := resultImage(t)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/ideogram-v3/generate" && r.Header.Get("Api-Key") == cloudTestKey:
			if err := r.ParseMultipartForm(1 << 20); err != nil || r.FormValue("prompt") != "a neon sign" {
				http.Error(w, `{"error":"bad form"}`, http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"created":"2025-01-01","data":[{"url":%q,"prompt":"a neon sign","resolution":"1024x1024","is_image_safe":true,"seed":5}]}`, srv.URL+"/result.png")
		case r.Method == http.MethodGet && r.URL.Path == "/result.png" && r.Header.Get("Api-Key") == "":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(img)
		default:
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	t.Setenv("DREAMLAYER_IDEOGRAM_BASE_URL", srv.URL)
	t.Setenv("IDEOGRAM_API_KEY", cloudTestKey)

	code, stdout, stderr := h.run("", "generate", "--provider", "ideogram", "--model", "ideogram-v3",
		"--prompt", "a neon sign", "--out", t.TempDir())
	require.Equal(t, 0, code, stderr)
	checkCloudPNG(t, stdout, "ideogram", "ideogram-v3", "a neon sign")
}

func TestGenerateCloudBFLThroughTheCommandLine(t *testing.T) {
	h := newHarness(t)
	img := resultImage(t)
	var polls atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/flux-pro-1.1" && r.Header.Get("x-key") == cloudTestKey:
			fmt.Fprintf(w, `{"id":"task-1","polling_url":%q}`, srv.URL+"/v1/get_result?id=task-1")
		case r.Method == http.MethodGet && r.URL.Path == "/v1/get_result" && r.Header.Get("x-key") == cloudTestKey:
			if polls.Add(1) == 1 {
				fmt.Fprint(w, `{"id":"task-1","status":"Pending"}`)
				return
			}
			fmt.Fprintf(w, `{"id":"task-1","status":"Ready","result":{"sample":%q}}`, srv.URL+"/result.png")
		case r.Method == http.MethodGet && r.URL.Path == "/result.png" && r.Header.Get("x-key") == "":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(img)
		default:
			http.Error(w, `{"detail":"unexpected request"}`, http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	t.Setenv("DREAMLAYER_BFL_BASE_URL", srv.URL)
	t.Setenv("BFL_API_KEY", cloudTestKey)

	code, stdout, stderr := h.run("", "generate", "--provider", "bfl", "--model", "flux-pro-1.1",
		"--prompt", "a glass teapot", "--out", t.TempDir())
	require.Equal(t, 0, code, stderr)
	assert.GreaterOrEqual(t, polls.Load(), int32(2), "Pending is polled until Ready")
	checkCloudPNG(t, stdout, "bfl", "flux-pro-1.1", "a glass teapot")
}
