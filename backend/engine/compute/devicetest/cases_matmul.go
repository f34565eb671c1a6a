package devicetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

func caseMatMul(t *testing.T, dev compute.Device) {
	tests := []struct {
		name           string
		batch          []int
		m, k, n        int
		ta, tb         bool
		shareA, shareB bool // operand is rank 2, shared by every batch
		dtB            tensor.DType
	}{
		{name: "1x1x1", m: 1, k: 1, n: 1},
		{name: "primes", batch: []int{2}, m: 7, k: 13, n: 5},
		{name: "transA", batch: []int{3}, m: 17, k: 31, n: 33, ta: true},
		{name: "transB", batch: []int{2, 2}, m: 9, k: 65, n: 15, tb: true},
		{name: "both trans", m: 63, k: 129, n: 65, ta: true, tb: true},
		{name: "tile+1", m: 65, k: 257, n: 97},
		{name: "shared B", batch: []int{3}, m: 11, k: 19, n: 23, shareB: true},
		{name: "shared A", batch: []int{4}, m: 5, k: 8, n: 31, shareA: true},
		{name: "F16 B", batch: []int{2}, m: 6, k: 40, n: 17, dtB: tensor.F16},
		{name: "BF16 B trans", m: 33, k: 24, n: 10, tb: true, dtB: tensor.BF16},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rng(uint64(100 + i))
			nb := 1
			for _, d := range tc.batch {
				nb *= d
			}
			aDims := []int{tc.m, tc.k}
			if tc.ta {
				aDims = []int{tc.k, tc.m}
			}
			bDims := []int{tc.k, tc.n}
			if tc.tb {
				bDims = []int{tc.n, tc.k}
			}
			na, nbb := nb, nb
			aShape := append(append([]int(nil), tc.batch...), aDims...)
			bShape := append(append([]int(nil), tc.batch...), bDims...)
			if tc.shareA {
				aShape, na = aDims, 1
			}
			if tc.shareB {
				bShape, nbb = bDims, 1
			}
			av, bv := randn(r, na*tc.m*tc.k), randn(r, nbb*tc.k*tc.n)
			dtB := tc.dtB
			if dtB == 0 {
				dtB = tensor.F32
			}
			a := upload(t, dev, av, aShape...)
			b := uploadAs(t, dev, dtB, bv, bShape...)
			c, err := dev.MatMul(a, b, tc.ta, tc.tb)
			require.NoError(t, err)
			sa, sb := tc.m*tc.k, tc.k*tc.n
			if tc.shareA {
				sa = 0
			}
			if tc.shareB {
				sb = 0
			}
			want := refMatMul(av, bv, nb, tc.m, tc.k, tc.n, tc.ta, tc.tb, sa, sb)
			outShape := append(append([]int(nil), tc.batch...), tc.m, tc.n)
			assertClose(t, want, download(t, dev, c, outShape...), dotTol(tc.k))
		})
	}
	t.Run("errors", func(t *testing.T) {
		a := upload(t, dev, randn(rng(1), 6), 2, 3)
		b := upload(t, dev, randn(rng(2), 8), 4, 2)
		_, err := dev.MatMul(a, b, false, false)
		requireShapeErr(t, err)
		v := upload(t, dev, randn(rng(3), 3), 3)
		_, err = dev.MatMul(a, v, false, false)
		requireShapeErr(t, err)
		x := upload(t, dev, randn(rng(4), 12), 2, 2, 3)
		y := upload(t, dev, randn(rng(5), 18), 3, 3, 2)
		_, err = dev.MatMul(x, y, false, false)
		requireShapeErr(t, err, "batch dims differ")
	})
}

func caseLinear(t *testing.T, dev compute.Device) {
	tests := []struct {
		name string
		x    []int
		out  int
		bias bool
		act  compute.Activation
		dtW  tensor.DType
	}{
		{name: "1x1", x: []int{1, 1}, out: 1},
		{name: "bias", x: []int{2, 5, 37}, out: 17, bias: true},
		{name: "silu", x: []int{3, 33}, out: 65, bias: true, act: compute.ActSiLU},
		{name: "gelu", x: []int{77, 40}, out: 31, bias: true, act: compute.ActGELU},
		{name: "gelu tanh", x: []int{9, 16}, out: 8, act: compute.ActGELUTanh},
		{name: "quick gelu", x: []int{13, 24}, out: 49, bias: true, act: compute.ActQuickGELU},
		{name: "relu", x: []int{4, 7}, out: 129, bias: true, act: compute.ActReLU},
		{name: "F16 weight", x: []int{2, 3, 40}, out: 23, bias: true, dtW: tensor.F16},
		{name: "BF16 weight", x: []int{17, 96}, out: 15, bias: true, act: compute.ActGELU, dtW: tensor.BF16},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rng(uint64(200 + i))
			in := tc.x[len(tc.x)-1]
			rows := 1
			for _, d := range tc.x[:len(tc.x)-1] {
				rows *= d
			}
			xv, wv := randn(r, rows*in), randn(r, tc.out*in)
			dtW := tc.dtW
			if dtW == 0 {
				dtW = tensor.F32
			}
			x := upload(t, dev, xv, tc.x...)
			w := uploadAs(t, dev, dtW, wv, tc.out, in)
			var bias tensor.Tensor
			var bv []float64
			if tc.bias {
				bv = randn(r, tc.out)
				bias = upload(t, dev, bv, tc.out)
			}
			y, err := dev.Linear(x, w, bias, tc.act)
			require.NoError(t, err)
			want := refMatMul(xv, wv, 1, rows, in, tc.out, false, true, 0, 0)
			for j := range want {
				if bv != nil {
					want[j] += bv[j%tc.out]
				}
				want[j] = refAct(want[j], int(tc.act))
			}
			outShape := append(append([]int(nil), tc.x[:len(tc.x)-1]...), tc.out)
			assertClose(t, want, download(t, dev, y, outShape...), dotTol(in))
		})
	}
	t.Run("errors", func(t *testing.T) {
		x := upload(t, dev, randn(rng(1), 6), 2, 3)
		w := upload(t, dev, randn(rng(2), 8), 2, 4)
		_, err := dev.Linear(x, w, tensor.Tensor{}, compute.ActNone)
		requireShapeErr(t, err)
		w3 := upload(t, dev, randn(rng(3), 6), 2, 3)
		b := upload(t, dev, randn(rng(4), 3), 3)
		_, err = dev.Linear(x, w3, b, compute.ActNone)
		requireShapeErr(t, err, "bias length must be Out")
	})
}
