package rng

import "math"

// Philox4x32-10 constants (Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC'11): round multipliers and the Weyl key increments.
const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85

	philoxRounds = 10
)

// Philox reproduces A1111's "NV" generator (modules/rng_philox.py), which
// imitates torch.randn on CUDA. Each Randn call draws element i from the
// Philox block with counter [offset, 0, i, 0] and key [seed low 32 bits,
// seed high 32 bits], keeps the first two output words and returns the first
// Box–Muller value; the offset then advances by one per call, whatever the
// tensor's size. The result depends only on the element count.
//
// Box–Muller runs in float64 as NumPy promotes it there (uint32 × float32
// array → float64), then rounds to float32, so values match A1111 up to the
// platform libm's last float64 bit, which the float32 rounding hides.
type Philox struct {
	seed   uint64
	offset uint32
}

// NewPhilox returns A1111's rng_philox.Generator(seed) with offset 0.
func NewPhilox(seed uint64) *Philox {
	return &Philox{seed: seed}
}

// Randn returns Generator.randn(shape) as a flat row-major slice and
// advances the offset.
func (g *Philox) Randn(shape []int) []float32 {
	dst := make([]float32, numel(shape))
	g.Normal(dst)
	return dst
}

// Normal fills dst as randn of len(dst) elements would and advances the
// offset. Element indices are uint32 as in A1111 (np.arange(n,
// dtype=np.uint32)), which bounds a tensor at 2^32 elements.
func (g *Philox) Normal(dst []float32) {
	key := [2]uint32{uint32(g.seed), uint32(g.seed >> 32)}
	scale, scale2Pi := philoxScales()
	for i := range dst {
		out := philox4x32([4]uint32{g.offset, 0, uint32(i), 0}, key)
		dst[i] = philoxBoxMuller(out[0], out[1], scale, scale2Pi)
	}
	g.offset++
}

// philox4x32 is the Philox4x32-10 block function: ten rounds on counter c,
// the key growing by the Weyl constants between rounds (not after the last).
func philox4x32(c [4]uint32, key [2]uint32) [4]uint32 {
	k0, k1 := key[0], key[1]
	for r := 0; r < philoxRounds; r++ {
		if r > 0 {
			k0 += philoxW0
			k1 += philoxW1
		}
		p0 := uint64(c[0]) * philoxM0
		p1 := uint64(c[2]) * philoxM1
		c = [4]uint32{
			uint32(p1>>32) ^ c[1] ^ k0,
			uint32(p1),
			uint32(p0>>32) ^ c[3] ^ k1,
			uint32(p0),
		}
	}
	return c
}

// philoxScales are A1111's two_pow32_inv and two_pow32_inv_2pi: float32
// arrays made from the decimal literals, the second from their float64
// product. Computed through variables so the product is rounded to float64
// before float32, as Python does.
func philoxScales() (scale, scale2Pi float64) {
	inv, twoPi := 2.3283064e-10, 6.2831855
	return float64(float32(inv)), float64(float32(inv * twoPi))
}

// philoxBoxMuller is A1111's box_muller(x, y) with philoxScales: u = x·2^-32 + 2^-33 and
// v = y·2π·2^-32 + π·2^-32 (half a step so u > 0), returning only
// √(−2 ln u)·sin v. The explicit float64 conversions stop the compiler from
// fusing a multiply-add, which NumPy does not do.
func philoxBoxMuller(x, y uint32, scale, scale2Pi float64) float32 {
	// NumPy halves the float32 array (exact), then adds in float64.
	u := float64(float64(x)*scale) + float64(float32(scale)/2)
	v := float64(float64(y)*scale2Pi) + float64(float32(scale2Pi)/2)
	s := math.Sqrt(-2.0 * math.Log(u))
	return float32(s * math.Sin(v))
}
