package cli

import (
	"bytes"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
	"github.com/dreamlayer/dreamlayer/backend/logs"
	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/studio"
)

func testLayout(t *testing.T) paths.Layout {
	t.Helper()
	home := t.TempDir()
	layout, err := paths.ResolveFrom(func(k string) string {
		if k == paths.HomeEnv {
			return home
		}
		return ""
	}, "linux", home)
	require.NoError(t, err)
	return layout
}

// TestEngineCommand drives `dreamlayer engine` in-process over pipes, as the
// app does over the child's stdin/stdout, through a real generation on a
// tiny fixture checkpoint.
func TestEngineCommand(t *testing.T) {
	layout := testLayout(t)
	model := filepath.Join(t.TempDir(), "tiny-sd1.safetensors")
	require.NoError(t, fixtures.Write(model, "sd1", false, 3))
	outDir := t.TempDir()

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	env := &Env{Stdin: inR, Stdout: outW, Stderr: &stderr, StudioOptions: studio.Options{Layout: &layout}}
	code := make(chan int, 1)
	go func() {
		code <- Run(t.Context(), env, []string{"engine", "--threads", "2"})
		outW.Close()
	}()
	r := worker.NewReader(outR, 0)
	w := worker.NewWriter(inW)

	hello, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, worker.TypeHello, hello.Type)
	assert.Equal(t, worker.ProtocolVersion, hello.Hello.Protocol)
	assert.True(t, hello.Hello.HasDevice("cpu"))
	assert.Positive(t, hello.Hello.RAMBytes)

	seed := int64(11)
	require.NoError(t, w.Send(worker.Message{Type: worker.TypeGenerate, JobID: "j1", Request: &pipeline.Request{
		Model: model, Prompt: "a red cube", Steps: 2, Width: 64, Height: 64, Seed: &seed, OutputDir: outDir}}))
	var steps []int
	var res worker.Message
	for res.Type == "" {
		m, err := r.Next()
		require.NoError(t, err)
		switch m.Type {
		case worker.TypeProgress:
			if m.Progress.Stage == pipeline.StageSample {
				steps = append(steps, m.Progress.Step)
			}
		case worker.TypeResult, worker.TypeError:
			res = m
		}
	}
	require.Equal(t, worker.TypeResult, res.Type, "error: %+v; stderr: %s", res.Error, stderr.String())
	assert.Equal(t, []int{1, 2}, steps)
	require.Len(t, res.Result.Images, 1)
	img := res.Result.Images[0]
	assert.Equal(t, int64(11), img.Seed)
	assert.Equal(t, 64, img.Width)
	assert.Contains(t, img.Parameters, "Seed: 11")
	assert.Equal(t, outDir, filepath.Dir(img.Path))
	f, err := os.Open(img.Path)
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(f)
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, 64, cfg.Width)

	// A model that does not exist is the request's fault.
	require.NoError(t, w.Send(worker.Message{Type: worker.TypeGenerate, JobID: "j2", Request: &pipeline.Request{
		Model: filepath.Join(outDir, "missing.safetensors"), Prompt: "x", Steps: 1, Width: 64, Height: 64, OutputDir: outDir}}))
	for {
		m, err := r.Next()
		require.NoError(t, err)
		if m.Type == worker.TypeError {
			assert.Equal(t, "j2", m.JobID)
			assert.Equal(t, worker.KindBadInput, m.Error.Kind)
			break
		}
	}

	require.NoError(t, w.Send(worker.Message{Type: worker.TypeShutdown}))
	select {
	case c := <-code:
		assert.Equal(t, 0, c, "stderr: %s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("engine did not stop after shutdown")
	}
	log, err := os.ReadFile(filepath.Join(layout.LogsDir, logs.EngineFile))
	require.NoError(t, err)
	assert.Contains(t, string(log), "engine serving")
	assert.Contains(t, stderr.String(), "engine serving", "logs also go to stderr for the app's crash report")
}

func TestEngineCommandUsage(t *testing.T) {
	layout := testLayout(t)
	var out, errOut bytes.Buffer
	env := &Env{Stdin: bytes.NewReader(nil), Stdout: &out, Stderr: &errOut, StudioOptions: studio.Options{Layout: &layout}}
	assert.Equal(t, 2, Run(t.Context(), env, []string{"engine", "extra"}))
	assert.Equal(t, 1, Run(t.Context(), env, []string{"engine", "--device", "abacus"}))
	assert.Contains(t, errOut.String(), "unknown device")
	// End of input before any request: hello, then a clean exit.
	out.Reset()
	assert.Equal(t, 0, Run(t.Context(), env, []string{"engine"}))
	m, err := worker.Decode(bytes.TrimSpace(out.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, worker.TypeHello, m.Type)
}

func TestModelFinder(t *testing.T) {
	layout := testLayout(t)
	root := layout.DefaultModelsRoot
	for _, p := range []string{"Lora/styles/Ink-Wash.safetensors", "Lora/readme.txt", "checkpoints/inkwash.safetensors", "taesd/taesd_decoder.pth"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), nil, 0o644))
	}
	m := modelFinder{layout: layout, ok: true}
	tests := []struct {
		name, want, err string
	}{
		{"ink-wash", filepath.Join(root, "Lora/styles/Ink-Wash.safetensors"), ""},
		{"readme", "", "no loras file named"},
		{"inkwash", "", "no loras file named"}, // a checkpoint is not a LoRA
		{"", "", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.lora(tt.name)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	got, err := m.find(paths.TAESD, "TAESD_decoder")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "taesd/taesd_decoder.pth"), got)
}
