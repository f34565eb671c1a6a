package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote/comfytest"
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

func TestWorkflowRunOnComfyUIServers(t *testing.T) {
	h := newHarness(t)
	a := comfytest.New(t, comfytest.Options{Steps: 3})
	out := t.TempDir()
	code, stdout, stderr := h.run("", "workflow", "run", txt2imgTemplate, "--set", "prompt.text=a red fox",
		"--server", a.URL, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "server "+a.URL)
	assert.Contains(t, stderr, "node 3 (KSampler) step 3/3")
	assert.Less(t, strings.Index(stderr, "step 1/3"), strings.Index(stderr, "step 3/3"))
	paths := strings.Fields(stdout)
	require.Len(t, paths, 1)
	assert.Equal(t, out, filepath.Dir(paths[0]))
	data, err := os.ReadFile(paths[0])
	require.NoError(t, err)
	assert.Equal(t, comfytest.Image(), data, "the PNG as the server sent it")

	// The same again does not overwrite the first file.
	code, stdout2, stderr := h.run("", "workflow", "run", txt2imgTemplate, "--server", a.URL, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.NotEqual(t, stdout, stdout2)
	assert.FileExists(t, strings.TrimSpace(stdout2))
}

func TestWorkflowRunFailsOverToAnotherServer(t *testing.T) {
	h := newHarness(t)
	a := comfytest.New(t, comfytest.Options{Steps: 4, OnStep: func(s *comfytest.Server, _ string, step int) {
		if step == 2 {
			s.Down()
		}
	}})
	b := comfytest.New(t, comfytest.Options{Steps: 4})
	out := t.TempDir()
	code, stdout, stderr := h.run("", "workflow", "run", txt2imgTemplate, "--server", a.URL, "--server", b.URL, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "server "+b.URL)
	assert.Len(t, a.Submitted(), 1, "a took the job first")
	assert.Len(t, b.Submitted(), 1)
	assert.FileExists(t, strings.TrimSpace(stdout))
}

func TestWorkflowRunRemoteErrors(t *testing.T) {
	h := newHarness(t)
	a := comfytest.New(t, comfytest.Options{})
	b := comfytest.New(t, comfytest.Options{})

	bad := filepath.Join(t.TempDir(), "bad.json")
	g, err := os.ReadFile(txt2imgTemplate)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(string(g), `"steps": 20,`, "", 1)), 0o644))
	code, _, stderr := h.run("", "workflow", "run", bad, "--server", a.URL)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "node 3 (KSampler)")
	assert.Contains(t, stderr, "steps")

	a.Down()
	b.Down()
	code, _, stderr = h.run("", "workflow", "run", txt2imgTemplate, "--server", a.URL, "--server", b.URL, "--out", t.TempDir())
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no comfyui server is up")
	assert.Contains(t, stderr, a.URL)
	assert.Contains(t, stderr, b.URL)

	code, _, stderr = h.run("", "workflow", "run", txt2imgTemplate, "--server", "gpu-box:8188")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--server")
}
