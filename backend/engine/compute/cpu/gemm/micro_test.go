package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMicroTile checks the exported micro-kernel on each path: a product,
// then accumulation into it, both against the generic kernel, and the
// panics for operands too short for the tile.
func TestMicroTile(t *testing.T) {
	for _, name := range Paths() {
		e, err := NewEngine(name)
		if err != nil {
			t.Fatal(err)
		}
		m := e.Micro()
		t.Run(name, func(t *testing.T) {
			const k = 37
			r := rand.New(rand.NewPCG(11, 3))
			a, b := make([]float32, k*m.MR), make([]float32, k*m.NR)
			for i := range a {
				a[i] = float32(r.NormFloat64())
			}
			for i := range b {
				b[i] = float32(r.NormFloat64())
			}
			ldc := m.NR + 3
			c := make([]float32, (m.MR-1)*ldc+m.NR)
			want := make([]float32, m.MR*m.NR)
			kernelGeneric(m.MR, m.NR, k, a, b, want, m.NR, 0)
			m.Tile(k, a, b, c, ldc, false)
			m.Tile(k, a, b, c, ldc, true) // C = 2·A·B
			for i := 0; i < m.MR; i++ {
				for j := 0; j < m.NR; j++ {
					if got, w := c[i*ldc+j], 2*want[i*m.NR+j]; math.Abs(float64(got-w)) > 1e-4 {
						t.Fatalf("C[%d][%d] = %v, want %v", i, j, got, w)
					}
				}
				for j := m.NR; j < ldc && i < m.MR-1; j++ {
					if c[i*ldc+j] != 0 {
						t.Fatalf("wrote C[%d][%d] past the tile", i, j)
					}
				}
			}
			for _, bad := range []func(){
				func() { m.Tile(0, a, b, c, ldc, false) },
				func() { m.Tile(k+1, a, b, c, ldc, false) },
				func() { m.Tile(k, a, b, c[:len(c)-1], ldc, false) },
				func() { m.Tile(k, a, b, c, m.NR-1, false) },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Fatal("no panic for a short operand")
						}
					}()
					bad()
				}()
			}
		})
	}
}
