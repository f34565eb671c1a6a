package nn_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// fixture loads src on a CPU device and keeps the host copies for the
// float64 references.
type fixture struct {
	t   *testing.T
	dev compute.Device
	src weights.Source
	w   *nn.Weights
}

func newFixture(t *testing.T, spec map[string][]int) *fixture {
	t.Helper()
	src := nn.RandomSource(spec, 42)
	dev := cpu.New(1)
	return &fixture{t: t, dev: dev, src: src, w: nn.NewWeights(src, dev)}
}

func (f *fixture) host(name string) []float64 {
	f.t.Helper()
	v, err := f.src.Float32(name)
	require.NoError(f.t, err)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func (f *fixture) input(shape ...int) (tensor.Tensor, []float64) {
	f.t.Helper()
	n := tensor.Shape(shape).Numel()
	data := make([]float32, n)
	ref := make([]float64, n)
	for i := range data {
		data[i] = float32(math.Sin(float64(i)*0.37) * 1.5)
		ref[i] = float64(data[i])
	}
	x, err := f.dev.Upload(shape, data)
	require.NoError(f.t, err)
	return x, ref
}

func (f *fixture) check(got tensor.Tensor, want []float64) {
	f.t.Helper()
	g, err := f.dev.Download(got)
	require.NoError(f.t, err)
	require.Len(f.t, g, len(want))
	for i := range want {
		require.InDelta(f.t, want[i], float64(g[i]), 1e-4*(1+math.Abs(want[i])), "element %d", i)
	}
}

func TestLinear(t *testing.T) {
	const n, in, out = 3, 5, 4
	for _, bias := range []bool{true, false} {
		t.Run(map[bool]string{true: "bias", false: "no bias"}[bias], func(t *testing.T) {
			f := newFixture(t, map[string][]int{"l.weight": {out, in}, "l.bias": {out}})
			l, err := nn.LoadLinear(f.w.Sub("l"), in, out, bias)
			require.NoError(t, err)
			assert.Equal(t, bias, !l.Bias.IsZero())
			x, xr := f.input(n, in)
			y, err := l.Forward(f.dev, x, compute.ActReLU)
			require.NoError(t, err)
			w, b := f.host("l.weight"), f.host("l.bias")
			want := make([]float64, n*out)
			for i := range n {
				for o := range out {
					s := 0.0
					if bias {
						s = b[o]
					}
					for k := range in {
						s += xr[i*in+k] * w[o*in+k]
					}
					want[i*out+o] = math.Max(s, 0)
				}
			}
			f.check(y, want)
		})
	}
	t.Run("wrong shape names key", func(t *testing.T) {
		f := newFixture(t, map[string][]int{"l.weight": {4, 5}})
		_, err := nn.LoadLinear(f.w.Sub("l"), 4, 5, false)
		require.ErrorContains(t, err, "nn: l.weight: bad shape: shape [4 5], want [5 4]")
		_, err = nn.LoadLinear(f.w.Sub("l"), 5, 4, true)
		require.ErrorContains(t, err, "nn: l.bias: missing weight")
	})
}

func TestConv2D(t *testing.T) {
	const cin, cout, h, w, k, stride, pad = 2, 3, 5, 4, 3, 2, 1
	f := newFixture(t, map[string][]int{"c.weight": {cout, cin, k, k}, "c.bias": {cout}})
	c, err := nn.LoadConv2D(f.w.Sub("c"), cin, cout, k, stride, pad, true)
	require.NoError(t, err)
	x, xr := f.input(1, cin, h, w)
	y, err := c.Forward(f.dev, x)
	require.NoError(t, err)
	oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
	require.Equal(t, tensor.Shape{1, cout, oh, ow}, y.Shape())
	want := refConv(cin, cout, k, oh, ow, stride, pad, f.host("c.weight"), f.host("c.bias"), func(ci, iy, ix int) (float64, bool) {
		if iy < 0 || iy >= h || ix < 0 || ix >= w {
			return 0, false
		}
		return xr[(ci*h+iy)*w+ix], true
	})
	f.check(y, want)
}

// refConv is a float64 cross-correlation of one image with weights wt
// [cout, cin, k, k] and bias b; in reads input pixel (ci, iy, ix), false
// outside the image (zero padding).
func refConv(cin, cout, k, oh, ow, stride, pad int, wt, b []float64, in func(ci, iy, ix int) (float64, bool)) []float64 {
	want := make([]float64, cout*oh*ow)
	for o := range cout {
		for oy := range oh {
			for ox := range ow {
				s := b[o]
				for ci := range cin {
					for ky := range k {
						for kx := range k {
							if v, ok := in(ci, oy*stride-pad+ky, ox*stride-pad+kx); ok {
								s += v * wt[((o*cin+ci)*k+ky)*k+kx]
							}
						}
					}
				}
				want[(o*oh+oy)*ow+ox] = s
			}
		}
	}
	return want
}

// plainDevice hides the CPU device's optional interfaces, such as
// compute.UpsampleConv, so that the layers take their generic road.
type plainDevice struct{ compute.Device }

// TestConv2DForwardUpsampled checks the upsampling convolution against the
// float64 convolution of the upsampled input, through the device's fused
// form (the CPU device has one) and through Upsample2x + Conv2D.
func TestConv2DForwardUpsampled(t *testing.T) {
	const cin, cout, h, w, k, pad = 3, 4, 3, 5, 3, 1
	f := newFixture(t, map[string][]int{"c.weight": {cout, cin, k, k}, "c.bias": {cout}})
	c, err := nn.LoadConv2D(f.w.Sub("c"), cin, cout, k, 1, pad, true)
	require.NoError(t, err)
	x, xr := f.input(1, cin, h, w)
	const uh, uw = 2 * h, 2 * w
	want := refConv(cin, cout, k, uh, uw, 1, pad, f.host("c.weight"), f.host("c.bias"), func(ci, iy, ix int) (float64, bool) {
		if iy < 0 || iy >= uh || ix < 0 || ix >= uw {
			return 0, false
		}
		return xr[(ci*h+iy/2)*w+ix/2], true // nearest ×2
	})
	_, fused := f.dev.(compute.UpsampleConv)
	require.True(t, fused, "the CPU device has the fused form")
	for _, d := range []compute.Device{f.dev, plainDevice{f.dev}} {
		y, err := c.ForwardUpsampled(d, x)
		require.NoError(t, err)
		require.Equal(t, tensor.Shape{1, cout, uh, uw}, y.Shape())
		f.check(y, want)
	}
}

func TestGroupNorm(t *testing.T) {
	const c, groups, hw = 6, 3, 5
	const eps = 1e-5
	f := newFixture(t, map[string][]int{"norm.weight": {c}, "norm.bias": {c}})
	g, err := nn.LoadGroupNorm(f.w.Sub("norm"), groups, c, eps)
	require.NoError(t, err)
	x, xr := f.input(1, c, 1, hw)
	gamma, beta := f.host("norm.weight"), f.host("norm.bias")
	for _, silu := range []bool{false, true} {
		y, err := g.Forward(f.dev, x, silu)
		require.NoError(t, err)
		want := make([]float64, c*hw)
		per := c / groups * hw
		for gi := range groups {
			seg := xr[gi*per : (gi+1)*per]
			mean, vr := meanVar(seg)
			for i := range per {
				ch := (gi*per + i) / hw
				v := (seg[i]-mean)/math.Sqrt(vr+eps)*gamma[ch] + beta[ch]
				if silu {
					v /= 1 + math.Exp(-v)
				}
				want[gi*per+i] = v
			}
		}
		f.check(y, want)
	}
	_, err = nn.LoadGroupNorm(f.w.Sub("norm"), 4, c, eps)
	require.ErrorIs(t, err, tensor.ErrShape)
}

// onlyDevice hides the optional interfaces of the device it wraps.
type onlyDevice struct{ compute.Device }

// TestGroupNormForwardConsuming checks both paths: on the CPU the result is
// written over x (and equals Forward's); on a device without
// compute.InPlaceGroupNorm a new tensor comes back and x is untouched.
func TestGroupNormForwardConsuming(t *testing.T) {
	const c, groups, hw = 6, 3, 5
	f := newFixture(t, map[string][]int{"norm.weight": {c}, "norm.bias": {c}})
	g, err := nn.LoadGroupNorm(f.w.Sub("norm"), groups, c, 1e-5)
	require.NoError(t, err)
	x, _ := f.input(1, c, 1, hw)
	before, err := f.dev.Download(x)
	require.NoError(t, err)
	want, err := g.Forward(f.dev, x, true)
	require.NoError(t, err)
	wantVals, err := f.dev.Download(want)
	require.NoError(t, err)

	plain := onlyDevice{f.dev}
	y, err := g.ForwardConsuming(plain, x, true)
	require.NoError(t, err)
	require.NotEqual(t, x.Buffer(), y.Buffer(), "without in-place support a new tensor comes back")
	got, err := f.dev.Download(y)
	require.NoError(t, err)
	require.Equal(t, wantVals, got)
	still, err := f.dev.Download(x)
	require.NoError(t, err)
	require.Equal(t, before, still, "x untouched")

	z, err := g.ForwardConsuming(f.dev, x, true)
	require.NoError(t, err)
	require.Equal(t, x.Buffer(), z.Buffer(), "written over x")
	got, err = f.dev.Download(z)
	require.NoError(t, err)
	require.Equal(t, wantVals, got)
}

func TestLayerNorm(t *testing.T) {
	const n, d = 3, 7
	const eps = 1e-5
	f := newFixture(t, map[string][]int{"ln.weight": {d}, "ln.bias": {d}})
	l, err := nn.LoadLayerNorm(f.w.Sub("ln"), d, eps)
	require.NoError(t, err)
	x, xr := f.input(n, d)
	y, err := l.Forward(f.dev, x)
	require.NoError(t, err)
	gamma, beta := f.host("ln.weight"), f.host("ln.bias")
	want := make([]float64, n*d)
	for i := range n {
		row := xr[i*d : (i+1)*d]
		mean, vr := meanVar(row)
		for j := range d {
			want[i*d+j] = (row[j]-mean)/math.Sqrt(vr+eps)*gamma[j] + beta[j]
		}
	}
	f.check(y, want)
}

func TestEmbedding(t *testing.T) {
	const vocab, d = 10, 4
	f := newFixture(t, map[string][]int{"tok.weight": {vocab, d}})
	e, err := nn.LoadEmbedding(f.w.Sub("tok"), vocab, d)
	require.NoError(t, err)
	ids := []int{3, 0, 9, 3}
	y, err := e.Forward(f.dev, ids)
	require.NoError(t, err)
	table := f.host("tok.weight")
	var want []float64
	for _, id := range ids {
		want = append(want, table[id*d:(id+1)*d]...)
	}
	f.check(y, want)
	_, err = e.Forward(f.dev, []int{1, vocab})
	require.ErrorContains(t, err, "id 10 at position 1 outside vocabulary of 10")
	_, err = e.Forward(f.dev, []int{-1})
	require.Error(t, err)
}

func TestFree(t *testing.T) {
	dev := cpu.New(1)
	a, err := dev.Alloc(tensor.Shape{256})
	require.NoError(t, err)
	before := dev.Info().UsedMemory
	nn.Free(dev, tensor.Tensor{}, a, tensor.Tensor{})
	assert.Equal(t, before-a.Bytes(), dev.Info().UsedMemory)
	nn.Free(dev, a) // a second free is ignored
}

func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x))
}

