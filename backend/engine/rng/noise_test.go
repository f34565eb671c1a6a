package rng

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKind(t *testing.T) {
	tests := []struct {
		in      string
		want    Kind
		wantErr bool
	}{
		{"cpu", KindCPU, false},
		{" CPU ", KindCPU, false},
		{"gpu", KindPhilox, false},
		{"NV", KindPhilox, false},
		{"cuda", 0, true},
		{"", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseKind(tc.in)
			if tc.wantErr {
				require.ErrorIs(t, err, ErrUnknownKind)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			back, err := ParseKind(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, back)
		})
	}
	_, err := New(Kind(9), 0)
	assert.ErrorIs(t, err, ErrUnknownKind)
}

func TestSeeds(t *testing.T) {
	seeds, subs := Seeds(100, 7, 0, 2, 3)
	assert.Equal(t, []uint64{102, 103, 104}, seeds)
	assert.Equal(t, []uint64{9, 10, 11}, subs)
	// A variation strength keeps one seed and walks the subseed.
	seeds, subs = Seeds(100, 7, 0.3, 0, 3)
	assert.Equal(t, []uint64{100, 100, 100}, seeds)
	assert.Equal(t, []uint64{7, 8, 9}, subs)
}

func TestInitialNoisePlain(t *testing.T) {
	shape := []int{4, 8, 6}
	for _, kind := range []Kind{KindCPU, KindPhilox} {
		t.Run(kind.String(), func(t *testing.T) {
			g, err := New(kind, 31337)
			require.NoError(t, err)
			want := g.Randn(shape)
			got, err := InitialNoise(kind, 31337, 5, 0, shape, [2]int{})
			require.NoError(t, err)
			assert.Equal(t, want, got, "no subseed, no resize: the seed's first draw")

			again, err := InitialNoise(kind, 31337, 5, 0, shape, [2]int{})
			require.NoError(t, err)
			assert.Equal(t, got, again, "deterministic")

			same, err := InitialNoise(kind, 31337, 5, 0, shape, [2]int{8, 6})
			require.NoError(t, err)
			assert.Equal(t, got, same, "resizing from the same size changes nothing")
		})
	}
}

func TestInitialNoiseVariation(t *testing.T) {
	shape := []int{4, 8, 8}
	for _, kind := range []Kind{KindCPU, KindPhilox} {
		t.Run(kind.String(), func(t *testing.T) {
			g, _ := New(kind, 1)
			base := g.Randn(shape)
			g, _ = New(kind, 2)
			sub := g.Randn(shape)

			got, err := InitialNoise(kind, 1, 2, 0.3, shape, [2]int{})
			require.NoError(t, err)
			assert.Equal(t, SlerpColumns(0.3, base, sub, 4, 8, 8), got)

			full, err := InitialNoise(kind, 1, 2, 1, shape, [2]int{})
			require.NoError(t, err)
			assert.InDeltaSlice(t, sub, full, 1e-5, "strength 1 is the subseed's noise")
		})
	}
}

func TestInitialNoiseResizeGeometry(t *testing.T) {
	const seed = 9
	tests := []struct {
		name       string
		h, w       int
		from       [2]int
		ty, tx     int // where the small draw lands
		sy, sx     int // where it is read from
		rows, cols int
	}{
		{"smaller source centred", 6, 8, [2]int{2, 4}, 2, 2, 0, 0, 2, 4},
		{"odd difference floors", 5, 6, [2]int{2, 3}, 1, 1, 0, 0, 2, 3},
		// 6 rows into 3: dy = (3−6)//2 = −2, so rows 2–3 land on 0–1 and
		// target row 2 keeps the full-size draw.
		{"larger source cropped", 3, 4, [2]int{6, 4}, 0, 0, 2, 0, 2, 4},
		{"mixed", 4, 4, [2]int{2, 7}, 1, 0, 0, 2, 2, 3},
	}
	for _, kind := range []Kind{KindCPU, KindPhilox} {
		for _, tc := range tests {
			t.Run(kind.String()+"/"+tc.name, func(t *testing.T) {
				const c = 2
				g, _ := New(kind, seed)
				full := g.Randn([]int{c, tc.h, tc.w})
				g, _ = New(kind, seed)
				small := g.Randn([]int{c, tc.from[0], tc.from[1]})

				got, err := InitialNoise(kind, seed, 0, 0, []int{c, tc.h, tc.w}, tc.from)
				require.NoError(t, err)
				require.Len(t, got, c*tc.h*tc.w)
				for ci := range c {
					for y := range tc.h {
						for x := range tc.w {
							want := full[(ci*tc.h+y)*tc.w+x]
							if y >= tc.ty && y < tc.ty+tc.rows && x >= tc.tx && x < tc.tx+tc.cols {
								sy, sx := y-tc.ty+tc.sy, x-tc.tx+tc.sx
								want = small[(ci*tc.from[0]+sy)*tc.from[1]+sx]
							}
							require.Equal(t, want, got[(ci*tc.h+y)*tc.w+x], "c=%d y=%d x=%d", ci, y, x)
						}
					}
				}
			})
		}
	}
}

