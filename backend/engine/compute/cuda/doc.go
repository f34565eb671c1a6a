// Package cuda is the NVIDIA GPU compute.Device, on the CUDA driver API
// through gorgonia.org/cu, with DreamLayer's own kernels (package kernels:
// CUDA C compiled to PTX, embedded, JIT-compiled by the driver).
//
// Everything but this comment is behind the `cuda` build tag: gorgonia.org/cu
// links libcuda at load time and its package init exits the process when no
// GPU is found, so only the worker binary built from backend/cmd/dreamlayer-engine
// with -tags cuda (dreamlayer-engine-cuda) imports it, never the app.
//
// Precision: by default every matrix product, convolution and attention runs
// on tensor cores with F16 inputs and F32 accumulation (activations are
// rounded to F16 while a tile is staged; results are F32). Options.ExactF32
// (or DREAMLAYER_CUDA_EXACT=1) switches to float32 FMA kernels that match the
// CPU device to about 1e-6: the conformance suite runs that way.
package cuda
