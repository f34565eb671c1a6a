// Package localengine runs the diffusion engine for the app: a Supervisor
// keeps one engine worker process (the app binary re-executed as
// `dreamlayer engine`, or the `dreamlayer-engine-cuda` binary next to it)
// and talks to it with package worker's protocol; a Provider plugs it into
// the job queue as the "local" provider.
//
// The worker is a separate process so that a crash, running out of memory
// or a hard cancel kill the worker and never the window (DESIGN
// "Processes"; ollama's llm/server.go). The app depends on the Worker
// interface only.
package localengine
