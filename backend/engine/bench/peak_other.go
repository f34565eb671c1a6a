//go:build (!amd64 && !arm64) || purego

package bench

// archLoops is empty without assembly: only the generic loop is measured.
func archLoops() map[string]peakLoop { return map[string]peakLoop{} }
