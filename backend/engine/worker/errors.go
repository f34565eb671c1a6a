package worker

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
)

// ErrOutOfMemory marks a device allocation failure a worker survived (a GPU
// allocation; the Go runtime cannot recover from running out of RAM, and the
// supervisor reports such a crash from the worker's stderr instead).
var ErrOutOfMemory = errors.New("out of memory")

// Classify maps an engine error to the kind the protocol reports.
func Classify(err error) ErrorKind {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return KindCancelled
	case errors.Is(err, ErrOutOfMemory):
		return KindOutOfMemory
	case errors.Is(err, pipeline.ErrInvalidRequest), errors.Is(err, fs.ErrNotExist):
		// A missing model or init image is the request's fault.
		return KindBadInput
	case errors.Is(err, detect.ErrUnsupportedModel):
		return KindUnsupportedModel
	}
	// Device back-ends report allocation failures in their own words
	// (CUDA_ERROR_OUT_OF_MEMORY, "cudaMalloc: out of memory").
	if msg := strings.ToLower(err.Error()); strings.Contains(msg, "out of memory") || strings.Contains(msg, "out_of_memory") {
		return KindOutOfMemory
	}
	return KindInternal
}

// RemoteError is an error the worker reported. errors.Is matches it against
// the in-process sentinel of its kind, so callers branch the same way on
// both sides of the process boundary: context.Canceled,
// pipeline.ErrInvalidRequest, detect.ErrUnsupportedModel, ErrOutOfMemory.
type RemoteError struct {
	Kind    ErrorKind
	Message string
}

func (e *RemoteError) Error() string { return e.Message }

// Is reports whether target is the sentinel of e's kind.
func (e *RemoteError) Is(target error) bool {
	switch e.Kind {
	case KindCancelled:
		return target == context.Canceled
	case KindBadInput:
		return target == pipeline.ErrInvalidRequest
	case KindUnsupportedModel:
		return target == detect.ErrUnsupportedModel
	case KindOutOfMemory:
		return target == ErrOutOfMemory
	}
	return false
}
