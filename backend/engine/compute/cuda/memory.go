//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// allocator caches device memory by size class. cuMemAlloc and cuMemFree
// synchronise the device and take tens of microseconds; a diffusion step
// allocates the same shapes over and over, so freed blocks are kept for the
// next request of their class. Every kernel runs on one stream in call order,
// which makes a block safe to hand out again as soon as it is freed.
//
// Tensors the models drop without Free are returned by a runtime cleanup.
// The Go heap stays small while gigabytes live on the GPU, so the collector
// would rarely run on its own: the allocator starts a collection after every
// gcEvery bytes handed out.
type allocator struct {
	mu      sync.Mutex
	free    map[int64][]cu.DevicePtr
	cached  int64 // bytes in free
	live    int64 // bytes in live buffers
	peak    int64 // high-water mark of live
	sinceGC int64
	gcEvery int64
}

func newAllocator(total int64) *allocator {
	return &allocator{free: map[int64][]cu.DevicePtr{}, gcEvery: min(max(total/16, 256<<20), 4<<30)}
}

// sizeClass rounds a request up so that blocks are reusable across small
// differences in size: 512 B steps below 1 MiB, 1 MiB steps below 64 MiB,
// 16 MiB steps above.
func sizeClass(n int64) int64 {
	switch {
	case n <= 0:
		return 512
	case n < 1<<20:
		return (n + 511) &^ 511
	case n < 64<<20:
		return (n + 1<<20 - 1) &^ (1<<20 - 1)
	}
	return (n + 16<<20 - 1) &^ (16<<20 - 1)
}

func (a *allocator) resetPeak() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.peak = a.live
}

func (a *allocator) stats() (live, peak int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.live, a.peak
}

// take pops a cached block of class c, if any, and counts it live.
func (a *allocator) take(c int64) (cu.DevicePtr, bool, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sinceGC += c
	collect := a.sinceGC >= a.gcEvery
	if collect {
		a.sinceGC = 0
	}
	list := a.free[c]
	if len(list) == 0 {
		return 0, false, collect
	}
	p := list[len(list)-1]
	a.free[c] = list[:len(list)-1]
	a.cached -= c
	a.addLive(c)
	return p, true, collect
}

func (a *allocator) addLive(c int64) {
	a.live += c
	a.peak = max(a.peak, a.live)
}

func (a *allocator) put(p cu.DevicePtr, c int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.free[c] = append(a.free[c], p)
	a.cached += c
	a.live -= c
}

// trim gives every cached block back to the driver. The caller holds enter().
func (a *allocator) trim() {
	a.mu.Lock()
	lists := a.free
	a.free = map[int64][]cu.DevicePtr{}
	a.cached = 0
	a.mu.Unlock()
	for _, list := range lists {
		for _, p := range list {
			_ = cu.MemFree(p)
		}
	}
}

// errOutOfMemory is what the worker protocol classifies as out of memory.
var errOutOfMemory = errors.New("CUDA_ERROR_OUT_OF_MEMORY")

