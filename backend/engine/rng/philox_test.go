package rng

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPhilox4x32KnownAnswers(t *testing.T) {
	// Random123 1.09, examples/kat_vectors, "philox4x32 10" lines.
	tests := []struct {
		name string
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{"zeros", [4]uint32{}, [2]uint32{}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{"ones", [4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{"pi digits", [4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, philox4x32(tc.ctr, tc.key))
			assert.Equal(t, tc.want, refPhiloxBlock(tc.ctr, tc.key))
		})
	}
}

func TestPhiloxPublishedValues(t *testing.T) {
	// A1111 modules/rng_philox.py docstring: Generator(seed=0).randn((3, 4)),
	// the same numbers torch.manual_seed(0); torch.randn(3, 4, device="cuda")
	// prints; compared at the 4 decimals torch prints.
	want := []float32{
		-0.9247, -0.4253, -2.6438, 0.1452,
		-0.1209, -0.5797, -0.6229, -0.3284,
		-1.0745, -0.3631, -1.6711, 2.2655,
	}
	got := NewPhilox(0).Randn([]int{3, 4})
	assert.InDeltaSlice(t, want, got, printedTol)
}

func TestPhiloxMatchesReference(t *testing.T) {
	tests := []struct {
		name  string
		seed  uint64
		sizes []int // successive randn calls
	}{
		{"seed 0", 0, []int{12, 1, 300}},
		{"seed above 32 bits", 1<<40 | 0xdeadbeef, []int{64, 64}},
		{"a1111 style seed", 3405691582, []int{4 * 64 * 64, 7}},
		{"max seed", math.MaxUint64, []int{33}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewPhilox(tc.seed)
			ref := &refPhiloxGenerator{seed: tc.seed}
			for call, n := range tc.sizes {
				got := g.Randn([]int{n})
				want := ref.randn(n)
				require.Equal(t, want, got, "call %d", call)
			}
		})
	}
}

func TestPhiloxOffsetPerCall(t *testing.T) {
	g := NewPhilox(5)
	first := g.Randn([]int{8})
	second := g.Randn([]int{3})
	assert.NotEqual(t, first[:3], second, "the offset advances after each call")
	// Element i depends only on (seed, offset, i), not on the tensor size.
	assert.Equal(t, first[:5], NewPhilox(5).Randn([]int{5}))
	h := NewPhilox(5)
	h.Randn([]int{1000})
	assert.Equal(t, second, h.Randn([]int{3}))
	// Normal is Randn by another name.
	dst := make([]float32, 8)
	NewPhilox(5).Normal(dst)
	assert.Equal(t, first, dst)
	// The high half of the seed is the second key word.
	assert.NotEqual(t, NewPhilox(0).Randn([]int{4}), NewPhilox(1<<32).Randn([]int{4}))
}

// TestPhiloxCounterProperties checks, over random keys and counters, that the
// block function agrees with the reference and is a bijection of the counter
// (distinct counters never collide for one key), and that Normal reads the
// counter as [offset, 0, index, 0].
func TestPhiloxCounterProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		key := [2]uint32{r.Uint32(), r.Uint32()}
		seen := make(map[[4]uint32][4]uint32, 64)
		for range 64 {
			ctr := [4]uint32{r.Uint32(), r.Uint32(), r.Uint32(), r.Uint32()}
			out := philox4x32(ctr, key)
			require.Equal(t, refPhiloxBlock(ctr, key), out)
			if prev, ok := seen[out]; ok {
				require.Equal(t, prev, ctr, "two counters gave one block")
			}
			seen[out] = ctr
		}
	}
	for range 50 {
		seed := r.Uint64()
		offset := r.IntN(5)
		index := r.IntN(40)
		g := NewPhilox(seed)
		for range offset {
			g.Randn([]int{1})
		}
		got := g.Randn([]int{index + 1})[index]
		block := refPhiloxBlock([4]uint32{uint32(offset), 0, uint32(index), 0}, [2]uint32{uint32(seed), uint32(seed >> 32)})
		require.Equal(t, refBoxMuller(block[0], block[1]), got)
	}
}

