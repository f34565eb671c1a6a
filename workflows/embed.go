// Package workflows embeds DreamLayer's built-in workflow templates (the
// ComfyUI API-format graphs in this folder and their README.md
// descriptions), so the app can install them into its data folder; package
// backend/workflows runs them.
package workflows

import "embed"

// FS holds every template folder's .json and README.md.
//
//go:embed */*.json */README.md
var FS embed.FS
