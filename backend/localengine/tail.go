package localengine

import (
	"strings"
	"sync"
)

const (
	tailLines   = 20
	maxTailLine = 4 << 10 // longer stderr lines are cut
)

// tailWriter is the worker's stderr: it keeps the last lines so a crash can
// be explained, and the first line that looks like the cause of a crash
// (a Go panic or fatal error), which a long goroutine dump would otherwise
// push out of the tail (ollama llm/status.go keeps error lines the same way).
type tailWriter struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
	cause   string
	onLine  func(string)
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range p {
		if b == '\n' {
			w.addLine(string(w.partial))
			w.partial = w.partial[:0]
			continue
		}
		if len(w.partial) < maxTailLine {
			w.partial = append(w.partial, b)
		}
	}
	return len(p), nil
}

func (w *tailWriter) addLine(line string) {
	line = strings.TrimRight(line, "\r")
	if strings.TrimSpace(line) == "" {
		return
	}
	if w.onLine != nil {
		w.onLine(line)
	}
	if w.cause == "" && isCrashLine(line) {
		w.cause = line
	}
	w.lines = append(w.lines, line)
	if len(w.lines) > tailLines {
		w.lines = w.lines[len(w.lines)-tailLines:]
	}
}

// isCrashLine spots the lines the Go runtime writes when a process dies.
func isCrashLine(line string) bool {
	for _, p := range []string{"panic:", "fatal error:", "runtime: out of memory", "SIGSEGV", "SIGBUS"} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// Cause is the best one-line explanation of why the worker stopped: the
// crash line when there is one, else the last few lines; "" when the worker
// wrote nothing.
func (w *tailWriter) Cause() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cause != "" {
		return w.cause
	}
	lines := w.lines
	if len(w.partial) > 0 {
		lines = append(append([]string(nil), lines...), string(w.partial))
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, "; ")
}

// Tail returns the kept lines, oldest first.
func (w *tailWriter) Tail() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.lines...)
}
