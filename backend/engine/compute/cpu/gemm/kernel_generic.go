package gemm

import "unsafe"

// kernelGeneric is the loop every micro-kernel computes, for any tile shape:
// a is a packed kc×mr panel (a[p*mr+i]), b a packed kc×nr panel (b[p*nr+j]),
// and the mr×nr result lands in c with row stride ldc. beta == 0 means C is
// not read, so NaN or garbage there is overwritten as BLAS requires. It is
// the twin the assembly kernels are tested against.
func kernelGeneric(mr, nr, kc int, a, b, c []float32, ldc int, beta float32) {
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j++ {
			var acc float32
			for p := 0; p < kc; p++ {
				acc += a[p*mr+i] * b[p*nr+j]
			}
			if beta == 0 {
				c[i*ldc+j] = acc
			} else {
				c[i*ldc+j] = beta*c[i*ldc+j] + acc
			}
		}
	}
}

// kernel4x4Generic is the generic path's micro-kernel: kernelGeneric with
// mr = nr = 4, its 16 accumulators held in locals so the compiler can keep
// most of them in registers.
func kernel4x4Generic(kc int, ap, bp, cp *float32, ldc int, beta float32) {
	a := unsafe.Slice(ap, 4*kc)
	b := unsafe.Slice(bp, 4*kc)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := 0; p < kc; p++ {
		av := a[p*4 : p*4+4 : p*4+4]
		bv := b[p*4 : p*4+4 : p*4+4]
		a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	c := unsafe.Slice(cp, 3*ldc+4)
	rows := [4][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	for i := range rows {
		row := c[i*ldc : i*ldc+4 : i*ldc+4]
		if beta == 0 {
			copy(row, rows[i][:])
			continue
		}
		for j, v := range rows[i] {
			row[j] = beta*row[j] + v
		}
	}
}
