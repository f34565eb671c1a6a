package gemm

// widenLevel is the instruction set a path widens half-precision weights
// with while packing: F16C/AVX-512 convert 8 or 16 values per instruction
// where the scalar halfToFloat takes a few nanoseconds each (it was 16% of
// an SD1.5 step's CPU time, every UNet weight being widened once per pass).
type widenLevel uint8

const (
	widenScalar widenLevel = iota
	widenAVX2              // F16C: VCVTPH2PS on ymm
	widenAVX512
)

// widen sets dst[i] = halfToFloat(src[i], bf16) for i < len(src) (dst at
// least as long). Finite values, infinities and subnormals are converted
// exactly on every level; a signalling NaN may come back quiet.
func widen(dst []float32, src []uint16, bf16 bool, lv widenLevel) {
	if len(dst) < len(src) {
		panic("gemm: widen dst too short")
	}
	done := 0
	if len(src) > 0 {
		done = widenSIMD(&dst[0], &src[0], len(src), bf16, lv)
	}
	for i := done; i < len(src); i++ {
		dst[i] = halfToFloat(src[i], bf16)
	}
}
