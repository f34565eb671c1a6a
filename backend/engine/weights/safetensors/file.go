package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
)

// File is an open safetensors file whose tensors are read lazily. On unix the
// file is memory-mapped read-only, so Bytes returns a view into the page cache
// and loading a multi-gigabyte checkpoint does not copy it into the heap.
//
// A File is safe for concurrent reads; Close must not race with them, and
// slices returned by Bytes are invalid after Close.
type File struct {
	path   string
	header *Header
	src    source
}

// source is the byte store behind a File: a memory mapping or a plain file.
type source interface {
	// slice returns n bytes at absolute offset off; the range has been
	// validated to lie inside the file.
	slice(off, n int64) ([]byte, error)
	// release tells the OS the range will not be read again soon, so its
	// pages can leave the process's resident set (no-op without mmap).
	release(off, n int64)
	close() error
}

// ErrClosed is returned by reads on a closed File.
var ErrClosed = errors.New("safetensors: file closed")

// Open opens and validates a safetensors file.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open safetensors: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open safetensors %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("open safetensors %s: %w: not a regular file", path, ErrInvalid)
	}
	h, err := ReadHeader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open safetensors %s: %w", path, err)
	}
	src, err := newSource(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open safetensors %s: %w", path, err)
	}
	return &File{path: path, header: h, src: src}, nil
}

// Close releases the mapping and the file.
func (f *File) Close() error {
	if f.src == nil {
		return nil
	}
	err := f.src.close()
	f.src = nil
	if err != nil {
		return fmt.Errorf("close safetensors %s: %w", f.path, err)
	}
	return nil
}

// Release drops a tensor's pages from the resident set once it has been
// copied elsewhere (onto a device). Reading it again is still valid: the
// pages come back from the page cache. Without this, loading a checkpoint
// holds every weight twice at the peak — the mapped file and the copy.
func (f *File) Release(name string) {
	if f.src == nil {
		return
	}
	if t, ok := f.header.Lookup(name); ok {
		f.src.release(f.header.DataStart+t.Begin, t.End-t.Begin)
	}
}

// Header returns the validated header.
func (f *File) Header() *Header { return f.header }

// Bytes returns the raw little-endian bytes of a tensor. On unix the slice is
// a read-only view into the mapping: do not modify it or use it after Close.
func (f *File) Bytes(name string) ([]byte, TensorInfo, error) {
	t, ok := f.header.Lookup(name)
	if !ok {
		return nil, TensorInfo{}, fmt.Errorf("safetensors %s: no tensor %q", f.path, name)
	}
	if f.src == nil {
		return nil, t, ErrClosed
	}
	b, err := f.src.slice(f.header.DataStart+t.Begin, t.End-t.Begin)
	if err != nil {
		return nil, t, fmt.Errorf("safetensors %s: read %q: %w", f.path, name, err)
	}
	return b, t, nil
}

// Float32 returns a tensor widened (or, for F64 and 64-bit integers, rounded)
// to float32, in a fresh slice the caller owns.
func (f *File) Float32(name string) ([]float32, error) {
	b, t, err := f.Bytes(name)
	if err != nil {
		return nil, err
	}
	out, err := ToFloat32(t.DType, b)
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %q: %w", f.path, name, err)
	}
	return out, nil
}

// ToFloat32 converts raw little-endian elements of dtype d to float32.
func ToFloat32(d DType, b []byte) ([]float32, error) {
	size := d.Size()
	if size == 0 {
		return nil, fmt.Errorf("%w: unknown dtype %q", ErrInvalid, d)
	}
	if len(b)%size != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of %s elements", ErrInvalid, len(b), d)
	}
	out := make([]float32, len(b)/size)
	le := binary.LittleEndian
	switch d {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case F16:
		for i := range out {
			out[i] = HalfToFloat32(le.Uint16(b[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = BF16ToFloat32(le.Uint16(b[2*i:]))
		}
	case F64:
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case F8E4M3:
		for i := range out {
			out[i] = E4M3ToFloat32(b[i])
		}
	case F8E5M2:
		for i := range out {
			out[i] = E5M2ToFloat32(b[i])
		}
	case I64:
		for i := range out {
			out[i] = float32(int64(le.Uint64(b[8*i:])))
		}
	case U64:
		for i := range out {
			out[i] = float32(le.Uint64(b[8*i:]))
		}
	case I32:
		for i := range out {
			out[i] = float32(int32(le.Uint32(b[4*i:])))
		}
	case U32:
		for i := range out {
			out[i] = float32(le.Uint32(b[4*i:]))
		}
	case I16:
		for i := range out {
			out[i] = float32(int16(le.Uint16(b[2*i:])))
		}
	case U16:
		for i := range out {
			out[i] = float32(le.Uint16(b[2*i:]))
		}
	case I8:
		for i := range out {
			out[i] = float32(int8(b[i]))
		}
	case U8:
		for i := range out {
			out[i] = float32(b[i])
		}
	case Bool:
		for i := range out {
			if b[i] != 0 {
				out[i] = 1
			}
		}
	}
	return out, nil
}
