// Package events names the events the backend sends to the UI and defines the
// Emitter seam through which services send them. The App wires an Emitter backed
// by the Wails runtime; tests and the command line use their own.
package events
