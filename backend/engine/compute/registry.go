package compute

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Options are passed to a device factory.
type Options struct {
	// Threads bounds the CPU worker threads; 0 means GOMAXPROCS.
	Threads int
	// Index selects among several devices of a kind (GPU ordinal).
	Index int
	// ExactF32 makes a GPU device compute products of F32 values in F32
	// instead of on F16 tensor cores (about 1e-6 instead of 1e-3 relative
	// error, several times slower). The CPU always computes in F32.
	ExactF32 bool
}

// Factory opens a device.
type Factory func(Options) (Device, error)

// ErrUnknownDevice is returned by Open for a name nobody registered.
var ErrUnknownDevice = errors.New("unknown device")

// factories is filled by Register from package init functions only and is
// read-only afterwards (STYLE §1), so it needs no lock.
var factories = map[string]Factory{}

// Register makes a device available by name. It must be called from an init
// function; registering a name twice is a programming error and panics.
func Register(name string, f Factory) {
	if name == "" || f == nil {
		panic("engine: compute.Register with empty name or nil factory")
	}
	if _, dup := factories[name]; dup {
		panic("engine: compute.Register called twice for " + name)
	}
	factories[name] = f
}

// Open opens the device registered under name.
func Open(name string, opts Options) (Device, error) {
	f, ok := factories[name]
	if !ok {
		return nil, fmt.Errorf("open device %q: %w (have %s)", name, ErrUnknownDevice, strings.Join(Names(), ", "))
	}
	d, err := f(opts)
	if err != nil {
		return nil, fmt.Errorf("open device %q: %w", name, err)
	}
	return d, nil
}

// Names lists the registered devices, sorted. The CPU device is present
// whenever compute/cpu is linked in (the pipeline imports it).
func Names() []string {
	out := make([]string, 0, len(factories))
	for n := range factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
