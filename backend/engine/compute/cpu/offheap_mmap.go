//go:build linux || darwin || freebsd

package cpu

import "syscall"

// offHeap returns size bytes of zeroed anonymous memory outside the Go
// heap, or nil if the mapping fails (the caller then uses the heap).
func offHeap(size int) []byte {
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return mem
}

// releaseOffHeap returns memory from offHeap to the system.
func releaseOffHeap(mem []byte) { _ = syscall.Munmap(mem) }
