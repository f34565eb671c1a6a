package pickle

import (
	"fmt"
	"math"
	"math/bits"
)

// DType is an element type, spelled as in safetensors headers.
type DType string

// Element types a torch storage can hold.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U8   DType = "U8"
	Bool DType = "BOOL"
)

// Size is the number of bytes of one element, 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32, I32:
		return 4
	case F16, BF16, I16:
		return 2
	case I8, U8, Bool:
		return 1
	}
	return 0
}

// storageTypes maps torch's pickled storage classes to element types.
// UntypedStorage (torch ≥2.0, saved for untyped storages) counts bytes.
var storageTypes = map[string]DType{
	"torch.DoubleStorage":          F64,
	"torch.FloatStorage":           F32,
	"torch.HalfStorage":            F16,
	"torch.BFloat16Storage":        BF16,
	"torch.LongStorage":            I64,
	"torch.IntStorage":             I32,
	"torch.ShortStorage":           I16,
	"torch.CharStorage":            I8,
	"torch.ByteStorage":            U8,
	"torch.BoolStorage":            Bool,
	"torch.UntypedStorage":         U8,
	"torch.storage.UntypedStorage": U8,
}

// Storage is a torch storage referenced by the pickle: Numel elements of
// DType in the zip entry <archive>/data/<Key>.
type Storage struct {
	Key      string
	DType    DType
	Numel    int64
	Location string
}

// Bytes is the storage's size in bytes (validated not to overflow).
func (s *Storage) Bytes() int64 { return s.Numel * int64(s.DType.Size()) }

// Tensor is a view into a Storage: element Offset, Shape and Stride in
// elements, as torch._utils._rebuild_tensor_v2 receives them.
type Tensor struct {
	Storage      *Storage
	Offset       int64
	Shape        []int64
	Stride       []int64
	RequiresGrad bool
}

// DType is the tensor's element type.
func (t *Tensor) DType() DType { return t.Storage.DType }

// Numel is the number of elements (1 for a scalar).
func (t *Tensor) Numel() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d // validated by newTensor
	}
	return n
}

// Contiguous reports whether the view is row-major without gaps, so its
// bytes are one run of the storage.
func (t *Tensor) Contiguous() bool {
	want := int64(1)
	for i := len(t.Shape) - 1; i >= 0; i-- {
		// Size-1 dimensions may carry any stride (torch leaves them as is).
		if t.Shape[i] != 1 && t.Stride[i] != want {
			return false
		}
		want *= t.Shape[i]
	}
	return true
}

// newTensor validates a view against its storage: shape and stride have
// equal rank, nothing is negative, the element count does not overflow and
// every addressed element lies inside the storage.
func newTensor(st *Storage, offset int64, shape, stride []int64) (*Tensor, error) {
	if len(shape) != len(stride) {
		return nil, fmt.Errorf("tensor: shape %v and stride %v differ in rank", shape, stride)
	}
	if len(shape) > maxRank {
		return nil, fmt.Errorf("tensor: rank %d exceeds %d", len(shape), maxRank)
	}
	if offset < 0 {
		return nil, fmt.Errorf("tensor: negative storage offset %d", offset)
	}
	numel := uint64(1)
	last := uint64(offset) // highest element index addressed
	for i, d := range shape {
		if d < 0 || stride[i] < 0 {
			return nil, fmt.Errorf("tensor: negative size or stride in %v / %v", shape, stride)
		}
		hi, lo := bits.Mul64(numel, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return nil, fmt.Errorf("tensor: shape %v overflows", shape)
		}
		numel = lo
	}
	if numel > 0 {
		for i, d := range shape {
			hi, span := bits.Mul64(uint64(d-1), uint64(stride[i]))
			var carry uint64
			last, carry = bits.Add64(last, span, 0)
			if hi != 0 || carry != 0 || last > math.MaxInt64 {
				return nil, fmt.Errorf("tensor: stride %v overflows", stride)
			}
		}
		if last >= uint64(st.Numel) {
			return nil, fmt.Errorf("tensor: view offset %d shape %v stride %v reaches element %d of storage %q with %d elements",
				offset, shape, stride, last, st.Key, st.Numel)
		}
	}
	return &Tensor{
		Storage: st,
		Offset:  offset,
		Shape:   append([]int64(nil), shape...),
		Stride:  append([]int64(nil), stride...),
	}, nil
}

// maxRank bounds tensor rank; torch itself caps dimensions at 64.
const maxRank = 64

// span is the element range [first, end) of the storage the view touches.
func (t *Tensor) span() (first, end int64) {
	if t.Numel() == 0 {
		return t.Offset, t.Offset
	}
	end = t.Offset + 1
	for i, d := range t.Shape {
		end += (d - 1) * t.Stride[i]
	}
	return t.Offset, end
}

// gather copies the view's elements in row-major order out of src, which
// holds the storage elements starting at element base.
func (t *Tensor) gather(src []byte, base int64) []byte {
	es := int64(t.DType().Size())
	out := make([]byte, t.Numel()*es)
	if len(out) == 0 {
		return out
	}
	rank := len(t.Shape)
	idx := make([]int64, rank)
	pos := t.Offset - base
	for o := int64(0); o < int64(len(out)); o += es {
		copy(out[o:o+es], src[pos*es:(pos+1)*es])
		// Odometer step over the index, adjusting pos by strides.
		for d := rank - 1; d >= 0; d-- {
			idx[d]++
			pos += t.Stride[d]
			if idx[d] < t.Shape[d] {
				break
			}
			pos -= idx[d] * t.Stride[d]
			idx[d] = 0
		}
	}
	return out
}
