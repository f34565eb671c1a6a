package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
)

// fakeGen is a Generator driven by a function; it counts Unload calls.
type fakeGen struct {
	fn       func(ctx context.Context, req pipeline.Request, progress func(pipeline.Progress)) (pipeline.Result, error)
	unloaded atomic.Int32
}

func (g *fakeGen) Generate(ctx context.Context, req pipeline.Request, progress func(pipeline.Progress)) (pipeline.Result, error) {
	return g.fn(ctx, req, progress)
}

func (g *fakeGen) Unload() { g.unloaded.Add(1) }

// stepsGen reports n sampling steps (each with a preview) and returns one image.
func stepsGen(n int) func(context.Context, pipeline.Request, func(pipeline.Progress)) (pipeline.Result, error) {
	return func(ctx context.Context, req pipeline.Request, progress func(pipeline.Progress)) (pipeline.Result, error) {
		progress(pipeline.Progress{Stage: pipeline.StageLoad})
		for i := 1; i <= n; i++ {
			progress(pipeline.Progress{Stage: pipeline.StageSample, Step: i, Total: n, Preview: []byte{byte(i)}})
		}
		seed := int64(7)
		if req.Seed != nil {
			seed = *req.Seed
		}
		return pipeline.Result{Seed: seed, Steps: n, Timings: pipeline.Timings{TotalS: 0.5},
			Images: []pipeline.Image{{Path: req.OutputDir + "/x.png", Width: req.Width, Height: req.Height, Seed: seed, Parameters: req.Prompt}}}, nil
	}
}

// blockGen reports one step, then waits for cancellation.
func blockGen(started chan<- string) func(context.Context, pipeline.Request, func(pipeline.Progress)) (pipeline.Result, error) {
	return func(ctx context.Context, req pipeline.Request, progress func(pipeline.Progress)) (pipeline.Result, error) {
		progress(pipeline.Progress{Stage: pipeline.StageSample, Step: 1, Total: 10})
		if started != nil {
			started <- req.Prompt
		}
		<-ctx.Done()
		return pipeline.Result{}, fmt.Errorf("sample step 2: %w", ctx.Err())
	}
}

// session runs Serve over pipes, as the app would see it.
type session struct {
	t    *testing.T
	in   *io.PipeWriter
	out  chan Message
	w    *Writer
	done chan error
}

func startSession(t *testing.T, gen Generator, cfg Config) *session {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &session{t: t, in: inW, out: make(chan Message, 256), w: NewWriter(inW), done: make(chan error, 1)}
	go func() {
		err := Serve(t.Context(), inR, outW, gen, cfg)
		outW.Close()
		s.done <- err
	}()
	go func() {
		r := NewReader(outR, 0)
		for {
			m, err := r.Next()
			if err != nil {
				close(s.out)
				return
			}
			s.out <- m
		}
	}()
	t.Cleanup(func() { inW.Close(); outR.Close() })
	hello := s.next()
	require.Equal(t, TypeHello, hello.Type, "hello comes first")
	require.Equal(t, ProtocolVersion, hello.Hello.Protocol)
	return s
}

func (s *session) send(m Message) {
	s.t.Helper()
	require.NoError(s.t, s.w.Send(m))
}

func (s *session) raw(line string) {
	s.t.Helper()
	_, err := io.WriteString(s.in, line+"\n")
	require.NoError(s.t, err)
}

func (s *session) next() Message {
	s.t.Helper()
	select {
	case m, ok := <-s.out:
		require.True(s.t, ok, "worker output closed")
		return m
	case <-time.After(10 * time.Second):
		s.t.Fatal("no message from the worker")
	}
	return Message{}
}

// until reads messages until one of type typ arrives, returning the others.
func (s *session) until(typ Type) (Message, []Message) {
	s.t.Helper()
	var skipped []Message
	for {
		m := s.next()
		if m.Type == typ {
			return m, skipped
		}
		skipped = append(skipped, m)
	}
}

func (s *session) exit() error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		s.t.Fatal("Serve did not return")
	}
	return nil
}

func genMsg(id string, prompt string) Message {
	return Message{Type: TypeGenerate, JobID: id, Request: &pipeline.Request{Model: "m", Prompt: prompt, Width: 64, Height: 64, OutputDir: "/out"}}
}

