package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/vmath"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/devicetest"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// TestConformanceWinograd runs the device suite with every 3×3 stride-1
// convolution taken through Winograd, on each gemm path (its products run
// on that path's micro-kernel) and each vmath path (its transforms).
func TestConformanceWinograd(t *testing.T) {
	for _, gp := range gemm.Paths() {
		for _, vp := range vmath.Paths() {
			t.Run("gemm "+gp+", vmath "+vp, func(t *testing.T) {
				d, err := newOnPaths(2, gp, vp)
				require.NoError(t, err)
				d.conv = convWinograd
				devicetest.Run(t, d)
			})
		}
	}
}

// TestWinogradMatchesDirect compares Winograd with a float64 direct
// convolution at sizes that exercise its edges: output sides that are not
// multiples of the 4×4 tile, padding 0–2, channel counts off the panel
// sizes, depths past the micro-kernel's KC (K blocking), batches, half
// weights, more tiles than one chunk holds and more filters than one block.
func TestWinogradMatchesDirect(t *testing.T) {
	cases := []struct {
		name                  string
		n, cin, cout, h, w, p int
		dt                    tensor.DType
		bias                  bool
	}{
		{"odd sides pad1", 2, 19, 17, 13, 11, 1, tensor.F32, true},
		{"no pad exact tile", 1, 3, 5, 6, 6, 0, tensor.F32, false},
		{"pad2", 1, 7, 9, 5, 9, 2, tensor.F32, true},
		{"single output pixel", 1, 4, 3, 3, 3, 0, tensor.F32, true},
		{"deep K blocks", 1, 300, 20, 9, 10, 1, tensor.F32, true},
		{"f16 weights", 1, 24, 30, 17, 23, 1, tensor.F16, true},
		{"bf16 weights", 2, 16, 16, 8, 8, 1, tensor.BF16, false},
		{"several chunks", 1, 24, 24, 230, 226, 1, tensor.F32, true},
		{"several output blocks", 1, 600, 610, 6, 7, 1, tensor.F32, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			d, err := newOnPaths(2, gemm.Paths()[0], vmath.Paths()[0])
			require.NoError(t, err)
			d.conv = convWinograd
			xv, wv, bv := randn(r, tc.n*tc.cin*tc.h*tc.w), randn(r, tc.cout*tc.cin*9), randn(r, tc.cout)
			x, err := d.Upload(tensor.Shape{tc.n, tc.cin, tc.h, tc.w}, xv)
			require.NoError(t, err)
			var w tensor.Tensor
			if tc.dt == tensor.F32 {
				w, err = d.Upload(tensor.Shape{tc.cout, tc.cin, 3, 3}, wv)
			} else {
				bits := make([]uint16, len(wv))
				for j, v := range wv {
					if tc.dt == tensor.BF16 {
						bits[j] = tensor.Float32ToBF16(v)
						wv[j] = tensor.BF16ToFloat32(bits[j])
					} else {
						bits[j] = tensor.Float32ToHalf(v)
						wv[j] = tensor.HalfToFloat32(bits[j])
					}
				}
				w, err = d.UploadHalf(tensor.Shape{tc.cout, tc.cin, 3, 3}, tc.dt, bits)
			}
			require.NoError(t, err)
			var b tensor.Tensor
			if tc.bias {
				b, err = d.Upload(tensor.Shape{tc.cout}, bv)
				require.NoError(t, err)
			} else {
				bv = nil
			}
			g := convGeom{n: tc.n, cin: tc.cin, h: tc.h, w: tc.w, cout: tc.cout, kh: 3, kw: 3, stride: 1, pad: tc.p, group: 1,
				oh: tc.h + 2*tc.p - 2, ow: tc.w + 2*tc.p - 2}
			if tc.name == "several output blocks" {
				mr := d.gemm.Tiler().MR()
				require.Greater(t, ceilDiv(g.cout, mr)*wgPoints*mr*g.cin*4, wgFilterBytes, "the case must need two filter blocks")
			}
			if tc.name == "several chunks" {
				tl := d.gemm.Tiler()
				tiles := ceilDiv(g.oh, wgOut) * ceilDiv(g.ow, wgOut)
				require.Greater(t, tiles, wgChunk(tiles, g.cin, ceilDiv(g.cout, tl.MR())*tl.MR(), tl.NR()), "the case must span chunks")
			}
			y, err := d.Conv2D(x, w, b, compute.Conv2DParams{Padding: tc.p})
			require.NoError(t, err)
			got, err := d.Download(y)
			require.NoError(t, err)
			want, scale := directConv64(g, xv, wv, bv)
			require.Len(t, got, len(want))
			worst := 0.0
			for j := range want {
				// Relative to the output's typical size: Winograd's error
				// scales with the terms' magnitude, not with the result's.
				worst = max(worst, math.Abs(float64(got[j])-want[j])/scale)
			}
			t.Logf("largest error %.2g of the output's rms", worst)
			// F(4×4, 3×3) in float32 is known to lose about a decimal digit
			// against the direct product (~1e-6 here); a wrong transform
			// coefficient or tile index gives errors of order 1.
			require.Less(t, worst, 1e-4)
		})
	}
}

