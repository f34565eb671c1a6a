package compute

import "github.com/dreamlayer/dreamlayer/backend/engine/tensor"

// Device is one compute device. Results are always F32; inputs may be F16 or
// BF16 wherever a weight is expected (the device widens them on the fly).
// Shapes are row-major; images are NCHW as in PyTorch. Every operation
// validates shapes and returns an error wrapping tensor.ErrShape on a mismatch,
// never a panic. A zero tensor.Tensor passed as an optional argument (bias,
// gamma, beta) means "absent".
//
// Operations may run asynchronously on devices that can; Download and
// Synchronize wait for them.
type Device interface {
	// Name is the registry name ("cpu", "cuda").
	Name() string
	// Info describes the device for logs and the UI.
	Info() Info
	// Synchronize waits until every queued operation has finished.
	Synchronize() error
	// Close frees everything the device holds; the device is unusable after.
	Close() error

	// Alloc returns a zero-filled F32 tensor.
	Alloc(shape tensor.Shape) (tensor.Tensor, error)
	// Upload copies data (len = shape.Numel()) into a new F32 tensor.
	Upload(shape tensor.Shape, data []float32) (tensor.Tensor, error)
	// UploadHalf copies F16 or BF16 bits into a new tensor of that dtype; it
	// stays half-size on the device (weights).
	UploadHalf(shape tensor.Shape, dt tensor.DType, bits []uint16) (tensor.Tensor, error)
	// Download copies t to the host as float32 (half types widened).
	Download(t tensor.Tensor) ([]float32, error)
	// Free releases t's memory now instead of when it becomes unreachable.
	// Using t afterwards is an error.
	Free(t tensor.Tensor) error

	// MatMul multiplies the last two dims: a [..., M, K] · b [..., K, N] →
	// [..., M, N]; transA/transB mean the operand is stored [..., K, M] or
	// [..., N, K]. Leading (batch) dims must match, or one operand is rank 2
	// and is shared by every batch.
	MatMul(a, b tensor.Tensor, transA, transB bool) (tensor.Tensor, error)
	// Linear is torch.nn.functional.linear with a fused activation:
	// x [..., In], w [Out, In], optional bias [Out] → act(x·wᵀ + bias) [..., Out].
	Linear(x, w, bias tensor.Tensor, act Activation) (tensor.Tensor, error)
	// Conv2D is torch conv2d on NCHW: x [N, Cin, H, W], w [Cout, Cin/groups,
	// KH, KW], optional bias [Cout]. Groups must be 1 or Cin (depthwise).
	Conv2D(x, w, bias tensor.Tensor, p Conv2DParams) (tensor.Tensor, error)
	// GroupNorm normalises x [N, C, ...] over groups of C/groups channels
	// (and all spatial positions), then applies optional per-channel gamma and
	// beta [C], then SiLU when silu is set (the fused ResNet-block pattern).
	GroupNorm(x, gamma, beta tensor.Tensor, groups int, eps float32, silu bool) (tensor.Tensor, error)
	// LayerNorm normalises over the last dim, with optional gamma, beta [D].
	LayerNorm(x, gamma, beta tensor.Tensor, eps float32) (tensor.Tensor, error)
	// Softmax is a numerically stable softmax over the last dim.
	Softmax(x tensor.Tensor) (tensor.Tensor, error)
	// Attention is scaled-dot-product attention in the layout the linear
	// projections produce, without a head transpose:
	//   q [B, Nq, H, D], k [B, Nk, H, D], v [B, Nk, H, Dv] → [B, Nq, H, Dv]
	// (reshape [B, N, H·D] ↔ [B, N, H, D] is free). softmax(q·kᵀ·scale)·v per
	// (batch, head). The Nq×Nk score matrix is never materialised.
	Attention(q, k, v tensor.Tensor, p AttentionParams) (tensor.Tensor, error)
	// Activate applies an elementwise activation.
	Activate(x tensor.Tensor, act Activation) (tensor.Tensor, error)
	// Add is a + b with NumPy broadcasting (sizes equal or 1, aligned right).
	Add(a, b tensor.Tensor) (tensor.Tensor, error)
	// Mul is a · b with NumPy broadcasting.
	Mul(a, b tensor.Tensor) (tensor.Tensor, error)
	// Scale is x · s.
	Scale(x tensor.Tensor, s float32) (tensor.Tensor, error)
	// Clamp limits every element to [lo, hi].
	Clamp(x tensor.Tensor, lo, hi float32) (tensor.Tensor, error)
	// Lerp is a + w·(b − a), elementwise over equal shapes.
	Lerp(a, b tensor.Tensor, w float32) (tensor.Tensor, error)
	// Concat joins tensors along axis (negative counts from the end); all
	// other dims must match.
	Concat(axis int, ts ...tensor.Tensor) (tensor.Tensor, error)
	// Split cuts x along axis into pieces of the given sizes (summing to the
	// axis size). See Chunk for equal pieces.
	Split(x tensor.Tensor, axis int, sizes ...int) ([]tensor.Tensor, error)
	// Permute reorders dims: out.shape[i] = x.shape[perm[i]] (torch.permute).
	Permute(x tensor.Tensor, perm ...int) (tensor.Tensor, error)
	// Upsample2x is nearest-neighbour ×2 on the last two dims (NCHW).
	Upsample2x(x tensor.Tensor) (tensor.Tensor, error)
	// AvgPool2x2 averages 2×2 windows with stride 2 on the last two dims;
	// odd sizes drop the last row/column (torch avg_pool2d floor mode).
	AvgPool2x2(x tensor.Tensor) (tensor.Tensor, error)
	// Embedding gathers rows of table [V, D] (F32 or half): ids → [len(ids), D].
	Embedding(table tensor.Tensor, ids []int) (tensor.Tensor, error)
	// TimestepEmbedding is LDM's timestep_embedding (diffusers
	// get_timestep_embedding with flip_sin_to_cos=True, freq_shift=0):
	// half = dim/2, freq_i = exp(−ln(10000)·i/half), out[n] = [cos(t·freq),
	// sin(t·freq)] (cosines first), zero-padded to dim when dim is odd.
	// Output [len(timesteps), dim].
	TimestepEmbedding(timesteps []float32, dim int) (tensor.Tensor, error)
	// Mean averages over axis, keeping it with size 1 (keepdim).
	Mean(x tensor.Tensor, axis int) (tensor.Tensor, error)
	// Variance is the population (biased, /N) variance over axis, keepdim.
	Variance(x tensor.Tensor, axis int) (tensor.Tensor, error)
}

