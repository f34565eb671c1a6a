package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

// newTestExecutor writes a tiny SD1 checkpoint named tiny.safetensors and
// returns an executor that finds it, with an output folder.
func newTestExecutor(t *testing.T) (*Executor, string) {
	t.Helper()
	models := t.TempDir()
	require.NoError(t, fixtures.Write(filepath.Join(models, "tiny.safetensors"), "sd1", false, 7))
	dev := cpu.New(2)
	t.Cleanup(func() { dev.Close() })
	out := t.TempDir()
	return NewExecutor(CoreRegistry(), Options{Device: dev, Checkpoints: []string{models}, OutputDir: out}), out
}

func TestRunDefaultGraph(t *testing.T) {
	ex, out := newTestExecutor(t)
	g, err := Load([]byte(defaultGraph))
	require.NoError(t, err)
	var steps, nodes int
	res, err := ex.Run(t.Context(), g, func(p Progress) {
		if p.Steps > 0 {
			steps++
		} else {
			nodes++
		}
	})
	require.NoError(t, err)
	assert.Equal(t, 2, steps, "one report per sampler step")
	assert.Equal(t, 7, nodes)
	require.Len(t, res.Images, 1)
	path := res.Images[0].Path
	assert.Equal(t, filepath.Join(out, "ComfyUI_00001_.png"), path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, 64, img.Bounds().Dx())
	chunks, err := pnginfo.ReadTextChunks(bytes.NewReader(data))
	require.NoError(t, err)
	var prompt string
	for _, c := range chunks {
		if c.Keyword == "prompt" {
			prompt = c.Text
		}
	}
	embedded, err := Load([]byte(prompt))
	require.NoError(t, err)
	assert.Equal(t, g, embedded)

	// A second identical run re-runs only SaveImage and writes a new file.
	res2, err := ex.Run(t.Context(), g, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"9"}, res2.Executed)
	require.Len(t, res2.Images, 1)
	assert.Equal(t, filepath.Join(out, "ComfyUI_00002_.png"), res2.Images[0].Path)
	assert.Equal(t, data, res2.Images[0].PNG, "cached outputs give the same image")

	// Changing only the seed re-runs the sampler and what follows.
	g2 := g.Clone()
	g2.Nodes["3"].Inputs["seed"] = json.Number("43")
	res3, err := ex.Run(t.Context(), g2, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"3", "8", "9"}, res3.Executed)
	assert.NotEqual(t, data, res3.Images[0].PNG)
}

func TestRunCancelled(t *testing.T) {
	ex, _ := newTestExecutor(t)
	g, err := Load([]byte(strings.Replace(defaultGraph, `"steps": 2`, `"steps": 50`, 1)))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	var sawStep int
	_, err = ex.Run(ctx, g, func(p Progress) {
		if p.Step == 1 {
			cancel()
		}
		sawStep = max(sawStep, p.Step)
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, sawStep, 50)
}

func TestRunMissingCheckpoint(t *testing.T) {
	ex, _ := newTestExecutor(t)
	g, err := Load([]byte(strings.Replace(defaultGraph, "tiny.safetensors", "nope.safetensors", 1)))
	require.NoError(t, err)
	_, err = ex.Run(t.Context(), g, nil)
	var ne *NodeError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, "4", ne.ID)
	assert.Contains(t, err.Error(), "nope.safetensors")
}