func BenchmarkPhiloxRandn(b *testing.B) {
	g := NewPhilox(0)
	dst := make([]float32, 4*128*128)
	for b.Loop() {
		g.Normal(dst)
	}
}

// --- Independent reference, written from A1111's NumPy code line by line:
// arrays of counters, uint64 products split into uint32 halves by viewing
// their little-endian bytes (x.view(np.uint32)), the key updated between
// rounds, and box_muller on float64 arrays.

type refPhiloxGenerator struct {
	seed   uint64
	offset uint64
}

func (g *refPhiloxGenerator) randn(n int) []float32 {
	counter := [4][]uint32{make([]uint32, n), make([]uint32, n), make([]uint32, n), make([]uint32, n)}
	for i := range n {
		counter[0][i] = uint32(g.offset)
		counter[2][i] = uint32(i)
	}
	g.offset++
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = g.seed
	}
	key := refUint32(keys)
	out := refPhilox432(counter, key, 10)
	res := make([]float32, n)
	for i := range n {
		res[i] = refBoxMuller(out[0][i], out[1][i])
	}
	return res
}

// refUint32 views N uint64 as (2, N) uint32: row 0 the low halves.
func refUint32(x []uint64) [2][]uint32 {
	buf := make([]byte, 8*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint64(buf[8*i:], v)
	}
	out := [2][]uint32{make([]uint32, len(x)), make([]uint32, len(x))}
	for i := range x {
		out[0][i] = binary.LittleEndian.Uint32(buf[8*i:])
		out[1][i] = binary.LittleEndian.Uint32(buf[8*i+4:])
	}
	return out
}

func refPhilox4Round(counter [4][]uint32, key [2][]uint32) {
	n := len(counter[0])
	p0, p2 := make([]uint64, n), make([]uint64, n)
	for i := range n {
		p0[i] = uint64(counter[0][i]) * 0xD2511F53
		p2[i] = uint64(counter[2][i]) * 0xCD9E8D57
	}
	v1, v2 := refUint32(p0), refUint32(p2)
	for i := range n {
		c1, c3 := counter[1][i], counter[3][i]
		counter[0][i] = v2[1][i] ^ c1 ^ key[0][i]
		counter[1][i] = v2[0][i]
		counter[2][i] = v1[1][i] ^ c3 ^ key[1][i]
		counter[3][i] = v1[0][i]
	}
}

func refPhilox432(counter [4][]uint32, key [2][]uint32, rounds int) [4][]uint32 {
	for range rounds - 1 {
		refPhilox4Round(counter, key)
		for i := range key[0] {
			key[0][i] += 0x9E3779B9
			key[1][i] += 0xBB67AE85
		}
	}
	refPhilox4Round(counter, key)
	return counter
}

func refPhiloxBlock(ctr [4]uint32, key [2]uint32) [4]uint32 {
	c := [4][]uint32{{ctr[0]}, {ctr[1]}, {ctr[2]}, {ctr[3]}}
	out := refPhilox432(c, [2][]uint32{{key[0]}, {key[1]}}, 10)
	return [4]uint32{out[0][0], out[1][0], out[2][0], out[3][0]}
}

// refBoxMuller: two_pow32_inv = np.float32(2.3283064e-10) is exactly 2^-32
// (checked below); two_pow32_inv_2pi is the float32 of the float64 product.
func refBoxMuller(x, y uint32) float32 {
	inv := math.Ldexp(1, -32)
	prod := 2.3283064e-10
	prod *= 6.2831855
	inv2pi := float64(float32(prod))
	u := float64(float64(x)*inv) + inv/2
	v := float64(float64(y)*inv2pi) + inv2pi/2
	s := math.Sqrt(-2 * math.Log(u))
	return float32(s * math.Sin(v))
}

func TestPhiloxScaleConstants(t *testing.T) {
	scale, scale2Pi := philoxScales()
	assert.Equal(t, math.Ldexp(1, -32), scale, "float32(2.3283064e-10) is 2^-32")
	assert.InEpsilon(t, 2*math.Pi/(1<<32), scale2Pi, 1e-7)
}
