package localengine

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
)

// ErrEngineStopped is wrapped by the error a request gets when the worker
// process exits under it; the message reads "engine stopped: <cause>".
var ErrEngineStopped = errors.New("engine stopped")

// process is one running worker.
type process struct {
	cmd    *exec.Cmd
	device string // the device asked for: "cpu" or "cuda"
	stdin  io.WriteCloser
	w      *worker.Writer
	msgs   chan worker.Message
	exited chan struct{} // closed once the process has been waited for
	tail   *tailWriter
	hello  worker.Hello

	exitErr error       // set before exited is closed
	killed  atomic.Bool // we killed it (a hard cancel or a failed start)
}

// startProcess starts cmd and reads its messages in the background.
func startProcess(cmd *exec.Cmd, device string, log *slog.Logger) (*process, error) {
	p := &process{cmd: cmd, device: device, msgs: make(chan worker.Message, 256), exited: make(chan struct{})}
	p.tail = &tailWriter{onLine: func(line string) { log.Debug("engine stderr", "line", line) }}
	cmd.Stderr = p.tail
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start engine %s: %w", cmd.Path, err)
	}
	p.stdin, p.w = stdin, worker.NewWriter(stdin)
	go p.read(stdout, log)
	return p, nil
}

// read forwards the worker's messages until its stdout closes, then waits
// for the process so exitErr and the stderr tail are final before exited
// closes.
func (p *process) read(stdout io.Reader, log *slog.Logger) {
	r := worker.NewReader(stdout, 0)
	for {
		m, err := r.Next()
		if err != nil {
			if errors.Is(err, worker.ErrBadMessage) || errors.Is(err, worker.ErrLineTooLong) {
				log.Warn("bad line from the engine", "err", err)
				continue
			}
			break
		}
		if m.Type == worker.TypeProgress {
			// Progress can be dropped when nobody listens; the rest cannot.
			select {
			case p.msgs <- m:
			default:
			}
			continue
		}
		select {
		case p.msgs <- m:
		case <-time.After(time.Minute):
			log.Warn("engine message dropped: nobody reading", "type", m.Type, "job_id", m.JobID)
		}
	}
	p.exitErr = p.cmd.Wait()
	close(p.exited)
}

func (p *process) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// kill ends the process now.
func (p *process) kill() {
	if p.alive() && p.cmd.Process != nil {
		p.killed.Store(true)
		_ = p.cmd.Process.Kill()
	}
}

// stop asks the worker to shut down and kills it when it has not exited
// within grace.
func (p *process) stop(grace time.Duration) {
	if !p.alive() {
		return
	}
	_ = p.w.Send(worker.Message{Type: worker.TypeShutdown})
	_ = p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(grace):
		p.kill()
		<-p.exited
	}
}

// stoppedError explains an exited worker: "engine stopped: <cause>".
func (p *process) stoppedError() error {
	cause := p.tail.Cause()
	status := ""
	if p.exitErr != nil {
		status = p.exitErr.Error()
		var ee *exec.ExitError
		if errors.As(p.exitErr, &ee) && !p.killed.Load() && runtime.GOOS != "windows" {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				// Nobody here killed it: on Linux that is usually the kernel's
				// out-of-memory killer.
				status += ", possibly out of memory"
			}
		}
	}
	switch {
	case cause != "" && status != "":
		return fmt.Errorf("%w: %s (%s)", ErrEngineStopped, cause, status)
	case cause != "":
		return fmt.Errorf("%w: %s", ErrEngineStopped, cause)
	case status != "":
		return fmt.Errorf("%w: %s", ErrEngineStopped, status)
	}
	return fmt.Errorf("%w: it exited without a word", ErrEngineStopped)
}

// helloError checks a hello against what this app speaks.
func helloError(h worker.Hello) error {
	if h.Protocol != worker.ProtocolVersion {
		return fmt.Errorf("engine speaks protocol %d, the app %d (version %s): reinstall so both match",
			h.Protocol, worker.ProtocolVersion, strings.TrimSpace(h.AppVersion))
	}
	return nil
}
