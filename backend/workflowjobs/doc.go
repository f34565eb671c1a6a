// Package workflowjobs puts ComfyUI API-format workflows into the job queue.
//
// Two providers run them: "workflow" executes a graph in this process with
// the native executor of package workflows (one run at a time, keeping its
// node cache so loaded models stay loaded between runs), and "comfyui" sends
// it to the remote ComfyUI pool built from Settings.ComfyUI.Servers (rebuilt
// by SetServers whenever the settings change). Both map their progress to
// jobs.Progress and honour the job's context, so the queue's cancel stops a
// local run between sampler steps and removes or interrupts a remote prompt.
//
// Results are written to the output folder as PNG files that keep their
// "prompt" chunk (the executor embeds the graph; a ComfyUI server's file is
// kept byte for byte) and returned as jobs.Output, so the history database
// and the gallery record them like every other job's images.
//
// Service also answers the Workflows page: the template catalog, loading a
// graph from a JSON file or a ComfyUI PNG into nodes and editable fields
// (Describe), submitting a run with the form's values, and checking the
// servers' health.
package workflowjobs
