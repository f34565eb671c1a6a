package tensor

import (
	"fmt"
	"math"
)

// DType is the element type of a tensor's storage. Devices compute in F32;
// F16 and BF16 exist so weights can stay half-size in memory and be widened
// only while a kernel packs them.
type DType uint8

// Element types.
const (
	F32 DType = iota + 1
	F16
	BF16
)

// Size is the number of bytes one element takes, or 0 for an invalid dtype.
func (d DType) Size() int {
	switch d {
	case F32:
		return 4
	case F16, BF16:
		return 2
	}
	return 0
}

// Valid reports whether d is one of the element types above.
func (d DType) Valid() bool { return d.Size() != 0 }

// IsHalf reports whether d is a 16-bit float type.
func (d DType) IsHalf() bool { return d == F16 || d == BF16 }

func (d DType) String() string {
	switch d {
	case F32:
		return "F32"
	case F16:
		return "F16"
	case BF16:
		return "BF16"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// HalfToFloat32 widens an IEEE 754 binary16 value exactly (subnormals,
// infinities and NaN included).
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN: keep the payload.
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: normalise into a float32 normal.
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// Float32ToHalf narrows f to binary16 with round-to-nearest-even, as
// torch.Tensor.half does; values beyond the half range become ±Inf.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff { // Inf or NaN; keep NaN quiet and non-zero.
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		// Subnormal: shift the implicit bit in, then round to nearest even.
		m := mant | 0x800000
		shift := uint32(14 - e)
		half := m >> shift
		rem := m & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, which is the correct rounding
	}
	return sign | uint16(h)
}

// BF16ToFloat32 widens a bfloat16 value; it is the top half of a float32.
func BF16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Float32ToBF16 narrows f to bfloat16 with round-to-nearest-even.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it a NaN after truncation
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// HalfBitsToFloat32 widens src (F16 or BF16 bits) into dst, which must be at
// least as long as src.
func HalfBitsToFloat32(dst []float32, src []uint16, dt DType) {
	dst = dst[:len(src)]
	if dt == BF16 {
		for i, h := range src {
			dst[i] = BF16ToFloat32(h)
		}
		return
	}
	for i, h := range src {
		dst[i] = HalfToFloat32(h)
	}
}