func TestFailedLoadFreesPartialLayer(t *testing.T) {
	tests := []struct {
		name string
		load func(w *nn.Weights) error
	}{
		{"linear", func(w *nn.Weights) error { _, err := nn.LoadLinear(w, 3, 2, true); return err }},
		{"conv", func(w *nn.Weights) error { _, err := nn.LoadConv2D(w, 1, 2, 1, 1, 0, true); return err }},
		{"group norm", func(w *nn.Weights) error { _, err := nn.LoadGroupNorm(w, 1, 2, 1e-5); return err }},
		{"layer norm", func(w *nn.Weights) error { _, err := nn.LoadLayerNorm(w, 2, 1e-5); return err }},
	}
	// Every weight has a shape some layer accepts, but no layer finds its bias.
	src := nn.RandomSource(map[string][]int{
		"linear.weight": {2, 3}, "conv.weight": {2, 1, 1, 1}, "group norm.weight": {2}, "layer norm.weight": {2},
	}, 1)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dev := cpu.New(1)
			err := tc.load(nn.NewWeights(src, dev).Sub(tc.name))
			require.ErrorIs(t, err, nn.ErrMissing)
			assert.Contains(t, err.Error(), tc.name+".bias")
			assert.Zero(t, dev.Info().UsedMemory)
		})
	}
}

func TestLayerFree(t *testing.T) {
	dev := cpu.New(1)
	src := nn.RandomSource(map[string][]int{"l.weight": {2, 3}, "l.bias": {2}, "e.weight": {4, 2}}, 1)
	w := nn.NewWeights(src, dev)
	l, err := nn.LoadLinear(w.Sub("l"), 3, 2, true)
	require.NoError(t, err)
	e, err := nn.LoadEmbedding(w.Sub("e"), 4, 2)
	require.NoError(t, err)
	require.NotZero(t, dev.Info().UsedMemory)
	l.Free(dev)
	e.Free(dev)
	assert.Zero(t, dev.Info().UsedMemory)
}
