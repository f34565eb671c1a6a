// Package paths decides where DreamLayer keeps its files on each operating
// system (settings, database, logs, cache, models, outputs) and names the model
// folders it understands, both ComfyUI's names and the AUTOMATIC1111 ones, so a
// user can point DreamLayer at an existing install.
//
// Resolution is a pure function of the environment, the OS name and the home
// directory (ResolveFrom), so every platform's layout is tested on any machine.
package paths
