package tensor

import "fmt"

// Buffer is a device's storage handle. The tensor package never looks inside
// it; the device that allocated it type-asserts it back to its own type.
type Buffer interface {
	// DeviceName names the device that owns the buffer, so a device can give a
	// clear error when handed another device's tensor.
	DeviceName() string
}

// Tensor is a value: a shape, an element type and a buffer handle. Copying a
// Tensor copies the handle, not the data; two copies name the same memory.
// The zero Tensor is "no tensor" (used for optional arguments such as bias).
type Tensor struct {
	shape Shape
	dtype DType
	buf   Buffer
}

// New makes a tensor over buf after validating shape and dtype. Devices call
// it; model code receives tensors from a device.
func New(shape Shape, dt DType, buf Buffer) (Tensor, error) {
	if err := shape.Validate(); err != nil {
		return Tensor{}, err
	}
	if !dt.Valid() {
		return Tensor{}, fmt.Errorf("tensor: invalid dtype %v", dt)
	}
	if buf == nil {
		return Tensor{}, fmt.Errorf("tensor: nil buffer")
	}
	return Tensor{shape: shape.Clone(), dtype: dt, buf: buf}, nil
}

// IsZero reports whether t is the zero Tensor (an absent optional argument).
func (t Tensor) IsZero() bool { return t.buf == nil }

// Shape returns a copy of the shape, so callers cannot alter the tensor.
func (t Tensor) Shape() Shape { return t.shape.Clone() }

// Dim is the size of dimension i; negative i counts from the end.
func (t Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Rank is the number of dimensions.
func (t Tensor) Rank() int { return len(t.shape) }

// Numel is the number of elements.
func (t Tensor) Numel() int { return t.shape.Numel() }

// DType is the storage element type.
func (t Tensor) DType() DType { return t.dtype }

// Buffer is the device handle.
func (t Tensor) Buffer() Buffer { return t.buf }

// Bytes is the storage size in bytes.
func (t Tensor) Bytes() int64 { return int64(t.Numel()) * int64(t.dtype.Size()) }

// Reshape returns a tensor over the same buffer with a new shape of equal
// element count. One dimension may be -1 and is inferred. Storage is dense and
// row-major, so no data moves.
func (t Tensor) Reshape(dims ...int) (Tensor, error) {
	s := Shape(dims).Clone()
	infer, known := -1, 1
	for i, d := range s {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d <= 0:
			return Tensor{}, fmt.Errorf("reshape %v to %v: %w: dimension %d is %d", t.shape, Shape(dims), ErrShape, i, d)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || t.Numel()%known != 0 {
			return Tensor{}, fmt.Errorf("reshape %v to %v: %w: cannot infer dimension", t.shape, Shape(dims), ErrShape)
		}
		s[infer] = t.Numel() / known
	}
	if s.Numel() != t.Numel() {
		return Tensor{}, fmt.Errorf("reshape %v to %v: %w: %d elements, want %d", t.shape, s, ErrShape, s.Numel(), t.Numel())
	}
	return Tensor{shape: s, dtype: t.dtype, buf: t.buf}, nil
}

// String describes the tensor without its data, e.g. "F32[2 4 64 64]@cpu".
func (t Tensor) String() string {
	if t.IsZero() {
		return "Tensor(none)"
	}
	return fmt.Sprintf("%v%v@%s", t.dtype, t.shape, t.buf.DeviceName())
}
