package gemm

import (
	"math"
	"testing"
)

// TestWidenEveryValue widens all 65,536 bit patterns, as binary16 and as
// bfloat16, on each path's level and compares with halfToFloat (itself
// checked against an independent decoder in operand_test.go): bit for bit,
// except that a NaN need only stay a NaN of the same sign. Odd offsets and
// lengths run the scalar tail after the vector body.
func TestWidenEveryValue(t *testing.T) {
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	for _, ks := range supported {
		for _, bf16 := range []bool{false, true} {
			for _, span := range [][2]int{{0, len(all)}, {3, len(all) - 5}, {1, 8}, {0, 0}} {
				src := all[span[0]:span[1]]
				dst := make([]float32, len(src)+1)
				dst[len(src)] = 42 // past the end: untouched
				widen(dst, src, bf16, ks.widen)
				for i, h := range src {
					got, want := dst[i], halfToFloat(h, bf16)
					if math.IsNaN(float64(want)) {
						if !math.IsNaN(float64(got)) || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
							t.Fatalf("%s bf16=%v %#04x: got %v, want a NaN of the same sign", ks.name, bf16, h, got)
						}
						continue
					}
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("%s bf16=%v %#04x: got %v (%#08x), want %v", ks.name, bf16, h, got, math.Float32bits(got), want)
					}
				}
				if dst[len(src)] != 42 {
					t.Fatalf("%s: wrote past the end", ks.name)
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short dst")
		}
	}()
	widen(make([]float32, 1), make([]uint16, 2), false, widenScalar)
}
