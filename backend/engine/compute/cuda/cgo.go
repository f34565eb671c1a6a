//go:build cuda

package cuda

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>
*/
import "C"

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// The two driver calls gorgonia.org/cu does not wrap.

// setMaxDynamicSmem lets fn's blocks use up to bytes of dynamic shared memory
// (beyond the default 48 KiB, cuFuncSetAttribute).
func setMaxDynamicSmem(fn cu.Function, bytes int) error {
	// cu.Function is a struct holding only the CUfunction handle.
	f := *(*C.CUfunction)(unsafe.Pointer(&fn))
	if r := C.cuFuncSetAttribute(f, C.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, C.int(bytes)); r != C.CUDA_SUCCESS {
		return fmt.Errorf("cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, %d): CUresult %d", bytes, int(r))
	}
	return nil
}

// sharedMemOptin is how much shared memory one block may opt in to.
func sharedMemOptin(dev cu.Device) (int, error) {
	var v C.int
	if r := C.cuDeviceGetAttribute(&v, C.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, C.CUdevice(dev)); r != C.CUDA_SUCCESS {
		return 0, fmt.Errorf("cuDeviceGetAttribute(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN): CUresult %d", int(r))
	}
	return int(v), nil
}
