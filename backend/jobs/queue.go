package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/events"
)

const (
	defaultPreviewInterval = 500 * time.Millisecond
	// defaultStepInterval caps plain step updates at 10/s per job: the UI
	// cannot show more, and Wails events cross a process boundary.
	defaultStepInterval = 100 * time.Millisecond
	defaultKeepFinished = 500
	// recordTimeout bounds one Recorder call so a stuck database cannot stall
	// a lane forever.
	recordTimeout = 10 * time.Second
)

// Options configures a Queue. Every field is optional.
type Options struct {
	Emitter  events.Emitter // default: events.Nop
	Logger   *slog.Logger   // default: discards
	Recorder Recorder       // default: none
	Now      func() time.Time
	// PreviewInterval is the least time between two progress events that
	// carry a preview image (default 500ms, so previews go out at most ~2/s).
	PreviewInterval time.Duration
	// StepInterval is the least time between two progress events without a
	// preview (default 100ms, at most 10/s). The first and the last step
	// always go out.
	StepInterval time.Duration
	// KeepFinished is how many finished jobs stay in memory for Get and List
	// (default 500); older ones live on in the Recorder only.
	KeepFinished int
}

// Queue runs jobs on per-provider lanes. It is safe for concurrent use.
type Queue struct {
	emitter         events.Emitter
	logger          *slog.Logger
	recorder        Recorder
	now             func() time.Time
	previewInterval time.Duration
	stepInterval    time.Duration
	keepFinished    int

	// base is the parent of every running job's context; Close cancels it.
	base context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	// moveMu serialises Move calls from the change to the event, so
	// JobsReordered events leave in the order the moves happened.
	moveMu sync.Mutex

	mu       sync.Mutex
	closed   bool
	lanes    map[string]*lane
	jobs     map[string]*entry
	finished []string // ids of finished jobs still in jobs, oldest first
	seq      uint64
}

// lane is one provider's FIFO and its count of running workers.
type lane struct {
	provider Provider
	limit    int
	running  int
	pending  []*entry
}

// entry is the queue's own record of a job; all fields are guarded by Queue.mu.
type entry struct {
	job             Job
	seq             uint64
	lane            *lane
	cancel          context.CancelFunc // set while running
	cancelRequested bool
	tracker         tracker
}

// NewQueue returns an empty queue; Register providers before submitting.
func NewQueue(opts Options) *Queue {
	q := &Queue{
		emitter:         opts.Emitter,
		logger:          opts.Logger,
		recorder:        opts.Recorder,
		now:             opts.Now,
		previewInterval: cmp.Or(opts.PreviewInterval, defaultPreviewInterval),
		stepInterval:    cmp.Or(opts.StepInterval, defaultStepInterval),
		keepFinished:    cmp.Or(opts.KeepFinished, defaultKeepFinished),
		lanes:           map[string]*lane{},
		jobs:            map[string]*entry{},
	}
	if q.emitter == nil {
		q.emitter = events.Nop{}
	}
	if q.logger == nil {
		q.logger = slog.New(slog.DiscardHandler)
	}
	if q.now == nil {
		q.now = time.Now
	}
	q.base, q.stop = context.WithCancel(context.Background())
	return q
}

// Register adds a provider and its lane. Names must be unique.
func (q *Queue) Register(p Provider) error {
	name := p.Name()
	if name == "" {
		return fmt.Errorf("register provider: empty name")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fmt.Errorf("register provider %q: %w", name, ErrClosed)
	}
	if _, ok := q.lanes[name]; ok {
		return fmt.Errorf("register provider %q: already registered", name)
	}
	q.lanes[name] = &lane{provider: p, limit: max(1, p.Concurrency())}
	return nil
}

// Providers returns the registered provider names, sorted.
func (q *Queue) Providers() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Sorted(maps.Keys(q.lanes))
}

