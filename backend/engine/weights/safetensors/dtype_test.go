package safetensors

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertFloat compares bit-for-bit where it matters: NaN is NaN, and -0 is
// told apart from +0.
func assertFloat(t *testing.T, want float64, got float32, msg string) {
	t.Helper()
	if math.IsNaN(want) {
		assert.True(t, math.IsNaN(float64(got)), "%s: got %v, want NaN", msg, got)
		return
	}
	assert.Equal(t, want, float64(got), msg)
	assert.Equal(t, math.Signbit(want), math.Signbit(float64(got)), "%s: sign", msg)
}

func TestHalfToFloat32(t *testing.T) {
	// Values from the IEEE 754 binary16 tables (e.g. Wikipedia "Half-precision
	// floating-point format", exponent encoding examples).
	tests := []struct {
		name string
		bits uint16
		want float64
	}{
		{"one", 0x3C00, 1},
		{"minus two", 0xC000, -2},
		{"zero", 0x0000, 0},
		{"minus zero", 0x8000, math.Copysign(0, -1)},
		{"smallest subnormal", 0x0001, math.Ldexp(1, -24)},
		{"largest subnormal", 0x03FF, 1023 * math.Ldexp(1, -24)},
		{"smallest normal", 0x0400, math.Ldexp(1, -14)},
		{"largest finite", 0x7BFF, 65504},
		{"one third", 0x3555, 0.333251953125},
		{"one plus epsilon", 0x3C01, 1 + math.Ldexp(1, -10)},
		{"inf", 0x7C00, math.Inf(1)},
		{"minus inf", 0xFC00, math.Inf(-1)},
		{"nan", 0x7E00, math.NaN()},
		{"nan low payload", 0x7C01, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFloat(t, tt.want, HalfToFloat32(tt.bits), tt.name)
		})
	}
}

// TestHalfToFloat32All checks every half against the textbook formula
// (-1)^s × 2^(e-15) × (1 + m/1024), computed in float64 arithmetic.
func TestHalfToFloat32All(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		bits := uint16(i)
		s, e, m := bits>>15, int(bits>>10)&0x1f, float64(bits&0x3ff)
		var want float64
		switch e {
		case 0:
			want = math.Ldexp(m/1024, -14)
		case 31:
			want = math.Inf(1)
			if m != 0 {
				want = math.NaN()
			}
		default:
			want = math.Ldexp(1+m/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		got := HalfToFloat32(bits)
		if math.IsNaN(want) {
			require.True(t, math.IsNaN(float64(got)), "bits %#04x", bits)
			continue
		}
		require.Equal(t, want, float64(got), "bits %#04x", bits)
		require.Equal(t, math.Signbit(want), math.Signbit(float64(got)), "bits %#04x", bits)
	}
}

func TestBF16ToFloat32(t *testing.T) {
	tests := []struct {
		name string
		bits uint16
		want float64
	}{
		{"one", 0x3F80, 1},
		{"minus two", 0xC000, -2},
		{"pi truncated", 0x4049, 3.140625},
		{"smallest subnormal", 0x0001, math.Ldexp(1, -133)},
		{"minus zero", 0x8000, math.Copysign(0, -1)},
		{"inf", 0x7F80, math.Inf(1)},
		{"minus inf", 0xFF80, math.Inf(-1)},
		{"nan", 0x7FC0, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFloat(t, tt.want, BF16ToFloat32(tt.bits), tt.name)
		})
	}
}

func TestE4M3ToFloat32(t *testing.T) {
	// OCP 8-bit Floating Point Specification (OFP8) v1.0, table 1 and 2:
	// E4M3 has bias 7, max normal S.1111.110 = 448, min normal S.0001.000 =
	// 2^-6, min subnormal S.0000.001 = 2^-9, NaN S.1111.111, no infinities.
	tests := []struct {
		name string
		b    uint8
		want float64
	}{
		{"one", 0x38, 1},
		{"minus one", 0xB8, -1},
		{"two", 0x40, 2},
		{"1.125", 0x39, 1.125},
		{"max normal", 0x7E, 448},
		{"minus max normal", 0xFE, -448},
		{"exponent 15 is finite", 0x78, 256},
		{"min normal", 0x08, math.Ldexp(1, -6)},
		{"max subnormal", 0x07, 7 * math.Ldexp(1, -9)},
		{"min subnormal", 0x01, math.Ldexp(1, -9)},
		{"zero", 0x00, 0},
		{"minus zero", 0x80, math.Copysign(0, -1)},
		{"nan", 0x7F, math.NaN()},
		{"minus nan", 0xFF, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFloat(t, tt.want, E4M3ToFloat32(tt.b), tt.name)
		})
	}
	for i := 0; i < 256; i++ {
		if v := E4M3ToFloat32(uint8(i)); !math.IsNaN(float64(v)) {
			assert.False(t, math.IsInf(float64(v), 0), "E4M3 has no infinities: %#02x", i)
		}
	}
}