// InPlaceGroupNorm is implemented by devices that can write GroupNorm's
// result over an F32 x's own storage. A caller that no longer needs x's
// values uses it to avoid holding a second activation of that size (the
// VAE decoder's largest tensors are 268 MB at 512²); devices with memory
// to spare need not implement it.
type InPlaceGroupNorm interface {
	GroupNormInPlace(x, gamma, beta tensor.Tensor, groups int, eps float32, silu bool) error
}

// UpsampleConv is implemented by devices that can convolve the nearest ×2
// upsampling of x without materialising it: Upsample2xConv2D(x, w, bias, p)
// equals Conv2D(Upsample2x(x), w, bias, p). Decoders upsample their widest
// activations this way (the SD VAE's last is 268 MB at 512²).
type UpsampleConv interface {
	Upsample2xConv2D(x, w, bias tensor.Tensor, p Conv2DParams) (tensor.Tensor, error)
}

// PeakResetter is implemented by devices that track PeakMemory: ResetPeak
// starts a new high-water mark from the memory in use now, so a worker can
// report each job's own peak.
type PeakResetter interface {
	ResetPeak()
}

// Info describes a device.
type Info struct {
	Name        string // registry name
	Description string // e.g. CPU model or GPU name
	Threads     int    // worker threads (CPU) or 0
	TotalMemory int64  // bytes of device memory (system RAM for the CPU), 0 if unknown
	UsedMemory  int64  // bytes currently held in this device's buffers
	PeakMemory  int64  // high-water mark of UsedMemory in bytes, 0 when not tracked
}

// Activation selects an elementwise activation, fused into Linear or applied
// by Activate.
type Activation uint8

// Activations. GELU is the exact erf form (torch default); GELUTanh is the
// tanh approximation; QuickGELU is x·σ(1.702x) (OpenAI CLIP ViT-L).
const (
	ActNone Activation = iota
	ActSiLU
	ActGELU
	ActGELUTanh
	ActQuickGELU
	ActReLU
)

func (a Activation) String() string {
	switch a {
	case ActNone:
		return "none"
	case ActSiLU:
		return "silu"
	case ActGELU:
		return "gelu"
	case ActGELUTanh:
		return "gelu_tanh"
	case ActQuickGELU:
		return "quick_gelu"
	case ActReLU:
		return "relu"
	}
	return "unknown"
}

// Valid reports whether a is a known activation.
func (a Activation) Valid() bool { return a <= ActReLU }

// Conv2DParams are conv2d's hyper-parameters. Zero Stride means 1.
type Conv2DParams struct {
	Stride  int
	Padding int // zero padding on all four sides
	Groups  int // 0 or 1: dense; Cin: depthwise
}

// AttentionParams configure Attention. Zero Scale means 1/√D.
type AttentionParams struct {
	Scale  float32
	Causal bool // key j is masked for query i when j > i (CLIP's text mask)
}
