//go:build cuda

package cuda

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cuda/kernels"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Name is the registry name of the CUDA device.
const Name = "cuda"

func init() {
	compute.Register(Name, func(o compute.Options) (compute.Device, error) {
		return New(o.Index, o.ExactF32 || os.Getenv("DREAMLAYER_CUDA_EXACT") == "1")
	})
}

// Device is one NVIDIA GPU. Every operation is queued on the context's
// default stream, in call order, so buffers can be reused as soon as they are
// freed; Download and Synchronize wait for the queue. Methods are safe for
// concurrent use (each call makes the context current on its OS thread).
type Device struct {
	gpu      cu.Device
	ctx      cu.CUContext
	mod      cu.Module
	fns      map[string]cu.Function // every kernel in the module; read-only after New
	desc     string
	total    int64
	sms      int
	smemMax  int // dynamic shared memory a block may opt in to
	exact    bool
	mem      *allocator
	closeMu  sync.Mutex
	closed   bool
	attnSmem map[string]int // dynamic shared memory set per attention kernel; read-only after New
	prof     *profiler      // nil unless DREAMLAYER_CUDA_PROFILE=1
}

var _ compute.Device = (*Device)(nil)

// entryRE finds kernel names in a PTX module.
var entryRE = regexp.MustCompile(`(?m)^\.visible \.entry (\w+)\(`)

