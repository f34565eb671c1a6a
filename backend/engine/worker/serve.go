package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
)

// Generator runs one job; *pipeline.Engine is one, tests inject fakes.
type Generator interface {
	Generate(ctx context.Context, req pipeline.Request, progress func(pipeline.Progress)) (pipeline.Result, error)
}

// Loader is implemented by generators that can load a model ahead of its
// first job. Without it, load is answered with a bad_input error (the model
// loads on its first generate).
type Loader interface {
	Load(ctx context.Context, model string) error
}

// Unloader is implemented by generators that can drop their cached models
// (*pipeline.Engine drops all of them, whatever model unload names).
type Unloader interface {
	Unload()
}

// Config tunes Serve. Every field is optional except Hello's contents.
type Config struct {
	// Hello is sent first; Protocol is set to ProtocolVersion.
	Hello Hello
	// Logger receives the worker's own logs (nil: discard).
	Logger *slog.Logger
	// PreviewInterval is the least time between two previews of a job
	// (0: 500ms, so at most 2 per second cross the pipe).
	PreviewInterval time.Duration
	// MaxQueued bounds the requests waiting behind the running one
	// (0: 64); beyond it a generate is refused with a bad_input error.
	MaxQueued int
	// Now is the clock for preview throttling (nil: time.Now).
	Now func() time.Time
	// Device, when set, is measured per job: a device that tracks its peak
	// memory (compute.PeakResetter) has it reset before each job and
	// reported in the result.
	Device compute.Device
}

// ErrJobPanicked is returned by Serve after a job panicked: the job got an
// internal error, and the process should exit so the app starts a fresh one
// rather than trust state a panic may have left half-changed.
var ErrJobPanicked = errors.New("job panicked")

// Serve speaks the protocol on in/out with gen doing the work. It sends
// hello, then serves requests until shutdown, the end of in or ctx is done;
// shutdown and the end of in cancel the running job and every waiting one
// (each answered with a cancelled error) and return nil once the running
// job has stopped. It returns an error when out cannot be written or a job
// panicked.
func Serve(ctx context.Context, in io.Reader, out io.Writer, gen Generator, cfg Config) error {
	s := &server{gen: gen, cfg: cfg, w: NewWriter(out), log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cfg.PreviewInterval <= 0 {
		s.cfg.PreviewInterval = 500 * time.Millisecond
	}
	if s.cfg.MaxQueued <= 0 {
		s.cfg.MaxQueued = 64
	}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	hello := cfg.Hello
	hello.Protocol = ProtocolVersion
	if err := s.w.Send(Message{Type: TypeHello, Hello: &hello}); err != nil {
		return err
	}
	return s.loop(ctx, in)
}

type server struct {
	gen Generator
	cfg Config
	w   *Writer
	log *slog.Logger
}

// running is the request being worked on.
type running struct {
	msg    Message
	cancel context.CancelFunc
}

// finished is a job goroutine's report to the loop.
type finished struct {
	panicked error
	sendErr  error
}

func (s *server) loop(ctx context.Context, in io.Reader) error {
	incoming := make(chan Message)
	readDone := make(chan error, 1)
	stopRead := make(chan struct{})
	defer close(stopRead)
	go s.read(in, incoming, readDone, stopRead)

	var (
		queue    []Message
		cur      *running
		done     = make(chan finished, 1)
		stopping bool
		result   error
	)
	stopAll := func(why string) {
		stopping = true
		if cur != nil {
			cur.cancel()
		}
		for _, m := range queue {
			s.refuse(m, KindCancelled, why)
		}
		queue = nil
	}
	for {
		if cur == nil && len(queue) > 0 && !stopping {
			m := queue[0]
			queue = queue[1:]
			jctx, cancel := context.WithCancel(ctx)
			cur = &running{msg: m, cancel: cancel}
			go s.run(jctx, m, done)
		}
		if stopping && cur == nil {
			return result
		}
		select {
		case m := <-incoming:
			switch m.Type {
			case TypeGenerate:
				switch {
				case stopping:
					s.refuse(m, KindCancelled, "the engine is shutting down")
				case cur != nil && cur.msg.JobID == m.JobID || slices.ContainsFunc(queue, func(q Message) bool { return q.JobID == m.JobID }):
					s.refuse(m, KindBadInput, fmt.Sprintf("job %s is already running or waiting", m.JobID))
				case len(queue) >= s.cfg.MaxQueued:
					s.refuse(m, KindBadInput, fmt.Sprintf("%d requests are already waiting", len(queue)))
				default:
					queue = append(queue, m)
				}
			case TypeLoad, TypeUnload:
				if stopping || len(queue) >= s.cfg.MaxQueued {
					s.refuse(m, KindBadInput, "the engine is shutting down or too busy")
				} else {
					queue = append(queue, m)
				}
			case TypeCancel:
				if cur != nil && cur.msg.JobID == m.JobID {
					cur.cancel()
				} else if i := slices.IndexFunc(queue, func(q Message) bool { return q.JobID == m.JobID }); i >= 0 {
					s.refuse(queue[i], KindCancelled, "cancelled before it started")
					queue = slices.Delete(queue, i, i+1)
				} else {
					// Cancel races with the job's end; a late one is harmless.
					s.log.Debug("cancel for no live job", "job_id", m.JobID)
				}
			case TypeShutdown:
				s.log.Info("shutdown requested")
				stopAll("the engine is shutting down")
			default:
				s.refuse(m, KindBadInput, fmt.Sprintf("unexpected message type %q from the app", m.Type))
			}
		case err := <-readDone:
			readDone = nil // a nil channel never fires again
			if err != nil && !errors.Is(err, io.EOF) {
				s.log.Warn("reading requests", "err", err)
			}
			stopAll("the app closed the engine's input")
		case f := <-done:
			cur.cancel()
			cur = nil
			if f.panicked != nil {
				result = f.panicked
				stopAll("the engine stopped after an internal error")
			} else if f.sendErr != nil && result == nil {
				result = f.sendErr
				stopAll("the engine cannot write to the app")
			}
		case <-ctx.Done():
			stopAll("the engine is shutting down")
			ctx = context.WithoutCancel(ctx) // fire once
		}
	}
}

// read decodes lines and hands requests to the loop; bad lines are answered
// here and never reach it.
func (s *server) read(in io.Reader, incoming chan<- Message, done chan<- error, stop <-chan struct{}) {
	r := NewReader(in, 0)
	for {
		m, err := r.Next()
		if err != nil {
			if errors.Is(err, ErrBadMessage) || errors.Is(err, ErrLineTooLong) {
				s.log.Warn("bad request line", "err", err)
				s.send(Message{Type: TypeError, JobID: m.JobID, Model: m.Model, Error: &Error{Kind: KindBadInput, Message: err.Error()}})
				continue
			}
			done <- err
			return
		}
		select {
		case incoming <- m:
		case <-stop:
			return
		}
	}
}

// refuse answers a request that will not run.
func (s *server) refuse(m Message, kind ErrorKind, msg string) {
	s.send(Message{Type: TypeError, JobID: m.JobID, Model: m.Model, Error: &Error{Kind: kind, Message: msg}})
}

func (s *server) send(m Message) error {
	err := s.w.Send(m)
	if err != nil {
		s.log.Error("writing to the app", "type", m.Type, "err", err)
	}
	return err
}

// run carries out one request on its own goroutine and reports to done.
func (s *server) run(ctx context.Context, m Message, done chan<- finished) {
	var f finished
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("job panicked", "job_id", m.JobID, "panic", p, "stack", string(debug.Stack()))
			msg := fmt.Sprintf("engine internal error: %v", p)
			f.sendErr = s.send(Message{Type: TypeError, JobID: m.JobID, Model: m.Model, Error: &Error{Kind: KindInternal, Message: msg}})
			f.panicked = fmt.Errorf("%w: %v", ErrJobPanicked, p)
		}
		done <- f
	}()
	var reply Message
	switch m.Type {
	case TypeGenerate:
		reply = s.generate(ctx, m)
	case TypeLoad:
		reply = Message{Type: TypeLoaded, Model: m.Model}
		if l, ok := s.gen.(Loader); !ok {
			reply = errorReply(m, KindBadInput, "this engine loads a model on its first generate")
		} else if err := l.Load(ctx, m.Model); err != nil {
			reply = errorReply(m, Classify(err), fmt.Sprintf("load %s: %v", m.Model, err))
		}
	case TypeUnload:
		reply = Message{Type: TypeUnloaded, Model: m.Model}
		if u, ok := s.gen.(Unloader); ok {
			u.Unload()
		} else {
			reply = errorReply(m, KindBadInput, "this engine cannot unload models")
		}
	}
	f.sendErr = s.send(reply)
}

