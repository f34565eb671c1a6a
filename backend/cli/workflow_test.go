package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

const txt2imgTemplate = "../../workflows/txt2img/txt2img.json"

func TestWorkflowValidate(t *testing.T) {
	h := newHarness(t)
	code, out, stderr := h.run("", "workflow", "validate", txt2imgTemplate)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "ok: 7 nodes")

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"1": {"class_type": "NoSuchNode", "inputs": {}}}`), 0o644))
	code, _, stderr = h.run("", "workflow", "validate", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "NoSuchNode")
}

func TestWorkflowRunsATemplateWithBoundInputs(t *testing.T) {
	h := newHarness(t)
	models := filepath.Join(h.home, "models", "checkpoints")
	require.NoError(t, os.MkdirAll(models, 0o755))
	tinyModel(t, models) // tiny-sd1.safetensors
	out := t.TempDir()
	code, stdout, stderr := h.run("", "workflow", "run", txt2imgTemplate,
		"--set", "model.ckpt_name=tiny-sd1.safetensors", "--set", "prompt.text=a red fox",
		"--set", "size.width=64", "--set", "size.height=64", "--set", "sampler.steps=2", "--set", "3.seed=11",
		"--out", out, "--threads", "1")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "step 2/2")
	path := strings.TrimSpace(stdout)
	require.FileExists(t, path)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	info, err := pnginfo.Read(f)
	require.NoError(t, err)
	assert.Equal(t, "comfyui", info.Source)
	assert.Contains(t, string(info.ComfyPrompt), "a red fox", "the graph, with the bound values, rides in the PNG")

	code, _, stderr = h.run("", "workflow", "run", txt2imgTemplate, "--set", "nodot=1")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "NODE.INPUT=VALUE")
}
