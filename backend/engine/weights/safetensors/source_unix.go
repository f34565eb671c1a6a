//go:build unix

package safetensors

import (
	"fmt"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mmapSource maps the whole file read-only. The file descriptor is closed
// right away: the mapping keeps the pages reachable on its own.
type mmapSource struct {
	data []byte
}

func newSource(f *os.File, size int64) (source, error) {
	defer f.Close()
	if size > math.MaxInt {
		return nil, fmt.Errorf("file of %d bytes is too large to map on this platform", size)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return &mmapSource{data: data}, nil
}

func (m *mmapSource) slice(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off+n > int64(len(m.data)) {
		return nil, fmt.Errorf("range [%d, %d) outside the %d-byte mapping", off, off+n, len(m.data))
	}
	return m.data[off : off+n : off+n], nil
}

func (m *mmapSource) release(off, n int64) {
	page := int64(os.Getpagesize())
	start := (off + page - 1) / page * page // only whole pages inside the range:
	end := (off + n) / page * page          // neighbours may still be in use
	if m.data == nil || start >= end || end > int64(len(m.data)) {
		return
	}
	_ = unix.Madvise(m.data[start:end], unix.MADV_DONTNEED)
}

func (m *mmapSource) close() error {
	if m.data == nil {
		return nil
	}
	err := unix.Munmap(m.data)
	m.data = nil
	return err
}
