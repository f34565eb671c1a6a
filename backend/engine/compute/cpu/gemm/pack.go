package gemm

import (
	"math"
	"unsafe"
)

// maxLanes bounds any kernel's mr and nr.
const maxLanes = 32

// widenSlab is how many values of each line packPanels widens at a time
// (a 32-lane slab is 8 KB, in L1 while it is transposed).
const widenSlab = 64

// packPanels packs the nx×kc logical block X(x, p) = s[(x0+x)*sx + (p0+p)*sp]
// into panels of w lanes: panel q holds X(q*w+l, p) at dst[q*w*kc + p*w + l],
// lanes past nx zeroed, every value multiplied by scale. For A, x is the row
// (sx, sp = rs, cs); for B, x is the column (sx, sp = cs, rs). The two
// storage orders get their own loops: a contiguous run along p (strided
// writes) or a contiguous run along x (a straight copy per p).
func packPanels(dst []float32, s *strided, sx, sp, x0, nx, p0, kc, w int, scale float32, lv widenLevel) {
	for q := 0; q*w < nx; q++ {
		panel := dst[q*w*kc : (q+1)*w*kc]
		cnt := min(w, nx-q*w)
		base := (x0+q*w)*sx + p0*sp
		switch {
		case s.f32 != nil && sp == 1:
			// Transpose cnt contiguous lines into the panel, a few p at a
			// time so the writes stay sequential and the reads stream.
			var src [maxLanes][]float32
			for l := 0; l < cnt; l++ {
				src[l] = s.f32[base+l*sx : base+l*sx+kc]
			}
			p := 0
			for ; p+4 <= kc; p += 4 {
				out := panel[p*w : p*w+4*w]
				for l, line := range src[:cnt] {
					v := line[p : p+4 : p+4]
					out[l] = scale * v[0]
					out[w+l] = scale * v[1]
					out[2*w+l] = scale * v[2]
					out[3*w+l] = scale * v[3]
				}
			}
			for ; p < kc; p++ {
				out := panel[p*w : p*w+cnt]
				for l := range out {
					out[l] = scale * src[l][p]
				}
			}
		case s.f32 != nil:
			for p := 0; p < kc; p++ {
				src := s.f32[base+p*sp : base+p*sp+(cnt-1)*sx+1]
				out := panel[p*w : p*w+cnt]
				if sx == 1 && scale == 1 {
					copy(out, src) // runtime memmove: vectorised
				} else if sx == 1 {
					for l := range out {
						out[l] = scale * src[l]
					}
				} else {
					for l := range out {
						out[l] = scale * src[l*sx]
					}
				}
			}
		case sp == 1:
			// Widen a slab of each line (vectorised), then transpose it
			// into the panel as the float32 case does.
			var buf [maxLanes * widenSlab]float32
			for ps := 0; ps < kc; ps += widenSlab {
				pn := min(widenSlab, kc-ps)
				for l := 0; l < cnt; l++ {
					off := base + l*sx + ps
					widen(buf[l*pn:(l+1)*pn], s.f16[off:off+pn], s.bf16, lv)
				}
				for p := 0; p < pn; p++ {
					out := panel[(ps+p)*w : (ps+p)*w+cnt]
					for l := range out {
						out[l] = scale * buf[l*pn+p]
					}
				}
			}
		default:
			for p := 0; p < kc; p++ {
				src := s.f16[base+p*sp : base+p*sp+(cnt-1)*sx+1]
				out := panel[p*w : p*w+cnt]
				if sx == 1 {
					widen(out, src, s.bf16, lv)
					if scale != 1 {
						for l := range out {
							out[l] *= scale
						}
					}
					continue
				}
				for l := range out {
					out[l] = scale * halfToFloat(src[l*sx], s.bf16)
				}
			}
		}
		if cnt < w {
			for p := 0; p < kc; p++ {
				clear(panel[p*w+cnt : (p+1)*w])
			}
		}
	}
}

// packA packs rows [i0,i0+mc) × cols [p0,p0+kc) of A, scaled by alpha, into
// mr-row panels. Operands other than the built-in ones are fetched with
// Block into scratch first.
func packA(a Operand, dst []float32, i0, mc, p0, kc, mr int, alpha float32, scratch *[]float32, lv widenLevel) {
	if s, ok := a.(*strided); ok {
		packPanels(dst, s, s.rs, s.cs, i0, mc, p0, kc, mr, alpha, lv)
		return
	}
	buf := aligned(scratch, mc*kc)
	a.Block(i0, mc, p0, kc, buf, kc)
	packPanels(dst, &strided{rows: mc, cols: kc, rs: kc, cs: 1, f32: buf}, kc, 1, 0, mc, 0, kc, mr, alpha, lv)
}

// packB packs rows [p0,p0+kc) × cols [j0,j0+nc) of B into nr-column panels,
// through PackPanels when the operand has it.
func packB(b Operand, dst []float32, p0, kc, j0, nc, nr int, scratch *[]float32, lv widenLevel) {
	if s, ok := b.(*strided); ok {
		packPanels(dst, s, s.cs, s.rs, j0, nc, p0, kc, nr, 1, lv)
		return
	}
	if pp, ok := b.(PanelPacker); ok {
		pp.PackPanels(dst, p0, kc, j0, nc, nr)
		if cnt := nc % nr; cnt != 0 {
			last := dst[(nc/nr)*nr*kc : (nc/nr+1)*nr*kc]
			for p := 0; p < kc; p++ {
				clear(last[p*nr+cnt : (p+1)*nr])
			}
		}
		return
	}
	buf := aligned(scratch, kc*nc)
	b.Block(p0, kc, j0, nc, buf, nc)
	packPanels(dst, &strided{rows: kc, cols: nc, rs: nc, cs: 1, f32: buf}, 1, nc, 0, nc, 0, kc, nr, 1, lv)
}

// halfToFloat widens an IEEE binary16 or a bfloat16 value exactly.
func halfToFloat(h uint16, bf16 bool) float32 {
	if bf16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // infinity or NaN, payload kept
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0: // zero or subnormal: mant·2⁻²⁴
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// aligned returns a length-n view of *raw starting on a 64-byte boundary
// (one cache line, one zmm load), growing *raw when it is too small.
func aligned(raw *[]float32, n int) []float32 {
	if cap(*raw) < n+16 {
		*raw = make([]float32, n+16)
	}
	r := (*raw)[:cap(*raw)]
	off := int((64-uintptr(unsafe.Pointer(&r[0]))%64)%64) / 4
	return r[off : off+n : off+n]
}
