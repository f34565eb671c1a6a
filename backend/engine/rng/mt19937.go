package rng

// Constants of MT19937 (Matsumoto & Nishimura 1998), as in ATen's
// aten/src/ATen/core/MT19937RNGEngine.h.
const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

// mt19937 is the 32-bit Mersenne Twister with PyTorch's seeding. ATen's
// at::mt19937 takes a uint64 seed but initialises with its low 32 bits only
// (init_with_uint32: state[0] = seed & 0xffffffff), so seeds that differ only
// above bit 31 give the same stream, exactly as in torch.
type mt19937 struct {
	state [mtN]uint32
	next  int // index of the next word to temper; mtN means "twist first"
}

func newMT19937(seed uint64) *mt19937 {
	m := &mt19937{}
	m.seed(seed)
	return m
}

func (m *mt19937) seed(seed uint64) {
	m.state[0] = uint32(seed)
	for j := 1; j < mtN; j++ {
		prev := m.state[j-1]
		m.state[j] = 1812433253*(prev^(prev>>30)) + uint32(j)
	}
	m.next = mtN
}

// twist regenerates the whole state block (the reference's next_state).
func (m *mt19937) twist() {
	s := &m.state
	for j := 0; j < mtN; j++ {
		y := s[j]&mtUpperMask | s[(j+1)%mtN]&mtLowerMask
		v := s[(j+mtM)%mtN] ^ y>>1
		if y&1 != 0 {
			v ^= mtMatrixA
		}
		s[j] = v
	}
	m.next = 0
}

// uint32 is CPUGeneratorImpl::random(): one tempered output word.
func (m *mt19937) uint32() uint32 {
	if m.next >= mtN {
		m.twist()
	}
	y := m.state[m.next]
	m.next++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// uint64 is CPUGeneratorImpl::random64(): two words, the first one high
// (detail::make64BitsFrom32Bits(hi, lo)).
func (m *mt19937) uint64() uint64 {
	hi := m.uint32()
	lo := m.uint32()
	return uint64(hi)<<32 | uint64(lo)
}