func TestInitialNoiseResizeWithVariation(t *testing.T) {
	// The subseed is mixed into the small draw before pasting; outside the
	// pasted area the seed's full-size draw is untouched.
	kind := KindPhilox
	g, _ := New(kind, 1)
	full := g.Randn([]int{1, 4, 4})
	g, _ = New(kind, 1)
	small := g.Randn([]int{1, 2, 2})
	g, _ = New(kind, 2)
	sub := g.Randn([]int{1, 2, 2})
	mixed := SlerpColumns(0.5, small, sub, 1, 2, 2)

	got, err := InitialNoise(kind, 1, 2, 0.5, []int{1, 4, 4}, [2]int{2, 2})
	require.NoError(t, err)
	assert.Equal(t, full[0], got[0])
	assert.Equal(t, mixed[0], got[1*4+1])
	assert.Equal(t, mixed[3], got[2*4+2])
}

func TestInitialNoiseErrors(t *testing.T) {
	tests := []struct {
		name  string
		kind  Kind
		shape []int
		from  [2]int
	}{
		{"batch axis", KindCPU, []int{1, 4, 8, 8}, [2]int{}},
		{"zero size", KindCPU, []int{4, 0, 8}, [2]int{}},
		{"negative", KindCPU, []int{4, -8, 8}, [2]int{}},
		{"huge", KindCPU, []int{1 << 20, 1 << 20, 1 << 20}, [2]int{}},
		{"huge resize", KindCPU, []int{4, 8, 8}, [2]int{1 << 40, 1 << 40}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := InitialNoise(tc.kind, 0, 0, 0, tc.shape, tc.from)
			assert.ErrorIs(t, err, ErrBadShape)
		})
	}
	_, err := InitialNoise(Kind(7), 0, 0, 0, []int{4, 8, 8}, [2]int{})
	assert.ErrorIs(t, err, ErrUnknownKind)
}

func TestBatchNoise(t *testing.T) {
	shape := []int{4, 4, 4}
	seeds, subs := Seeds(50, 60, 0, 0, 3)
	got, err := BatchNoise(KindCPU, seeds, subs, 0, shape, [2]int{})
	require.NoError(t, err)
	require.Len(t, got, 3*64)
	for i := range 3 {
		want := NewTorchCPU(50 + uint64(i)).Randn(shape)
		assert.Equal(t, want, got[i*64:(i+1)*64], "image %d uses seed+%d", i, i)
	}
	_, err = BatchNoise(KindCPU, seeds, subs[:1], 0, shape, [2]int{})
	assert.Error(t, err)
}

func TestSamplerNoise(t *testing.T) {
	shape := []int{4, 4, 4}
	for _, kind := range []Kind{KindCPU, KindPhilox} {
		t.Run(kind.String(), func(t *testing.T) {
			src, err := SamplerNoise(kind, []uint64{3, 4}, shape, 0)
			require.NoError(t, err)
			dst := make([]float32, 2*64)
			src.Normal(dst)
			for i, seed := range []uint64{3, 4} {
				g, _ := New(kind, seed)
				g.Randn(shape) // the initial noise
				assert.Equal(t, g.Randn(shape), dst[i*64:(i+1)*64], "image %d continues its generator", i)
			}

			withDelta, err := SamplerNoise(kind, []uint64{3, 4}, shape, 31337)
			require.NoError(t, err)
			withDelta.Normal(dst)
			g, _ := New(kind, 4+31337)
			assert.Equal(t, g.Randn(shape), dst[64:], "ENSD: fresh generator at seed+delta")

			assert.Panics(t, func() { src.Normal(make([]float32, 64)) })
		})
	}
	_, err := SamplerNoise(KindCPU, []uint64{1}, []int{8, 8}, 0)
	assert.ErrorIs(t, err, ErrBadShape)
}
