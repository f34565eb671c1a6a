// Package workflows runs ComfyUI API-format graphs natively on DreamLayer's
// engine: Load parses the JSON ({"<id>": {"class_type", "inputs"}}, or the
// same wrapped as {"prompt": {…}}), Registry holds the node types with typed
// input specs, Validate checks a graph against it (unknown classes, missing
// or mistyped inputs, dangling links, cycles — each error names the node)
// and orders it, and Executor runs it with progress, cancellation and a
// cache of node outputs keyed by the hash of each node's inputs, so a
// second run with only the seed changed re-runs only the sampler and what
// follows it.
//
// Catalog lists workflow templates (the repository's workflows/ folder,
// copied to the app's data folder, plus the user's own folder). A template
// is an API-format graph whose bindable inputs are named by their node's
// "_meta": {"title": "input:NAME"} (see Bind).
package workflows
