//go:build (!amd64 && !arm64) || purego

package gemm

// archPaths is empty where no assembly kernel exists (or with -tags purego):
// only the generic path runs.
func archPaths() []*kernelSet { return nil }