// alloc returns a block of at least n bytes. The caller holds enter().
func (d *Device) alloc(n int64) (cu.DevicePtr, int64, error) {
	c := sizeClass(n)
	a := d.mem
	for attempt := 0; ; attempt++ {
		p, ok, collect := a.take(c)
		if collect {
			runtime.GC() // cleanups of dropped tensors refill the cache
		}
		if ok {
			return p, c, nil
		}
		p, err := cu.MemAlloc(c)
		if err == nil {
			a.mu.Lock()
			a.addLive(c)
			a.mu.Unlock()
			return p, c, nil
		}
		if attempt >= 4 {
			return 0, 0, fmt.Errorf("cuMemAlloc %d MiB: %w (%v)", c>>20, errOutOfMemory, err)
		}
		// Out of memory: hand the cache back, collect dropped tensors, retry.
		a.trim()
		runtime.GC()
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
}

// buffer is a tensor's device memory. Storage is F16 (half) or F32; BF16
// weights are stored as F16 when their values fit (they all do in practice)
// and as F32 otherwise, so kernels only ever see those two.
type buffer struct {
	ptr     cu.DevicePtr
	class   int64
	n       int
	half    bool
	freed   bool
	cleanup runtime.Cleanup
	// wide is a float32 copy of a small half tensor (a bias, a norm's
	// gamma), made the first time an op needs F32 and kept with it, so
	// weights are not widened again on every call.
	wide atomic.Pointer[buffer]
}

// maxWideCache bounds the half tensors whose F32 copy is kept (elements).
const maxWideCache = 1 << 20

func (*buffer) DeviceName() string { return Name }

// newBuffer allocates storage for n elements and arranges for it to return
// to the cache when the buffer becomes unreachable.
func (d *Device) newBuffer(n int, half bool) (*buffer, error) {
	size := int64(n) * 4
	if half {
		size = int64(n) * 2
	}
	p, c, err := d.alloc(size)
	if err != nil {
		return nil, err
	}
	b := &buffer{ptr: p, class: c, n: n, half: half}
	type held struct {
		ptr   cu.DevicePtr
		class int64
	}
	mem := d.mem
	b.cleanup = runtime.AddCleanup(b, func(h held) { mem.put(h.ptr, h.class) }, held{p, c})
	return b, nil
}

// newF32 allocates an F32 output tensor. The caller holds enter().
func (d *Device) newF32(shape tensor.Shape) (tensor.Tensor, *buffer, error) {
	if err := shape.Validate(); err != nil {
		return tensor.Tensor{}, nil, err
	}
	b, err := d.newBuffer(shape.Numel(), false)
	if err != nil {
		return tensor.Tensor{}, nil, err
	}
	t, err := tensor.New(shape, tensor.F32, b)
	if err != nil {
		d.release(b)
		return tensor.Tensor{}, nil, err
	}
	return t, b, nil
}

func (d *Device) release(b *buffer) {
	if b.freed {
		return
	}
	b.cleanup.Stop()
	b.freed = true
	d.mem.put(b.ptr, b.class)
	if w := b.wide.Swap(nil); w != nil {
		d.release(w)
	}
}

// buf checks that t is a live tensor of this device.
func (d *Device) buf(t tensor.Tensor, op string) (*buffer, error) {
	if t.IsZero() {
		return nil, fmt.Errorf("%s: missing tensor", op)
	}
	b, ok := t.Buffer().(*buffer)
	if !ok {
		return nil, fmt.Errorf("%s: tensor %v does not live on the cuda device", op, t)
	}
	if b.freed {
		return nil, fmt.Errorf("%s: tensor %v used after Free", op, t)
	}
	if b.n != t.Numel() {
		return nil, fmt.Errorf("%s: tensor %v: storage holds %d elements", op, t, b.n)
	}
	return b, nil
}

// f32 returns t's storage as F32: the buffer itself, or a widened temporary
// for half storage (done releases it). The caller holds enter().
func (d *Device) f32(t tensor.Tensor, op string) (cu.DevicePtr, func(), error) {
	b, err := d.buf(t, op)
	if err != nil {
		return 0, nil, err
	}
	if !b.half {
		return b.ptr, func() { runtime.KeepAlive(b) }, nil
	}
	if w := b.wide.Load(); w != nil {
		return w.ptr, func() { runtime.KeepAlive(b) }, nil
	}
	w, err := d.newBuffer(b.n, false)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := d.launch1D("half_to_f32", int64(b.n), b.ptr, w.ptr, int64(b.n)); err != nil {
		d.release(w)
		return 0, nil, fmt.Errorf("%s: %w", op, err)
	}
	if b.n <= maxWideCache && b.wide.CompareAndSwap(nil, w) {
		return w.ptr, func() { runtime.KeepAlive(b) }, nil
	}
	return w.ptr, func() { runtime.KeepAlive(b); d.release(w) }, nil
}

func (d *Device) Alloc(shape tensor.Shape) (tensor.Tensor, error) {
	defer d.enter("alloc")()
	t, b, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("alloc: %w", err)
	}
	if err := cu.MemsetD32(b.ptr, 0, int64(b.n)); err != nil {
		d.release(b)
		return tensor.Tensor{}, fmt.Errorf("alloc: zero fill: %w", err)
	}
	return t, nil
}