// directConv64 is a float64 3×3 stride-1 convolution; it also returns the
// output's root mean square.
func directConv64(g convGeom, x, w, bias []float32) ([]float64, float64) {
	y := make([]float64, g.n*g.cout*g.oh*g.ow)
	var sum2 float64
	for n := 0; n < g.n; n++ {
		for co := 0; co < g.cout; co++ {
			for oy := 0; oy < g.oh; oy++ {
				for ox := 0; ox < g.ow; ox++ {
					var s float64
					if bias != nil {
						s = float64(bias[co])
					}
					for ci := 0; ci < g.cin; ci++ {
						for ky := 0; ky < 3; ky++ {
							iy := oy - g.pad + ky
							if iy < 0 || iy >= g.h {
								continue
							}
							for kx := 0; kx < 3; kx++ {
								ix := ox - g.pad + kx
								if ix >= 0 && ix < g.w {
									s += float64(x[((n*g.cin+ci)*g.h+iy)*g.w+ix]) * float64(w[(co*g.cin+ci)*9+ky*3+kx])
								}
							}
						}
					}
					y[((n*g.cout+co)*g.oh+oy)*g.ow+ox] = s
					sum2 += s * s
				}
			}
		}
	}
	return y, math.Sqrt(sum2 / float64(len(y)))
}

func TestWinogradFitsOnlyWhereItPays(t *testing.T) {
	geom := func(n, c, hw int) convGeom {
		return convGeom{n: n, cin: c, h: hw, w: hw, cout: c, kh: 3, kw: 3, stride: 1, pad: 1, group: 1, oh: hw, ow: hw}
	}
	require.True(t, winogradFits(geom(1, 128, 512)), "VAE 128 channels at 512²")
	require.True(t, winogradFits(geom(1, 512, 64)), "VAE 512 channels at 64²")
	require.True(t, winogradFits(geom(1, 320, 64)), "UNet 320 channels at 64²")
	require.False(t, winogradFits(geom(1, 1280, 8)), "four tiles cannot repay 1280² filter transforms")
	require.False(t, winogradFits(geom(1, 3, 512)), "three channels: the transforms cost more than the products")
	strided := geom(1, 320, 64)
	strided.stride = 2
	require.False(t, winogradFits(strided))
	oneByOne := geom(1, 320, 64)
	oneByOne.kh, oneByOne.kw = 1, 1
	require.False(t, winogradFits(oneByOne))
}

func TestConvAlgorithm(t *testing.T) {
	d := New(2)
	up := func(shape ...int) tensor.Tensor {
		x, err := d.Alloc(tensor.Shape(shape))
		require.NoError(t, err)
		return x
	}
	x := up(1, 320, 64, 64)
	name := func(d *Device, w tensor.Tensor, p compute.Conv2DParams) string {
		a, err := d.ConvAlgorithm(x, w, p)
		require.NoError(t, err)
		return a
	}
	w3, w1, dw := up(320, 320, 3, 3), up(320, 320, 1, 1), up(320, 1, 3, 3)
	require.Equal(t, AlgoWinograd, name(d, w3, compute.Conv2DParams{Padding: 1}))
	require.Equal(t, AlgoImplicitGEMM, name(d.WithoutWinograd(), w3, compute.Conv2DParams{Padding: 1}))
	require.Equal(t, AlgoImplicitGEMM, name(d, w3, compute.Conv2DParams{Stride: 2, Padding: 1}))
	require.Equal(t, AlgoGEMM1x1, name(d, w1, compute.Conv2DParams{}))
	require.Equal(t, AlgoDepthwise, name(d, dw, compute.Conv2DParams{Padding: 1, Groups: 320}))
	_, err := d.ConvAlgorithm(x, up(320, 7, 3, 3), compute.Conv2DParams{})
	require.Error(t, err)

	// The pinned device computes the same convolution by the other road.
	conv := func(dev *Device) []float32 {
		r := rand.New(rand.NewPCG(1, 1))
		xs, err := dev.Upload(tensor.Shape{1, 64, 40, 36}, randn(r, 64*40*36))
		require.NoError(t, err)
		ws, err := dev.Upload(tensor.Shape{48, 64, 3, 3}, randn(r, 48*64*9))
		require.NoError(t, err)
		y, err := dev.Conv2D(xs, ws, tensor.Tensor{}, compute.Conv2DParams{Padding: 1})
		require.NoError(t, err)
		v, err := dev.Download(y)
		require.NoError(t, err)
		return v
	}
	forced := New(2)
	forced.conv = convWinograd
	av, bv := conv(forced), conv(d.WithoutWinograd())
	require.Len(t, av, 48*40*36)
	for i := range av {
		require.InDelta(t, bv[i], av[i], 2e-3, "element %d", i)
	}
}

