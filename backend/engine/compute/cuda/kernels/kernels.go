package kernels

import (
	_ "embed" // the PTX modules
	"fmt"
)

// sm80 and sm90 are the PTX modules `make ptx` writes (.target sm_80 and
// sm_90); the test checks they define the same kernels.
var (
	//go:embed sm80.ptx
	sm80 string
	//go:embed sm90.ptx
	sm90 string
)

// PTX returns the PTX module for a GPU of compute capability major.minor:
// the sm_90 module for 9.0 and newer (Hopper, and later cards through the
// driver's JIT), the sm_80 module for 8.x (Ampere, Ada). Older cards lack
// the instructions the kernels use (BF16 mma.sync), so they get an
// error naming the capability.
func PTX(major, minor int) (string, error) {
	switch {
	case major >= 9:
		return sm90, nil
	case major == 8 && minor >= 0:
		return sm80, nil
	}
	return "", fmt.Errorf("cuda kernels: compute capability %d.%d is not supported (need 8.0 or newer: Ampere, Ada, Hopper)", major, minor)
}
