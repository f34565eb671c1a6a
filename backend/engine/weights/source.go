package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights/pickle"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

// DType is a tensor element type, spelled as in safetensors headers ("F16",
// "BF16", "F32", …); pickle checkpoints use the same names.
type DType = safetensors.DType

// Element types, re-exported so callers need not import safetensors.
const (
	F64    = safetensors.F64
	F32    = safetensors.F32
	F16    = safetensors.F16
	BF16   = safetensors.BF16
	I64    = safetensors.I64
	I32    = safetensors.I32
	I16    = safetensors.I16
	I8     = safetensors.I8
	U8     = safetensors.U8
	Bool   = safetensors.Bool
	F8E4M3 = safetensors.F8E4M3
	F8E5M2 = safetensors.F8E5M2
)

// ErrUnknownFormat is returned by Open for a file that is neither
// safetensors nor a PyTorch checkpoint.
var ErrUnknownFormat = errors.New("weights: unknown file format")

// ErrLegacyFormat is pickle.ErrLegacyFormat, for callers that only import
// this package.
var ErrLegacyFormat = pickle.ErrLegacyFormat

// Info describes one tensor.
type Info struct {
	Name  string
	DType DType
	Shape []int64
}

// Elements is the number of elements (1 for a scalar).
func (i Info) Elements() int64 {
	n := int64(1)
	for _, d := range i.Shape {
		n *= d // both formats validate shapes against the data on open
	}
	return n
}

// Source is an open weight file. Implementations are safe for concurrent
// reads; Close must not race with them.
type Source interface {
	// Names lists every tensor, sorted.
	Names() []string
	// Info describes a tensor.
	Info(name string) (Info, bool)
	// Metadata is the file's string metadata (the safetensors
	// "__metadata__" map; for PyTorch checkpoints, scalar top-level
	// entries such as "global_step"). Never nil.
	Metadata() map[string]string
	// Float32 returns a tensor widened to float32 in a fresh slice the
	// caller owns.
	Float32(name string) ([]float32, error)
	// Raw returns a tensor's elements as contiguous row-major
	// little-endian bytes of Info.DType, without conversion. Treat the
	// slice as read-only and do not use it after Close: for safetensors it
	// aliases the file mapping.
	Raw(name string) ([]byte, Info, error)
	Close() error
}

// Warner is implemented by sources that skipped parts of the file (a
// PyTorch checkpoint's refused, inert globals); callers may log them.
type Warner interface {
	Warnings() []string
}

// Releaser is implemented by sources that can drop a tensor's bytes from
// memory once a caller has copied them (memory-mapped safetensors). Loaders
// call it after uploading each weight so a checkpoint is never resident twice.
type Releaser interface {
	Release(name string)
}

// Open opens a weight file, choosing the format from its content.
func Open(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open weights: %w", err)
	}
	var head [16]byte
	n, err := io.ReadFull(f, head[:])
	st, serr := f.Stat()
	f.Close()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("open weights %s: %w", path, err)
	}
	if serr != nil {
		return nil, fmt.Errorf("open weights %s: %w", path, serr)
	}
	switch sniff(head[:n], st.Size()) {
	case formatSafetensors:
		return OpenSafetensors(path)
	case formatPickle:
		return OpenPickle(path)
	}
	return nil, fmt.Errorf("open weights %s: %w", path, ErrUnknownFormat)
}

type format int

const (
	formatUnknown format = iota
	formatSafetensors
	formatPickle
)

// sniff recognises a zip local-file header or a bare pickle (both PyTorch;
// the pickle loader explains that the bare, legacy form is unsupported), or
// a safetensors header: an 8-byte little-endian length that fits the file,
// followed by a JSON object.
//
// The safetensors test comes first: a header length of 128–1407 bytes starts
// with 0x80 0x00–0x05, the same two bytes as a pickle's PROTO opcode, and a
// pickle never has '{' at offset 8 with a plausible length before it.
func sniff(head []byte, size int64) format {
	if len(head) >= 9 {
		n := binary.LittleEndian.Uint64(head)
		if n >= 2 && n <= uint64(size-8) && head[8] == '{' {
			return formatSafetensors
		}
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return formatPickle
	case len(head) >= 2 && head[0] == 0x80 && head[1] <= 5:
		return formatPickle
	}
	return formatUnknown
}

// OpenSafetensors opens a safetensors file (memory-mapped where possible).
func OpenSafetensors(path string) (Source, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	return &stSource{path: path, f: f}, nil
}

// OpenPickle opens a PyTorch zip checkpoint. A state dict nested under a
// top-level "state_dict" key (LDM and Lightning .ckpt) is used directly;
// nested dicts are flattened into dotted names. Globals outside the
// unpickler's allowlist are kept inert unless the tensors depend on them.
func OpenPickle(path string) (Source, error) {
	c, err := pickle.Open(path, pickle.Options{})
	if err != nil {
		return nil, err
	}
	return &ptSource{path: path, c: c}, nil
}

// Prefixed returns a view of src holding only the tensors whose names
// start with prefix, with prefix removed ("model.diffusion_model." →
// UNet keys). Closing it closes src.
func Prefixed(src Source, prefix string) Source {
	p := &prefixed{Source: src, prefix: prefix}
	for _, n := range src.Names() {
		if rest, ok := strings.CutPrefix(n, prefix); ok {
			p.names = append(p.names, rest) // stays sorted: a common prefix keeps order
		}
	}
	return p
}

type prefixed struct {
	Source
	prefix string
	names  []string
}

func (p *prefixed) Names() []string { return p.names }

func (p *prefixed) Info(name string) (Info, bool) {
	i, ok := p.Source.Info(p.prefix + name)
	i.Name = name
	return i, ok
}

func (p *prefixed) Float32(name string) ([]float32, error) { return p.Source.Float32(p.prefix + name) }

func (p *prefixed) Raw(name string) ([]byte, Info, error) {
	b, i, err := p.Source.Raw(p.prefix + name)
	i.Name = name
	return b, i, err
}
