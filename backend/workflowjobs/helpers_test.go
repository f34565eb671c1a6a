package workflowjobs

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/workflows"
	builtin "github.com/dreamlayer/dreamlayer/workflows"
)

// waitLimit bounds every wait; it only matters when a test already fails.
const waitLimit = 60 * time.Second

// recorder keeps every event the queue emits.
type recorder struct {
	mu     sync.Mutex
	events []string
	progs  []jobs.Progress
}

func (r *recorder) Emit(name string, payload any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, name)
	if p, ok := payload.(jobs.Progress); ok && name == events.JobsProgress {
		r.progs = append(r.progs, p)
	}
}

func (r *recorder) progress() []jobs.Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]jobs.Progress(nil), r.progs...)
}

// env is a service on a real queue, with the built-in templates installed,
// a tiny SD1 checkpoint "tiny.safetensors" and an output folder.
type env struct {
	svc    *Service
	queue  *jobs.Queue
	rec    *recorder
	models string
	out    string
}

func newEnv(t *testing.T, withModel bool) *env {
	t.Helper()
	data, models, out := t.TempDir(), t.TempDir(), t.TempDir()
	if withModel {
		require.NoError(t, fixtures.Write(filepath.Join(models, "tiny.safetensors"), fixtures.SD1, false, 7))
	}
	builtinDir := filepath.Join(data, "builtin")
	require.NoError(t, InstallTemplates(builtin.FS, builtinDir))
	rec := &recorder{}
	q := jobs.NewQueue(jobs.Options{Emitter: rec, StepInterval: time.Nanosecond})
	t.Cleanup(func() { _ = q.Close(t.Context()) })
	svc := New(q, Options{
		Catalog:   workflows.Catalog{Builtin: builtinDir, User: filepath.Join(data, "user")},
		Local:     func() workflows.Options { return workflows.Options{Checkpoints: []string{models}, OutputDir: out} },
		OutputDir: func() string { return out },
		NewDevice: func() compute.Device { return cpu.New(2) },
	})
	t.Cleanup(func() { _ = svc.Close() })
	for _, p := range svc.Providers() {
		require.NoError(t, q.Register(p))
	}
	return &env{svc: svc, queue: q, rec: rec, models: models, out: out}
}

// tinyValues makes the txt2img template cheap: the fixture checkpoint,
// 64×48 pixels, two steps.
func tinyValues() []Value {
	return []Value{
		{Node: "4", Input: "ckpt_name", Value: "tiny.safetensors"},
		{Node: "5", Input: "width", Value: float64(64)},
		{Node: "5", Input: "height", Value: float64(48)},
		{Node: "3", Input: "steps", Value: float64(2)},
		{Node: "3", Input: "seed", Value: float64(1234)},
	}
}

// waitFinal waits until the job is in a final state and returns it.
func waitFinal(t *testing.T, q *jobs.Queue, id string) jobs.Job {
	t.Helper()
	var job jobs.Job
	require.Eventually(t, func() bool {
		var ok bool
		job, ok = q.Get(id)
		return ok && job.State.Final()
	}, waitLimit, 10*time.Millisecond)
	return job
}

// promptOf returns a PNG's "prompt" chunk.
func promptOf(t *testing.T, data []byte) string {
	t.Helper()
	chunks, err := pnginfo.ReadTextChunks(bytes.NewReader(data))
	require.NoError(t, err)
	for _, c := range chunks {
		if c.Keyword == "prompt" {
			return c.Text
		}
	}
	t.Fatal("no prompt chunk")
	return ""
}