// Submit queues req on its provider's lane and returns the queued job.
func (q *Queue) Submit(ctx context.Context, req Request) (Job, error) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return Job{}, fmt.Errorf("submit: %w", ErrClosed)
	}
	l, ok := q.lanes[req.Provider]
	if !ok {
		q.mu.Unlock()
		return Job{}, fmt.Errorf("submit: %w %q", ErrUnknownProvider, req.Provider)
	}
	q.seq++
	now := q.now()
	req.Params = maps.Clone(req.Params)
	e := &entry{seq: q.seq, lane: l, job: Job{ID: newID(now), Request: req, State: Queued, CreatedAt: now, Order: q.seq}}
	e.job.Progress.JobID = e.job.ID
	snap := e.job.clone()
	q.mu.Unlock()

	// Publish "queued" before the job is visible to a worker, so the recorder
	// and the UI always see queued before running.
	q.publish(ctx, snap)

	q.mu.Lock()
	if q.closed {
		// Close ran while we published; the job never reaches a lane.
		q.finishLocked(e, Cancelled, "queue closed")
		snap = e.job.clone()
		q.mu.Unlock()
		q.publish(ctx, snap)
		return Job{}, fmt.Errorf("submit: %w", ErrClosed)
	}
	q.jobs[e.job.ID] = e
	l.pending = append(l.pending, e)
	q.dispatchLocked(l)
	q.mu.Unlock()
	return snap, nil
}

// Cancel stops a job. A queued job is cancelled at once; a running job has its
// context cancelled and becomes Cancelled when its provider returns. A
// finished job gives ErrFinished.
func (q *Queue) Cancel(id string) error {
	q.mu.Lock()
	e, ok := q.jobs[id]
	if !ok {
		q.mu.Unlock()
		return fmt.Errorf("cancel job %s: %w", id, ErrNotFound)
	}
	switch e.job.State {
	case Queued:
		e.lane.pending = slices.DeleteFunc(e.lane.pending, func(x *entry) bool { return x == e })
		q.finishLocked(e, Cancelled, "")
		snap := e.job.clone()
		q.mu.Unlock()
		q.publish(context.Background(), snap)
		return nil
	case Running:
		if !e.cancelRequested {
			e.cancelRequested = true
			e.cancel()
		}
		q.mu.Unlock()
		return nil
	default:
		state := e.job.State
		q.mu.Unlock()
		return fmt.Errorf("cancel job %s (%s): %w", id, state, ErrFinished)
	}
}

// Get returns a snapshot of the job with the given id.
func (q *Queue) Get(id string) (Job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.jobs[id]
	if !ok {
		return Job{}, false
	}
	return e.job.clone(), true
}

// List returns snapshots of the jobs in memory, newest first.
func (q *Queue) List() []Job {
	q.mu.Lock()
	es := slices.Collect(maps.Values(q.jobs))
	slices.SortFunc(es, func(a, b *entry) int {
		return cmp.Or(b.job.CreatedAt.Compare(a.job.CreatedAt), cmp.Compare(b.seq, a.seq))
	})
	out := make([]Job, len(es))
	for i, e := range es {
		out[i] = e.job.clone()
	}
	q.mu.Unlock()
	return out
}

// ClearFinished forgets the finished jobs held in memory (the history
// database keeps them) and returns how many went.
func (q *Queue) ClearFinished() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.finished)
	for _, id := range q.finished {
		delete(q.jobs, id)
	}
	q.finished = nil
	return n
}

// Close cancels every queued and running job and waits for the lanes to stop
// or for ctx to end. Submit and Register fail afterwards.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	var snaps []Job
	if !q.closed {
		q.closed = true
		for _, l := range q.lanes {
			for _, e := range l.pending {
				q.finishLocked(e, Cancelled, "queue closed")
				snaps = append(snaps, e.job.clone())
			}
			l.pending = nil
		}
		for _, e := range q.jobs {
			if e.job.State == Running {
				e.cancelRequested = true
			}
		}
		q.stop()
	}
	q.mu.Unlock()
	for _, s := range snaps {
		q.publish(ctx, s)
	}

	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close job queue: %w", ctx.Err())
	}
}

