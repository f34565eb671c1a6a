package cpu

import (
	"fmt"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Activate applies act elementwise into a new tensor.
func (d *Device) Activate(x tensor.Tensor, act compute.Activation) (tensor.Tensor, error) {
	if !act.Valid() {
		return tensor.Tensor{}, fmt.Errorf("activate: unknown activation %d", act)
	}
	src, err := d.f32(x, "activate "+act.String())
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, dst, err := d.newF32(x.Shape())
	if err != nil {
		return tensor.Tensor{}, err
	}
	d.parallel(len(src), 16, func(lo, hi int) {
		d.activate(dst[lo:hi], src[lo:hi], act)
	})
	return out, nil
}

// activate sets dst = act(src). SiLU, QuickGELU (the swish forms) and the
// exact GELU are vectorised; the tanh GELU stays scalar.
func (d *Device) activate(dst, src []float32, act compute.Activation) {
	switch act {
	case compute.ActSiLU:
		d.vm.AffineSwish(dst, src, 1, 0, 1)
	case compute.ActQuickGELU:
		d.vm.AffineSwish(dst, src, 1, 0, 1.702)
	case compute.ActGELU:
		d.vm.GELU(dst, src)
	case compute.ActGELUTanh:
		for i, x := range src {
			dst[i] = geluTanh(x)
		}
	case compute.ActReLU:
		for i, x := range src {
			dst[i] = max(x, 0)
		}
	default:
		copy(dst, src)
	}
}

// geluTanh is GELU's tanh approximation (Hendrycks & Gimpel 2016, eq. 2):
// 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
func geluTanh(x float32) float32 {
	const c = 0.7978845608028654 // √(2/π)
	f := float64(x)
	return float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
}

// gemmAct maps a compute activation to the gemm epilogue's.
func gemmAct(act compute.Activation) gemm.Activation {
	switch act {
	case compute.ActSiLU:
		return gemm.ActSiLU
	case compute.ActGELU:
		return gemm.ActGELU
	case compute.ActGELUTanh:
		return gemm.ActGELUTanh
	case compute.ActQuickGELU:
		return gemm.ActQuickGELU
	case compute.ActReLU:
		return gemm.ActReLU
	}
	return gemm.ActNone
}