func errorReply(m Message, kind ErrorKind, msg string) Message {
	return Message{Type: TypeError, JobID: m.JobID, Model: m.Model, Error: &Error{Kind: kind, Message: msg}}
}

func (s *server) generate(ctx context.Context, m Message) Message {
	req := *m.Request
	if req.OutputDir == "" {
		// Images cross the process boundary as files, never as bytes.
		return errorReply(m, KindBadInput, "request.output_dir is required")
	}
	start := s.cfg.Now()
	if r, ok := s.cfg.Device.(compute.PeakResetter); ok {
		r.ResetPeak()
	}
	var lastPreview time.Time
	sentPreview := false
	res, err := s.gen.Generate(ctx, req, func(p pipeline.Progress) {
		wp := Progress{Stage: p.Stage, Batch: p.Batch, Step: p.Step, Total: p.Total}
		if len(p.Preview) > 0 {
			if now := s.cfg.Now(); !sentPreview || now.Sub(lastPreview) >= s.cfg.PreviewInterval {
				wp.PreviewPNG, lastPreview, sentPreview = p.Preview, now, true
			}
		}
		_ = s.send(Message{Type: TypeProgress, JobID: m.JobID, Progress: &wp})
	})
	if err != nil {
		kind := Classify(err)
		if ctx.Err() != nil {
			kind = KindCancelled
		}
		s.log.Info("job failed", "job_id", m.JobID, "kind", kind, "err", err)
		return errorReply(m, kind, err.Error())
	}
	out := Result{Seed: res.Seed, Steps: res.Steps, Timings: res.Timings, Images: make([]Image, 0, len(res.Images))}
	if _, ok := s.cfg.Device.(compute.PeakResetter); ok {
		out.PeakDeviceBytes = s.cfg.Device.Info().PeakMemory
	}
	for _, img := range res.Images {
		out.Images = append(out.Images, Image{Path: img.Path, Width: img.Width, Height: img.Height,
			Seed: img.Seed, Subseed: img.Subseed, Parameters: img.Parameters})
	}
	s.log.Info("job done", "job_id", m.JobID, "images", len(out.Images), "seconds", s.cfg.Now().Sub(start).Seconds())
	return Message{Type: TypeResult, JobID: m.JobID, Result: &out}
}