func (d *Device) Upload(shape tensor.Shape, data []float32) (tensor.Tensor, error) {
	if err := compute.CheckUpload(shape, len(data), false, tensor.F32); err != nil {
		return tensor.Tensor{}, err
	}
	defer d.enter("upload")()
	t, b, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("upload: %w", err)
	}
	if err := cu.MemcpyHtoD(b.ptr, unsafe.Pointer(&data[0]), int64(len(data))*4); err != nil {
		d.release(b)
		return tensor.Tensor{}, fmt.Errorf("upload %v: %w", shape, err)
	}
	return t, nil
}

func (d *Device) UploadHalf(shape tensor.Shape, dt tensor.DType, bits []uint16) (tensor.Tensor, error) {
	if err := compute.CheckUpload(shape, len(bits), true, dt); err != nil {
		return tensor.Tensor{}, err
	}
	src, half := bits, true
	var wide []float32
	if dt == tensor.BF16 {
		src, wide = bf16AsF16(bits)
		half = wide == nil
	}
	defer d.enter("upload half")()
	b, err := d.newBuffer(len(bits), half)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("upload half: %w", err)
	}
	if half {
		err = cu.MemcpyHtoD(b.ptr, unsafe.Pointer(&src[0]), int64(len(src))*2)
	} else {
		err = cu.MemcpyHtoD(b.ptr, unsafe.Pointer(&wide[0]), int64(len(wide))*4)
	}
	if err != nil {
		d.release(b)
		return tensor.Tensor{}, fmt.Errorf("upload half %v: %w", shape, err)
	}
	t, err := tensor.New(shape, dt, b)
	if err != nil {
		d.release(b)
		return tensor.Tensor{}, fmt.Errorf("upload half: %w", err)
	}
	return t, nil
}

// bf16AsF16 converts BF16 bits to F16 when every finite value lies within
// F16's range (exact for normal values; tiny ones lose low bits as F16
// subnormals). Otherwise it returns the values widened to float32 instead.
func bf16AsF16(bits []uint16) ([]uint16, []float32) {
	out := make([]uint16, len(bits))
	for i, h := range bits {
		f := tensor.BF16ToFloat32(h)
		if f > 65504 || f < -65504 {
			wide := make([]float32, len(bits))
			tensor.HalfBitsToFloat32(wide, bits, tensor.BF16)
			return nil, wide
		}
		out[i] = tensor.Float32ToHalf(f)
	}
	return out, nil
}

func (d *Device) Download(t tensor.Tensor) ([]float32, error) {
	b, err := d.buf(t, "download")
	if err != nil {
		return nil, err
	}
	defer d.enter("download")()
	out := make([]float32, b.n)
	if b.half {
		bits := make([]uint16, b.n)
		if err := cu.MemcpyDtoH(unsafe.Pointer(&bits[0]), b.ptr, int64(b.n)*2); err != nil {
			return nil, fmt.Errorf("download %v: %w", t, err)
		}
		tensor.HalfBitsToFloat32(out, bits, tensor.F16)
		return out, nil
	}
	if err := cu.MemcpyDtoH(unsafe.Pointer(&out[0]), b.ptr, int64(b.n)*4); err != nil {
		return nil, fmt.Errorf("download %v: %w", t, err)
	}
	runtime.KeepAlive(b)
	return out, nil
}

func (d *Device) Free(t tensor.Tensor) error {
	b, err := d.buf(t, "free")
	if err != nil {
		return err
	}
	d.release(b)
	return nil
}
