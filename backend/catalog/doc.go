// Package catalog keeps the live list of model files under the user's model
// roots. It scans the roots at start, watches them recursively with fsnotify,
// waits for files being copied in to settle before reporting them, reads each
// safetensors header to tell the model's kind (checkpoint, LoRA, VAE, …) and
// family (SD1, SD2, SDXL, SD3, FLUX) from tensor names and shapes, and hashes
// every file in the background (SHA-256 and A1111's AutoV2), caching hashes on
// disk so a restart does not re-read hundreds of gigabytes.
//
// Changes are announced through an events.Emitter as events.CatalogChanged
// with an Event payload. Readers (List, Get) never wait on the scanner or the
// hasher.
package catalog
