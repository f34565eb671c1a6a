//go:build !linux

package cpu

// totalMemory is unknown off Linux; Info reports 0 ("unknown").
func totalMemory() int64 { return 0 }
