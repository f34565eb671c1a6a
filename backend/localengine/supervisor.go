package localengine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
)

// Worker is what the app knows of the engine (STYLE §5): the Supervisor is
// the real one, tests use fakes.
type Worker interface {
	// Generate runs one job, calling progress from its own goroutine until
	// it returns. Cancelling ctx cancels the job; the error is then
	// ctx.Err().
	Generate(ctx context.Context, jobID string, req pipeline.Request, progress func(worker.Progress)) (worker.Result, error)
	// Unload asks the engine to free its cached models.
	Unload(ctx context.Context) error
	// Close stops the engine.
	Close() error
}

// Device choices (the engine.device setting).
const (
	DeviceAuto = "auto"
	DeviceCPU  = "cpu"
	DeviceCUDA = "cuda"
)

// Errors callers branch on.
var (
	// ErrNoCUDAWorker: there is no CUDA worker binary next to the app.
	ErrNoCUDAWorker = errors.New("no CUDA engine installed")
	// ErrClosed: the Supervisor was closed.
	ErrClosed = errors.New("engine closed")
)

// Options configure a Supervisor. Every field is optional.
type Options struct {
	// Device is DeviceAuto (default), DeviceCPU or DeviceCUDA.
	Device string
	// IdleTimeout stops a worker that had no request for that long, giving
	// its memory back (0: never).
	IdleTimeout time.Duration
	// StartTimeout bounds the wait for a new worker's hello (0: 60s).
	StartTimeout time.Duration
	// CancelGrace is how long a cancelled job or a shutdown may take before
	// the worker is killed (0: 10s).
	CancelGrace time.Duration
	// Logger receives the supervisor's logs (nil: discard).
	Logger *slog.Logger
	// Notify tells the user something they should know, such as Auto
	// falling back to the CPU (nil: logged only).
	Notify func(message string)
	// Command builds the worker process for "cpu" or "cuda"; it returns an
	// error wrapping ErrNoCUDAWorker when there is none. nil: DefaultCommand.
	// Tests point it at a helper process.
	Command func(device string) (*exec.Cmd, error)
}

// Supervisor keeps one engine worker: it starts one on first use, restarts
// it after a crash, and stops it after IdleTimeout. Requests are served one
// at a time. It is safe for concurrent use.
type Supervisor struct {
	opts Options
	log  *slog.Logger

	op sync.Mutex // held for one request (or an idle stop)

	mu          sync.Mutex // guards the fields below
	proc        *process
	device      string
	idleTimeout time.Duration
	idleTimer   *time.Timer
	lastUsed    time.Time
	cudaMissing string // why Auto gave up on CUDA; "" until it tried
	closed      bool
}

var _ Worker = (*Supervisor)(nil)

