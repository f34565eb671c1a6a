package localengine

import (
	"context"
	"encoding/base64"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

func TestEngineRequest(t *testing.T) {
	seed := int64(9)
	cfg := 4.5
	tests := []struct {
		name string
		in   jobs.Request
		want pipeline.Request
		err  string
	}{
		{
			name: "fields by JSON name; the job's own fields win",
			in: jobs.Request{Provider: "local", Model: "/models/a.safetensors", Mode: "txt2img", Prompt: "a cat", NegativePrompt: "blurry",
				Params: map[string]any{"steps": 2, "cfg_scale": 4.5, "seed": 9, "width": 64, "height": 64, "sampler": "DPM++ 2M",
					"prompt": "ignored", "output_dir": "/elsewhere", "loras": []any{map[string]any{"name": "ink", "weight": 0.8}}}},
			want: pipeline.Request{Model: "/models/a.safetensors", Mode: "txt2img", Prompt: "a cat", NegativePrompt: "blurry",
				Steps: 2, CFGScale: &cfg, Seed: &seed, Width: 64, Height: 64, Sampler: "DPM++ 2M", Loras: []pipeline.Lora{{Name: "ink", Weight: 0.8}}},
		},
		{name: "no params", in: jobs.Request{Model: "m", Prompt: "p"}, want: pipeline.Request{Model: "m", Prompt: "p"}},
		{name: "unknown param", in: jobs.Request{Model: "m", Params: map[string]any{"stepz": 2}}, err: `unknown field "stepz"`},
		{name: "mistyped param", in: jobs.Request{Model: "m", Params: map[string]any{"steps": "many"}}, err: "steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EngineRequest(tt.in)
			if tt.err != "" {
				require.ErrorIs(t, err, pipeline.ErrInvalidRequest)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// scriptedWorker replays progress and a result, recording the request.
type scriptedWorker struct {
	got      pipeline.Request
	jobID    string
	progress []worker.Progress
	result   worker.Result
	err      error
}

func (w *scriptedWorker) Generate(_ context.Context, jobID string, req pipeline.Request, progress func(worker.Progress)) (worker.Result, error) {
	w.got, w.jobID = req, jobID
	for _, p := range w.progress {
		progress(p)
	}
	return w.result, w.err
}
func (w *scriptedWorker) Unload(context.Context) error { return nil }
func (w *scriptedWorker) Close() error                 { return nil }

func TestProviderRun(t *testing.T) {
	w := &scriptedWorker{
		progress: []worker.Progress{
			{Stage: pipeline.StageLoad},
			{Stage: pipeline.StageSample, Batch: 1, Step: 2, Total: 20, PreviewPNG: []byte{0x89, 'P', 'N', 'G'}},
		},
		result: worker.Result{Seed: 3, Steps: 20, Timings: pipeline.Timings{TotalS: 2},
			Images: []worker.Image{{Path: "/out/3.png", Width: 512, Height: 768, Seed: 3, Subseed: 8, Parameters: "a cat\nSteps: 20"}}},
	}
	p := NewProvider(w, ProviderOptions{OutputDir: func() string { return "/out" }})
	assert.Equal(t, "local", p.Name())
	assert.Equal(t, 1, p.Concurrency())
	var reports []jobs.Progress
	outs, err := p.Run(t.Context(), jobs.Job{ID: "job-1", Request: jobs.Request{Model: "m", Prompt: "a cat",
		Params: map[string]any{"batch_count": 2}}}, func(jp jobs.Progress) { reports = append(reports, jp) })
	require.NoError(t, err)
	assert.Equal(t, "job-1", w.jobID, "the queue's id is the worker's job id")
	assert.Equal(t, "/out", w.got.OutputDir)
	assert.Equal(t, []jobs.Progress{
		{Message: "Loading model (batch 1 of 2)"},
		{Step: 2, Total: 20, Message: "Sampling (batch 2 of 2)", Preview: "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'})},
	}, reports)
	require.Len(t, outs, 1)
	assert.Equal(t, jobs.Output{Path: "/out/3.png", Width: 512, Height: 768, Seed: 3, Metadata: map[string]any{
		"parameters": "a cat\nSteps: 20", "steps": 20, "subseed": int64(8), "timings": pipeline.Timings{TotalS: 2}}}, outs[0])

	_, err = p.Run(t.Context(), jobs.Job{ID: "bad", Request: jobs.Request{Params: map[string]any{"nope": 1}}}, func(jobs.Progress) {})
	require.ErrorIs(t, err, pipeline.ErrInvalidRequest)
	none := NewProvider(w, ProviderOptions{OutputDir: func() string { return "" }})
	_, err = none.Run(t.Context(), jobs.Job{ID: "x", Request: jobs.Request{Model: "m"}}, func(jobs.Progress) {})
	require.ErrorContains(t, err, "no output folder")
}

// TestProviderRealEngine runs a queued job end to end: the job queue, the
// provider, the supervisor, a worker child process and the real pipeline on a
// tiny fixture checkpoint.
func TestProviderRealEngine(t *testing.T) {
	model := filepath.Join(t.TempDir(), "tiny-sd1.safetensors")
	require.NoError(t, fixtures.Write(model, "sd1", false, 5))
	out := t.TempDir()
	s := newTestSupervisor(t, Options{Device: DeviceCPU, Command: helperCommand(t, map[string]string{"cpu": "real"})})
	q := jobs.NewQueue(jobs.Options{})
	t.Cleanup(func() { _ = q.Close(context.Background()) })
	require.NoError(t, q.Register(NewProvider(s, ProviderOptions{OutputDir: func() string { return out }})))

	job, err := q.Submit(t.Context(), jobs.Request{Provider: "local", Model: model, Prompt: "a red cube",
		Params: map[string]any{"steps": 2, "width": 64, "height": 64, "seed": 21}})
	require.NoError(t, err)
	done := waitJob(t, q, job.ID)
	require.Equal(t, jobs.Done, done.State, "error: %s", done.Error)
	require.Len(t, done.Outputs, 1)
	o := done.Outputs[0]
	assert.Equal(t, int64(21), o.Seed)
	assert.Equal(t, out, filepath.Dir(o.Path))
	assert.True(t, strings.Contains(o.Metadata["parameters"].(string), "Steps: 2"))
	f, err := os.Open(o.Path)
	require.NoError(t, err)
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	require.NoError(t, err)
	assert.Equal(t, 64, cfg.Width)

	// A bad request fails as the engine's validation says, and the worker lives on.
	bad, err := q.Submit(t.Context(), jobs.Request{Provider: "local", Model: model, Prompt: "x", Params: map[string]any{"steps": 2, "width": 63}})
	require.NoError(t, err)
	failed := waitJob(t, q, bad.ID)
	assert.Equal(t, jobs.Failed, failed.State)
	assert.Contains(t, failed.Error, "Width")
	_, running := s.Running()
	assert.True(t, running)
}

// waitJob waits for a job to finish and returns its final snapshot.
func waitJob(t *testing.T, q *jobs.Queue, id string) jobs.Job {
	t.Helper()
	var j jobs.Job
	require.Eventually(t, func() bool {
		var ok bool
		j, ok = q.Get(id)
		return ok && j.State.Final()
	}, time.Minute, 10*time.Millisecond)
	return j
}

// TestProviderCancelFromQueue cancels a running job through the queue: the
// worker gets cancel, answers, and the job ends Cancelled.
func TestProviderCancelFromQueue(t *testing.T) {
	s := newTestSupervisor(t, Options{Device: DeviceCPU, Command: helperCommand(t, map[string]string{"cpu": "fake"})})
	q := jobs.NewQueue(jobs.Options{})
	t.Cleanup(func() { _ = q.Close(context.Background()) })
	require.NoError(t, q.Register(NewProvider(s, ProviderOptions{OutputDir: func() string { return t.TempDir() }})))
	job, err := q.Submit(t.Context(), jobs.Request{Provider: "local", Model: "m", Prompt: "block"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { j, _ := q.Get(job.ID); return j.Progress.Step == 1 }, time.Minute, 10*time.Millisecond)
	require.NoError(t, q.Cancel(job.ID))
	assert.Equal(t, jobs.Cancelled, waitJob(t, q, job.ID).State)

	next, err := q.Submit(t.Context(), jobs.Request{Provider: "local", Model: "m", Prompt: "ok"})
	require.NoError(t, err)
	assert.Equal(t, jobs.Done, waitJob(t, q, next.ID).State)
}
