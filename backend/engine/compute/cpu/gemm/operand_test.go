package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// f16Ref decodes binary16 independently of halfToFloat, by the IEEE 754
// formula: (−1)^s · 2^(e−15) · (1 + f/1024), subnormals 2^−14 · f/1024.
func f16Ref(h uint16) float64 {
	s, e, f := h>>15, int(h>>10)&0x1f, float64(h&0x3ff)
	var v float64
	switch e {
	case 0x1f:
		if f != 0 {
			return math.NaN()
		}
		v = math.Inf(1)
	case 0:
		v = math.Ldexp(f/1024, -14)
	default:
		v = math.Ldexp(1+f/1024, e-15)
	}
	if s == 1 {
		v = -v
	}
	return v
}

func TestHalfToFloatExhaustive(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		got, want := float64(halfToFloat(h, false)), f16Ref(h)
		if math.IsNaN(want) {
			if !math.IsNaN(got) {
				t.Fatalf("f16 %#04x: got %v, want NaN", h, got)
			}
			continue
		}
		if got != want || math.Signbit(got) != math.Signbit(want) {
			t.Fatalf("f16 %#04x: got %v, want %v", h, got, want)
		}
		// bfloat16 is the top half of a float32.
		if b := halfToFloat(h, true); math.Float32bits(b) != uint32(h)<<16 {
			t.Fatalf("bf16 %#04x: got %#08x", h, math.Float32bits(b))
		}
	}
}

// randHalf returns finite half values of moderate size (exponents near 1,
// some subnormals for f16) and their exact values.
func randHalf(r *rand.Rand, n int, bf16 bool) ([]uint16, []float64) {
	bits, vals := make([]uint16, n), make([]float64, n)
	for i := range bits {
		var h uint16
		if bf16 {
			h = uint16(r.IntN(2))<<15 | uint16(120+r.IntN(8))<<7 | uint16(r.IntN(128))
			vals[i] = float64(math.Float32frombits(uint32(h) << 16))
		} else {
			e := 10 + r.IntN(7)
			if r.IntN(10) == 0 {
				e = 0 // subnormal
			}
			h = uint16(r.IntN(2))<<15 | uint16(e)<<10 | uint16(r.IntN(1024))
			vals[i] = f16Ref(h)
		}
		bits[i] = h
	}
	return bits, vals
}

func TestHalfOperands(t *testing.T) {
	const m, n, k = 23, 37, 45
	forEachPath(t, func(t *testing.T, e *Engine) {
		for _, bf16 := range []bool{false, true} {
			for _, trans := range []bool{false, true} {
				name := map[bool]string{false: "f16", true: "bf16"}[bf16] + map[bool]string{false: "", true: "-trans"}[trans]
				t.Run(name, func(t *testing.T) {
					r := rand.New(rand.NewPCG(5, 6))
					a := randMatrix(r, m, k)
					ad, lda := a.store(false, 2)
					// B (k×n) held as half bits; transposed storage is n×k, the
					// layout of a linear layer's weight.
					outer, inner := k, n
					if trans {
						outer, inner = n, k
					}
					ldb := inner + 3
					bits, vals := randHalf(r, outer*ldb, bf16)
					b := matrix{k, n, make([]float64, k*n)}
					for p := 0; p < k; p++ {
						for j := 0; j < n; j++ {
							if trans {
								b.v[p*n+j] = vals[j*ldb+p]
							} else {
								b.v[p*n+j] = vals[p*ldb+j]
							}
						}
					}
					g := newGuarded(m, n, 2, 1)
					e.Gemm(Dense(m, k, ad, lda), Half(k, n, bits, ldb, bf16, trans), 1, 0, g.c(), g.ld, nil, 2)
					want, mag := refGemm(a, b, 1, 0, nil)
					checkC(t, g, want, mag, k)

					// As the A operand too (trans: stored k×m).
					hb, hv := randHalf(r, m*k, bf16)
					ha := matrix{m, k, make([]float64, m*k)}
					for i := 0; i < m; i++ {
						for p := 0; p < k; p++ {
							if trans {
								ha.v[i*k+p] = hv[p*m+i]
							} else {
								ha.v[i*k+p] = hv[i*k+p]
							}
						}
					}
					stride := k
					if trans {
						stride = m
					}
					g2 := newGuarded(m, n, 0, 2)
					bd, ldb2 := b.store(false, 0)
					e.Gemm(Half(m, k, hb, stride, bf16, trans), Dense(k, n, bd, ldb2), 1, 0, g2.c(), g2.ld, nil, 1)
					want, mag = refGemm(ha, b, 1, 0, nil)
					checkC(t, g2, want, mag, k)
				})
			}
		}
	})
}