// TestUpsample2xConv2D compares the fused upsample-and-convolve with its
// two-step definition: on Winograd geometries (forced, and chosen by the
// cost model at a VAE-like width) the tiles are read from the half-size
// input; elsewhere the device upsamples and convolves.
func TestUpsample2xConv2D(t *testing.T) {
	cases := []struct {
		name                  string
		algo                  convAlgo
		n, cin, cout, h, w, p int
		k                     int
	}{
		{"forced winograd, odd sides", convWinograd, 2, 5, 7, 7, 5, 1, 3},
		{"forced winograd, no pad", convWinograd, 1, 3, 4, 4, 9, 0, 3},
		{"cost model picks winograd", convAuto, 1, 128, 128, 48, 46, 1, 3},
		{"1x1 falls back", convAuto, 1, 6, 4, 5, 5, 0, 1},
		{"direct pinned falls back", convDirect, 1, 5, 3, 6, 7, 1, 3},
		{"kernel wider than x", convAuto, 1, 2, 3, 1, 1, 0, 2},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := New(2)
			d.conv = tc.algo
			r := rand.New(rand.NewPCG(uint64(i), 11))
			x, err := d.Upload(tensor.Shape{tc.n, tc.cin, tc.h, tc.w}, randn(r, tc.n*tc.cin*tc.h*tc.w))
			require.NoError(t, err)
			w, err := d.Upload(tensor.Shape{tc.cout, tc.cin, tc.k, tc.k}, randn(r, tc.cout*tc.cin*tc.k*tc.k))
			require.NoError(t, err)
			b, err := d.Upload(tensor.Shape{tc.cout}, randn(r, tc.cout))
			require.NoError(t, err)
			p := compute.Conv2DParams{Padding: tc.p}
			up, err := d.Upsample2x(x)
			require.NoError(t, err)
			if tc.name == "cost model picks winograd" {
				algo, err := d.ConvAlgorithm(up, w, p)
				require.NoError(t, err)
				require.Equal(t, AlgoWinograd, algo)
			}
			want, err := d.Conv2D(up, w, b, p)
			require.NoError(t, err)
			got, err := d.Upsample2xConv2D(x, w, b, p)
			require.NoError(t, err)
			require.Equal(t, want.Shape(), got.Shape())
			wv, err := d.Download(want)
			require.NoError(t, err)
			gv, err := d.Download(got)
			require.NoError(t, err)
			// Both sides take the same algorithm on the same values, so the
			// results agree to rounding in the order of additions at most.
			for j := range wv {
				require.InDelta(t, wv[j], gv[j], 1e-4*(1+math.Abs(float64(wv[j]))), "element %d", j)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		d := New(1)
		x, err := d.Alloc(tensor.Shape{1, 3, 4, 4})
		require.NoError(t, err)
		w, err := d.Alloc(tensor.Shape{2, 5, 3, 3})
		require.NoError(t, err)
		_, err = d.Upsample2xConv2D(x, w, tensor.Tensor{}, compute.Conv2DParams{Padding: 1})
		require.Error(t, err, "channel mismatch")
		_, err = d.Upsample2xConv2D(tensor.Tensor{}, w, tensor.Tensor{}, compute.Conv2DParams{})
		require.Error(t, err)
	})
}

// randn returns n standard normal values from r.
func randn(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}
