package rng

import (
	"errors"
	"fmt"
	"strings"
)

// Source fills a slice with standard normal samples. Samplers take one for
// their per-step noise; implementations continue their stream across calls.
type Source interface {
	Normal(dst []float32)
}

// Generator is a seeded Source that can also draw a shaped tensor.
type Generator interface {
	Source
	Randn(shape []int) []float32
}

// Kind names a noise source the way A1111's "Random number generator source"
// setting does.
type Kind int

const (
	// KindCPU is torch's CPU generator (A1111 "CPU", ComfyUI).
	KindCPU Kind = iota
	// KindPhilox is A1111's Philox imitation of torch CUDA ("NV", and "GPU"
	// on an NVIDIA card).
	KindPhilox
)

// ErrUnknownKind is returned by ParseKind for a name it does not know.
var ErrUnknownKind = errors.New("unknown noise source")

// ParseKind maps "cpu", "gpu" and "nv" (any case, surrounding spaces ignored)
// to a Kind. "gpu" means A1111's GPU source, whose numbers on CUDA are the
// ones Philox reproduces.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "cpu":
		return KindCPU, nil
	case "gpu", "nv":
		return KindPhilox, nil
	}
	return 0, fmt.Errorf("parse noise source %q: %w (want cpu, gpu or nv)", s, ErrUnknownKind)
}

// String returns the canonical name ParseKind accepts.
func (k Kind) String() string {
	switch k {
	case KindCPU:
		return "cpu"
	case KindPhilox:
		return "nv"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// New returns a fresh generator of kind k seeded with seed.
func New(k Kind, seed uint64) (Generator, error) {
	switch k {
	case KindCPU:
		return NewTorchCPU(seed), nil
	case KindPhilox:
		return NewPhilox(seed), nil
	}
	return nil, fmt.Errorf("new generator: %w: %v", ErrUnknownKind, k)
}