func TestServeGenerate(t *testing.T) {
	clock := time.Unix(0, 0)
	cfg := Config{Hello: Hello{AppVersion: "v", Devices: []Device{{"cpu", "test"}}},
		Now: func() time.Time { clock = clock.Add(200 * time.Millisecond); return clock }}
	s := startSession(t, &fakeGen{fn: stepsGen(6)}, cfg)
	s.send(genMsg("j1", "a cat"))
	res, progress := s.until(TypeResult)
	require.Equal(t, "j1", res.JobID)
	require.Len(t, res.Result.Images, 1)
	assert.Equal(t, Image{Path: "/out/x.png", Width: 64, Height: 64, Seed: 7, Parameters: "a cat"}, res.Result.Images[0])
	assert.Equal(t, 0.5, res.Result.Timings.TotalS)

	require.Len(t, progress, 7, "every step goes out (load + 6 samples)")
	var previews []byte
	for _, p := range progress {
		require.Equal(t, "j1", p.JobID)
		if len(p.Progress.PreviewPNG) > 0 {
			previews = append(previews, p.Progress.PreviewPNG[0])
		}
	}
	// The clock moves 200ms per preview offered: steps 1, 4 (600ms later)
	// pass the 500ms throttle; the others are dropped.
	assert.Equal(t, []byte{1, 4}, previews)

	s.send(Message{Type: TypeShutdown})
	require.NoError(t, s.exit())
}

func TestServeBadRequests(t *testing.T) {
	gen := &fakeGen{fn: func(ctx context.Context, req pipeline.Request, _ func(pipeline.Progress)) (pipeline.Result, error) {
		if req.Prompt == "invalid" {
			return pipeline.Result{}, fmt.Errorf("%w: Steps: 0", pipeline.ErrInvalidRequest)
		}
		return pipeline.Result{}, errors.New("kaput")
	}}
	s := startSession(t, gen, Config{})
	tests := []struct {
		name   string
		send   func()
		job    string
		kind   ErrorKind
		substr string
	}{
		{"garbage", func() { s.raw("not json") }, "", KindBadInput, "bad message"},
		{"unknown type", func() { s.raw(`{"type":"dance","job_id":"d"}`) }, "d", KindBadInput, "unknown type"},
		{"worker message from the app", func() { s.raw(`{"type":"loaded","model":"m"}`) }, "", KindBadInput, `unexpected message type "loaded"`},
		{"no output dir", func() {
			s.send(Message{Type: TypeGenerate, JobID: "o", Request: &pipeline.Request{Model: "m"}})
		}, "o", KindBadInput, "output_dir"},
		{"invalid request", func() { s.send(genMsg("v", "invalid")) }, "v", KindBadInput, "Steps"},
		{"engine failure", func() { s.send(genMsg("k", "other")) }, "k", KindInternal, "kaput"},
		{"load without loader", func() { s.send(Message{Type: TypeLoad, Model: "m"}) }, "", KindBadInput, "first generate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.send()
			m, _ := s.until(TypeError)
			assert.Equal(t, tt.job, m.JobID)
			assert.Equal(t, tt.kind, m.Error.Kind)
			assert.Contains(t, m.Error.Message, tt.substr)
		})
	}
	// After all that the worker still serves.
	s.send(Message{Type: TypeUnload, Model: "m"})
	m := s.next()
	assert.Equal(t, Message{Type: TypeUnloaded, Model: "m"}, m)
	assert.EqualValues(t, 1, gen.unloaded.Load())
}

func TestServeCancelRunning(t *testing.T) {
	started := make(chan string, 4)
	s := startSession(t, &fakeGen{fn: blockGen(started)}, Config{})
	s.send(genMsg("j1", "first"))
	p := s.next()
	require.Equal(t, TypeProgress, p.Type)
	<-started
	s.send(Message{Type: TypeCancel, JobID: "j1"})
	m, _ := s.until(TypeError)
	assert.Equal(t, "j1", m.JobID)
	assert.Equal(t, KindCancelled, m.Error.Kind)
	assert.ErrorIs(t, m.Error.Err(), context.Canceled)

	// A late cancel for a finished job is ignored, and the next job runs.
	s.send(Message{Type: TypeCancel, JobID: "j1"})
	s.send(genMsg("j2", "second"))
	assert.Equal(t, "second", <-started)
	s.send(Message{Type: TypeShutdown})
	m, _ = s.until(TypeError)
	assert.Equal(t, "j2", m.JobID)
	assert.Equal(t, KindCancelled, m.Error.Kind)
	require.NoError(t, s.exit())
}

func TestServeQueue(t *testing.T) {
	started := make(chan string, 4)
	s := startSession(t, &fakeGen{fn: blockGen(started)}, Config{MaxQueued: 2})
	s.send(genMsg("a", "a"))
	require.Equal(t, "a", <-started)
	s.send(genMsg("b", "b"))
	s.send(genMsg("c", "c"))
	s.send(genMsg("d", "d")) // over MaxQueued
	s.send(genMsg("a", "again"))

	m, _ := s.until(TypeError)
	assert.Equal(t, "d", m.JobID)
	assert.Contains(t, m.Error.Message, "already waiting")
	m, _ = s.until(TypeError)
	assert.Equal(t, "a", m.JobID)
	assert.Equal(t, KindBadInput, m.Error.Kind)

	// Cancelling a waiting job answers at once while a still runs.
	s.send(Message{Type: TypeCancel, JobID: "b"})
	m, _ = s.until(TypeError)
	assert.Equal(t, "b", m.JobID)
	assert.Equal(t, KindCancelled, m.Error.Kind)

	s.send(Message{Type: TypeCancel, JobID: "a"})
	m, _ = s.until(TypeError)
	assert.Equal(t, "a", m.JobID)
	assert.Equal(t, "c", <-started, "the next waiting job starts")

	// Shutdown cancels c; then Serve returns nil.
	s.send(Message{Type: TypeShutdown})
	m, _ = s.until(TypeError)
	assert.Equal(t, "c", m.JobID)
	assert.Equal(t, KindCancelled, m.Error.Kind)
	require.NoError(t, s.exit())
}

