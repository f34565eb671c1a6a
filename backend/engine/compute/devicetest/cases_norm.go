package devicetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

func caseGroupNorm(t *testing.T, dev compute.Device) {
	tests := []struct {
		name   string
		shape  []int
		groups int
		affine bool
		silu   bool
		eps    float32
	}{
		{name: "4 groups affine", shape: []int{2, 12, 5, 7}, groups: 4, affine: true, eps: 1e-5},
		{name: "3 groups silu", shape: []int{1, 12, 3, 11}, groups: 3, affine: true, silu: true, eps: 1e-6},
		{name: "group per channel", shape: []int{2, 5, 1, 1}, groups: 5, eps: 1e-5},
		{name: "one group no affine", shape: []int{1, 7, 13}, groups: 1, silu: true, eps: 1e-5},
		{name: "sd shape 32 groups", shape: []int{1, 64, 9, 17}, groups: 32, affine: true, silu: true, eps: 1e-5},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rng(uint64(600 + i))
			v := randn(r, prod(tc.shape))
			for j := range v {
				v[j] = float64(float32(3 + 2*v[j])) // an offset mean exercises the two-pass variance
			}
			c := tc.shape[1]
			x := upload(t, dev, v, tc.shape...)
			var gamma, beta tensor.Tensor
			var gv, bv []float64
			if tc.affine {
				gv, bv = randn(r, c), randn(r, c)
				gamma, beta = upload(t, dev, gv, c), upload(t, dev, bv, c)
			}
			y, err := dev.GroupNorm(x, gamma, beta, tc.groups, tc.eps, tc.silu)
			require.NoError(t, err)
			want := refGroupNorm(v, gv, bv, tc.shape[0], c, prod(tc.shape[2:]), tc.groups, float64(tc.eps), tc.silu)
			assertClose(t, want, download(t, dev, y, tc.shape...), tol{abs: 2e-5, rel: 1e-4})
		})
	}
	t.Run("errors", func(t *testing.T) {
		x := upload(t, dev, randn(rng(1), 2*6*3), 2, 6, 3)
		_, err := dev.GroupNorm(x, tensor.Tensor{}, tensor.Tensor{}, 4, 1e-5, false)
		requireShapeErr(t, err, "6 channels in 4 groups")
		g := upload(t, dev, randn(rng(2), 5), 5)
		_, err = dev.GroupNorm(x, g, tensor.Tensor{}, 2, 1e-5, false)
		requireShapeErr(t, err, "gamma length")
	})
}

func caseLayerNorm(t *testing.T, dev compute.Device) {
	tests := []struct {
		name   string
		shape  []int
		affine bool
	}{
		{name: "affine", shape: []int{3, 7, 33}, affine: true},
		{name: "plain", shape: []int{77, 64}},
		{name: "dim 1", shape: []int{5, 1}, affine: true},
		{name: "long row", shape: []int{2, 1281}, affine: true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rng(uint64(700 + i))
			d := tc.shape[len(tc.shape)-1]
			v := randn(r, prod(tc.shape))
			x := upload(t, dev, v, tc.shape...)
			var gamma, beta tensor.Tensor
			var gv, bv []float64
			if tc.affine {
				gv, bv = randn(r, d), randn(r, d)
				gamma, beta = upload(t, dev, gv, d), upload(t, dev, bv, d)
			}
			y, err := dev.LayerNorm(x, gamma, beta, 1e-5)
			require.NoError(t, err)
			want := make([]float64, len(v))
			for row := 0; row < len(v)/d; row++ {
				n := refNormalize(v[row*d:(row+1)*d], 1e-5)
				for j, z := range n {
					if gv != nil {
						z = z*gv[j] + bv[j]
					}
					want[row*d+j] = z
				}
			}
			assertClose(t, want, download(t, dev, y, tc.shape...), tol{abs: 2e-5, rel: 1e-4})
		})
	}
	x := upload(t, dev, randn(rng(1), 6), 2, 3)
	_, err := dev.LayerNorm(x, upload(t, dev, randn(rng(2), 2), 2), tensor.Tensor{}, 1e-5)
	requireShapeErr(t, err)
}

func caseSoftmax(t *testing.T, dev compute.Device) {
	tests := []struct {
		name   string
		shape  []int
		offset float64
	}{
		{name: "small", shape: []int{3, 17}},
		{name: "single", shape: []int{1, 1}},
		{name: "long rows large logits", shape: []int{2, 3, 1000}, offset: 80},
		{name: "negative logits", shape: []int{4, 31}, offset: -90},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := randn(rng(uint64(800+i)), prod(tc.shape))
			for j := range v {
				v[j] = float64(float32(v[j]*4 + tc.offset))
			}
			y, err := dev.Softmax(upload(t, dev, v, tc.shape...))
			require.NoError(t, err)
			d := tc.shape[len(tc.shape)-1]
			var want []float64
			for row := 0; row < len(v)/d; row++ {
				want = append(want, refSoftmax(v[row*d:(row+1)*d])...)
			}
			assertClose(t, want, download(t, dev, y, tc.shape...), tol{abs: 1e-7, rel: 1e-4})
		})
	}
}

func caseMean(t *testing.T, dev compute.Device) { caseReduce(t, dev, false) }

func caseVariance(t *testing.T, dev compute.Device) { caseReduce(t, dev, true) }

func caseReduce(t *testing.T, dev compute.Device, variance bool) {
	op := dev.Mean
	if variance {
		op = dev.Variance
	}
	shape := []int{3, 5, 7}
	v := randn(rng(900), prod(shape))
	for j := range v {
		v[j] = float64(float32(v[j] + 10)) // offset: variance must be computed about the mean
	}
	x := upload(t, dev, v, shape...)
	for _, axis := range []int{0, 1, 2, -1, -3} {
		t.Run(sizeName(axis), func(t *testing.T) {
			y, err := op(x, axis)
			require.NoError(t, err)
			ax := (axis + 3) % 3
			os := append([]int(nil), shape...)
			os[ax] = 1
			want := make([]float64, prod(os))
			for j := range want {
				idx := refIndex(j, os)
				var vals []float64
				for k := 0; k < shape[ax]; k++ {
					idx[ax] = k
					vals = append(vals, v[refFlat(idx, shape)])
				}
				var s, q float64
				for _, z := range vals {
					s += z
				}
				s /= float64(len(vals))
				for _, z := range vals {
					q += (z - s) * (z - s)
				}
				if variance {
					want[j] = q / float64(len(vals))
				} else {
					want[j] = s
				}
			}
			assertClose(t, want, download(t, dev, y, os...), tol{abs: 1e-5, rel: 1e-5})
		})
	}
	_, err := op(x, 3)
	requireShapeErr(t, err)
}
