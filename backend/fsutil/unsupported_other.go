//go:build !unix

package fsutil

func isUnsupported(error) bool { return true }
