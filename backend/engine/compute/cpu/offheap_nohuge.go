//go:build !linux

package cpu

// adviseHuge has no portable form outside Linux.
func adviseHuge([]byte) {}
