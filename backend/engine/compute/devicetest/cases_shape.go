package devicetest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

func caseConcat(t *testing.T, dev compute.Device) {
	tests := []struct {
		name   string
		axis   int
		shapes [][]int
	}{
		{name: "axis0", axis: 0, shapes: [][]int{{1, 3, 2}, {2, 3, 2}}},
		{name: "channels", axis: 1, shapes: [][]int{{2, 3, 4, 5}, {2, 1, 4, 5}, {2, 7, 4, 5}}},
		{name: "last", axis: -1, shapes: [][]int{{3, 2}, {3, 5}}},
		{name: "single", axis: 0, shapes: [][]int{{4}}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rng(uint64(1500 + i))
			var ts []tensor.Tensor
			var vals [][]float64
			for _, s := range tc.shapes {
				v := randn(r, prod(s))
				vals = append(vals, v)
				ts = append(ts, upload(t, dev, v, s...))
			}
			y, err := dev.Concat(tc.axis, ts...)
			require.NoError(t, err)
			rank := len(tc.shapes[0])
			ax := (tc.axis + rank) % rank
			os := append([]int(nil), tc.shapes[0]...)
			os[ax] = 0
			for _, s := range tc.shapes {
				os[ax] += s[ax]
			}
			want := make([]float64, prod(os))
			for j := range want {
				idx := refIndex(j, os)
				for k, s := range tc.shapes {
					if idx[ax] < s[ax] {
						want[j] = vals[k][refFlat(idx, s)]
						break
					}
					idx[ax] -= s[ax]
				}
			}
			assertClose(t, want, download(t, dev, y, os...), tol{})
		})
	}
	a := upload(t, dev, randn(rng(1), 6), 2, 3)
	b := upload(t, dev, randn(rng(2), 8), 2, 4)
	_, err := dev.Concat(0, a, b)
	requireShapeErr(t, err)
	_, err = dev.Concat(0)
	require.Error(t, err)
}

func caseSplit(t *testing.T, dev compute.Device) {
	shape := []int{2, 9, 3}
	v := randn(rng(1600), prod(shape))
	x := upload(t, dev, v, shape...)
	for _, tc := range []struct {
		axis  int
		sizes []int
	}{{1, []int{4, 1, 4}}, {-1, []int{1, 2}}, {0, []int{2}}} {
		t.Run(sizeName(tc.axis), func(t *testing.T) {
			parts, err := dev.Split(x, tc.axis, tc.sizes...)
			require.NoError(t, err)
			require.Len(t, parts, len(tc.sizes))
			ax := (tc.axis + 3) % 3
			start := 0
			for p, size := range tc.sizes {
				os := append([]int(nil), shape...)
				os[ax] = size
				want := make([]float64, prod(os))
				for j := range want {
					idx := refIndex(j, os)
					idx[ax] += start
					want[j] = v[refFlat(idx, shape)]
				}
				assertClose(t, want, download(t, dev, parts[p], os...), tol{})
				start += size
			}
		})
	}
	_, err := dev.Split(x, 1, 4, 4)
	requireShapeErr(t, err, "sizes do not sum to the axis")
	// Chunk is built on Split.
	halves, err := compute.Chunk(dev, x, 3, 1)
	require.NoError(t, err)
	require.Len(t, halves, 3)
	require.Equal(t, tensor.Shape{2, 3, 3}, halves[2].Shape())
}

func casePermute(t *testing.T, dev compute.Device) {
	shape := []int{2, 3, 4, 5}
	v := randn(rng(1700), prod(shape))
	x := upload(t, dev, v, shape...)
	for _, perm := range [][]int{{0, 1, 2, 3}, {0, 2, 1, 3}, {3, 2, 1, 0}, {0, 2, 3, 1}, {1, 0, 3, 2}} {
		t.Run(sizeName(perm...), func(t *testing.T) {
			y, err := dev.Permute(x, perm...)
			require.NoError(t, err)
			os := make([]int, 4)
			for i, p := range perm {
				os[i] = shape[p]
			}
			want := make([]float64, len(v))
			for j := range want {
				oi := refIndex(j, os)
				ii := make([]int, 4)
				for i, p := range perm {
					ii[p] = oi[i]
				}
				want[j] = v[refFlat(ii, shape)]
			}
			assertClose(t, want, download(t, dev, y, os...), tol{})
		})
	}
	_, err := dev.Permute(x, 0, 1, 1, 2)
	requireShapeErr(t, err)
	tr, err := compute.Transpose(dev, x, 1, -1)
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{2, 5, 4, 3}, tr.Shape())
}

func caseEmbedding(t *testing.T, dev compute.Device) {
	for _, dt := range []tensor.DType{tensor.F32, tensor.F16, tensor.BF16} {
		t.Run(dt.String(), func(t *testing.T) {
			const vocab, dim = 11, 7
			table := randn(rng(1800), vocab*dim)
			tt := uploadAs(t, dev, dt, table, vocab, dim)
			ids := []int{3, 0, 10, 3}
			y, err := dev.Embedding(tt, ids)
			require.NoError(t, err)
			var want []float64
			for _, id := range ids {
				want = append(want, table[id*dim:(id+1)*dim]...)
			}
			assertClose(t, want, download(t, dev, y, len(ids), dim), tol{})
			_, err = dev.Embedding(tt, []int{vocab})
			require.Error(t, err, "id past the vocabulary")
			_, err = dev.Embedding(tt, []int{-1})
			require.Error(t, err)
		})
	}
}

func caseTimestepEmbedding(t *testing.T, dev compute.Device) {
	// Order check with hand-computed numbers (LDM timestep_embedding, t=1,
	// dim=4: freqs [1, 10000^(-1/2)=0.01]) → [cos 1, cos 0.01, sin 1, sin 0.01].
	y, err := dev.TimestepEmbedding([]float32{1}, 4)
	require.NoError(t, err)
	assertClose(t, []float64{math.Cos(1), math.Cos(0.01), math.Sin(1), math.Sin(0.01)}, download(t, dev, y, 1, 4), exact32)

	steps := []float32{0, 1, 999, 500.5, 37}
	for _, dim := range []int{320, 256, 7, 2} {
		t.Run(sizeName(dim), func(t *testing.T) {
			y, err := dev.TimestepEmbedding(steps, dim)
			require.NoError(t, err)
			half := dim / 2
			want := make([]float64, len(steps)*dim)
			for n, ts := range steps {
				for i := 0; i < half; i++ {
					arg := float64(ts) * math.Exp(-math.Log(10000)*float64(i)/float64(half))
					want[n*dim+i] = math.Cos(arg)
					want[n*dim+half+i] = math.Sin(arg)
				}
			}
			assertClose(t, want, download(t, dev, y, len(steps), dim), tol{abs: 1e-6})
		})
	}
	_, err = dev.TimestepEmbedding(nil, 4)
	requireShapeErr(t, err)
}
