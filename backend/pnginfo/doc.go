// Package pnginfo reads and writes the generation metadata that image tools
// keep in PNG text chunks, so DreamLayer's outputs open in A1111's PNG Info
// and on Civitai, and images from A1111, ComfyUI and InvokeAI open in
// DreamLayer.
//
// It is a leaf: it works on bytes and the plain Parameters struct and imports
// nothing from the engine or the services, so the engine's output writer, the
// gallery and the command line can all use it.
//
// Layers, bottom up:
//
//   - chunks.go walks a PNG's chunks and decodes tEXt, zTXt and iTXt. Every
//     length read from the file is checked against the PNG limit and a text
//     cap before anything is allocated, CRCs of the chunks it decodes are
//     verified, and decompression stops at MaxTextLen.
//   - embed.go inserts text chunks before the first IDAT, as PIL (and so
//     A1111 and ComfyUI) place them.
//   - a1111.go and a1111parse.go format and parse A1111's "parameters" text, following
//     create_infotext and parse_generation_parameters in A1111's
//     modules/processing.py and modules/infotext_utils.py.
//   - read.go, comfy.go and invokeai.go turn the chunks of a PNG into an Info
//     with best-effort Parameters whatever tool wrote the file.
//   - filename.go names output files portably and reserves them without ever
//     overwriting.
package pnginfo
