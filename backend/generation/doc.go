// Package generation turns what the Generate pages ask for into jobs: it
// resolves catalog model ids to files, maps the form's fields onto the
// engine's request, keeps dropped or pasted images as files the engine
// worker can read, and answers the small questions the form asks while the
// user types (token counts, PNG metadata).
package generation
