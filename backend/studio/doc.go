// Package studio builds DreamLayer's services from the user's folders and wires
// them together. The desktop window (app.go) and the command line both start
// from a Studio, so every feature behaves the same in either.
package studio
