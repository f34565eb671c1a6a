// Package tensor holds the device-neutral description of a tensor: its shape,
// its element type and an opaque handle to the device buffer that stores it.
//
// The package does no arithmetic. Operations live behind compute.Device, so the
// same Tensor value can describe memory on the CPU or on a GPU; only the device
// that made a buffer looks inside it. Storage is always dense and row-major
// (C order), which is why Reshape is free and strides follow from the shape.
package tensor
