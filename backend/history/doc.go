// Package history is DreamLayer's record of past jobs and the images they made,
// kept in an embedded SQLite database (modernc.org/sqlite, pure Go, so no cgo).
//
// The gallery lists and searches outputs from here; the job queue writes every
// job state change through DB.RecordJob (DB implements jobs.Recorder). Prompts,
// negative prompts and model names are indexed with FTS5 so search stays fast
// with tens of thousands of images.
package history
