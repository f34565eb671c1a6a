package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/history"
	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/studio"
)

const cloudTestKey = "sk-cli-test-0123456789abcdef"

// openAIStandIn answers POST /v1/images/generations with one base64 PNG and
// a revised prompt, recording the JSON it was sent.
func openAIStandIn(t *testing.T) (*httptest.Server, *[]map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 8, 6))))
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/images/generations" || r.Header.Get("Authorization") != "Bearer "+cloudTestKey {
			http.Error(w, `{"error":{"message":"unexpected request"}}`, http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		got = append(got, m)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"created":1,"data":[{"b64_json":%q,"revised_prompt":"A watercolour lighthouse at dusk"}]}`,
			base64.StdEncoding.EncodeToString(buf.Bytes()))
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestGenerateCloudOpenAIWritesPNGWithMetadata(t *testing.T) {
	h := newHarness(t)
	srv, sent := openAIStandIn(t)
	t.Setenv("DREAMLAYER_OPENAI_BASE_URL", srv.URL+"/v1")
	t.Setenv("OPENAI_API_KEY", cloudTestKey)
	out := filepath.Join(t.TempDir(), "renders")

	// Through the command line as a user types it: --provider routes to the cloud path.
	code, stdout, stderr := h.run("", "generate", "--provider", "openai", "--model", "dall-e-3", "--prompt", "a lighthouse at dusk",
		"--size", "1024x1792", "--option", "quality=hd", "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "revised prompt: A watercolour lighthouse at dusk")

	require.Len(t, *sent, 1)
	assert.Equal(t, map[string]any{"model": "dall-e-3", "prompt": "a lighthouse at dusk", "n": 1.0, "size": "1024x1792",
		"quality": "hd", "response_format": "b64_json"}, (*sent)[0])

	paths := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, paths, 1)
	assert.Equal(t, out, filepath.Dir(paths[0]))
	data, err := os.ReadFile(paths[0])
	require.NoError(t, err)
	info, err := pnginfo.Read(bytes.NewReader(data))
	require.NoError(t, err)
	require.NotNil(t, info.Parameters)
	assert.Equal(t, "a lighthouse at dusk", info.Parameters.Prompt)
	assert.Equal(t, "openai/dall-e-3", info.Parameters.Model)
	prov, _ := info.Parameters.Get("Provider")
	assert.Equal(t, "openai", prov)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(info.Request, &rec))
	assert.Equal(t, "openai", rec["provider"])
	assert.Equal(t, "dall-e-3", rec["model"])
	assert.Equal(t, "a lighthouse at dusk", rec["prompt"])
	assert.Equal(t, "A watercolour lighthouse at dusk", rec["revised_prompt"])
	assert.NotContains(t, string(data), cloudTestKey)

	// The image is in the gallery's history too.
	layout := h.layout()
	db, err := history.Open(layout.DatabasePath)
	require.NoError(t, err)
	defer db.Close()
	recs, total, err := db.ListOutputs(t.Context(), history.Query{Text: "lighthouse"})
	require.NoError(t, err)
	require.Equal(t, 1, total)
	assert.Equal(t, paths[0], recs[0].Path)
	assert.Equal(t, "openai", recs[0].Provider)

	logs, err := os.ReadFile(filepath.Join(layout.LogsDir, "dream_layer.log"))
	require.NoError(t, err)
	assert.NotContains(t, string(logs), cloudTestKey)
}

func TestGenerateCloudErrors(t *testing.T) {
	h := newHarness(t)
	srv, _ := openAIStandIn(t)
	t.Setenv("DREAMLAYER_OPENAI_BASE_URL", srv.URL+"/v1")
	tests := []struct {
		name     string
		provider string
		args     []string
		key      string
		wantCode int
		wantErr  string
	}{
		{"no model", "openai", []string{"--prompt", "x"}, cloudTestKey, 2, "--model is required"},
		{"no prompt", "openai", []string{"--model", "dall-e-3"}, cloudTestKey, 2, "--prompt is required"},
		{"bad option", "openai", []string{"--model", "dall-e-3", "--prompt", "x", "--option", "quality"}, cloudTestKey, 2, "want KEY=VALUE"},
		{"unknown provider", "midjourney", []string{"--model", "v6", "--prompt", "x"}, cloudTestKey, 1, `unknown provider "midjourney"`},
		{"invalid for model", "openai", []string{"--model", "dall-e-3", "--prompt", "x", "--n", "2"}, cloudTestKey, 1, "n: 2 images asked"},
		{"no key", "openai", []string{"--model", "dall-e-3", "--prompt", "x"}, "", 1, "no API key set"},
		{"provider twice", "openai", []string{"--provider", "bfl", "--model", "m", "--prompt", "x"}, cloudTestKey, 2, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OPENAI_API_KEY", tt.key)
			code, _, stderr := h.runCloud(tt.provider, append(tt.args, "--out", t.TempDir())...)
			assert.Equal(t, tt.wantCode, code, stderr)
			assert.Contains(t, stderr, tt.wantErr)
		})
	}
}

// runCloud calls runCloudGenerate with the harness's services and maps its
// error to an exit status as Run does, so the test does not depend on how
// generate routes --provider.
func (h *harness) runCloud(provider string, args ...string) (int, string, string) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		StudioOptions: studio.Options{Layout: h.layout()}, Open: studio.Open}
	err := runCloudGenerate(h.t.Context(), env, provider, args)
	code := 0
	switch {
	case errors.Is(err, errUsage):
		code = 2
	case err != nil:
		code = 1
	}
	if err != nil {
		fmt.Fprintf(&errOut, "dreamlayer generate: %v\n", err)
	}
	return code, out.String(), errOut.String()
}

func (h *harness) layout() *paths.Layout {
	h.t.Helper()
	layout, err := paths.ResolveFrom(func(k string) string {
		if k == "DREAMLAYER_HOME" {
			return h.home
		}
		return ""
	}, "linux", h.home)
	require.NoError(h.t, err)
	return &layout
}
