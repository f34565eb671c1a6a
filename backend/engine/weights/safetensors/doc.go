// Package safetensors reads and writes the safetensors weight format
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON describing every tensor (dtype, shape, byte range)
// plus an optional "__metadata__" map of strings, then the raw tensor data.
//
// Model files come from strangers on the internet, so the header is validated
// strictly before anything is trusted: sizes are checked against the file size
// before any allocation, every byte range must lie inside the data section and
// match its dtype and shape, ranges may not overlap, and duplicate keys are
// rejected. A malformed file yields an error, never a panic.
//
// Open memory-maps the file on unix (tensors are read lazily, straight from
// the page cache) and falls back to ReadAt elsewhere.
package safetensors
