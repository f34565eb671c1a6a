//go:build !amd64 || purego

package vmath

// archPaths is empty where no assembly kernel exists (or with -tags purego).
func archPaths() []*path { return nil }