func TestE5M2ToFloat32(t *testing.T) {
	// OFP8 v1.0 table 1: E5M2 has bias 15, max normal S.11110.11 = 57344, min
	// normal 2^-14, min subnormal S.00000.01 = 2^-16, infinities S.11111.00,
	// NaN S.11111.{01,10,11}.
	tests := []struct {
		name string
		b    uint8
		want float64
	}{
		{"one", 0x3C, 1},
		{"minus two", 0xC0, -2},
		{"1.25", 0x3D, 1.25},
		{"max normal", 0x7B, 57344},
		{"min normal", 0x04, math.Ldexp(1, -14)},
		{"min subnormal", 0x01, math.Ldexp(1, -16)},
		{"minus zero", 0x80, math.Copysign(0, -1)},
		{"inf", 0x7C, math.Inf(1)},
		{"minus inf", 0xFC, math.Inf(-1)},
		{"nan 01", 0x7D, math.NaN()},
		{"nan 11", 0xFF, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFloat(t, tt.want, E5M2ToFloat32(tt.b), tt.name)
		})
	}
}

func TestDTypeSize(t *testing.T) {
	tests := []struct {
		d    DType
		want int
	}{
		{F64, 8}, {F32, 4}, {F16, 2}, {BF16, 2}, {I64, 8}, {I32, 4}, {I16, 2}, {I8, 1},
		{U64, 8}, {U32, 4}, {U16, 2}, {U8, 1}, {Bool, 1}, {F8E4M3, 1}, {F8E5M2, 1},
		{"F128", 0}, {"f32", 0}, {"", 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.d.Size(), string(tt.d))
		assert.Equal(t, tt.want != 0, tt.d.Valid(), string(tt.d))
	}
}

func TestToFloat32(t *testing.T) {
	tests := []struct {
		name string
		d    DType
		data []byte
		want []float32
	}{
		{"f32", F32, []byte{0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0}, []float32{1, -2}},
		{"f16", F16, []byte{0x00, 0x3C, 0x00, 0xC0}, []float32{1, -2}},
		{"bf16", BF16, []byte{0x80, 0x3F, 0x00, 0xC0}, []float32{1, -2}},
		{"f64", F64, []byte{0, 0, 0, 0, 0, 0, 0xF0, 0x3F}, []float32{1}},
		{"e4m3", F8E4M3, []byte{0x38, 0xFE}, []float32{1, -448}},
		{"e5m2", F8E5M2, []byte{0x3C, 0xC0}, []float32{1, -2}},
		{"i64", I64, []byte{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, []float32{-2}},
		{"u64", U64, []byte{7, 0, 0, 0, 0, 0, 0, 0}, []float32{7}},
		{"i32", I32, []byte{0xFF, 0xFF, 0xFF, 0xFF}, []float32{-1}},
		{"u32", U32, []byte{0xFF, 0xFF, 0xFF, 0xFF}, []float32{4294967295}},
		{"i16", I16, []byte{0x00, 0x80}, []float32{-32768}},
		{"u16", U16, []byte{0x00, 0x80}, []float32{32768}},
		{"i8", I8, []byte{0x80, 0x7F}, []float32{-128, 127}},
		{"u8", U8, []byte{0x80, 0xFF}, []float32{128, 255}},
		{"bool", Bool, []byte{0, 1, 2}, []float32{0, 1, 1}},
		{"empty", F32, nil, []float32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToFloat32(tt.d, tt.data)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := ToFloat32(F32, []byte{1, 2, 3})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = ToFloat32("X", []byte{1})
	assert.ErrorIs(t, err, ErrInvalid)
}

func mathFloat32bits(f float32) uint32 { return math.Float32bits(f) }
