package workflowjobs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/workflows"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote/comfytest"
)

func TestLocalRunSavesImagesWithTheGraph(t *testing.T) {
	e := newEnv(t, true)
	job, err := e.svc.Submit(t.Context(), RunRequest{Template: "txt2img/txt2img", Values: tinyValues(), Target: TargetLocal})
	require.NoError(t, err)
	assert.Equal(t, LocalProvider, job.Request.Provider)
	assert.Equal(t, "txt2img", job.Request.Model)
	assert.Equal(t, "a beautiful landscape", job.Request.Prompt, "the prompt comes from input:prompt")
	assert.Equal(t, "blurry, low quality", job.Request.NegativePrompt)

	done := waitFinal(t, e.queue, job.ID)
	require.Equal(t, jobs.Done, done.State, done.Error)
	require.Len(t, done.Outputs, 1)
	out := done.Outputs[0]
	assert.Equal(t, e.out, filepath.Dir(out.Path))
	assert.Equal(t, [2]int{64, 48}, [2]int{out.Width, out.Height})
	assert.Equal(t, int64(1234), out.Seed)
	assert.Equal(t, TargetLocal, out.Metadata["target"])

	data, err := os.ReadFile(out.Path)
	require.NoError(t, err)
	saved, err := workflows.Load([]byte(promptOf(t, data)))
	require.NoError(t, err)
	assert.Equal(t, "tiny.safetensors", saved.Nodes["4"].Inputs["ckpt_name"], "the PNG keeps the graph that ran, with the form's values")

	// The queue relayed sampler steps (two of them) from the executor.
	var sampler []jobs.Progress
	for _, p := range e.rec.progress() {
		if p.JobID == job.ID && p.Total == 2 {
			sampler = append(sampler, p)
		}
	}
	require.NotEmpty(t, sampler)
	assert.Contains(t, sampler[len(sampler)-1].Message, "KSampler (node 3)")
}

func TestLocalRunFailsOnAMissingModel(t *testing.T) {
	e := newEnv(t, false)
	job, err := e.svc.Submit(t.Context(), RunRequest{Template: "txt2img/txt2img", Values: tinyValues(), Target: TargetLocal})
	require.NoError(t, err, "the graph is valid; the file is missing only at run time")
	done := waitFinal(t, e.queue, job.ID)
	assert.Equal(t, jobs.Failed, done.State)
	assert.Contains(t, done.Error, "tiny.safetensors")
}

func TestLocalRunCancels(t *testing.T) {
	e := newEnv(t, true)
	values := append(tinyValues(), Value{Node: "3", Input: "steps", Value: float64(200)})
	job, err := e.svc.Submit(t.Context(), RunRequest{Template: "txt2img/txt2img", Values: values, Target: TargetLocal})
	require.NoError(t, err)
	// Cancel once the sampler has begun, so the executor's step check is
	// what stops it.
	require.Eventually(t, func() bool {
		for _, p := range e.rec.progress() {
			if p.JobID == job.ID && p.Total == 200 {
				return true
			}
		}
		return false
	}, waitLimit, 5*time.Millisecond)
	require.NoError(t, e.queue.Cancel(job.ID))
	done := waitFinal(t, e.queue, job.ID)
	assert.Equal(t, jobs.Cancelled, done.State)
	assert.Empty(t, done.Outputs)
}

func TestRemoteRunKeepsTheServersPNG(t *testing.T) {
	e := newEnv(t, false)
	srv := comfytest.New(t, comfytest.Options{Steps: 3})
	require.NoError(t, e.svc.SetServers([]string{srv.URL}))

	job, err := e.svc.Submit(t.Context(), RunRequest{Template: "txt2img/txt2img", Values: tinyValues(), Target: TargetRemote})
	require.NoError(t, err)
	assert.Equal(t, RemoteProvider, job.Request.Provider)
	done := waitFinal(t, e.queue, job.ID)
	require.Equal(t, jobs.Done, done.State, done.Error)
	require.Len(t, done.Outputs, 1)
	out := done.Outputs[0]
	data, err := os.ReadFile(out.Path)
	require.NoError(t, err)
	assert.Equal(t, comfytest.Image(), data, "the server's PNG is saved byte for byte")
	assert.Equal(t, e.out, filepath.Dir(out.Path))
	assert.Equal(t, [2]int{8, 8}, [2]int{out.Width, out.Height})
	assert.Equal(t, srv.URL, out.Metadata["server"])
	assert.Equal(t, srv.Submitted()[0], out.Metadata["promptId"])

	var steps []jobs.Progress
	for _, p := range e.rec.progress() {
		if p.JobID == job.ID && p.Total == 3 {
			steps = append(steps, p)
		}
	}
	require.NotEmpty(t, steps, "websocket progress reaches the queue")
	assert.Contains(t, steps[len(steps)-1].Message, srv.URL)
}

func TestRemoteRunCancelInterruptsTheServer(t *testing.T) {
	e := newEnv(t, false)
	started := make(chan struct{}, 10)
	srv := comfytest.New(t, comfytest.Options{Steps: 50, StepDelay: 20 * time.Millisecond,
		OnStep: func(_ *comfytest.Server, _ string, step int) {
			if step == 1 {
				started <- struct{}{}
			}
		}})
	require.NoError(t, e.svc.SetServers([]string{srv.URL}))
	job, err := e.svc.Submit(t.Context(), RunRequest{Template: "txt2img/txt2img", Target: TargetRemote})
	require.NoError(t, err)
	select {
	case <-started:
	case <-time.After(waitLimit):
		t.Fatal("the server never started the prompt")
	}
	require.NoError(t, e.queue.Cancel(job.ID))
	done := waitFinal(t, e.queue, job.ID)
	assert.Equal(t, jobs.Cancelled, done.State)
	require.Eventually(t, func() bool { return srv.Interrupts() == 1 }, waitLimit, 5*time.Millisecond)
	assert.False(t, srv.Completed(srv.Submitted()[0]))
	entries, err := os.ReadDir(e.out)
	require.NoError(t, err)
	assert.Empty(t, entries, "a cancelled remote job saves nothing")
}

func TestRemoteRunWithoutServers(t *testing.T) {
	e := newEnv(t, false)
	_, err := e.svc.Submit(t.Context(), RunRequest{Template: "txt2img/txt2img", Target: TargetRemote})
	require.ErrorIs(t, err, ErrNoServers)

	// A job queued while servers were configured fails cleanly once the
	// settings drop them.
	srv := comfytest.New(t, comfytest.Options{})
	require.NoError(t, e.svc.SetServers([]string{srv.URL}))
	g, err := e.svc.LoadTemplate("txt2img/txt2img")
	require.NoError(t, err)
	require.NoError(t, e.svc.SetServers(nil))
	_, err = remoteProvider{e.svc}.Run(t.Context(), jobs.Job{ID: "x", Request: jobs.Request{Params: map[string]any{ParamGraph: g.Graph}}}, func(jobs.Progress) {})
	assert.ErrorIs(t, err, ErrNoServers)
}

func TestGraphOfRejectsJobsWithoutAGraph(t *testing.T) {
	for _, params := range []map[string]any{nil, {ParamGraph: 3}, {ParamGraph: "{"}} {
		_, err := graphOf(jobs.Job{ID: "j", Request: jobs.Request{Params: params}})
		assert.Error(t, err, "%v", params)
	}
}
