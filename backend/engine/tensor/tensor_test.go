package tensor

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

type fakeBuf struct{}

func (fakeBuf) DeviceName() string { return "fake" }

func TestShapeValidate(t *testing.T) {
	tests := []struct {
		name  string
		shape Shape
		ok    bool
	}{
		{"scalar", Shape{}, true},
		{"sd latent", Shape{2, 4, 64, 64}, true},
		{"zero dim", Shape{3, 0}, false},
		{"negative", Shape{-1}, false},
		{"overflow", Shape{1 << 21, 1 << 21, 1 << 21}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.shape.Validate()
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrShape)
			}
		})
	}
}

func TestShapeHelpers(t *testing.T) {
	s := Shape{2, 3, 4}
	require.Equal(t, 24, s.Numel())
	require.Equal(t, []int{12, 4, 1}, s.Strides())
	o, d, i := s.Split3(1)
	require.Equal(t, []int{2, 3, 4}, []int{o, d, i})
	require.Equal(t, "[2 3 4]", s.String())
	ax, err := Axis(-1, 3)
	require.NoError(t, err)
	require.Equal(t, 2, ax)
	_, err = Axis(3, 3)
	require.ErrorIs(t, err, ErrShape)
}

func TestTensorReshape(t *testing.T) {
	x, err := New(Shape{2, 6, 4}, F16, fakeBuf{})
	require.NoError(t, err)
	require.Equal(t, int64(96), x.Bytes())
	y, err := x.Reshape(2, -1, 3)
	require.NoError(t, err)
	require.Equal(t, Shape{2, 8, 3}, y.Shape())
	require.Equal(t, x.Buffer(), y.Buffer())
	_, err = x.Reshape(5, -1)
	require.ErrorIs(t, err, ErrShape)
	_, err = x.Reshape(2, 2)
	require.ErrorIs(t, err, ErrShape)
	_, err = x.Reshape(-1, -1)
	require.ErrorIs(t, err, ErrShape)
	// Shape returns a copy: callers cannot change the tensor.
	s := x.Shape()
	s[0] = 99
	require.Equal(t, 2, x.Dim(0))
	require.Equal(t, 4, x.Dim(-1))

	_, err = New(Shape{1}, DType(9), fakeBuf{})
	require.Error(t, err)
	_, err = New(Shape{1}, F32, nil)
	require.Error(t, err)
	require.True(t, Tensor{}.IsZero())
	require.Equal(t, "F16[2 6 4]@fake", x.String())
}

// TestHalfRoundTrip checks every one of the 65536 half values widens and
// narrows back to itself (NaNs stay NaN).
func TestHalfRoundTrip(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			require.True(t, math.IsNaN(float64(HalfToFloat32(Float32ToHalf(f)))))
			continue
		}
		require.Equal(t, uint16(h), Float32ToHalf(f), "half %#04x → %v", h, f)
		b := BF16ToFloat32(uint16(h))
		if !math.IsNaN(float64(b)) {
			require.Equal(t, uint16(h), Float32ToBF16(b))
		}
	}
}

func TestFloat32ToHalfRounding(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3c00},
		{65504, 0x7bff},
		{65520, 0x7c00},                 // rounds up past max: +Inf, as torch
		{1e-8, 0},                       // below half the smallest subnormal
		{5.960464477539063e-08, 0x0001}, // smallest subnormal
		{1 + 1.0/2048, 0x3c00},          // tie rounds to even
		{1 + 3.0/2048, 0x3c02},          // tie rounds to even (up)
		{-2, 0xc000},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, Float32ToHalf(tc.in), "%v", tc.in)
	}
	require.Equal(t, uint16(0x3f80), Float32ToBF16(1))
	require.Equal(t, uint16(0x3f80), Float32ToBF16(1+1.0/512)) // tie → even
}
