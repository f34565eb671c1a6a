// Package cli is DreamLayer's command line: `dreamlayer <command> …`. Every
// command works on the same services as the window (package studio), so what
// the UI can do is scriptable and testable without a display.
package cli
