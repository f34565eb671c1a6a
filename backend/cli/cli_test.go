package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/studio"
)

// harness runs commands against services rooted in a temporary home.
type harness struct {
	t    *testing.T
	home string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	keyring.MockInit()
	home := t.TempDir()
	for _, v := range []string{"OPENAI_API_KEY", "IDEOGRAM_API_KEY", "BFL_API_KEY"} {
		t.Setenv(v, "")
	}
	return &harness{t: t, home: home}
}

func (h *harness) run(stdin string, args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	layout, err := paths.ResolveFrom(func(k string) string {
		if k == "DREAMLAYER_HOME" {
			return h.home
		}
		return ""
	}, "linux", h.home)
	require.NoError(h.t, err)
	var out, errOut bytes.Buffer
	env := &Env{
		Stdin:         strings.NewReader(stdin),
		Stdout:        &out,
		Stderr:        &errOut,
		StudioOptions: studio.Options{Layout: &layout},
	}
	code = Run(h.t.Context(), env, args)
	return code, out.String(), errOut.String()
}

// writeSD1Checkpoint writes a small file with the tensor names and shapes of
// an SD 1.x checkpoint's UNet cross-attention (context width 768).
func writeSD1Checkpoint(t *testing.T, path string) []byte {
	t.Helper()
	const rows, cols = 320, 768
	data := make([]byte, rows*cols*2)
	var buf bytes.Buffer
	require.NoError(t, safetensors.Write(&buf, []safetensors.WriteTensor{
		{Name: "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", DType: safetensors.DType("F16"), Shape: []int64{rows, cols}, Data: data},
		{Name: "model.diffusion_model.input_blocks.0.0.weight", DType: safetensors.DType("F16"), Shape: []int64{320, 4, 3, 3}, Data: make([]byte, 320*4*9*2)},
	}, map[string]string{"modelspec.title": "tiny"}))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return buf.Bytes()
}

func TestVersionPrintsBuild(t *testing.T) {
	h := newHarness(t)
	code, out, _ := h.run("", "version")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "DreamLayer")
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	h := newHarness(t)
	code, _, errOut := h.run("", "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "frobnicate"`)
	assert.True(t, IsCommand([]string{"models"}))
	assert.False(t, IsCommand(nil))
	assert.False(t, IsCommand([]string{"frobnicate"}))
}

func TestModelsInspectReportsFamilyAndHash(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "tiny.safetensors")
	content := writeSD1Checkpoint(t, file)
	sum := sha256.Sum256(content)

	code, out, errOut := h.run("", "models", "inspect", file, "--json")
	require.Equal(t, 0, code, errOut)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "checkpoint", got["kind"])
	assert.Equal(t, "sd1", got["family"])
	assert.Equal(t, hex.EncodeToString(sum[:]), got["sha256"])
	assert.EqualValues(t, 2, got["tensorCount"])

	code, out, _ = h.run("", "models", "inspect", file)
	require.Equal(t, 0, code)
	assert.Regexp(t, `family\s+sd1`, out)
	assert.Contains(t, out, hex.EncodeToString(sum[:])[:10])
}

func TestModelsInspectExplainsUnreadableFiles(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "broken.safetensors")
	require.NoError(t, os.WriteFile(file, []byte("not a model"), 0o644))
	code, out, errOut := h.run("", "models", "inspect", "--json", file)
	if code == 0 {
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		assert.Equal(t, "unreadable", got["status"])
		assert.NotEmpty(t, got["error"])
	} else {
		assert.NotEmpty(t, errOut)
	}
}

func TestModelsListFindsFilesInTheModelsRoot(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(h.home, "models", "checkpoints")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	writeSD1Checkpoint(t, filepath.Join(dir, "tiny.safetensors"))

	code, out, errOut := h.run("", "models", "list", "--json")
	require.Equal(t, 0, code, errOut)
	var models []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &models))
	require.Len(t, models, 1)
	assert.Equal(t, "tiny.safetensors", models[0]["fileName"])
	assert.Equal(t, "sd1", models[0]["family"])

	code, out, _ = h.run("", "models", "list")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "tiny.safetensors")
}

func TestSettingsSetPersistsAndValidates(t *testing.T) {
	h := newHarness(t)
	code, _, errOut := h.run("", "settings", "set", "generation.steps", "42")
	require.Equal(t, 0, code, errOut)
	code, out, _ := h.run("", "settings", "show")
	require.Equal(t, 0, code)
	var shown map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &shown))
	assert.EqualValues(t, 42, shown["generation"].(map[string]any)["steps"])

	code, _, errOut = h.run("", "settings", "set", "generation.steps", "0")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "generation.steps")

	code, _, errOut = h.run("", "settings", "set", "no.such.key", "1")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "no.such.key")
}

func TestKeysSetReadsStdinAndNeverPrintsTheKey(t *testing.T) {
	h := newHarness(t)
	const key = "sk-test-0123456789abcdef"
	code, out, errOut := h.run(key+"\n", "keys", "set", "openai")
	require.Equal(t, 0, code, errOut)
	assert.NotContains(t, out+errOut, key)
	assert.Contains(t, out, "cdef")

	code, out, _ = h.run("", "keys", "status")
	require.Equal(t, 0, code)
	assert.Regexp(t, `openai\s+set \(…cdef\)`, out)
	assert.Regexp(t, `ideogram\s+not set`, out)
	assert.NotContains(t, out, key)

	code, _, _ = h.run("", "keys", "delete", "openai")
	require.Equal(t, 0, code)
	_, out, _ = h.run("", "keys", "status")
	assert.Regexp(t, `openai\s+not set`, out)

	code, _, errOut = h.run("", "keys", "set", "nosuch")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "nosuch")
}

func TestKeysSetRefusesAnEmptyKey(t *testing.T) {
	h := newHarness(t)
	code, _, errOut := h.run("", "keys", "set", "bfl")
	assert.Equal(t, 1, code)
	assert.NotEmpty(t, errOut)
}
