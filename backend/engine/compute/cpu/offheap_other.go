//go:build !(linux || darwin || freebsd)

package cpu

// offHeap has no portable form here: uploads stay on the Go heap.
func offHeap(int) []byte { return nil }

func releaseOffHeap([]byte) {}
