package cpu

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/vmath"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Name is the registry name of the CPU device.
const Name = "cpu"

func init() {
	compute.Register(Name, func(o compute.Options) (compute.Device, error) { return New(o.Threads), nil })
}

// Device is the CPU device. It is safe for concurrent use: operations share no
// mutable state beyond the memory counter.
type Device struct {
	threads int
	gemm    *gemm.Engine  // matrix products (the best path unless a test forces one)
	vm      vmath.Kernels // exponentials, norms and activations
	conv    convAlgo      // 3×3 convolution algorithm (auto unless a test pins one)
	used    atomic.Int64  // bytes held by live buffers, for Info
}

// A large activation freed explicitly is collected at once: a freed Go
// slice is garbage only until the collector runs, and with GOGC=20 the heap
// may grow a fifth past the live activations before it does. The VAE
// decoder at 512² frees and allocates 67–268 MB tensors, so peak RSS
// carried freed tensors on top of the live ones, by an amount that
// depended on where collections fell: collecting after every 256 MB of such
// frees left SD1.5's 512² peak anywhere in 2 790–2 874 MiB over runs, and
// live-memory savings in the decoder could raise it. Collecting on every
// large free makes the peak the live set's (2 722 MiB, the same to 0.5 MiB
// over runs). The heap is nearly all pointer-free float slices, so a
// collection costs about a millisecond; an SD1.5 step frees about twenty
// such tensors (the feed-forward's hidden activations) against 17 s of work.
const largeFree = 16 << 20

var _ compute.Device = (*Device)(nil)

// New returns a CPU device using threads workers (0 or less: GOMAXPROCS).
func New(threads int) *Device {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	d, err := newOnPaths(threads, gemm.Paths()[0], vmath.Paths()[0])
	if err != nil {
		panic("engine: " + err.Error()) // the best paths always exist
	}
	return d
}

// newOnPaths is New pinned to a gemm and a vmath code path: the hook the
// tests use to run the conformance suite on every path this machine has.
func newOnPaths(threads int, gemmPath, vmathPath string) (*Device, error) {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	e, err := gemm.NewEngine(gemmPath)
	if err != nil {
		return nil, err
	}
	vm, err := vmath.New(vmathPath)
	if err != nil {
		return nil, err
	}
	return &Device{threads: threads, gemm: e, vm: vm}, nil
}

// buffer is the CPU storage behind a tensor: exactly one of f32 and half is
// set, matching the tensor's dtype.
type buffer struct {
	f32     []float32
	half    []uint16
	freed   bool
	cleanup runtime.Cleanup
	bytes   int64
	mapped  []byte // the off-heap memory behind f32 or half; nil on the Go heap
}

// offHeapMin is the least half upload (in bytes) placed outside the Go heap.
const offHeapMin = 1 << 20

// uploadHalf returns storage for n half values. From 1 MiB up (weights, in
// practice) it lies outside the Go heap: the garbage collector paces itself
// by the live heap, and with gigabytes of weights on it GOGC lets a
// proportional amount of dead activations pile up between collections
// (≈ 0.4 GB at GOGC=20 for SD 1.5, peak RSS 3.5 GB against 3.0 without).
// Off the heap, the pacing follows the activations alone. The memory goes
// back to the system on Free or when the buffer becomes unreachable, so a
// slice of it must not outlive its buffer: every op that reads b.half keeps
// b alive until it returns (runtime.KeepAlive). F32 uploads and activations
// stay on the heap, where the ops' slices keep them alive by themselves.
func uploadHalf(n int) ([]uint16, []byte) {
	if n*2 >= offHeapMin {
		if mem := offHeap(n * 2); mem != nil {
			return unsafe.Slice((*uint16)(unsafe.Pointer(&mem[0])), n), mem
		}
	}
	return make([]uint16, n), nil
}

func (*buffer) DeviceName() string { return Name }

func (d *Device) Name() string { return Name }

func (d *Device) Info() compute.Info {
	return compute.Info{
		Name:        Name,
		Description: fmt.Sprintf("%s/%s CPU, %d threads", runtime.GOOS, runtime.GOARCH, d.threads),
		Threads:     d.threads,
		TotalMemory: totalMemory(),
		UsedMemory:  d.used.Load(),
	}
}

// Synchronize is a no-op: CPU operations finish before they return.
func (d *Device) Synchronize() error { return nil }

// Close does nothing: buffers are Go memory and go with the garbage collector.
func (d *Device) Close() error { return nil }

// track counts b in the used-memory total until Free or garbage collection.
func (d *Device) track(b *buffer) {
	d.used.Add(b.bytes)
	type held struct {
		bytes  int64
		mapped []byte
	}
	b.cleanup = runtime.AddCleanup(b, func(h held) {
		d.used.Add(-h.bytes)
		if h.mapped != nil {
			releaseOffHeap(h.mapped)
		}
	}, held{b.bytes, b.mapped})
}

