//go:build !unix

package safetensors

import (
	"fmt"
	"os"
)

// fileSource reads each tensor with ReadAt where mmap is not available.
type fileSource struct {
	f    *os.File
	size int64
}

func newSource(f *os.File, size int64) (source, error) {
	return &fileSource{f: f, size: size}, nil
}

func (s *fileSource) slice(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off+n > s.size {
		return nil, fmt.Errorf("range [%d, %d) outside the %d-byte file", off, off+n, s.size)
	}
	b := make([]byte, n)
	if _, err := s.f.ReadAt(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

func (s *fileSource) release(int64, int64) {}

func (s *fileSource) close() error { return s.f.Close() }
