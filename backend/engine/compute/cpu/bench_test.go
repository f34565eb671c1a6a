package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
)

// BenchmarkKernels runs BenchCases. Names with "slow-" take seconds per
// iteration; leave them out with -bench 'Kernels/.*/^[^s]'.
func BenchmarkKernels(b *testing.B) {
	for _, c := range BenchCases(New(0)) {
		b.Run(c.Name, func(b *testing.B) {
			require.NoError(b, c.Run()) // uploads inputs, warms caches
			for b.Loop() {
				if err := c.Run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(c.Flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemmConvEquivalent is the plain SGEMM of the same size as the
// 320→320 3×3 conv at 64×64 (M=320, N=4096, K=2880): the ceiling the
// implicit GEMM is measured against.
func BenchmarkSgemmConvEquivalent(b *testing.B) {
	const m, n, k = 320, 64 * 64, 320 * 9
	a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range bb {
		bb[i] = float32(i%5) - 2
	}
	for b.Loop() {
		gemm.Sgemm(false, false, m, n, k, 1, a, k, bb, n, 0, c, n)
	}
	b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkNaiveConv is the direct six-loop convolution at a small shape, the
// baseline the GEMM paths are compared with.
func BenchmarkNaiveConv(b *testing.B) {
	const cin, cout, h, w = 64, 64, 32, 32
	x, k, y := make([]float32, cin*h*w), make([]float32, cout*cin*9), make([]float32, cout*h*w)
	for b.Loop() {
		for co := 0; co < cout; co++ {
			for oy := 0; oy < h; oy++ {
				for ox := 0; ox < w; ox++ {
					var s float32
					for ci := 0; ci < cin; ci++ {
						for ky := 0; ky < 3; ky++ {
							iy := oy + ky - 1
							if iy < 0 || iy >= h {
								continue
							}
							for kx := 0; kx < 3; kx++ {
								if ix := ox + kx - 1; ix >= 0 && ix < w {
									s += x[(ci*h+iy)*w+ix] * k[((co*cin+ci)*3+ky)*3+kx]
								}
							}
						}
					}
					y[(co*h+oy)*w+ox] = s
				}
			}
		}
	}
	b.ReportMetric(2*cout*cin*9*h*w*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkPatchesPack packs one gemm B block (kc 231 × 1024 pixels, 32-wide
// panels) of the 128-channel 512×512 VAE convolution, directly and through
// Block plus gemm's packing, single-threaded.
func BenchmarkPatchesPack(b *testing.B) {
	g := convGeom{n: 1, cin: 128, h: 512, w: 512, cout: 128, kh: 3, kw: 3, stride: 1, pad: 1, group: 1, oh: 512, ow: 512}
	p := &patches{g: g, x: make([]float32, g.cin*g.h*g.w)}
	e, err := gemm.NewEngine(gemm.Paths()[0])
	require.NoError(b, err)
	tl := e.Tiler()
	const kc, cols = 231, 1024
	dst := make([]float32, tl.PackedBSize(kc, cols))
	for _, c := range []struct {
		name string
		op   gemm.Operand
	}{{"direct", p}, {"block", blockOnly{p}}} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				// Walk the image like gemm does: next depth block, next columns.
				p0 := (i * kc) % (g.cin*9 - kc)
				c0 := (i * cols) % (g.oh*g.ow - cols)
				tl.PackB(dst, c.op, p0, kc, c0, cols)
				i++
			}
			b.ReportMetric(float64(kc*cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
	}
}

// BenchmarkConvAlgorithms times each 3×3 convolution algorithm at the
// shapes of SD's UNet and VAE, in direct-convolution GFLOP/s (Winograd does
// fewer multiplications; the figure is what the same work costs).
func BenchmarkConvAlgorithms(b *testing.B) {
	shapes := []struct {
		name         string
		cin, cout, s int
	}{
		{"unet-320-64x64", 320, 320, 64},
		{"unet-640-32x32", 640, 640, 32},
		{"unet-1280-16x16", 1280, 1280, 16},
		{"vae-512-64x64", 512, 512, 64},
		{"vae-512-128x128", 512, 512, 128},
		{"vae-256-256x256", 256, 256, 256},
		{"vae-128-512x512", 128, 128, 512},
		{"small-64-64x64", 64, 64, 64},
	}
	for _, sh := range shapes {
		for _, algo := range []struct {
			name string
			a    convAlgo
		}{{"direct", convDirect}, {"winograd", convWinograd}} {
			b.Run(sh.name+"/"+algo.name, func(b *testing.B) {
				d := New(0)
				d.conv = algo.a
				x, w, bias := randTensor(d, 1, sh.cin, sh.s, sh.s), randTensor(d, sh.cout, sh.cin, 3, 3), randTensor(d, sh.cout)
				for b.Loop() {
					y, err := d.Conv2D(x, w, bias, compute.Conv2DParams{Padding: 1})
					if err != nil {
						b.Fatal(err)
					}
					require.NoError(b, d.Free(y))
				}
				flops := 2 * 9 * float64(sh.cin*sh.cout*sh.s*sh.s)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
