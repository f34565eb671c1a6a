package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// State is where a job is in its life. Queued and Running are live; the other
// three are final and never change again.
type State string

// Job states.
const (
	Queued    State = "queued"
	Running   State = "running"
	Done      State = "done"
	Failed    State = "failed"
	Cancelled State = "cancelled"
)

// Final reports whether s is a state a job never leaves.
func (s State) Final() bool { return s == Done || s == Failed || s == Cancelled }

// Errors callers branch on.
var (
	// ErrUnknownProvider: Submit named a provider that was never registered.
	ErrUnknownProvider = errors.New("unknown provider")
	// ErrNotFound: no job has the given id (or it was pruned from memory).
	ErrNotFound = errors.New("job not found")
	// ErrFinished: Cancel was called on a job that already finished.
	ErrFinished = errors.New("job already finished")
	// ErrClosed: the queue was closed.
	ErrClosed = errors.New("job queue closed")
	// ErrNotQueued: Move was called on a job that already started or
	// finished; only queued jobs can change place.
	ErrNotQueued = errors.New("job is not queued")
)

// Request is what the user asked for. Provider-specific settings (steps,
// sampler, size, seed, …) travel in Params; the provider validates them.
type Request struct {
	Provider       string         `json:"provider"`
	Model          string         `json:"model"`
	Mode           string         `json:"mode"` // txt2img, img2img, inpaint, …
	Prompt         string         `json:"prompt"`
	NegativePrompt string         `json:"negativePrompt"`
	Params         map[string]any `json:"params,omitempty"`
}

// Output is one image a job produced, already written to disk by the provider.
type Output struct {
	Path     string         `json:"path"`
	Width    int            `json:"width"`
	Height   int            `json:"height"`
	Seed     int64          `json:"seed"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Progress is a running job's position. Providers fill Step/Total and
// optionally Preview and Message; the queue sets JobID and, when the provider
// leaves ETASeconds at 0, estimates it from the time between steps.
type Progress struct {
	JobID      string  `json:"jobId"`
	Step       int     `json:"step"`
	Total      int     `json:"total"`
	ETASeconds float64 `json:"etaSeconds"`
	Preview    string  `json:"preview,omitempty"` // data: URL
	Message    string  `json:"message,omitempty"`
}

// Job is a snapshot of one queued, running or finished request. Snapshots are
// copies: changing one does not change the queue. Job.Progress never carries
// the preview image (those go out only as JobsProgress events), so job lists
// stay small.
type Job struct {
	ID         string     `json:"id"`
	Request    Request    `json:"request"`
	State      State      `json:"state"`
	Error      string     `json:"error,omitempty"`
	Progress   Progress   `json:"progress"`
	Outputs    []Output   `json:"outputs,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// Order sorts the queued jobs of one provider in the order they will
	// start (smaller first). Jobs get increasing values when submitted and
	// Queue.Move permutes them; once a job runs the value no longer means
	// anything. Jobs of different providers compare by submission order
	// unless moved, which is only a display order: lanes run independently.
	Order uint64 `json:"order"`
}

// Reorder is the payload of events.JobsReordered: the queued jobs of one
// provider, in the order they will start, with their new Order values.
type Reorder struct {
	Provider string      `json:"provider"`
	Jobs     []Placement `json:"jobs"`
}

// Placement is one queued job's place after a Move.
type Placement struct {
	ID    string `json:"id"`
	Order uint64 `json:"order"`
}

// clone returns a copy of j that shares no maps or slices with it, so a
// snapshot handed to a caller cannot race with the queue's own copy.
func (j Job) clone() Job {
	j.Request.Params = maps.Clone(j.Request.Params)
	j.Outputs = slices.Clone(j.Outputs)
	for i := range j.Outputs {
		j.Outputs[i].Metadata = maps.Clone(j.Outputs[i].Metadata)
	}
	if j.StartedAt != nil {
		t := *j.StartedAt
		j.StartedAt = &t
	}
	if j.FinishedAt != nil {
		t := *j.FinishedAt
		j.FinishedAt = &t
	}
	return j
}

// Provider runs jobs of one kind. Run must honour ctx (return soon after it is
// cancelled), may call report from its own goroutine as often as it likes (the
// queue throttles), and must not call report after it returns.
type Provider interface {
	Name() string
	// Concurrency is how many jobs the provider runs at once: 1 for the local
	// engine, a few for cloud APIs. Values below 1 count as 1.
	Concurrency() int
	Run(ctx context.Context, job Job, report func(Progress)) ([]Output, error)
}

// Recorder persists jobs; the history database implements it. RecordJob is
// called on every state change, in order for any one job.
type Recorder interface {
	RecordJob(ctx context.Context, job Job) error
}

// newID returns a time-sortable id: 12 hex digits of Unix milliseconds then
// 12 random hex digits, so ids sort by creation and never collide in practice.
func newID(now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥1.24 crashes instead)
	return fmt.Sprintf("%012x%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}
