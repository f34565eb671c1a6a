//go:build amd64 && !purego

package vmath

import "golang.org/x/sys/cpu"

// flashStepAVX512 is flashStepGeneric on columns [0, cols) of rows of
// stride w, for cols a multiple of 16 (o may be nil when orows is 0),
// sixteen columns per zmm register.
//
//go:noescape
func flashStepAVX512(s *float32, rows, w, cols int, o *float32, orows int, m, l *float32)

// maxAVX512 computes, for n a positive multiple of 16,
//
//	for j := 0; j < 16; j++ {
//		out[j] = x[j]
//		for i := j + 16; i < n; i += 16 {
//			out[j] = max(out[j], x[i])
//		}
//	}
//
//go:noescape
func maxAVX512(x *float32, n int, out *[16]float32)

// expShiftAVX512 computes, for n a positive multiple of 16,
//
//	out = [16]float32{}
//	for i := 0; i < n; i++ {
//		dst[i] = exp2Generic((src[i] - shift) * math.Log2E)
//		out[i%16] += dst[i]
//	}
//
//go:noescape
func expShiftAVX512(dst, src *float32, n int, shift float32, out *[16]float32)

// sumSqAVX512 computes, for n a positive multiple of 16, lane partial sums
// in float64:
//
//	out = [16]float64{}
//	for i := 0; i < n; i++ {
//		out[i%8] += float64(x[i])
//		out[8+i%8] += float64(x[i]) * float64(x[i])
//	}
//
//go:noescape
func sumSqAVX512(x *float32, n int, out *[16]float64)

// affineAVX512 is affineGeneric for n a positive multiple of 16 (swish is 0
// or 1); 1/(1+e) comes from VRCP14PS and one Newton step (about 1 ulp).
//
//go:noescape
func affineAVX512(dst, src *float32, n int, a, b, c float32, swish int)

// linComb16AVX512 is linComb16Generic (strides in elements); rows are
// taken four at a time so that four accumulator chains hide the FMA
// latency.
//
//go:noescape
func linComb16AVX512(dst *float32, dstStride int, src *float32, srcStride int, c *float32, rows, cols int)

// geluAVX512 is geluGeneric for n a positive multiple of 16; 1/(1+z/2)
// is an exact division (VDIVPS), the exponential the EXP2 macro.
//
//go:noescape
func geluAVX512(dst, src *float32, n int)

// archPaths lists the amd64 kernels this CPU can run, best first.
func archPaths() []*path {
	if !cpu.X86.HasAVX512F {
		return nil
	}
	return []*path{{
		name: "avx512", flashStep: flashStepAVX512, max: maxAVX512,
		expShift: expShiftAVX512, sumSq: sumSqAVX512, affine: affineAVX512,
		lincomb: linComb16AVX512, gelu: geluAVX512,
	}}
}
