package jobs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/events"
)

// waitLimit bounds every wait in these tests; it only matters when a test is
// already failing, so it is generous for a loaded CI machine.
const waitLimit = 10 * time.Second

// funcProvider is a Provider whose Run is a test function.
type funcProvider struct {
	name string
	conc int
	run  func(ctx context.Context, job Job, report func(Progress)) ([]Output, error)
}

func (p *funcProvider) Name() string     { return p.name }
func (p *funcProvider) Concurrency() int { return p.conc }
func (p *funcProvider) Run(ctx context.Context, job Job, report func(Progress)) ([]Output, error) {
	return p.run(ctx, job, report)
}

// gateProvider announces each start on started and then blocks until the
// test sends on release or the job's context ends (returning ctxErr then).
type gateProvider struct {
	funcProvider
	started chan string
	release chan struct{}

	mu      sync.Mutex
	running int
	peak    int
}

func newGateProvider(name string, conc int) *gateProvider {
	g := &gateProvider{started: make(chan string, 100), release: make(chan struct{})}
	g.funcProvider = funcProvider{name: name, conc: conc, run: g.gate}
	return g
}

func (g *gateProvider) gate(ctx context.Context, job Job, _ func(Progress)) ([]Output, error) {
	g.mu.Lock()
	g.running++
	g.peak = max(g.peak, g.running)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.running--
		g.mu.Unlock()
	}()
	g.started <- job.ID
	select {
	case <-g.release:
		return []Output{{Path: "/out/" + job.ID + ".png", Width: 64, Height: 48, Seed: 7}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *gateProvider) peakRunning() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

// recEvent is one emitted event.
type recEvent struct {
	name    string
	payload any
}

// recorder captures emitted events and recorded jobs and forwards finished
// jobs to a channel the tests wait on.
type recorder struct {
	mu       sync.Mutex
	events   []recEvent
	records  []Job
	finished chan Job
}

func newRecorder() *recorder { return &recorder{finished: make(chan Job, 100)} }

func (r *recorder) Emit(name string, payload any) {
	r.mu.Lock()
	r.events = append(r.events, recEvent{name, payload})
	r.mu.Unlock()
	if j, ok := payload.(Job); ok && name == events.JobsChanged && j.State.Final() {
		r.finished <- j
	}
}

func (r *recorder) RecordJob(_ context.Context, job Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, job)
	return nil
}

// states returns the recorded states of one job, in order.
func (r *recorder) states(id string) []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []State
	for _, j := range r.records {
		if j.ID == id {
			out = append(out, j.State)
		}
	}
	return out
}

// progress returns the emitted progress events, in order.
func (r *recorder) progress() []Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Progress
	for _, e := range r.events {
		if e.name == events.JobsProgress {
			out = append(out, e.payload.(Progress))
		}
	}
	return out
}

// changed returns the states carried by JobsChanged events for one job.
func (r *recorder) changed(id string) []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []State
	for _, e := range r.events {
		if j, ok := e.payload.(Job); ok && e.name == events.JobsChanged && j.ID == id {
			out = append(out, j.State)
		}
	}
	return out
}

// waitFinished waits for the next finished job announced by the queue.
func (r *recorder) waitFinished(t *testing.T) Job {
	t.Helper()
	select {
	case j := <-r.finished:
		return j
	case <-time.After(waitLimit):
		t.Fatal("timed out waiting for a job to finish")
		return Job{}
	}
}

// waitStart waits for a gate provider to start a job and returns its id.
func waitStart(t *testing.T, g *gateProvider) string {
	t.Helper()
	select {
	case id := <-g.started:
		return id
	case <-time.After(waitLimit):
		t.Fatal("timed out waiting for a job to start")
		return ""
	}
}

// fakeClock is a manual clock for throttling and ETA tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestQueue builds a queue wired to r and closes it when the test ends.
func newTestQueue(t *testing.T, r *recorder, clock *fakeClock, ps ...Provider) *Queue {
	t.Helper()
	opts := Options{Emitter: r, Recorder: r}
	if clock != nil {
		opts.Now = clock.Now
	}
	q := NewQueue(opts)
	for _, p := range ps {
		require.NoError(t, q.Register(p))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		require.NoError(t, q.Close(ctx))
	})
	return q
}
