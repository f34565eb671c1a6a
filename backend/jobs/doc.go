// Package jobs is the generation queue every provider plugs into: the local
// engine, the cloud APIs (OpenAI, Ideogram, FLUX) and remote ComfyUI.
//
// Each registered Provider gets one lane. A lane runs its jobs in submission
// order, at most Provider.Concurrency() at a time, so the local engine (one
// model in RAM/VRAM) runs one job while cloud providers run a few in parallel.
// The queue owns job state: it publishes every state change (events.JobsChanged)
// and a throttled progress stream (events.JobsProgress) through an injected
// Emitter, and hands every state change to a Recorder (the history database).
// Queue.Move changes where a queued job waits in its lane (events.JobsReordered).
package jobs
