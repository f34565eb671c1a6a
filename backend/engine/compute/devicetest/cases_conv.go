package devicetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

func caseConv2D(t *testing.T, dev compute.Device) {
	tests := []struct {
		name string
		c    convRef
		bias bool
		dtW  tensor.DType
	}{
		{name: "1x1 plain gemm", c: convRef{n: 2, cin: 5, h: 9, w: 11, cout: 7, kh: 1, kw: 1, stride: 1}, bias: true},
		{name: "1x1 single pixel", c: convRef{n: 1, cin: 1, h: 1, w: 1, cout: 1, kh: 1, kw: 1, stride: 1}},
		{name: "3x3 pad1", c: convRef{n: 2, cin: 3, h: 13, w: 7, cout: 5, kh: 3, kw: 3, stride: 1, pad: 1}, bias: true},
		{name: "3x3 stride2 odd", c: convRef{n: 1, cin: 4, h: 15, w: 9, cout: 6, kh: 3, kw: 3, stride: 2, pad: 1}, bias: true},
		{name: "3x3 no pad", c: convRef{n: 1, cin: 17, h: 5, w: 6, cout: 3, kh: 3, kw: 3, stride: 1}},
		{name: "4x4", c: convRef{n: 1, cin: 2, h: 8, w: 10, cout: 3, kh: 4, kw: 4, stride: 2, pad: 1}, bias: true},
		{name: "5x5 pad2", c: convRef{n: 1, cin: 3, h: 7, w: 19, cout: 4, kh: 5, kw: 5, stride: 1, pad: 2}},
		{name: "3x3 wide 33ch", c: convRef{n: 1, cin: 33, h: 17, w: 31, cout: 65, kh: 3, kw: 3, stride: 1, pad: 1}, bias: true},
		{name: "1x1 stride2", c: convRef{n: 1, cin: 3, h: 7, w: 7, cout: 2, kh: 1, kw: 1, stride: 2}},
		{name: "3x1 rect", c: convRef{n: 1, cin: 2, h: 6, w: 5, cout: 3, kh: 3, kw: 1, stride: 1, pad: 1}, bias: true},
		{name: "F16 weight", c: convRef{n: 1, cin: 8, h: 9, w: 9, cout: 16, kh: 3, kw: 3, stride: 1, pad: 1}, bias: true, dtW: tensor.F16},
		{name: "BF16 1x1", c: convRef{n: 1, cin: 12, h: 3, w: 5, cout: 4, kh: 1, kw: 1, stride: 1}, dtW: tensor.BF16},
		{name: "depthwise 3x3", c: convRef{n: 2, cin: 5, h: 7, w: 9, cout: 5, kh: 3, kw: 3, stride: 1, pad: 1, groups: 5}, bias: true},
		{name: "depthwise x2 stride2", c: convRef{n: 1, cin: 3, h: 8, w: 7, cout: 6, kh: 3, kw: 3, stride: 2, pad: 1, groups: 3}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			if c.groups == 0 {
				c.groups = 1
			}
			r := rng(uint64(300 + i))
			cinG := c.cin / c.groups
			xv, wv := randn(r, c.n*c.cin*c.h*c.w), randn(r, c.cout*cinG*c.kh*c.kw)
			dtW := tc.dtW
			if dtW == 0 {
				dtW = tensor.F32
			}
			x := upload(t, dev, xv, c.n, c.cin, c.h, c.w)
			w := uploadAs(t, dev, dtW, wv, c.cout, cinG, c.kh, c.kw)
			var bias tensor.Tensor
			var bv []float64
			if tc.bias {
				bv = randn(r, c.cout)
				bias = upload(t, dev, bv, c.cout)
			}
			y, err := dev.Conv2D(x, w, bias, compute.Conv2DParams{Stride: c.stride, Padding: c.pad, Groups: tc.c.groups})
			require.NoError(t, err)
			oh, ow := c.out()
			want := refConv2D(c, xv, wv, bv)
			assertClose(t, want, download(t, dev, y, c.n, c.cout, oh, ow), dotTol(cinG*c.kh*c.kw))
		})
	}
	t.Run("errors", func(t *testing.T) {
		x := upload(t, dev, randn(rng(1), 2*4*4), 1, 2, 4, 4)
		w := upload(t, dev, randn(rng(2), 3*3*9), 3, 3, 3, 3)
		_, err := dev.Conv2D(x, w, tensor.Tensor{}, compute.Conv2DParams{Padding: 1})
		requireShapeErr(t, err, "channel mismatch")
		w2 := upload(t, dev, randn(rng(3), 4*1*9), 4, 1, 3, 3)
		_, err = dev.Conv2D(x, w2, tensor.Tensor{}, compute.Conv2DParams{Groups: 4})
		requireShapeErr(t, err, "groups not 1 or Cin")
		big := upload(t, dev, randn(rng(4), 2*2*25), 2, 2, 5, 5)
		_, err = dev.Conv2D(x, big, tensor.Tensor{}, compute.Conv2DParams{})
		requireShapeErr(t, err, "kernel larger than input")
	})
}

func caseUpsample2x(t *testing.T, dev compute.Device) {
	for i, s := range [][]int{{2, 3, 5, 7}, {1, 1, 1, 1}, {4, 1}} {
		t.Run(sizeName(s...), func(t *testing.T) {
			v := randn(rng(uint64(400+i)), prod(s))
			x := upload(t, dev, v, s...)
			y, err := dev.Upsample2x(x)
			require.NoError(t, err)
			r := len(s)
			os := append([]int(nil), s...)
			os[r-2], os[r-1] = 2*s[r-2], 2*s[r-1]
			want := make([]float64, prod(os))
			for j := range want {
				idx := refIndex(j, os)
				idx[r-2], idx[r-1] = idx[r-2]/2, idx[r-1]/2
				want[j] = v[refFlat(idx, s)]
			}
			assertClose(t, want, download(t, dev, y, os...), tol{})
		})
	}
	_, err := dev.Upsample2x(upload(t, dev, []float64{1}, 1))
	requireShapeErr(t, err)
}

func caseAvgPool2x2(t *testing.T, dev compute.Device) {
	for i, s := range [][]int{{2, 3, 6, 8}, {1, 2, 7, 5}, {2, 2}} {
		t.Run(sizeName(s...), func(t *testing.T) {
			v := randn(rng(uint64(500+i)), prod(s))
			x := upload(t, dev, v, s...)
			y, err := dev.AvgPool2x2(x)
			require.NoError(t, err)
			r := len(s)
			os := append([]int(nil), s...)
			os[r-2], os[r-1] = s[r-2]/2, s[r-1]/2
			want := make([]float64, prod(os))
			for j := range want {
				idx := refIndex(j, os)
				oy, ox := idx[r-2], idx[r-1]
				for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
					idx[r-2], idx[r-1] = 2*oy+d[0], 2*ox+d[1]
					want[j] += v[refFlat(idx, s)] / 4
				}
			}
			assertClose(t, want, download(t, dev, y, os...), exact32)
		})
	}
	_, err := dev.AvgPool2x2(upload(t, dev, []float64{1, 2}, 1, 2))
	requireShapeErr(t, err)
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