// wrap makes an F32 tensor over data (len must equal shape.Numel()).
func (d *Device) wrap(shape tensor.Shape, data []float32) (tensor.Tensor, error) {
	b := &buffer{f32: data, bytes: int64(len(data)) * 4}
	t, err := tensor.New(shape, tensor.F32, b)
	if err != nil {
		return tensor.Tensor{}, err
	}
	d.track(b)
	return t, nil
}

// newF32 allocates an output tensor of shape (already validated by the op).
func (d *Device) newF32(shape tensor.Shape) (tensor.Tensor, []float32, error) {
	if err := shape.Validate(); err != nil {
		return tensor.Tensor{}, nil, err
	}
	data := make([]float32, shape.Numel())
	t, err := d.wrap(shape, data)
	return t, data, err
}

func (d *Device) Alloc(shape tensor.Shape) (tensor.Tensor, error) {
	t, _, err := d.newF32(shape)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("alloc: %w", err)
	}
	return t, nil
}

func (d *Device) Upload(shape tensor.Shape, data []float32) (tensor.Tensor, error) {
	if err := compute.CheckUpload(shape, len(data), false, tensor.F32); err != nil {
		return tensor.Tensor{}, err
	}
	t, err := d.wrap(shape, append([]float32(nil), data...))
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("upload: %w", err)
	}
	return t, nil
}

func (d *Device) UploadHalf(shape tensor.Shape, dt tensor.DType, bits []uint16) (tensor.Tensor, error) {
	if err := compute.CheckUpload(shape, len(bits), true, dt); err != nil {
		return tensor.Tensor{}, err
	}
	vals, mapped := uploadHalf(len(bits))
	copy(vals, bits)
	b := &buffer{half: vals, bytes: int64(len(vals)) * 2, mapped: mapped}
	t, err := tensor.New(shape, dt, b)
	if err != nil {
		releaseOffHeap(mapped)
		return tensor.Tensor{}, fmt.Errorf("upload half: %w", err)
	}
	d.track(b)
	return t, nil
}

func (d *Device) Download(t tensor.Tensor) ([]float32, error) {
	b, err := d.buf(t, "download")
	if err != nil {
		return nil, err
	}
	defer runtime.KeepAlive(b) // b.half may be off-heap
	out := make([]float32, t.Numel())
	if t.DType() == tensor.F32 {
		copy(out, b.f32)
	} else {
		tensor.HalfBitsToFloat32(out, b.half, t.DType())
	}
	return out, nil
}

func (d *Device) Free(t tensor.Tensor) error {
	b, err := d.buf(t, "free")
	if err != nil {
		return err
	}
	b.cleanup.Stop()
	d.used.Add(-b.bytes)
	mapped := b.mapped
	onHeap := b.f32 != nil && mapped == nil
	b.f32, b.half, b.mapped, b.freed = nil, nil, nil, true
	if mapped != nil {
		releaseOffHeap(mapped) // nothing reaches it now: ops keep no slice past their return
	}
	if onHeap && b.bytes >= largeFree {
		runtime.GC()
	}
	return nil
}

// buf checks that t is a live CPU tensor whose storage matches its shape.
func (d *Device) buf(t tensor.Tensor, op string) (*buffer, error) {
	if t.IsZero() {
		return nil, fmt.Errorf("%s: missing tensor", op)
	}
	b, ok := t.Buffer().(*buffer)
	if !ok {
		return nil, fmt.Errorf("%s: tensor %v does not live on the cpu device", op, t)
	}
	if b.freed {
		return nil, fmt.Errorf("%s: tensor %v used after Free", op, t)
	}
	n := len(b.f32)
	if t.DType().IsHalf() {
		n = len(b.half)
	}
	if n != t.Numel() {
		return nil, fmt.Errorf("%s: tensor %v: storage holds %d elements", op, t, n)
	}
	return b, nil
}

// f32 returns t's values as float32: the storage itself for F32 tensors
// (callers must not write to it), a widened copy for half tensors.
func (d *Device) f32(t tensor.Tensor, op string) ([]float32, error) {
	b, err := d.buf(t, op)
	if err != nil {
		return nil, err
	}
	if t.DType() == tensor.F32 {
		return b.f32, nil
	}
	out := make([]float32, len(b.half))
	tensor.HalfBitsToFloat32(out, b.half, t.DType())
	runtime.KeepAlive(b) // b.half may be off-heap
	return out, nil
}

// optional is f32 for an optional argument that must have want elements
// (nil when absent).
func (d *Device) optional(t tensor.Tensor, want int, op, what string) ([]float32, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Rank() != 1 || t.Dim(0) != want {
		return nil, fmt.Errorf("%s: %w: %s shape %v, want [%d]", op, tensor.ErrShape, what, t.Shape(), want)
	}
	return d.f32(t, op)
}
