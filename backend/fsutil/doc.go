// Package fsutil holds small file-system helpers shared by the services, chiefly
// WriteFileAtomic: files users own (settings, styles, outputs) must never be left
// half-written by a crash or a full disk, so they are written to a temporary file
// in the same directory and renamed over the target.
package fsutil
