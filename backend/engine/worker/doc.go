// Package worker is the engine's process boundary: the JSON-lines protocol
// the app and the engine worker speak over the worker's stdin and stdout,
// and the serving loop the worker runs (STYLE §5; ollama's runner protocol
// in llm/server.go).
//
// One set of types serves both ends. Every line is one Message: a "type"
// and the payload that type carries. The worker writes a hello first, then
// answers the app's requests:
//
//	app → worker: load {model} · unload {model} · generate {job_id, request}
//	              cancel {job_id} · shutdown
//	worker → app: hello {protocol, app_version, devices, ram_bytes, vram_bytes}
//	              progress {job_id, …} · result {job_id, …}
//	              error {job_id?, model?, kind, message} · loaded/unloaded {model}
//
// The worker runs one job at a time; further generate and load/unload
// requests wait their turn in arrival order, and a cancel for a waiting job
// answers it at once. Lines are bounded (MaxLineBytes); a bad line is
// answered with an error message and never stops the worker.
package worker
