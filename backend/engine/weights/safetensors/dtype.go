package safetensors

import "math"

// DType is a tensor element type as spelled in the safetensors header.
type DType string

// Element types of the safetensors format.
const (
	F64    DType = "F64"
	F32    DType = "F32"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I64    DType = "I64"
	I32    DType = "I32"
	I16    DType = "I16"
	I8     DType = "I8"
	U64    DType = "U64"
	U32    DType = "U32"
	U16    DType = "U16"
	U8     DType = "U8"
	Bool   DType = "BOOL"
	F8E4M3 DType = "F8_E4M3"
	F8E5M2 DType = "F8_E5M2"
)

// Size is the number of bytes of one element, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, Bool, F8E4M3, F8E5M2:
		return 1
	}
	return 0
}

// Valid reports whether d is a dtype this package understands.
func (d DType) Valid() bool { return d.Size() != 0 }

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool {
	switch d {
	case F64, F32, F16, BF16, F8E4M3, F8E5M2:
		return true
	}
	return false
}

// HalfToFloat32 widens an IEEE 754 binary16 value. The conversion is exact:
// every half value, subnormals, infinities and NaN payloads included, has a
// float32 twin.
func HalfToFloat32(bits uint16) float32 {
	sign := uint32(bits>>15) << 31
	exp := uint32(bits>>10) & 0x1f
	mant := uint32(bits) & 0x3ff
	switch exp {
	case 0:
		// Zero or subnormal: mant × 2^-24 is exact in float32.
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	case 0x1f:
		// Inf or NaN; keep the payload so NaN stays NaN.
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	}
	// Normal: rebias the exponent from 15 to 127.
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// BF16ToFloat32 widens a bfloat16 value: bfloat16 is the top half of a
// float32, so the low 16 bits are simply zero.
func BF16ToFloat32(bits uint16) float32 {
	return math.Float32frombits(uint32(bits) << 16)
}

// E4M3ToFloat32 widens an OCP FP8 E4M3 ("FN") value: 1 sign, 4 exponent bits
// with bias 7, 3 mantissa bits. Per the OCP 8-bit floating point spec (v1.0,
// table 1) it has no infinities; S.1111.111 is NaN and the largest finite
// magnitude is S.1111.110 = 448.
func E4M3ToFloat32(b uint8) float32 {
	neg := b&0x80 != 0
	exp := int(b>>3) & 0xf
	mant := float32(b & 0x7)
	var v float32
	switch {
	case exp == 0xf && b&0x7 == 0x7:
		return float32(math.NaN())
	case exp == 0:
		// Subnormal: mant/8 × 2^(1-7).
		v = mant * (1.0 / 512)
	default:
		v = (1 + mant/8) * float32(math.Ldexp(1, exp-7))
	}
	if neg {
		v = -v
	}
	return v
}

// E5M2ToFloat32 widens an OCP FP8 E5M2 value. E5M2 is IEEE-like with the same
// exponent as binary16 (5 bits, bias 15), so it is exactly the top byte of a
// half.
func E5M2ToFloat32(b uint8) float32 {
	return HalfToFloat32(uint16(b) << 8)
}