// im2col is an implicit-GEMM operand: the (C·3·3)×(H·W) patch matrix of a
// C×H×W image for a 3×3, pad-1 convolution, built on the fly by Block so
// the full matrix never exists.
type im2col struct {
	c, h, w int
	img     []float32
}

func (x *im2col) Dims() (int, int) { return x.c * 9, x.h * x.w }

func (x *im2col) Block(r0, nr, c0, nc int, dst []float32, ld int) {
	for r := 0; r < nr; r++ {
		ch, ky, kx := (r0+r)/9, (r0+r)%9/3, (r0+r)%3
		for j := 0; j < nc; j++ {
			y, xx := (c0+j)/x.w+ky-1, (c0+j)%x.w+kx-1
			v := float32(0)
			if y >= 0 && y < x.h && xx >= 0 && xx < x.w {
				v = x.img[(ch*x.h+y)*x.w+xx]
			}
			dst[r*ld+j] = v
		}
	}
}

func TestCustomOperandConvolution(t *testing.T) {
	const cin, cout, h, w = 3, 17, 9, 11
	r := rand.New(rand.NewPCG(8, 9))
	img := make([]float32, cin*h*w)
	for i := range img {
		img[i] = float32(r.Float64()*2 - 1)
	}
	wt := randMatrix(r, cout, cin*9)
	wd, ldw := wt.store(false, 0)
	// Direct convolution in float64.
	want := make([]float64, cout*h*w)
	mag := make([]float64, cout*h*w)
	for o := 0; o < cout; o++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var s, sa float64
				for ch := 0; ch < cin; ch++ {
					for ky := 0; ky < 3; ky++ {
						for kx := 0; kx < 3; kx++ {
							yy, xx := y+ky-1, x+kx-1
							if yy < 0 || yy >= h || xx < 0 || xx >= w {
								continue
							}
							p := wt.at(o, ch*9+ky*3+kx) * float64(img[(ch*h+yy)*w+xx])
							s += p
							sa += math.Abs(p)
						}
					}
				}
				want[o*h*w+y*w+x], mag[o*h*w+y*w+x] = s, sa+1
			}
		}
	}
	forEachPath(t, func(t *testing.T, e *Engine) {
		for _, threads := range []int{1, 2, 3} {
			g := newGuarded(cout, h*w, 3, 5)
			e.Gemm(Dense(cout, cin*9, wd, ldw), &im2col{cin, h, w, img}, 1, 0, g.c(), g.ld, nil, threads)
			checkC(t, g, want, mag, cin*9)
			// And the custom operand on the A side: (H·W)×(C·9) via a transposed view.
			g2 := newGuarded(h*w, cout, 1, 1)
			e.Gemm(transposed{&im2col{cin, h, w, img}}, DenseT(cin*9, cout, wd, ldw), 1, 0, g2.c(), g2.ld, nil, threads)
			for i := 0; i < h*w; i++ {
				for o := 0; o < cout; o++ {
					assert.InDelta(t, want[o*h*w+i], *g2.at(i, o), tolerance(cin*9, mag[o*h*w+i]))
				}
			}
			g2.checkGuards(t)
		}
	})
}

