package tensor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxElements bounds the element count of one tensor. It keeps a corrupted
// shape (from a file header, say) from turning into a huge allocation or an
// int overflow: 2⁴⁰ elements is far beyond any diffusion tensor.
const MaxElements = 1 << 40

// ErrShape is wrapped by every shape validation error, so callers can tell a
// bad shape from a device failure.
var ErrShape = errors.New("bad shape")

// Shape lists the dimension sizes, outermost first.
type Shape []int

// Rank is the number of dimensions.
func (s Shape) Rank() int { return len(s) }

// Numel is the number of elements (1 for a scalar shape).
func (s Shape) Numel() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Validate checks that every dimension is positive and that the element count
// stays under MaxElements without overflowing.
func (s Shape) Validate() error {
	n := 1
	for i, d := range s {
		if d <= 0 {
			return fmt.Errorf("%w %v: dimension %d is %d, want > 0", ErrShape, s, i, d)
		}
		if n > MaxElements/d {
			return fmt.Errorf("%w %v: more than %d elements", ErrShape, s, MaxElements)
		}
		n *= d
	}
	return nil
}

// Equal reports whether s and o have the same rank and sizes.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy that does not share memory with s.
func (s Shape) Clone() Shape { return append(Shape(nil), s...) }

// Strides are the row-major element strides of a dense tensor of shape s.
func (s Shape) Strides() []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= s[i]
	}
	return st
}

// Axis resolves a possibly negative axis (-1 is the last) against rank r.
func Axis(axis, r int) (int, error) {
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return 0, fmt.Errorf("%w: axis %d out of range for rank %d", ErrShape, axis, r)
	}
	return axis, nil
}

// Split3 splits s around axis into (outer, dim, inner) element counts, the
// form most reductions and concatenations need.
func (s Shape) Split3(axis int) (outer, dim, inner int) {
	outer, inner = 1, 1
	for i := 0; i < axis; i++ {
		outer *= s[i]
	}
	for i := axis + 1; i < len(s); i++ {
		inner *= s[i]
	}
	return outer, s[axis], inner
}

// String prints s as [2 3 4].
func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
