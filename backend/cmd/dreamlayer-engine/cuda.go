//go:build cuda

package main

// The CUDA device registers itself as "cuda"; linking it is what makes this
// binary dreamlayer-engine-cuda.
import _ "github.com/dreamlayer/dreamlayer/backend/engine/compute/cuda"