func TestServeShutdownCancelsWaiting(t *testing.T) {
	started := make(chan string, 4)
	s := startSession(t, &fakeGen{fn: blockGen(started)}, Config{})
	s.send(genMsg("a", "a"))
	<-started
	s.send(genMsg("b", "b"))
	s.send(Message{Type: TypeShutdown})
	got := map[string]ErrorKind{}
	for len(got) < 2 {
		m, _ := s.until(TypeError)
		got[m.JobID] = m.Error.Kind
	}
	assert.Equal(t, map[string]ErrorKind{"a": KindCancelled, "b": KindCancelled}, got)
	require.NoError(t, s.exit())
	_, ok := <-s.out
	assert.False(t, ok, "nothing after the worker stopped")
}

func TestServeInputClosed(t *testing.T) {
	started := make(chan string, 1)
	s := startSession(t, &fakeGen{fn: blockGen(started)}, Config{})
	s.send(genMsg("a", "a"))
	<-started
	require.NoError(t, s.in.Close()) // the app went away
	m, _ := s.until(TypeError)
	assert.Equal(t, KindCancelled, m.Error.Kind)
	require.NoError(t, s.exit())
}

func TestServePanic(t *testing.T) {
	s := startSession(t, &fakeGen{fn: func(context.Context, pipeline.Request, func(pipeline.Progress)) (pipeline.Result, error) {
		panic("index out of range")
	}}, Config{})
	s.send(genMsg("p", "x"))
	m, _ := s.until(TypeError)
	assert.Equal(t, "p", m.JobID)
	assert.Equal(t, KindInternal, m.Error.Kind)
	assert.Contains(t, m.Error.Message, "index out of range")
	require.ErrorIs(t, s.exit(), ErrJobPanicked)
}

// peakDevice is a device that tracks its peak memory: each job raises it,
// and ResetPeak brings it back to the memory in use.
type peakDevice struct {
	compute.Device // nil: only Info and ResetPeak are called
	mu             sync.Mutex
	peak, resets   int64
}

func (d *peakDevice) ResetPeak() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.peak = 100
	d.resets++
}

func (d *peakDevice) Info() compute.Info {
	d.mu.Lock()
	defer d.mu.Unlock()
	return compute.Info{Name: "gpu", PeakMemory: d.peak}
}

func (d *peakDevice) bump(to int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.peak = max(d.peak, to)
}

// TestServeReportsPeakDeviceMemory checks that each result carries its own
// job's peak (the high-water mark is reset before every job), and that a
// device without a peak leaves the field out.
func TestServeReportsPeakDeviceMemory(t *testing.T) {
	dev := &peakDevice{peak: 5000}
	peaks := []int64{3000, 2000}
	job := 0
	gen := &fakeGen{fn: func(ctx context.Context, req pipeline.Request, _ func(pipeline.Progress)) (pipeline.Result, error) {
		dev.bump(peaks[job])
		job++
		return pipeline.Result{Images: []pipeline.Image{{Path: "/out/x.png"}}}, nil
	}}
	s := startSession(t, gen, Config{Hello: Hello{AppVersion: "v"}, Device: dev})
	s.send(genMsg("j1", "a"))
	r1, _ := s.until(TypeResult)
	s.send(genMsg("j2", "b"))
	r2, _ := s.until(TypeResult)
	assert.Equal(t, int64(3000), r1.Result.PeakDeviceBytes, "not the 5000 from before the job")
	assert.Equal(t, int64(2000), r2.Result.PeakDeviceBytes, "the second job's own peak")
	assert.Equal(t, int64(2), dev.resets)
	s.send(Message{Type: TypeShutdown})
	require.NoError(t, s.exit())

	plain := startSession(t, &fakeGen{fn: stepsGen(1)}, Config{Hello: Hello{AppVersion: "v"}})
	plain.send(genMsg("j3", "c"))
	r3, _ := plain.until(TypeResult)
	assert.Zero(t, r3.Result.PeakDeviceBytes)
	plain.send(Message{Type: TypeShutdown})
	require.NoError(t, plain.exit())
}
