package worker

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
)

// ProtocolVersion is bumped on any change a peer of the previous version
// would misread. The app refuses a worker whose hello carries another one.
const ProtocolVersion = 1

// MaxLineBytes bounds one message line. Requests carry paths, never image
// bytes, and previews are small, so 64 MiB is far above any honest line while
// keeping a runaway peer from growing memory without limit.
const MaxLineBytes = 64 << 20

// Type names a message.
type Type string

// Messages the worker sends.
const (
	TypeHello    Type = "hello"
	TypeProgress Type = "progress"
	TypeResult   Type = "result"
	TypeError    Type = "error"
	TypeLoaded   Type = "loaded"
	TypeUnloaded Type = "unloaded"
)

// Messages the app sends.
const (
	TypeLoad     Type = "load"
	TypeUnload   Type = "unload"
	TypeGenerate Type = "generate"
	TypeCancel   Type = "cancel"
	TypeShutdown Type = "shutdown"
)

// ErrorKind classifies a failure so the app can branch on it.
type ErrorKind string

// Error kinds.
const (
	KindOutOfMemory      ErrorKind = "out_of_memory"
	KindUnsupportedModel ErrorKind = "unsupported_model"
	KindBadInput         ErrorKind = "bad_input"
	KindCancelled        ErrorKind = "cancelled"
	KindInternal         ErrorKind = "internal"
)

// ErrBadMessage wraps every decoding and validation error.
var ErrBadMessage = errors.New("bad message")

// Message is one protocol line. Type says which of the other fields are
// set: JobID for progress, result, error of a job, generate and cancel;
// Model for load, unload, loaded, unloaded and an error of a load/unload;
// and the payload named after the type.
type Message struct {
	Type     Type              `json:"type"`
	JobID    string            `json:"job_id,omitempty"`
	Model    string            `json:"model,omitempty"`
	Hello    *Hello            `json:"hello,omitempty"`
	Progress *Progress         `json:"progress,omitempty"`
	Result   *Result           `json:"result,omitempty"`
	Error    *Error            `json:"error,omitempty"`
	Request  *pipeline.Request `json:"request,omitempty"`
}

// Hello is the worker's first message: what it is and what it runs on.
type Hello struct {
	Protocol   int      `json:"protocol"`
	AppVersion string   `json:"app_version"`
	Devices    []Device `json:"devices"`
	// RAMBytes is the machine's memory; VRAMBytes the accelerator's (0 for
	// the CPU worker).
	RAMBytes  int64 `json:"ram_bytes"`
	VRAMBytes int64 `json:"vram_bytes"`
}

// Device is one compute device a worker runs on.
type Device struct {
	Name        string `json:"name"` // registry name: "cpu", "cuda"
	Description string `json:"description"`
}

// HasDevice reports whether the hello lists a device of that registry name.
func (h Hello) HasDevice(name string) bool {
	for _, d := range h.Devices {
		if d.Name == name {
			return true
		}
	}
	return false
}

// Progress is one step of a running job.
type Progress struct {
	// Stage is one of pipeline's Stage… constants.
	Stage string `json:"stage"`
	// Batch is the 0-based batch being worked on.
	Batch int `json:"batch"`
	Step  int `json:"step"`
	Total int `json:"total"`
	// PreviewPNG is a small PNG of the current estimate; the worker sends one
	// at most every PreviewInterval (JSON carries it as base64).
	PreviewPNG []byte `json:"preview_png_base64,omitempty"`
}

// Result is a finished job: the written files and their metadata.
type Result struct {
	Images  []Image          `json:"images"`
	Seed    int64            `json:"seed"`
	Steps   int              `json:"steps"`
	Timings pipeline.Timings `json:"timings"`
	// PeakDeviceBytes is the device memory held at the job's peak, when the
	// device tracks it (the GPU; 0 and left out on the CPU).
	PeakDeviceBytes int64 `json:"peak_device_bytes,omitempty"`
}

// Image is one written output file.
type Image struct {
	Path       string `json:"path"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Seed       int64  `json:"seed"`
	Subseed    int64  `json:"subseed,omitempty"`
	Parameters string `json:"parameters"` // A1111 "parameters" text
}

// Error is a failed request.
type Error struct {
	Kind    ErrorKind `json:"kind"`
	Message string    `json:"message"`
}

// Err turns a received error message into a Go error that matches its kind
// with errors.Is (ErrCancelled, ErrBadInput, …).
func (e *Error) Err() error { return &RemoteError{Kind: e.Kind, Message: e.Message} }

// Validate checks that m is well formed: a known type with the fields it
// needs. Decode calls it; writers call it to catch their own mistakes.
func (m *Message) Validate() error {
	need := func(ok bool, what string) error {
		if !ok {
			return fmt.Errorf("%w: %s needs %s", ErrBadMessage, m.Type, what)
		}
		return nil
	}
	switch m.Type {
	case TypeHello:
		return need(m.Hello != nil, "a hello payload")
	case TypeProgress:
		return need(m.JobID != "" && m.Progress != nil, "job_id and a progress payload")
	case TypeResult:
		return need(m.JobID != "" && m.Result != nil, "job_id and a result payload")
	case TypeError:
		return need(m.Error != nil && m.Error.Kind != "", "an error payload with a kind")
	case TypeLoaded, TypeUnloaded, TypeLoad, TypeUnload:
		return need(m.Model != "", "model")
	case TypeGenerate:
		return need(m.JobID != "" && m.Request != nil, "job_id and a request")
	case TypeCancel:
		return need(m.JobID != "", "job_id")
	case TypeShutdown:
		return nil
	case "":
		return fmt.Errorf("%w: no type", ErrBadMessage)
	}
	return fmt.Errorf("%w: unknown type %q", ErrBadMessage, truncate(string(m.Type), 64))
}

// Decode parses and validates one line.
func Decode(line []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(line, &m); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if err := m.Validate(); err != nil {
		return m, err
	}
	return m, nil
}

// Encode validates m and returns its line, newline included.
func Encode(m Message) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Type, err)
	}
	return append(b, '\n'), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
