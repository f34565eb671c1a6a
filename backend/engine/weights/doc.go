// Package weights is the one way model code reads checkpoint tensors,
// whatever the file format: safetensors (memory-mapped, see package
// safetensors) or PyTorch .ckpt/.pt/.pth/.bin zips (read by the restricted
// unpickler in package pickle, which never runs code from the file).
//
// Open picks the format from the file's first bytes, not its extension, since
// model files are often misnamed. Every Source lists sorted tensor names,
// describes each tensor (dtype and shape), and reads it either widened to
// float32 or as raw little-endian bytes that keep half precision, for
// devices that compute in F16/BF16.
package weights
