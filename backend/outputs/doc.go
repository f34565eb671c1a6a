// Package outputs saves cloud providers' images the way the local engine
// saves its own, so they sit in the same folder and gallery with the same
// metadata: a PNG named from a pattern (pnginfo.FormatFilename), reserved so
// nothing is overwritten (pnginfo.UniquePath) and written atomically, with
// A1111-style "parameters" text and DreamLayer's own iTXt "dreamlayer" JSON
// (provider, model, prompt, revised prompt, seed, options), recorded in the
// history database and announced with events.GalleryChanged.
//
// Every result is stored as PNG, whatever format the provider sent: JPEG and
// WebP (gpt-image-1's output_format, Ideogram and FLUX deliveries) are
// decoded and re-encoded losslessly from their pixels. PNG is the only
// format whose text chunks A1111, Civitai and pnginfo read, and the gallery
// thumbnails and searches PNGs; a user who asked for JPEG or WebP gets
// smaller transfers from the provider but a PNG on disk.
//
// API keys never reach this package: Meta carries the request, not the
// credentials, and input images are not saved.
package outputs