// dispatchLocked starts workers while the lane has room and work.
func (q *Queue) dispatchLocked(l *lane) {
	for l.running < l.limit && len(l.pending) > 0 {
		e := l.pending[0]
		l.pending = l.pending[1:]
		l.running++
		q.wg.Add(1)
		go q.work(l, e)
	}
}

// work runs e, then keeps taking the lane's next job until it is empty, so a
// lane never has more than limit goroutines.
func (q *Queue) work(l *lane, e *entry) {
	defer q.wg.Done()
	for e != nil {
		q.run(l.provider, e)
		q.mu.Lock()
		e = nil
		if len(l.pending) > 0 && !q.closed {
			e = l.pending[0]
			l.pending = l.pending[1:]
		} else {
			l.running--
		}
		q.mu.Unlock()
	}
}

func (q *Queue) run(p Provider, e *entry) {
	q.mu.Lock()
	ctx, cancel := context.WithCancel(q.base)
	defer cancel()
	e.cancel = cancel
	now := q.now()
	e.job.State = Running
	e.job.StartedAt = &now
	snap := e.job.clone()
	q.mu.Unlock()
	q.publish(ctx, snap)

	outputs, err := q.call(ctx, p, snap, func(pr Progress) { q.report(e, pr) })

	q.mu.Lock()
	e.job.Outputs = slices.Clone(outputs)
	switch {
	case e.cancelRequested:
		// Whatever Run returned after a cancel (often ctx.Err() wrapped, or
		// a failure caused by the cancel) is the cancel's doing.
		msg := ""
		if q.closed {
			msg = "queue closed"
		}
		q.finishLocked(e, Cancelled, msg)
	case err != nil:
		q.finishLocked(e, Failed, err.Error())
	default:
		q.finishLocked(e, Done, "")
	}
	snap = e.job.clone()
	q.mu.Unlock()
	if err != nil && snap.State == Failed {
		q.logger.Warn("job failed", "job", snap.ID, "provider", p.Name(), "err", err)
	}
	q.publish(ctx, snap)
}

// call runs the provider, turning a panic into an error so one broken
// provider cannot take the app down.
func (q *Queue) call(ctx context.Context, p Provider, job Job, report func(Progress)) (out []Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			q.logger.Error("provider panicked", "provider", p.Name(), "job", job.ID, "panic", r, "stack", string(debug.Stack()))
			out, err = nil, fmt.Errorf("provider %s panicked: %v", p.Name(), r)
		}
	}()
	return p.Run(ctx, job, report)
}

// report handles one progress callback: fills JobID and ETA, throttles, and
// emits what survives.
func (q *Queue) report(e *entry, p Progress) {
	q.mu.Lock()
	if e.job.State != Running {
		q.mu.Unlock()
		return // late report after Run returned
	}
	p.JobID = e.job.ID
	p, send := e.tracker.update(q.now(), p, q.previewInterval, q.stepInterval)
	stored := p
	stored.Preview = ""
	e.job.Progress = stored
	q.mu.Unlock()
	if send {
		q.emitter.Emit(events.JobsProgress, p)
	}
}

// finishLocked moves e to a final state and prunes old finished jobs.
func (q *Queue) finishLocked(e *entry, s State, msg string) {
	now := q.now()
	e.job.State = s
	e.job.Error = msg
	e.job.FinishedAt = &now
	e.cancel = nil
	if _, ok := q.jobs[e.job.ID]; !ok {
		return // never entered the table (closed during Submit)
	}
	q.finished = append(q.finished, e.job.ID)
	for len(q.finished) > q.keepFinished {
		delete(q.jobs, q.finished[0])
		q.finished = q.finished[1:]
	}
}

// publish records and announces a state change. It runs outside the lock;
// callers guarantee that one job's changes are published in order.
func (q *Queue) publish(ctx context.Context, job Job) {
	if q.recorder != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		if err := q.recorder.RecordJob(rctx, job); err != nil {
			q.logger.Error("record job", "job", job.ID, "state", job.State, "err", err)
		}
		cancel()
	}
	q.emitter.Emit(events.JobsChanged, job)
}