// NewSupervisor returns a Supervisor; no process starts until the first
// request.
func NewSupervisor(opts Options) *Supervisor {
	if opts.Device == "" {
		opts.Device = DeviceAuto
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.CancelGrace <= 0 {
		opts.CancelGrace = 10 * time.Second
	}
	if opts.Command == nil {
		opts.Command = DefaultCommand
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Supervisor{opts: opts, log: log, device: opts.Device, idleTimeout: opts.IdleTimeout}
}

// Configure applies changed settings: a new device takes effect at the next
// request (a running worker of another device is stopped then), a new idle
// timeout at once.
func (s *Supervisor) Configure(device string, idleTimeout time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if device == "" {
		device = DeviceAuto
	}
	if device != s.device {
		s.device, s.cudaMissing = device, ""
	}
	s.idleTimeout = idleTimeout
	s.armIdleLocked()
}

// Running reports whether a worker process is up, and its hello.
func (s *Supervisor) Running() (worker.Hello, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || !s.proc.alive() {
		return worker.Hello{}, false
	}
	return s.proc.hello, true
}

var _ ProcessInfo = (*Supervisor)(nil)

// Process implements ProcessInfo: the running worker's pid and the device
// it was started for ("cpu" or "cuda").
func (s *Supervisor) Process() (pid int, device string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || !s.proc.alive() || s.proc.cmd.Process == nil {
		return 0, "", false
	}
	return s.proc.cmd.Process.Pid, s.proc.device, true
}

// Generate implements Worker.
func (s *Supervisor) Generate(ctx context.Context, jobID string, req pipeline.Request, progress func(worker.Progress)) (worker.Result, error) {
	if progress == nil {
		progress = func(worker.Progress) {}
	}
	var res worker.Result
	err := s.request(ctx, worker.Message{Type: worker.TypeGenerate, JobID: jobID, Request: &req}, func(m worker.Message) (bool, error) {
		if m.JobID != jobID {
			return false, nil // a stale message of an earlier job
		}
		switch m.Type {
		case worker.TypeProgress:
			progress(*m.Progress)
			return false, nil
		case worker.TypeResult:
			res = *m.Result
			return true, nil
		case worker.TypeError:
			return true, m.Error.Err()
		}
		return false, nil
	})
	return res, err
}

// Unload implements Worker. With no worker running there is nothing to free.
func (s *Supervisor) Unload(ctx context.Context) error {
	if _, ok := s.Running(); !ok {
		return nil
	}
	return s.request(ctx, worker.Message{Type: worker.TypeUnload, Model: "*"}, func(m worker.Message) (bool, error) {
		switch {
		case m.Type == worker.TypeUnloaded && m.Model == "*":
			return true, nil
		case m.Type == worker.TypeError && m.JobID == "" && m.Model == "*":
			return true, m.Error.Err()
		}
		return false, nil
	})
}

// request sends m to a running worker (starting one if needed) and feeds
// the replies to handle until it reports done. Cancelling ctx sends cancel
// for a job and kills the worker when it has not answered within
// CancelGrace.
func (s *Supervisor) request(ctx context.Context, m worker.Message, handle func(worker.Message) (bool, error)) error {
	s.op.Lock()
	defer s.op.Unlock()
	defer s.touch()
	p, err := s.ensure(ctx)
	if err != nil {
		return err
	}
	if err := p.w.Send(m); err != nil {
		<-p.exited
		return p.stoppedError()
	}
	done := ctx.Done()
	var grace <-chan time.Time
	for {
		select {
		case msg := <-p.msgs:
			finished, err := handle(msg)
			if !finished {
				continue
			}
			if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
				return ctx.Err()
			}
			return err
		case <-p.exited:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.log.Warn("engine stopped during a request", "err", p.stoppedError(), "stderr", p.tail.Tail())
			return p.stoppedError()
		case <-done:
			done = nil
			if m.Type != worker.TypeGenerate {
				p.kill() // load/unload cannot be cancelled politely
				continue
			}
			_ = p.w.Send(worker.Message{Type: worker.TypeCancel, JobID: m.JobID})
			grace = time.After(s.opts.CancelGrace)
		case <-grace:
			s.log.Warn("engine ignored cancel; killing it", "job_id", m.JobID, "grace", s.opts.CancelGrace)
			p.kill()
		}
	}
}

// ensure returns a running worker of the configured device, starting one
// when there is none, the last one exited, or the device setting changed.
func (s *Supervisor) ensure(ctx context.Context) (*process, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if s.idleTimer != nil {
		s.idleTimer.Stop()
	}
	p, device, cudaMissing := s.proc, s.device, s.cudaMissing
	s.mu.Unlock()

	if p != nil && p.alive() && s.serves(p, device) {
		return p, nil
	}
	if p != nil {
		p.stop(s.opts.CancelGrace)
		if p.exitErr != nil && !p.killed.Load() {
			s.log.Warn("engine had stopped; restarting", "err", p.stoppedError())
		}
	}
	var err error
	switch device {
	case DeviceCPU:
		p, err = s.start(ctx, DeviceCPU)
	case DeviceCUDA:
		p, err = s.start(ctx, DeviceCUDA)
	default: // auto
		if cudaMissing == "" {
			p, err = s.start(ctx, DeviceCUDA)
			if err != nil && ctx.Err() == nil {
				s.mu.Lock()
				s.cudaMissing = err.Error()
				s.mu.Unlock()
				msg := "GPU engine unavailable (" + err.Error() + "); using the CPU engine"
				s.log.Warn(msg)
				if s.opts.Notify != nil {
					s.opts.Notify(msg)
				}
			}
		}
		if p == nil && ctx.Err() == nil {
			p, err = s.start(ctx, DeviceCPU)
		}
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		go p.stop(s.opts.CancelGrace)
		return nil, ErrClosed
	}
	s.proc = p
	return p, nil
}

// serves reports whether a running worker matches the device setting.
func (s *Supervisor) serves(p *process, device string) bool {
	return device == DeviceAuto || device == p.device
}

// start launches a worker for device and waits for its hello.
func (s *Supervisor) start(ctx context.Context, device string) (*process, error) {
	cmd, err := s.opts.Command(device)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	p, err := startProcess(cmd, device, s.log)
	if err != nil {
		return nil, err
	}
	timeout := time.NewTimer(s.opts.StartTimeout)
	defer timeout.Stop()
	for {
		select {
		case m := <-p.msgs:
			if m.Type != worker.TypeHello {
				s.log.Warn("engine spoke before hello", "type", m.Type)
				continue
			}
			if err := helloError(*m.Hello); err != nil {
				p.stop(s.opts.CancelGrace)
				return nil, err
			}
			if device == DeviceCUDA && !m.Hello.HasDevice(DeviceCUDA) {
				p.stop(s.opts.CancelGrace)
				return nil, errors.New("the CUDA engine found no CUDA device")
			}
			p.hello = *m.Hello
			s.log.Info("engine started", "device", device, "pid", cmd.Process.Pid, "devices", m.Hello.Devices,
				"seconds", time.Since(began).Seconds())
			return p, nil
		case <-p.exited:
			return nil, p.stoppedError()
		case <-timeout.C:
			p.kill()
			<-p.exited
			return nil, fmt.Errorf("engine did not start within %s", s.opts.StartTimeout)
		case <-ctx.Done():
			p.kill()
			<-p.exited
			return nil, ctx.Err()
		}
	}
}

// touch marks the end of a request and arms the idle stop.
func (s *Supervisor) touch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastUsed = time.Now()
	s.armIdleLocked()
}