// transposed views an Operand as its transpose through Block.
type transposed struct{ Operand }

func (x transposed) Dims() (int, int) { r, c := x.Operand.Dims(); return c, r }

func (x transposed) Block(r0, nr, c0, nc int, dst []float32, ld int) {
	tmp := make([]float32, nc*nr)
	x.Operand.Block(c0, nc, r0, nr, tmp, nr)
	for i := 0; i < nr; i++ {
		for j := 0; j < nc; j++ {
			dst[i*ld+j] = tmp[j*nr+i]
		}
	}
}

func TestDenseBlock(t *testing.T) {
	d := []float32{1, 2, 3, 4, 5, 6} // 2×3 row-major
	dst := make([]float32, 4)
	Dense(2, 3, d, 3).Block(0, 2, 1, 2, dst, 2)
	assert.Equal(t, []float32{2, 3, 5, 6}, dst)
	DenseT(3, 2, d, 3).Block(1, 2, 0, 2, dst, 2) // logical (i,j) = d[j*3+i]
	assert.Equal(t, []float32{2, 5, 3, 6}, dst)
	assert.Panics(t, func() { Dense(2, 3, d, 3).Block(1, 2, 0, 1, dst, 1) })
}

// packedIm2col is im2col with the PanelPacker fast path. It writes each
// panel through Block with the panel width as stride, and leaves NaN in the
// lanes past cols, which gemm must zero before they reach the kernel.
type packedIm2col struct{ im2col }

func (x *packedIm2col) PackPanels(dst []float32, p0, kc, c0, cols, w int) {
	for q := 0; q*w < cols; q++ {
		panel := dst[q*w*kc : (q+1)*w*kc]
		for i := range panel {
			panel[i] = float32(math.NaN())
		}
		x.Block(p0, kc, c0+q*w, min(w, cols-q*w), panel, w)
	}
}

func TestPanelPackerMatchesBlockPath(t *testing.T) {
	const cin, cout, h, w = 4, 19, 7, 13 // h·w = 91: ragged B panels on every path
	r := rand.New(rand.NewPCG(10, 11))
	img := make([]float32, cin*h*w)
	for i := range img {
		img[i] = float32(r.Float64()*2 - 1)
	}
	wt := randMatrix(r, cout, cin*9)
	wd, ldw := wt.store(false, 0)
	plain := &im2col{cin, h, w, img}
	fast := &packedIm2col{*plain}
	forEachPath(t, func(t *testing.T, e *Engine) {
		// The packed panels are the same bits either way, ragged lanes zero.
		tl := e.Tiler()
		for _, c := range []struct{ p0, kc, c0, cols int }{{0, cin * 9, 0, h * w}, {5, 11, 3, 40}, {9, 1, 90, 1}} {
			want := make([]float32, tl.PackedBSize(c.kc, c.cols))
			got := make([]float32, len(want))
			tl.PackB(want, plain, c.p0, c.kc, c.c0, c.cols)
			tl.PackB(got, fast, c.p0, c.kc, c.c0, c.cols)
			require.Equal(t, want, got, "block %+v", c)
		}
		// And the whole product agrees bit for bit.
		for _, threads := range []int{1, 3} {
			g1, g2 := newGuarded(cout, h*w, 2, 3), newGuarded(cout, h*w, 2, 3)
			e.Gemm(Dense(cout, cin*9, wd, ldw), plain, 1, 0, g1.c(), g1.ld, nil, threads)
			e.Gemm(Dense(cout, cin*9, wd, ldw), fast, 1, 0, g2.c(), g2.ld, nil, threads)
			require.Equal(t, bitsOf(g1.buf), bitsOf(g2.buf)) // bits: the guards are NaN
		}
	})
}

func bitsOf(v []float32) []uint32 {
	out := make([]uint32, len(v))
	for i, x := range v {
		out[i] = math.Float32bits(x)
	}
	return out
}
