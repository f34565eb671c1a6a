package nn

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHalfBitsReadsLittleEndianAlignedOrNot(t *testing.T) {
	want := []uint16{0x3c00, 0xc000, 0x0001, 0x7bff, 0xffff}
	buf := make([]byte, 1+2*len(want))
	for _, offset := range []int{0, 1} { // 1: an odd address takes the copying path
		raw := buf[offset : offset+2*len(want)]
		for i, v := range want {
			binary.LittleEndian.PutUint16(raw[2*i:], v)
		}
		assert.Equal(t, want, halfBits(raw), "offset %d", offset)
	}
	assert.Nil(t, halfBits(nil))
}
