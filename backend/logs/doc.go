// Package logs opens DreamLayer's structured log files (log/slog) with
// size-based rotation, so a long-running desktop app never fills the disk with
// logs: logs/dream_layer.log for the app, engine.log and access.log beside it.
// The level can be changed at run time when the user edits settings.
package logs
