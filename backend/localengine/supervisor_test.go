package localengine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
)

func newTestSupervisor(t *testing.T, opts Options) *Supervisor {
	t.Helper()
	s := NewSupervisor(opts)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func fakeReq(t *testing.T, prompt string) pipeline.Request {
	return pipeline.Request{Model: "m", Prompt: prompt, OutputDir: t.TempDir()}
}

// pid runs a normal job and returns the pid of the worker that ran it.
func pid(t *testing.T, s *Supervisor) string {
	t.Helper()
	res, err := s.Generate(t.Context(), "pid", fakeReq(t, "ok"), nil)
	require.NoError(t, err)
	require.Len(t, res.Images, 1)
	return res.Images[0].Parameters
}

func TestSupervisorGenerate(t *testing.T) {
	s := newTestSupervisor(t, Options{Device: DeviceCPU, Command: helperCommand(t, map[string]string{"cpu": "fake"})})
	_, running := s.Running()
	assert.False(t, running, "nothing starts before the first request")
	var steps []int
	var previews int
	res, err := s.Generate(t.Context(), "j1", fakeReq(t, "a cat"), func(p worker.Progress) {
		steps = append(steps, p.Step)
		if len(p.PreviewPNG) > 0 {
			previews++
		}
	})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3}, steps)
	assert.Equal(t, 1, previews)
	require.Len(t, res.Images, 1)
	hello, running := s.Running()
	require.True(t, running)
	assert.True(t, hello.HasDevice("cpu"))
	assert.Equal(t, pid(t, s), res.Images[0].Parameters, "the worker stays up between jobs")
}

func TestSupervisorCrashAndRestart(t *testing.T) {
	s := newTestSupervisor(t, Options{Device: DeviceCPU, Command: helperCommand(t, map[string]string{"cpu": "fake"})})
	first := pid(t, s)
	_, err := s.Generate(t.Context(), "boom", fakeReq(t, "crash"), nil)
	require.ErrorIs(t, err, ErrEngineStopped)
	assert.Contains(t, err.Error(), "engine stopped: panic: boom in layer 3", "the cause survives the goroutine dump")
	assert.Contains(t, err.Error(), "exit status 2")
	second := pid(t, s)
	assert.NotEqual(t, first, second, "the next job runs in a fresh worker")
}

func TestSupervisorCancel(t *testing.T) {
	s := newTestSupervisor(t, Options{Device: DeviceCPU, Command: helperCommand(t, map[string]string{"cpu": "fake"})})
	first := pid(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	_, err := s.Generate(ctx, "c", fakeReq(t, "block"), func(worker.Progress) { cancel() })
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, first, pid(t, s), "a polite cancel keeps the worker")
}

func TestSupervisorHardCancel(t *testing.T) {
	s := newTestSupervisor(t, Options{Device: DeviceCPU, CancelGrace: 200 * time.Millisecond,
		Command: helperCommand(t, map[string]string{"cpu": "fake"})})
	first := pid(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	_, err := s.Generate(ctx, "d", fakeReq(t, "deaf"), func(worker.Progress) { cancel() })
	require.ErrorIs(t, err, context.Canceled)
	_, running := s.Running()
	assert.False(t, running, "a worker that ignores cancel is killed")
	assert.NotEqual(t, first, pid(t, s))
}

func TestSupervisorIdleStop(t *testing.T) {
	s := newTestSupervisor(t, Options{Device: DeviceCPU, IdleTimeout: 100 * time.Millisecond,
		Command: helperCommand(t, map[string]string{"cpu": "fake"})})
	first := pid(t, s)
	require.Eventually(t, func() bool { _, running := s.Running(); return !running }, 10*time.Second, 20*time.Millisecond,
		"an idle worker is stopped")
	assert.NotEqual(t, first, pid(t, s), "and started again on the next job")

	s.Configure(DeviceCPU, 0) // 0: never stop
	time.Sleep(300 * time.Millisecond)
	_, running := s.Running()
	assert.True(t, running)
}

func TestSupervisorStartFailures(t *testing.T) {
	tests := []struct {
		name   string
		device string
		modes  map[string]string
		want   string
	}{
		{"no hello", DeviceCPU, map[string]string{"cpu": "silent"}, "did not start within"},
		{"old protocol", DeviceCPU, map[string]string{"cpu": "old"}, "protocol 999"},
		{"cuda requested, none installed", DeviceCUDA, map[string]string{"cpu": "fake"}, "no CUDA engine"},
		{"cuda requested, no device", DeviceCUDA, map[string]string{"cpu": "fake", "cuda": "fake"}, "found no CUDA device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSupervisor(t, Options{Device: tt.device, StartTimeout: 500 * time.Millisecond, CancelGrace: 200 * time.Millisecond,
				Command: helperCommand(t, tt.modes)})
			_, err := s.Generate(t.Context(), "j", fakeReq(t, "x"), nil)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestSupervisorAuto(t *testing.T) {
	tests := []struct {
		name       string
		modes      map[string]string
		wantDevice string
		notice     string
	}{
		{"cuda works", map[string]string{"cpu": "fake", "cuda": "cuda"}, "cuda", ""},
		{"no cuda binary", map[string]string{"cpu": "fake"}, "cpu", "no CUDA engine installed"},
		{"cuda binary without device", map[string]string{"cpu": "fake", "cuda": "fake"}, "cpu", "found no CUDA device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var notices []string
			s := newTestSupervisor(t, Options{Command: helperCommand(t, tt.modes), CancelGrace: time.Second,
				Notify: func(m string) { mu.Lock(); notices = append(notices, m); mu.Unlock() }})
			pid(t, s)
			hello, running := s.Running()
			require.True(t, running)
			assert.True(t, hello.HasDevice(tt.wantDevice), "devices %v", hello.Devices)
			mu.Lock()
			defer mu.Unlock()
			if tt.notice == "" {
				assert.Empty(t, notices)
				return
			}
			require.Len(t, notices, 1)
			assert.Contains(t, notices[0], tt.notice)
			assert.Contains(t, notices[0], "using the CPU engine")
		})
	}
}

func TestSupervisorClose(t *testing.T) {
	s := newTestSupervisor(t, Options{Device: DeviceCPU, Command: helperCommand(t, map[string]string{"cpu": "fake"})})
	pid(t, s)
	require.NoError(t, s.Unload(t.Context()))
	require.NoError(t, s.Close())
	_, running := s.Running()
	assert.False(t, running)
	_, err := s.Generate(t.Context(), "late", fakeReq(t, "x"), nil)
	require.ErrorIs(t, err, ErrClosed)
}
