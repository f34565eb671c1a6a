// Package compute defines the device interface the diffusion models are
// written against, and a registry of devices by name.
//
// Models (CLIP, UNet, VAE) see only Device; compute/cpu and compute/cuda
// implement it and register themselves from init. Every operation takes
// tensors that live on the device and returns new device tensors, so a GPU
// implementation never has to copy through the host between operations.
// Every implementation must pass the conformance suite in compute/devicetest.
package compute
