package nn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unsafe"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// ErrMissing is wrapped by the error for a weight the checkpoint lacks, so a
// loader can tell "not this architecture" from a damaged file.
var ErrMissing = errors.New("missing weight")

// Renamer maps a full dotted key as the model code spells it to the key in
// the checkpoint. Key-style differences (LDM vs diffusers vs kohya) live in a
// Renamer so block code uses one spelling.
type Renamer func(key string) string

// Weights is a scoped view of a checkpoint's tensors for one device. It is
// a small value-like handle: Sub and Index return new views and never alter
// the receiver, so a *Weights may be shared between goroutines.
type Weights struct {
	src    weights.Source
	dev    compute.Device
	prefix string // "" or ends with "."
	rename Renamer
	reg    *Registry // shared by every view of one NewWeights
}

// NewWeights returns the root view (empty prefix) of src for dev.
func NewWeights(src weights.Source, dev compute.Device) *Weights {
	return &Weights{src: src, dev: dev, reg: NewRegistry()}
}

// Device is the device tensors are loaded onto.
func (w *Weights) Device() compute.Device { return w.dev }

// Source is the underlying checkpoint.
func (w *Weights) Source() weights.Source { return w.src }

// Prefix is the scope, "" at the root or a dotted path ending in ".".
func (w *Weights) Prefix() string { return w.prefix }

// Sub scopes the view one level down: prefix + name + ".". An empty name
// returns w itself.
func (w *Weights) Sub(name string) *Weights {
	if name == "" {
		return w
	}
	c := *w
	c.prefix = w.prefix + name + "."
	return &c
}

// Index scopes the view into element i of a list: prefix + "<i>.".
func (w *Weights) Index(i int) *Weights { return w.Sub(strconv.Itoa(i)) }

// WithRenamer returns a view that maps every full key through r before
// looking it up. A renamer the view already had still applies, after r: a
// model's layout renamer (block spelling → layout) composes with a file's
// (layout → what this file calls it).
func (w *Weights) WithRenamer(r Renamer) *Weights {
	c := *w
	if prev := w.rename; prev != nil {
		c.rename = func(k string) string { return prev(r(k)) }
	} else {
		c.rename = r
	}
	return &c
}

// Key is the full checkpoint key for name in this scope, after renaming.
func (w *Weights) Key(name string) string {
	k := w.prefix + name
	if w.rename != nil {
		k = w.rename(k)
	}
	return k
}

// Has reports whether the checkpoint holds name in this scope.
func (w *Weights) Has(name string) bool {
	_, ok := w.src.Info(w.Key(name))
	return ok
}

// Shape returns the stored shape of name, or false when it is absent.
func (w *Weights) Shape(name string) ([]int, bool) {
	info, ok := w.src.Info(w.Key(name))
	if !ok {
		return nil, false
	}
	s := make([]int, len(info.Shape))
	for i, d := range info.Shape {
		if d > math.MaxInt32 {
			return nil, false // no real weight has such a dimension; the format layer bounds the total
		}
		s[i] = int(d)
	}
	return s, true
}

// Tensor loads name, which must have exactly the given shape, onto the
// device. F16 and BF16 weights stay half-size (UploadHalf); F32 uploads as
// is; other float types (F64, FP8) are widened to F32. Errors name the full
// key and the want/got shape.
func (w *Weights) Tensor(name string, shape ...int) (tensor.Tensor, error) {
	key := w.Key(name)
	info, ok := w.src.Info(key)
	if !ok {
		return tensor.Tensor{}, fmt.Errorf("nn: %s: %w", key, ErrMissing)
	}
	if !sameShape(info.Shape, shape) {
		return tensor.Tensor{}, fmt.Errorf("nn: %s: %w: shape %v, want %v", key, tensor.ErrShape, info.Shape, tensor.Shape(shape))
	}
	t, err := w.upload(key, info, shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("nn: %s: %w", key, err)
	}
	return t, nil
}

// Optional is Tensor for a weight that may be absent: then it returns the
// zero tensor, false and no error. A present weight with the wrong shape is
// still an error.
func (w *Weights) Optional(name string, shape ...int) (tensor.Tensor, bool, error) {
	if !w.Has(name) {
		return tensor.Tensor{}, false, nil
	}
	t, err := w.Tensor(name, shape...)
	if err != nil {
		return tensor.Tensor{}, false, err
	}
	return t, true, nil
}

func sameShape(got []int64, want []int) bool {
	return slices.EqualFunc(got, want, func(g int64, w int) bool { return g == int64(w) })
}

func (w *Weights) upload(key string, info weights.Info, shape tensor.Shape) (tensor.Tensor, error) {
	t, err := w.uploadData(key, info, shape)
	if err == nil {
		// The device holds its own copy now; let the mapped file's pages go.
		if r, ok := w.src.(weights.Releaser); ok {
			r.Release(key)
		}
	}
	return t, err
}

func (w *Weights) uploadData(key string, info weights.Info, shape tensor.Shape) (tensor.Tensor, error) {
	switch info.DType {
	case weights.F16, weights.BF16:
		raw, _, err := w.src.Raw(key)
		if err != nil {
			return tensor.Tensor{}, err
		}
		n := shape.Numel()
		if len(raw) != 2*n {
			return tensor.Tensor{}, fmt.Errorf("%d bytes of %s data, want %d", len(raw), info.DType, 2*n)
		}
		bits := halfBits(raw)
		dt := tensor.F16
		if info.DType == weights.BF16 {
			dt = tensor.BF16
		}
		return w.dev.UploadHalf(shape, dt, bits)
	case weights.F32, weights.F64, weights.F8E4M3, weights.F8E5M2:
		data, err := w.src.Float32(key)
		if err != nil {
			return tensor.Tensor{}, err
		}
		return w.dev.Upload(shape, data)
	}
	return tensor.Tensor{}, fmt.Errorf("dtype %s is not a float type", info.DType)
}

// halfBits views little-endian half-precision bytes as uint16 values. On a
// little-endian host with aligned data it is a view, not a copy: Device.UploadHalf
// copies its input, so the weights are touched once on their way to the device
// rather than decoded into a temporary slice first (on SDXL that temporary was
// 7 GB of garbage during load).
func halfBits(raw []byte) []uint16 {
	n := len(raw) / 2
	if n == 0 {
		return nil
	}
	if hostLittleEndian() && uintptr(unsafe.Pointer(&raw[0]))%2 == 0 {
		return unsafe.Slice((*uint16)(unsafe.Pointer(&raw[0])), n)
	}
	bits := make([]uint16, n)
	for i := range bits {
		bits[i] = binary.LittleEndian.Uint16(raw[2*i:])
	}
	return bits
}

func hostLittleEndian() bool {
	probe := uint16(1)
	return *(*byte)(unsafe.Pointer(&probe)) == 1
}
