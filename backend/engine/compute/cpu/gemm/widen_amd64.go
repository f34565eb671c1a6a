//go:build amd64 && !purego

package gemm

// widenF16AVX512 converts n binary16 values (n a positive multiple of 16)
// with VCVTPH2PS on zmm; widenBF16AVX512 converts bfloat16 by a 16-bit
// shift. The AVX2 twins take n a multiple of 8.
//
//go:noescape
func widenF16AVX512(dst *float32, src *uint16, n int)

//go:noescape
func widenBF16AVX512(dst *float32, src *uint16, n int)

//go:noescape
func widenF16AVX2(dst *float32, src *uint16, n int)

//go:noescape
func widenBF16AVX2(dst *float32, src *uint16, n int)

// widenSIMD converts the longest prefix of src its level handles and
// returns its length.
func widenSIMD(dst *float32, src *uint16, n int, bf16 bool, lv widenLevel) int {
	switch lv {
	case widenAVX512:
		if n &^= 15; n > 0 {
			if bf16 {
				widenBF16AVX512(dst, src, n)
			} else {
				widenF16AVX512(dst, src, n)
			}
		}
		return n
	case widenAVX2:
		if n &^= 7; n > 0 {
			if bf16 {
				widenBF16AVX2(dst, src, n)
			} else {
				widenF16AVX2(dst, src, n)
			}
		}
		return n
	}
	return 0
}