func (s *Supervisor) armIdleLocked() {
	if s.idleTimer != nil {
		s.idleTimer.Stop()
		s.idleTimer = nil
	}
	if s.idleTimeout <= 0 || s.proc == nil || s.closed {
		return
	}
	wait := s.idleTimeout - time.Since(s.lastUsed)
	s.idleTimer = time.AfterFunc(max(wait, 0), s.idleStop)
}

// idleStop stops a worker nobody used for IdleTimeout, unless a request is
// running (its end re-arms the timer).
func (s *Supervisor) idleStop() {
	if !s.op.TryLock() {
		return
	}
	defer s.op.Unlock()
	s.mu.Lock()
	p := s.proc
	stale := s.idleTimeout > 0 && time.Since(s.lastUsed) >= s.idleTimeout
	if stale {
		s.proc = nil
	}
	s.mu.Unlock()
	if stale && p != nil {
		s.log.Info("engine idle; stopping it to free memory", "idle", s.idleTimeout)
		p.stop(s.opts.CancelGrace)
	}
}

// Close stops the worker (a running job is cancelled with it) and refuses
// further requests.
func (s *Supervisor) Close() error {
	s.mu.Lock()
	s.closed = true
	p := s.proc
	s.proc = nil
	if s.idleTimer != nil {
		s.idleTimer.Stop()
	}
	s.mu.Unlock()
	if p != nil {
		p.stop(s.opts.CancelGrace)
	}
	return nil
}