// New opens GPU ordinal index. exact selects the float32 kernels for every
// product (see the package comment).
func New(index int, exact bool) (*Device, error) {
	gpu, err := cu.GetDevice(index)
	if err != nil {
		return nil, fmt.Errorf("cuda: device %d: %w", index, err)
	}
	name, err := gpu.Name()
	if err != nil {
		return nil, fmt.Errorf("cuda: device %d name: %w", index, err)
	}
	major, minor, err := gpu.ComputeCapability()
	if err != nil {
		return nil, fmt.Errorf("cuda: %s compute capability: %w", name, err)
	}
	ptx, err := kernels.PTX(major, minor)
	if err != nil {
		return nil, fmt.Errorf("cuda: %s: %w", name, err)
	}
	total, err := gpu.TotalMem()
	if err != nil {
		return nil, fmt.Errorf("cuda: %s memory: %w", name, err)
	}
	sms, err := gpu.Attribute(cu.MultiprocessorCount)
	if err != nil {
		return nil, fmt.Errorf("cuda: %s multiprocessor count: %w", name, err)
	}
	smemMax, err := sharedMemOptin(gpu)
	if err != nil {
		return nil, fmt.Errorf("cuda: %s: %w", name, err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, err := gpu.RetainPrimaryCtx()
	if err != nil {
		return nil, fmt.Errorf("cuda: %s context: %w", name, err)
	}
	if err := cu.SetCurrentContext(ctx); err != nil {
		return nil, fmt.Errorf("cuda: %s make context current: %w", name, err)
	}
	mod, err := cu.LoadData(ptx)
	if err != nil {
		_ = gpu.ReleasePrimaryCtx()
		return nil, fmt.Errorf("cuda: %s load kernels (driver JIT of the embedded PTX): %w", name, err)
	}
	d := &Device{
		gpu: gpu, ctx: ctx, mod: mod, fns: map[string]cu.Function{},
		desc:  fmt.Sprintf("%s (sm_%d%d, %d MiB)", name, major, minor, total>>20),
		total: total, sms: sms, smemMax: smemMax, exact: exact,
		attnSmem: map[string]int{},
	}
	for _, m := range entryRE.FindAllStringSubmatch(ptx, -1) {
		fn, err := mod.Function(m[1])
		if err != nil {
			_ = gpu.ReleasePrimaryCtx()
			return nil, fmt.Errorf("cuda: kernel %s: %w", m[1], err)
		}
		d.fns[m[1]] = fn
	}
	// Attention with head sizes up to 160 keeps its tiles in shared memory
	// beyond the 48 KiB a block gets by default.
	for _, k := range []string{"attention_tc", "attention_f32"} {
		want := min(d.smemMax, max(attentionSmem(k, maxFlashHead, maxFlashHead), 48<<10))
		if err := setMaxDynamicSmem(d.fns[k], want); err != nil {
			_ = gpu.ReleasePrimaryCtx()
			return nil, fmt.Errorf("cuda: %s shared memory for %s: %w", name, k, err)
		}
		d.attnSmem[k] = want
	}
	d.mem = newAllocator(total)
	if os.Getenv("DREAMLAYER_CUDA_PROFILE") == "1" {
		d.prof = &profiler{calls: map[string]*profStat{}}
	}
	return d, nil
}

func (d *Device) Name() string { return Name }

func (d *Device) Info() compute.Info {
	used, peak := d.mem.stats()
	return compute.Info{
		Name: Name, Description: d.desc, TotalMemory: d.total,
		UsedMemory: used, PeakMemory: peak,
	}
}

// ResetPeak starts a new PeakMemory high-water mark (compute.PeakResetter).
func (d *Device) ResetPeak() { d.mem.resetPeak() }

// FreeMemory reports the driver's free and total device memory.
func (d *Device) FreeMemory() (free, total int64, err error) {
	defer d.enter("mem info")()
	return cu.MemInfo()
}

// enter makes the context current on this goroutine's OS thread for the
// duration of one call: `defer d.enter(op)()`. When profiling, the returned
// func also waits for the GPU and charges the call's time to op.
func (d *Device) enter(op string) func() {
	runtime.LockOSThread()
	if err := cu.SetCurrentContext(d.ctx); err != nil {
		// Only a destroyed context fails here; the call that follows reports it.
		_ = err
	}
	if d.prof == nil {
		return runtime.UnlockOSThread
	}
	start := time.Now()
	return func() {
		_ = cu.Synchronize()
		d.prof.add(op, time.Since(start))
		runtime.UnlockOSThread()
	}
}

func (d *Device) Synchronize() error {
	defer d.enter("synchronize")()
	if err := cu.Synchronize(); err != nil {
		return fmt.Errorf("cuda: synchronize: %w", err)
	}
	return nil
}

func (d *Device) Close() error {
	d.closeMu.Lock()
	defer d.closeMu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	defer d.enter("close")()
	if d.prof != nil {
		d.prof.report(os.Stderr)
	}
	_ = cu.Synchronize()
	d.mem.trim()
	if err := d.mod.Unload(); err != nil {
		return fmt.Errorf("cuda: unload kernels: %w", err)
	}
	if err := d.gpu.ReleasePrimaryCtx(); err != nil {
		return fmt.Errorf("cuda: release context: %w", err)
	}
	return nil
}

// Kernel arguments. gorgonia.org/cu copies 8 bytes per parameter, and the
// driver reads as many as the kernel's parameter type takes, so every value
// is widened into its own 8-byte slot: ints and floats in the low bytes.
type (
	i32 = int32
	i64 = int64
)

func slot(v any) uint64 {
	switch x := v.(type) {
	case cu.DevicePtr:
		return uint64(x)
	case int:
		if x < math.MinInt32 || x > math.MaxInt32 {
			panic(fmt.Sprintf("cuda: int kernel argument %d out of int32 range", x))
		}
		return uint64(uint32(int32(x)))
	case int32:
		return uint64(uint32(x))
	case int64:
		return uint64(x)
	case float32:
		return uint64(math.Float32bits(x))
	case bool:
		if x {
			return 1
		}
		return 0
	}
	panic(fmt.Sprintf("cuda: unsupported kernel argument type %T", v))
}

// launch queues kernel name on the default stream. The caller holds enter().
func (d *Device) launch(name string, grid [3]int, block, smem int, args ...any) error {
	fn, ok := d.fns[name]
	if !ok {
		return fmt.Errorf("cuda: no kernel %q in the module", name)
	}
	slots := make([]uint64, len(args))
	params := make([]unsafe.Pointer, len(args))
	for i, a := range args {
		slots[i] = slot(a)
		params[i] = unsafe.Pointer(&slots[i])
	}
	for i := range grid {
		grid[i] = max(grid[i], 1)
	}
	if err := fn.Launch(grid[0], grid[1], grid[2], block, 1, 1, smem, cu.Stream{}, params); err != nil {
		return fmt.Errorf("cuda: launch %s grid %v block %d smem %d: %w", name, grid, block, smem, err)
	}
	return nil
}

// maxKernelElements is the largest tensor the elementwise kernels index
// (they use 32-bit indices).
const maxKernelElements = 1<<31 - 1

// launch1D runs a grid-stride kernel over n elements.
func (d *Device) launch1D(name string, n int64, args ...any) error {
	if n > maxKernelElements {
		return fmt.Errorf("cuda: %s over %d elements: %w: the kernels index at most 2³¹−1", name, n, tensor.ErrShape)
	}
	const block = 256
	blocks := min((n+block-1)/block, int64(d.sms*32))
	return d.launch(name, [3]int{int(max(blocks, 1)), 1, 1}, block, 0, args...)
}
