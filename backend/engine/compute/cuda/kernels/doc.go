// Package kernels holds the CUDA device's kernels: the CUDA C sources
// (*.cu, *.cuh) and the PTX that `make ptx` compiles from them with nvcc 11.8,
// one module per architecture (sm80.ptx for Ampere, sm90.ptx for Hopper).
//
// The PTX is committed and embedded, so the CUDA worker needs only the NVIDIA
// driver at run time: the driver JIT-compiles the PTX for the card it finds
// (and for newer cards than the PTX targets, as PTX is forward-compatible).
// SOURCES.sha256 records the hash of every source and the nvcc flags; this
// package's test fails when a source changed without `make ptx`.
//
// The package has no build tag and no cgo, so the PTX check runs in every
// `go test ./...`; only compute/cuda, which loads the modules, needs the cuda
// tag.
package kernels
