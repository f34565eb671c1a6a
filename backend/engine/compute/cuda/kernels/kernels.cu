// DreamLayer's CUDA kernels. They are compiled to PTX by `make ptx` (nvcc
// 11.8, compute_80 and compute_90), the PTX is committed and embedded in the
// worker binary, and the driver JIT-compiles it for the card at load time, so
// a user needs nothing but the NVIDIA driver.
//
// Conventions (they mirror compute.Device):
//   - activations are float32; weights may be __half (BF16 weights are turned
//     into F16 on upload by the Go side, or kept F32 when out of F16 range);
//   - every tensor is dense and row-major; images are NCHW;
//   - every kernel is extern "C" so the Go side finds it by name; all
//     parameters are scalars or pointers (gorgonia.org/cu passes 8-byte slots);
//   - the tensor-core paths load float32 operands, round them to F16 while
//     staging tiles in shared memory and accumulate in float32.
#include <cuda_fp16.h>
#include <mma.h>
#include <math_constants.h>
#include <type_traits>

using namespace nvcuda;

typedef long long i64;
typedef unsigned int u32;

// Elementwise and gather kernels index in 32 bits (the Go side refuses
// tensors of 2³¹ elements or more): 64-bit division and remainder cost
// dozens of instructions each and made these kernels several times slower.
#define GRID_LOOP32(i, n) for (u32 i = blockIdx.x * blockDim.x + threadIdx.x; i < (u32)(n); i += gridDim.x * blockDim.x)

// ---------------------------------------------------------------------------
// Element access helpers.

__device__ __forceinline__ float ldf(const float* p, i64 i) { return p[i]; }
__device__ __forceinline__ float ldf(const __half* p, i64 i) { return __half2float(p[i]); }

// toHalf saturates instead of overflowing to infinity: an activation beyond
// F16's range loses precision in one product rather than poisoning the image.
__device__ __forceinline__ __half toHalf(float x) {
    x = fminf(fmaxf(x, -65504.f), 65504.f);
    return __float2half_rn(x);
}

enum Act { ACT_NONE = 0, ACT_SILU = 1, ACT_GELU = 2, ACT_GELU_TANH = 3, ACT_QUICK_GELU = 4, ACT_RELU = 5 };

__device__ __forceinline__ float activate(float x, int act) {
    switch (act) {
    case ACT_SILU: return x / (1.f + expf(-x));
    case ACT_GELU: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
    case ACT_GELU_TANH: {
        float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
        return 0.5f * x * (1.f + tanhf(u));
    }
    case ACT_QUICK_GELU: return x / (1.f + expf(-1.702f * x));
    case ACT_RELU: return fmaxf(x, 0.f);
    }
    return x;
}

// ---------------------------------------------------------------------------
// GEMM. C[b] (M×N) = alpha · A[b] (M×K) · B[b] (K×N) + bias, then activation.
//
// Operand layouts (template parameters):
//   A_RM: A[m·lda + k]          A_CM: A[k·lda + m]  (stored transposed)
//   B_KN: B[k·ldb + n]          B_NK: B[n·ldb + k]  (stored transposed, e.g. a
//                                                    Linear weight [Out, In])
//   B_CONV: implicit im2col of an NCHW image for a convolution: k runs over
//           (cin, ky, kx), n over output pixels; nothing is materialised.
// Bias: BIAS_ROW adds bias[m] (convolution), BIAS_COL adds bias[n] (linear).

enum { A_RM = 0, A_CM = 1 };
enum { B_KN = 0, B_NK = 1, B_CONV = 2 };
enum { BIAS_NONE = 0, BIAS_ROW = 1, BIAS_COL = 2 };

struct ConvGeom {
    int cin, h, w, kh, kw, stride, pad, wout;
};

template <int AM, typename TA>
__device__ __forceinline__ float loadA(const TA* A, int m, int k, int M, int K, int lda) {
    if (m >= M || k >= K) return 0.f;
    return AM == A_RM ? ldf(A, (i64)m * lda + k) : ldf(A, (i64)k * lda + m);
}

template <int BMODE, typename TB>
__device__ __forceinline__ float loadB(const TB* B, int k, int n, int K, int N, int ldb, const ConvGeom& g) {
    if (k >= K || n >= N) return 0.f;
    if (BMODE == B_KN) return ldf(B, (i64)k * ldb + n);
    if (BMODE == B_NK) return ldf(B, (i64)n * ldb + k);
    int khw = g.kh * g.kw;
    int c = k / khw;
    int r = k - c * khw;
    int ky = r / g.kw, kx = r - (r / g.kw) * g.kw;
    int oy = n / g.wout, ox = n - (n / g.wout) * g.wout;
    int iy = oy * g.stride - g.pad + ky;
    int ix = ox * g.stride - g.pad + kx;
    if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) return 0.f;
    return ldf(B, ((i64)c * g.h + iy) * g.w + ix);
}

__device__ __forceinline__ void epilogue(float* C, const float* bias, int biasMode, int act, float alpha,
                                         int m, int n, int M, int N, int ldc, float v) {
    if (m >= M || n >= N) return;
    v *= alpha;
    if (biasMode == BIAS_ROW) v += bias[m];
    else if (biasMode == BIAS_COL) v += bias[n];
    C[(i64)m * ldc + n] = activate(v, act);
}

// Tensor-core GEMM: 128×128 block tile, K in steps of 32, 8 warps each
// owning a 64×32 slice (4×2 WMMA 16×16×16 fragments). Tiles are loaded into
// registers one step ahead so global latency overlaps the MMAs. Each operand
// tile is TR×TC in shared memory, contiguous along TC (the dim that is
// contiguous in global memory): [128][32] for A_RM and B_NK, [32][128] for
// A_CM, B_KN and B_CONV. A tile that lies wholly inside the matrix and is
// aligned is read with 16-byte loads (4 floats or 8 halves); edge tiles,
// unaligned operands and the convolution gather go element by element.
//
// Split-K: blockIdx.z = batch·kSplit + split; with kSplit > 1 every split
// writes its raw partial product to work[(batch·kSplit + split)·M·N + m·N + n]
// and gemm_splitk_reduce finishes (alpha, bias, activation).
namespace tc {
constexpr int BM = 128, BN = 128, BK = 32, THREADS = 256;
constexpr int PAD = 8;
}  // namespace tc

template <typename T> struct vec_of;
template <> struct vec_of<float> { static constexpr int n = 4; };
template <> struct vec_of<__half> { static constexpr int n = 8; };

// TileLoader stages one TR×TC operand tile: 16 halves per thread.
template <int TR, int TC, typename T>
struct TileLoader {
    static constexpr int V = vec_of<T>::n;
    __half h[16];
    bool vec;

    // fetch reads the tile at (r0, c0) of an R×C matrix with row stride ld.
    __device__ __forceinline__ void fetch(const T* base, int ld, int r0, int c0, int R, int C, bool aligned) {
        const int tid = threadIdx.x;
        vec = aligned && r0 + TR <= R && c0 + TC <= C;
        if (vec) {
#pragma unroll
            for (int i = 0; i < TR * TC / V / tc::THREADS; i++) {
                int idx = tid + i * tc::THREADS;
                int r = idx / (TC / V), c = (idx % (TC / V)) * V;
                const T* p = base + (i64)(r0 + r) * ld + c0 + c;
                if constexpr (V == 4) {
                    float4 f = __ldg(reinterpret_cast<const float4*>(p));
                    h[i * 4 + 0] = toHalf(f.x);
                    h[i * 4 + 1] = toHalf(f.y);
                    h[i * 4 + 2] = toHalf(f.z);
                    h[i * 4 + 3] = toHalf(f.w);
                } else {
                    uint4 u = __ldg(reinterpret_cast<const uint4*>(p));
                    *reinterpret_cast<uint4*>(&h[i * 8]) = u;
                }
            }
            return;
        }
#pragma unroll
        for (int i = 0; i < 16; i++) {
            int idx = tid + i * tc::THREADS;
            int r = idx / TC, c = idx % TC;
            float x = (r0 + r < R && c0 + c < C) ? ldf(base, (i64)(r0 + r) * ld + c0 + c) : 0.f;
            h[i] = toHalf(x);
        }
    }

    __device__ __forceinline__ void stash(__half* tile) const {
        const int tid = threadIdx.x;
        if (vec) {
#pragma unroll
            for (int i = 0; i < TR * TC / V / tc::THREADS; i++) {
                int idx = tid + i * tc::THREADS;
                int r = idx / (TC / V), c = (idx % (TC / V)) * V;
                __half* q = tile + r * (TC + tc::PAD) + c;
                if constexpr (V == 4) *reinterpret_cast<uint2*>(q) = *reinterpret_cast<const uint2*>(&h[i * 4]);
                else *reinterpret_cast<uint4*>(q) = *reinterpret_cast<const uint4*>(&h[i * 8]);
            }
            return;
        }
#pragma unroll
        for (int i = 0; i < 16; i++) {
            int idx = tid + i * tc::THREADS;
            tile[(idx / TC) * (TC + tc::PAD) + idx % TC] = h[i];
        }
    }
};

// ConvLoader stages a [32 k][128 pixels] tile of the implicit im2col matrix.
// A thread owns four neighbouring pixel columns (4·(tid % 32) … +3), whose
// input positions are decoded once, and four k rows (tid / 32 + 8j): each
// (c, ky, kx) is decoded once for four loads, and the four halves go to
// shared memory in one 8-byte store.
struct ConvLoader {
    __half h[16];
    int iy0[4], ix0[4];
    bool ok[4];

    __device__ __forceinline__ void init(int n0, int N, const ConvGeom& g) {
#pragma unroll
        for (int p = 0; p < 4; p++) {
            int n = n0 + (threadIdx.x % 32) * 4 + p;
            ok[p] = n < N;
            int oy = n / g.wout, ox = n - (n / g.wout) * g.wout;
            iy0[p] = oy * g.stride - g.pad;
            ix0[p] = ox * g.stride - g.pad;
        }
    }

    __device__ __forceinline__ void fetch(const float* x, int k0, int K, const ConvGeom& g) {
        const int khw = g.kh * g.kw;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int k = k0 + threadIdx.x / 32 + 8 * j;
            int c = k / khw;
            int r = k - c * khw;
            int ky = r / g.kw, kx = r - (r / g.kw) * g.kw;
            const float* xc = x + (i64)c * g.h * g.w;
#pragma unroll
            for (int p = 0; p < 4; p++) {
                int iy = iy0[p] + ky, ix = ix0[p] + kx;
                float v = 0.f;
                if (ok[p] && k < K && iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) v = __ldg(xc + (i64)iy * g.w + ix);
                h[j * 4 + p] = toHalf(v);
            }
        }
    }

    __device__ __forceinline__ void stash(__half* tile) const {
        const int col = (threadIdx.x % 32) * 4, row = threadIdx.x / 32;
#pragma unroll
        for (int j = 0; j < 4; j++)
            *reinterpret_cast<uint2*>(tile + (row + 8 * j) * (tc::BN + tc::PAD) + col) =
                *reinterpret_cast<const uint2*>(&h[j * 4]);
    }
};

template <int AM, int BMODE, typename TA, typename TB>
__device__ __forceinline__ void gemm_tc_body(const TA* __restrict__ A, const TB* __restrict__ B, float* __restrict__ C,
                                             const float* __restrict__ bias, int M, int N, int K, int lda, int ldb,
                                             int ldc, i64 sA, i64 sB, i64 sC, float alpha, int act, int biasMode,
                                             ConvGeom g, int kSplit, float* __restrict__ work, int alignA,
                                             int alignB) {
    using namespace tc;
    constexpr int A_TILE = (AM == A_RM) ? BM * (BK + PAD) : BK * (BM + PAD);
    constexpr int B_TILE = (BMODE == B_NK) ? BN * (BK + PAD) : BK * (BN + PAD);
    // The epilogue reuses the tiles as 8 warps × 16×16 floats of staging.
    constexpr int SMEM = (A_TILE + B_TILE) > 8 * 256 * 2 ? (A_TILE + B_TILE) : 8 * 256 * 2;
    __shared__ __align__(32) __half smem[SMEM];
    __half* As = smem;
    __half* Bs = smem + A_TILE;

    const int b = blockIdx.z / kSplit, split = blockIdx.z % kSplit;
    A += b * sA;
    B += b * sB;
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;
    const int kChunk = ((K + kSplit - 1) / kSplit + BK - 1) / BK * BK;
    const int kBegin = split * kChunk, kEnd = min(K, kBegin + kChunk);

    TileLoader<AM == A_RM ? BM : BK, AM == A_RM ? BK : BM, TA> la;
    TileLoader<BMODE == B_NK ? BN : BK, BMODE == B_NK ? BK : BN, TB> lb;
    ConvLoader lc;
    if constexpr (BMODE == B_CONV) lc.init(n0, N, g);

    auto fetch = [&](int k0) {
        if constexpr (AM == A_RM) la.fetch(A, lda, m0, k0, M, kEnd, alignA);
        else la.fetch(A, lda, k0, m0, kEnd, M, alignA);
        if constexpr (BMODE == B_NK) lb.fetch(B, ldb, n0, k0, N, kEnd, alignB);
        else if constexpr (BMODE == B_KN) lb.fetch(B, ldb, k0, n0, kEnd, N, alignB);
        else lc.fetch(reinterpret_cast<const float*>(B), k0, kEnd, g);
    };
    auto stash = [&]() {
        la.stash(As);
        if constexpr (BMODE == B_CONV) lc.stash(Bs);
        else lb.stash(Bs);
    };

    typedef typename std::conditional<AM == A_RM, wmma::row_major, wmma::col_major>::type ALayout;
    typedef typename std::conditional<BMODE == B_NK, wmma::col_major, wmma::row_major>::type BLayout;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[4][2];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);

    if (kBegin < kEnd) fetch(kBegin);
    for (int k0 = kBegin; k0 < kEnd; k0 += BK) {
        __syncthreads();
        stash();
        __syncthreads();
        if (k0 + BK < kEnd) fetch(k0 + BK);
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, ALayout> fa[4];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, BLayout> fb[2];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int r = wm + i * 16;
                if (AM == A_RM) wmma::load_matrix_sync(fa[i], As + r * (BK + PAD) + kk, BK + PAD);
                else wmma::load_matrix_sync(fa[i], As + kk * (BM + PAD) + r, BM + PAD);
            }
#pragma unroll
            for (int j = 0; j < 2; j++) {
                int c = wn + j * 16;
                if (BMODE == B_NK) wmma::load_matrix_sync(fb[j], Bs + c * (BK + PAD) + kk, BK + PAD);
                else wmma::load_matrix_sync(fb[j], Bs + kk * (BN + PAD) + c, BN + PAD);
            }
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
    }
    __syncthreads();
    // Epilogue through a per-warp 16×16 float staging square.
    float* stage = reinterpret_cast<float*>(smem) + warp * 256;
    float* part = kSplit > 1 ? work + (i64)blockIdx.z * M * N : nullptr;
    C += b * sC;
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();
#pragma unroll 1
            for (int e = lane; e < 256; e += 32) {
                int m = m0 + wm + i * 16 + e / 16, n = n0 + wn + j * 16 + e % 16;
                if (part) {
                    if (m < M && n < N) part[(i64)m * N + n] = stage[e];
                } else {
                    epilogue(C, bias, biasMode, act, alpha, m, n, M, N, ldc, stage[e]);
                }
            }
            __syncwarp();
        }
}

// gemm_splitk_reduce sums the kSplit partial products of every batch item
// and applies the epilogue.
extern "C" __global__ void gemm_splitk_reduce(const float* __restrict__ work, float* __restrict__ C,
                                              const float* __restrict__ bias, int M, int N, int ldc, i64 sC,
                                              int batch, int kSplit, float alpha, int act, int biasMode) {
    const u32 mn = (u32)M * N;
    GRID_LOOP32(i, mn * batch) {
        u32 b = i / mn, e = i % mn;
        const float* p = work + b * kSplit * mn + e;
        float s = 0.f;
        for (int k = 0; k < kSplit; k++) s += p[k * mn];
        int m = (int)(e / N), n = (int)(e % N);
        epilogue(C + b * sC, bias, biasMode, act, alpha, m, n, M, N, ldc, s);
    }
}

// SIMT float32 GEMM for the exact path: 128×128 block tile, K in steps of 8,
// 256 threads each computing an 8×8 micro-tile.
namespace simt {
const int BM = 128, BN = 128, BK = 8, THREADS = 256;
}

template <int AM, int BMODE, typename TA, typename TB>
__device__ __forceinline__ void gemm_f32_body(const TA* __restrict__ A, const TB* __restrict__ B, float* __restrict__ C,
                                              const float* __restrict__ bias, int M, int N, int K, int lda, int ldb,
                                              int ldc, i64 sA, i64 sB, i64 sC, float alpha, int act, int biasMode,
                                              ConvGeom g, int kSplit, float* __restrict__ work, int alignA,
                                              int alignB) {
    using namespace simt;
    __shared__ float As[BK][BM + 4];
    __shared__ float Bs[BK][BN + 4];
    // The exact kernels never split K (kSplit is 1); the parameters keep one
    // signature for both families.
    const int b = blockIdx.z;
    A += b * sA;
    B += b * sB;
    C += b * sC;
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int tid = threadIdx.x;
    const int tm = (tid / 16) * 8, tn = (tid % 16) * 8;
    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = 0.f;

    for (int k0 = 0; k0 < K; k0 += BK) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int idx = tid + i * THREADS;
            int r, c;
            if (AM == A_RM) { r = idx / BK; c = idx % BK; }
            else { c = idx / BM; r = idx % BM; }
            As[c][r] = loadA<AM>(A, m0 + r, k0 + c, M, K, lda);
            int kr, nc;
            if (BMODE == B_NK) { nc = idx / BK; kr = idx % BK; }
            else { kr = idx / BN; nc = idx % BN; }
            Bs[kr][nc] = loadB<BMODE>(B, k0 + kr, n0 + nc, K, N, ldb, g);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float a[8], bb[8];
#pragma unroll
            for (int i = 0; i < 8; i++) a[i] = As[kk][tm + i];
#pragma unroll
            for (int j = 0; j < 8; j++) bb[j] = Bs[kk][tn + j];
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(a[i], bb[j], acc[i][j]);
        }
        __syncthreads();
    }
    // Not unrolled: 64 inlined copies of the activation switch would make
    // the PTX several times larger for no measurable gain.
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll 1
        for (int j = 0; j < 8; j++)
            epilogue(C, bias, biasMode, act, alpha, m0 + tm + i, n0 + tn + j, M, N, ldc, acc[i][j]);
}

#define GEMM_PARAMS(TA, TB)                                                                                         \
    const TA *A, const TB *B, float *C, const float *bias, int M, int N, int K, int lda, int ldb, int ldc, i64 sA, \
        i64 sB, i64 sC, float alpha, int act, int biasMode, int cin, int h, int w, int kh, int kw, int stride,     \
        int pad, int wout, int kSplit, float *work, int alignA, int alignB
#define GEMM_ARGS                                                                                             \
    A, B, C, bias, M, N, K, lda, ldb, ldc, sA, sB, sC, alpha, act, biasMode, ConvGeom{cin, h, w, kh, kw, stride, \
        pad, wout}, kSplit, work, alignA, alignB

#define GEMM_KERNEL(kind, body, threads, AM, BMODE, TA, TB, tag)                                        \
    extern "C" __global__ void __launch_bounds__(threads) gemm_##kind##_##tag(GEMM_PARAMS(TA, TB)) { \
        body<AM, BMODE, TA, TB>(GEMM_ARGS);                                                          \
    }

// Kernel names: gemm_<tc|f32>_<a layout><b layout>_<a type><b type>, with
// layouts r/c for A and k/n/v (KN, NK, conv) for B, and types f (float32) or
// h (F16).
#define GEMM_TC_ALL(AM, BMODE, tag)                                  \
    GEMM_KERNEL(tc, gemm_tc_body, 256, AM, BMODE, float, float, tag##_ff)  \
    GEMM_KERNEL(tc, gemm_tc_body, 256, AM, BMODE, float, __half, tag##_fh) \
    GEMM_KERNEL(tc, gemm_tc_body, 256, AM, BMODE, __half, float, tag##_hf) \
    GEMM_KERNEL(tc, gemm_tc_body, 256, AM, BMODE, __half, __half, tag##_hh)

#define GEMM_F32_ALL(AM, BMODE, tag)                                      \
    GEMM_KERNEL(f32, gemm_f32_body, 256, AM, BMODE, float, float, tag##_ff)   \
    GEMM_KERNEL(f32, gemm_f32_body, 256, AM, BMODE, float, __half, tag##_fh)  \
    GEMM_KERNEL(f32, gemm_f32_body, 256, AM, BMODE, __half, float, tag##_hf)  \
    GEMM_KERNEL(f32, gemm_f32_body, 256, AM, BMODE, __half, __half, tag##_hh)

GEMM_TC_ALL(A_RM, B_KN, rk)
GEMM_TC_ALL(A_RM, B_NK, rn)
GEMM_TC_ALL(A_CM, B_KN, ck)
GEMM_TC_ALL(A_CM, B_NK, cn)
GEMM_KERNEL(tc, gemm_tc_body, 256, A_RM, B_CONV, float, float, rv_ff)
GEMM_KERNEL(tc, gemm_tc_body, 256, A_RM, B_CONV, __half, float, rv_hf)

GEMM_F32_ALL(A_RM, B_KN, rk)
GEMM_F32_ALL(A_RM, B_NK, rn)
GEMM_F32_ALL(A_CM, B_KN, ck)
GEMM_F32_ALL(A_CM, B_NK, cn)
GEMM_KERNEL(f32, gemm_f32_body, 256, A_RM, B_CONV, float, float, rv_ff)
GEMM_KERNEL(f32, gemm_f32_body, 256, A_RM, B_CONV, __half, float, rv_hf)

// ---------------------------------------------------------------------------
// Depthwise convolution (groups = channels): one thread per output element.

template <typename TW>
__device__ __forceinline__ void dwconv_body(const float* x, const TW* w, const float* bias, float* y, int n, int cin,
                                            int cout, int h, int wd, int kh, int kw, int stride, int pad, int hout,
                                            int wout) {
    const int mult = cout / cin;  // output channels per input channel
    u32 total = (u32)n * cout * hout * wout;
    GRID_LOOP32(i, total) {
        int ox = i % (u32)wout;
        int oy = (i / (u32)wout) % (u32)hout;
        int oc = (i / ((u32)wout * hout)) % (u32)cout;
        i64 img = i / ((u32)wout * hout * cout);
        const float* xp = x + (img * cin + oc / mult) * (i64)h * wd;
        float s = 0.f;
        for (int ky = 0; ky < kh; ky++) {
            int iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < kw; kx++) {
                int ix = ox * stride - pad + kx;
                if (ix < 0 || ix >= wd) continue;
                s = fmaf(xp[(i64)iy * wd + ix], ldf(w, ((i64)oc * kh + ky) * kw + kx), s);
            }
        }
        if (bias) s += bias[oc];
        y[i] = s;
    }
}

#define DWCONV_ARGS x, w, bias, y, n, cin, cout, h, wd, kh, kw, stride, pad, hout, wout
extern "C" __global__ void dwconv_f(const float* x, const float* w, const float* bias, float* y, int n, int cin,
                                    int cout, int h, int wd, int kh, int kw, int stride, int pad, int hout, int wout) {
    dwconv_body(DWCONV_ARGS);
}
extern "C" __global__ void dwconv_h(const float* x, const __half* w, const float* bias, float* y, int n, int cin,
                                    int cout, int h, int wd, int kh, int kw, int stride, int pad, int hout, int wout) {
    dwconv_body(DWCONV_ARGS);
}

// ---------------------------------------------------------------------------
// Attention: softmax(q·kᵀ·scale)·v per (batch, head) in the projections'
// layout q [B, Nq, H, D], k [B, Nk, H, D], v [B, Nk, H, Dv] → o [B, Nq, H, Dv].
// Flash-style: a block owns 64 queries of one (batch, head), walks the keys in
// tiles of 64 with an online softmax, and never stores the Nq×Nk scores.

namespace fa {
const int BQ = 64, BKV = 64, THREADS = 128;
}

// Tensor-core attention: Q, K, V tiles in F16, scores and the output
// accumulator in float32 shared memory. Each warp owns 16 query rows, so the
// softmax of a row and the rescale of its output never leave the warp.
// Dynamic shared memory layout (dp, dvp: head sizes rounded up to 16):
//   Qs half [64][dp+8] | KVs half [64][max(dp,dvp)+8] | S float [64][68] |
//   Ps half [64][72] | Os float [64][dvp+4] | m, l float [64] each
extern "C" __global__ void __launch_bounds__(128) attention_tc(const float* __restrict__ q, const float* __restrict__ k,
                                                               const float* __restrict__ v, float* __restrict__ o,
                                                               int nq, int nk, int H, int D, int Dv, int dp, int dvp,
                                                               float scale, int causal) {
    using namespace fa;
    extern __shared__ __align__(32) unsigned char dyn[];
    const int ldq = dp + 8, ldkv = max(dp, dvp) + 8, lds = BKV + 4, ldp = BKV + 8, ldo = dvp + 4;
    __half* Qs = reinterpret_cast<__half*>(dyn);
    __half* KVs = Qs + BQ * ldq;
    float* S = reinterpret_cast<float*>(KVs + BKV * ldkv);
    __half* Ps = reinterpret_cast<__half*>(S + BQ * lds);
    float* Os = reinterpret_cast<float*>(Ps + BQ * ldp);
    float* rowM = Os + BQ * ldo;
    float* rowL = rowM + BQ;

    const int qb = blockIdx.x * BQ, h = blockIdx.y, b = blockIdx.z;
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const i64 qStride = (i64)H * D, vStride = (i64)H * Dv;
    const float* qp = q + ((i64)b * nq * H + h) * D;
    const float* kp = k + ((i64)b * nk * H + h) * D;
    const float* vp = v + ((i64)b * nk * H + h) * Dv;

    for (int e = tid; e < BQ * dp; e += THREADS) {
        int r = e / dp, c = e % dp;
        float x = (qb + r < nq && c < D) ? qp[(qb + r) * qStride + c] : 0.f;
        Qs[r * ldq + c] = toHalf(x);
    }
    for (int e = tid; e < BQ * dvp; e += THREADS) Os[(e / dvp) * ldo + e % dvp] = 0.f;
    if (tid < BQ) { rowM[tid] = -CUDART_INF_F; rowL[tid] = 0.f; }

    int kvEnd = nk;
    if (causal) kvEnd = min(nk, qb + BQ);
    const int r0 = warp * 16;
    for (int kb = 0; kb < kvEnd; kb += BKV) {
        __syncthreads();
        for (int e = tid; e < BKV * dp; e += THREADS) {
            int r = e / dp, c = e % dp;
            float x = (kb + r < nk && c < D) ? kp[(kb + r) * qStride + c] : 0.f;
            KVs[r * ldkv + c] = toHalf(x);
        }
        __syncthreads();
        // S rows [r0, r0+16) = Q · Kᵀ
        for (int j = 0; j < BKV; j += 16) {
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> sacc;
            wmma::fill_fragment(sacc, 0.f);
            for (int kk = 0; kk < dp; kk += 16) {
                wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa_;
                wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb_;
                wmma::load_matrix_sync(fa_, Qs + r0 * ldq + kk, ldq);
                wmma::load_matrix_sync(fb_, KVs + j * ldkv + kk, ldkv);
                wmma::mma_sync(sacc, fa_, fb_, sacc);
            }
            wmma::store_matrix_sync(S + r0 * lds + j, sacc, lds, wmma::mem_row_major);
        }
        __syncwarp();
        // Online softmax on this warp's rows: two lanes per row, 32 keys each.
        {
            const int row = r0 + lane / 2, half_ = lane % 2;
            const int qi = qb + row;
            float* srow = S + row * lds;
            float mx = -CUDART_INF_F;
            for (int c = half_ * 32; c < half_ * 32 + 32; c++) {
                int kj = kb + c;
                bool ok = kj < nk && (!causal || kj <= qi);
                float s = ok ? srow[c] * scale : -CUDART_INF_F;
                srow[c] = s;
                mx = fmaxf(mx, s);
            }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffff, mx, 1));
            const float mOld = rowM[row];
            const float mNew = fmaxf(mOld, mx);
            const float alpha = (mNew == -CUDART_INF_F) ? 1.f : __expf(mOld - mNew);
            float sum = 0.f;
            for (int c = half_ * 32; c < half_ * 32 + 32; c++) {
                float s = srow[c];
                float p = (s == -CUDART_INF_F) ? 0.f : __expf(s - mNew);
                __half ph = __float2half_rn(p);
                Ps[row * ldp + c] = ph;
                sum += __half2float(ph);
            }
            sum += __shfl_xor_sync(0xffffffff, sum, 1);
            float* orow = Os + row * ldo;
            for (int c = half_; c < dvp; c += 2) orow[c] *= alpha;
            __syncwarp();
            if (half_ == 0) {
                rowM[row] = mNew;
                rowL[row] = rowL[row] * alpha + sum;
            }
        }
        __syncthreads();  // everyone is done with K
        for (int e = tid; e < BKV * dvp; e += THREADS) {
            int r = e / dvp, c = e % dvp;
            float x = (kb + r < nk && c < Dv) ? vp[(kb + r) * vStride + c] : 0.f;
            KVs[r * ldkv + c] = toHalf(x);
        }
        __syncthreads();
        // O rows [r0, r0+16) += P · V
        for (int c = 0; c < dvp; c += 16) {
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> oacc;
            wmma::load_matrix_sync(oacc, Os + r0 * ldo + c, ldo, wmma::mem_row_major);
            for (int kk = 0; kk < BKV; kk += 16) {
                wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fp;
                wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> fv;
                wmma::load_matrix_sync(fp, Ps + r0 * ldp + kk, ldp);
                wmma::load_matrix_sync(fv, KVs + kk * ldkv + c, ldkv);
                wmma::mma_sync(oacc, fp, fv, oacc);
            }
            wmma::store_matrix_sync(Os + r0 * ldo + c, oacc, ldo, wmma::mem_row_major);
        }
    }
    __syncthreads();
    float* op = o + ((i64)b * nq * H + h) * Dv;
    for (int e = tid; e < BQ * Dv; e += THREADS) {
        int r = e / Dv, c = e % Dv;
        if (qb + r >= nq) continue;
        float l = rowL[r];
        op[(qb + r) * vStride + c] = l > 0.f ? Os[r * ldo + c] / l : 0.f;
    }
}

// Exact float32 attention: one thread per query, K and V tiles shared by the
// block through shared memory, the output accumulator in shared memory laid
// out [d][thread] so each thread's column is conflict-free.
// Dynamic shared memory: Ks [64][D] | Vs [64][Dv] | Oacc [Dv][64] floats.
extern "C" __global__ void __launch_bounds__(64) attention_f32(const float* __restrict__ q, const float* __restrict__ k,
                                                              const float* __restrict__ v, float* __restrict__ o,
                                                              int nq, int nk, int H, int D, int Dv, float scale,
                                                              int causal) {
    const int BQ = 64, BKV = 64;
    extern __shared__ __align__(16) unsigned char dyn[];
    float* Ks = reinterpret_cast<float*>(dyn);
    float* Vs = Ks + BKV * D;
    float* Oacc = Vs + BKV * Dv;
    const int qb = blockIdx.x * BQ, h = blockIdx.y, b = blockIdx.z;
    const int tid = threadIdx.x;
    const int qi = qb + tid;
    const i64 qStride = (i64)H * D, vStride = (i64)H * Dv;
    const float* qp = q + ((i64)b * nq * H + h) * D + (i64)qi * qStride;
    const float* kp = k + ((i64)b * nk * H + h) * D;
    const float* vp = v + ((i64)b * nk * H + h) * Dv;
    for (int d = 0; d < Dv; d++) Oacc[d * BQ + tid] = 0.f;
    float m = -CUDART_INF_F, l = 0.f;
    int kvEnd = causal ? min(nk, qb + BQ) : nk;
    for (int kb = 0; kb < kvEnd; kb += BKV) {
        __syncthreads();
        int n = min(BKV, nk - kb);
        for (int e = tid; e < n * D; e += BQ) Ks[e] = kp[(kb + e / D) * qStride + e % D];
        for (int e = tid; e < n * Dv; e += BQ) Vs[e] = vp[(kb + e / Dv) * vStride + e % Dv];
        __syncthreads();
        if (qi >= nq) continue;
        float s[64];
        float mx = -CUDART_INF_F;
        for (int j = 0; j < BKV; j++) {
            float acc = -CUDART_INF_F;
            if (j < n && (!causal || kb + j <= qi)) {
                acc = 0.f;
                for (int d = 0; d < D; d++) acc = fmaf(qp[d], Ks[j * D + d], acc);
                acc *= scale;
            }
            s[j] = acc;
            mx = fmaxf(mx, acc);
        }
        float mNew = fmaxf(m, mx);
        float alpha = (mNew == -CUDART_INF_F) ? 1.f : expf(m - mNew);
        l *= alpha;
        for (int d = 0; d < Dv; d++) Oacc[d * BQ + tid] *= alpha;
        for (int j = 0; j < n; j++) {
            float p = (s[j] == -CUDART_INF_F) ? 0.f : expf(s[j] - mNew);
            l += p;
            if (p != 0.f)
                for (int d = 0; d < Dv; d++) Oacc[d * BQ + tid] = fmaf(p, Vs[j * Dv + d], Oacc[d * BQ + tid]);
        }
        m = mNew;
    }
    if (qi >= nq) return;
    float* op = o + ((i64)b * nq * H + h) * Dv + (i64)qi * vStride;
    for (int d = 0; d < Dv; d++) op[d] = l > 0.f ? Oacc[d * BQ + tid] / l : 0.f;
}

// ---------------------------------------------------------------------------
// Reductions over rows. A block reduces with warp shuffles, then across warps
// through shared memory.

__device__ __forceinline__ float warpSum(float x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffff, x, o);
    return x;
}
__device__ __forceinline__ float warpMax(float x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffff, x, o));
    return x;
}
// blockSum returns the sum over the block to every thread (blockDim ≤ 1024).
__device__ float blockSum(float x, float* scratch) {
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, nw = (blockDim.x + 31) / 32;
    x = warpSum(x);
    __syncthreads();
    if (lane == 0) scratch[warp] = x;
    __syncthreads();
    float t = lane < nw ? scratch[lane] : 0.f;
    return warpSum(t);
}
__device__ float blockMax(float x, float* scratch) {
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, nw = (blockDim.x + 31) / 32;
    x = warpMax(x);
    __syncthreads();
    if (lane == 0) scratch[warp] = x;
    __syncthreads();
    float t = lane < nw ? scratch[lane] : -CUDART_INF_F;
    return warpMax(t);
}

// GroupNorm statistics, in two kernels so large groups (the VAE's 512² levels)
// are spread over many blocks: partial sums per (group, chunk), then the
// normalisation reads the finished mean and variance.
// gn_partial: grid (chunks, N·G); writes sum and sum of squares relative to a
// per-group shift (the group's first element) so cancellation stays small.
extern "C" __global__ void gn_partial(const float* __restrict__ x, float* __restrict__ part, i64 groupSize,
                                      int chunks) {
    __shared__ float scratch[32];
    const i64 g = blockIdx.y;
    const float* xp = x + g * groupSize;
    const float shift = xp[0];
    i64 per = (groupSize + chunks - 1) / chunks;
    i64 lo = blockIdx.x * per, hi = min(groupSize, lo + per);
    float s = 0.f, ss = 0.f;
    for (i64 i = lo + threadIdx.x; i < hi; i += blockDim.x) {
        float d = xp[i] - shift;
        s += d;
        ss = fmaf(d, d, ss);
    }
    s = blockSum(s, scratch);
    ss = blockSum(ss, scratch);
    if (threadIdx.x == 0) {
        part[(g * chunks + blockIdx.x) * 2] = s;
        part[(g * chunks + blockIdx.x) * 2 + 1] = ss;
    }
}

// gn_apply: grid (blocks over the group, N·G). Every block folds the partials
// itself (chunks is small), then normalises its share.
// gamma and beta arrive as float32 (the Go side keeps widened copies of
// half norm weights), null when absent.
extern "C" __global__ void gn_apply_f(const float* __restrict__ x, const float* __restrict__ part,
                                      const float* __restrict__ gamma, const float* __restrict__ beta,
                                      float* __restrict__ y, i64 groupSize, int chunks, int cpg, i64 spatial,
                                      int groups, float eps, int silu) {
    __shared__ float stats[2];
    const i64 g = blockIdx.y;
    const float* xp = x + g * groupSize;
    if (threadIdx.x == 0) {
        double s = 0, ss = 0;
        for (int c = 0; c < chunks; c++) {
            s += part[(g * chunks + c) * 2];
            ss += part[(g * chunks + c) * 2 + 1];
        }
        double mean = s / groupSize;
        double var = ss / groupSize - mean * mean;
        if (var < 0) var = 0;
        stats[0] = (float)(mean + xp[0]);
        stats[1] = (float)(1.0 / sqrt(var + eps));
    }
    __syncthreads();
    const float mean = stats[0], rstd = stats[1];
    const int c0 = (int)(g % groups) * cpg;
    const u32 sp = (u32)spatial;
    GRID_LOOP32(i, groupSize) {
        int c = c0 + (int)(i / sp);
        float val = (xp[i] - mean) * rstd;
        if (gamma) val *= ldf(gamma, c);
        if (beta) val += ldf(beta, c);
        if (silu) val = val / (1.f + __expf(-val));
        y[g * groupSize + i] = val;
    }
}
// LayerNorm over the last dim: one block per row, two passes over the row.
extern "C" __global__ void layernorm_f(const float* __restrict__ x, const float* __restrict__ gamma,
                                       const float* __restrict__ beta, float* __restrict__ y, int d, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (i64)blockIdx.x * d;
    float* yr = y + (i64)blockIdx.x * d;
    float s = 0.f;
    for (int i = threadIdx.x; i < d; i += blockDim.x) s += xr[i];
    const float mean = blockSum(s, scratch) / d;
    float ss = 0.f;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        float t = xr[i] - mean;
        ss = fmaf(t, t, ss);
    }
    const float rstd = rsqrtf(blockSum(ss, scratch) / d + eps);
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        float val = (xr[i] - mean) * rstd;
        if (gamma) val *= ldf(gamma, i);
        if (beta) val += ldf(beta, i);
        yr[i] = val;
    }
}
// Softmax over the last dim: one block per row.
extern "C" __global__ void softmax_rows(const float* x, float* y, int d) {
    __shared__ float scratch[32];
    const float* xr = x + (i64)blockIdx.x * d;
    float* yr = y + (i64)blockIdx.x * d;
    float mx = -CUDART_INF_F;
    for (int i = threadIdx.x; i < d; i += blockDim.x) mx = fmaxf(mx, xr[i]);
    mx = blockMax(mx, scratch);
    float s = 0.f;
    for (int i = threadIdx.x; i < d; i += blockDim.x) s += expf(xr[i] - mx);
    s = blockSum(s, scratch);
    const float inv = 1.f / s;
    for (int i = threadIdx.x; i < d; i += blockDim.x) yr[i] = expf(xr[i] - mx) * inv;
}

// Mean or population variance over the middle axis of [outer, n, inner]:
// one thread per (outer, inner), two passes for the variance.
extern "C" __global__ void reduce_axis(const float* __restrict__ x, float* __restrict__ y, i64 outer, int n, i64 inner,
                                       int variance) {
    u32 total = (u32)(outer * inner);
    GRID_LOOP32(i, total) {
        u32 o = i / (u32)inner, in = i % (u32)inner;
        const float* p = x + (i64)o * n * inner + in;
        double s = 0;
        for (int j = 0; j < n; j++) s += p[(i64)j * inner];
        double mean = s / n;
        if (!variance) { y[i] = (float)mean; continue; }
        double ss = 0;
        for (int j = 0; j < n; j++) {
            double d = p[(i64)j * inner] - mean;
            ss += d * d;
        }
        y[i] = (float)(ss / n);
    }
}

// ---------------------------------------------------------------------------
// Elementwise and data movement. Grid-stride loops over i64 indices.

#define GRID_LOOP(i, n) for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < (n); i += (i64)gridDim.x * blockDim.x)

extern "C" __global__ void act_f(const float* x, float* y, i64 n, int act) {
    GRID_LOOP(i, n) y[i] = activate(x[i], act);
}
extern "C" __global__ void scale_f(const float* x, float* y, i64 n, float s) {
    GRID_LOOP(i, n) y[i] = x[i] * s;
}
extern "C" __global__ void clamp_f(const float* x, float* y, i64 n, float lo, float hi) {
    GRID_LOOP(i, n) y[i] = fminf(fmaxf(x[i], lo), hi);
}
extern "C" __global__ void lerp_f(const float* a, const float* b, float* y, i64 n, float w) {
    GRID_LOOP(i, n) y[i] = a[i] + w * (b[i] - a[i]);
}
// half_to_f32 widens F16 storage (Download of a weight).
extern "C" __global__ void half_to_f32(const __half* x, float* y, i64 n) {
    GRID_LOOP(i, n) y[i] = __half2float(x[i]);
}

// Broadcast binary op on up to 4 collapsed dims: out index (i0,i1,i2,i3) with
// sizes d0..d3 reads a at Σ i·as and b at Σ i·bs (stride 0 = broadcast).
// op: 0 add, 1 mul.
template <typename TB>
__device__ __forceinline__ void binary_body(const float* a, const TB* b, float* y, int op, i64 d0, i64 d1, i64 d2,
                                            i64 d3, i64 as0, i64 as1, i64 as2, i64 as3, i64 bs0, i64 bs1, i64 bs2,
                                            i64 bs3) {
    const u32 n = (u32)(d0 * d1 * d2 * d3);
    if (d0 == 1 && d1 == 1 && d2 == 1 && as3 == 1 && bs3 == 1) {
        GRID_LOOP32(i, n) y[i] = op == 0 ? a[i] + ldf(b, i) : a[i] * ldf(b, i);  // same shape
        return;
    }
    const u32 D1 = (u32)d1, D2 = (u32)d2, D3 = (u32)d3;
    GRID_LOOP32(i, n) {
        u32 r = i;
        u32 i3 = r % D3; r /= D3;
        u32 i2 = r % D2; r /= D2;
        u32 i1 = r % D1;
        u32 i0 = r / D1;
        float x = a[i0 * (u32)as0 + i1 * (u32)as1 + i2 * (u32)as2 + i3 * (u32)as3];
        float z = ldf(b, i0 * (u32)bs0 + i1 * (u32)bs1 + i2 * (u32)bs2 + i3 * (u32)bs3);
        y[i] = op == 0 ? x + z : x * z;
    }
}
extern "C" __global__ void binary_ff(const float* a, const float* b, float* y, int op, i64 d0, i64 d1, i64 d2, i64 d3,
                                     i64 as0, i64 as1, i64 as2, i64 as3, i64 bs0, i64 bs1, i64 bs2, i64 bs3) {
    binary_body(a, b, y, op, d0, d1, d2, d3, as0, as1, as2, as3, bs0, bs1, bs2, bs3);
}
extern "C" __global__ void binary_fh(const float* a, const __half* b, float* y, int op, i64 d0, i64 d1, i64 d2, i64 d3,
                                     i64 as0, i64 as1, i64 as2, i64 as3, i64 bs0, i64 bs1, i64 bs2, i64 bs3) {
    binary_body(a, b, y, op, d0, d1, d2, d3, as0, as1, as2, as3, bs0, bs1, bs2, bs3);
}

// copy_2d copies rows×cols floats from src (row stride sld) to dst (row
// stride dld): Concat and Split as strided block copies.
extern "C" __global__ void copy_2d(const float* src, float* dst, i64 rows, i64 cols, i64 sld, i64 dld) {
    GRID_LOOP32(i, rows * cols) {
        u32 r = i / (u32)cols, c = i % (u32)cols;
        dst[r * dld + c] = src[r * sld + c];
    }
}

// Permute gathers: out index decomposed over out sizes o0..o5 reads the input
// at Σ i·s with s the input strides of the permuted dims (rank padded to 6).
extern "C" __global__ void permute6(const float* x, float* y, i64 o0, i64 o1, i64 o2, i64 o3, i64 o4, i64 o5, i64 s0,
                                    i64 s1, i64 s2, i64 s3, i64 s4, i64 s5) {
    const u32 n = (u32)(o0 * o1 * o2 * o3 * o4 * o5);
    GRID_LOOP32(i, n) {
        u32 r = i;
        u32 i5 = r % (u32)o5; r /= (u32)o5;
        u32 i4 = r % (u32)o4; r /= (u32)o4;
        u32 i3 = r % (u32)o3; r /= (u32)o3;
        u32 i2 = r % (u32)o2; r /= (u32)o2;
        u32 i1 = r % (u32)o1;
        u32 i0 = r / (u32)o1;
        y[i] = x[i0 * (u32)s0 + i1 * (u32)s1 + i2 * (u32)s2 + i3 * (u32)s3 + i4 * (u32)s4 + i5 * (u32)s5];
    }
}

// Nearest ×2 upsampling of [planes, h, w] → [planes, 2h, 2w].
extern "C" __global__ void upsample2x(const float* x, float* y, i64 planes, int h, int w) {
    const int ow = 2 * w, oh = 2 * h;
    GRID_LOOP32(i, planes * oh * ow) {
        u32 p = i / ((u32)oh * ow);
        int r = (int)(i % ((u32)oh * ow));
        int oy = r / ow, ox = r % ow;
        y[i] = x[(p * h + oy / 2) * w + ox / 2];
    }
}

// 2×2 average pooling with stride 2 (floor mode): [planes, h, w] → [planes, h/2, w/2].
extern "C" __global__ void avgpool2x2(const float* x, float* y, i64 planes, int h, int w) {
    const int oh = h / 2, ow = w / 2;
    GRID_LOOP32(i, planes * oh * ow) {
        u32 p = i / ((u32)oh * ow);
        int r = (int)(i % ((u32)oh * ow));
        int oy = r / ow, ox = r % ow;
        const float* s = x + (p * h + 2 * oy) * w + 2 * ox;
        y[i] = 0.25f * (s[0] + s[1] + s[w] + s[w + 1]);
    }
}

// Embedding gather: rows of table [V, D] picked by ids.
template <typename T>
__device__ __forceinline__ void embed_body(const T* table, const int* ids, float* y, int n, int d) {
    GRID_LOOP32(i, (u32)n * d) {
        u32 r = i / (u32)d;
        int c = (int)(i % (u32)d);
        y[i] = ldf(table, (i64)ids[r] * d + c);
    }
}
extern "C" __global__ void embed_f(const float* table, const int* ids, float* y, int n, int d) {
    embed_body(table, ids, y, n, d);
}
extern "C" __global__ void embed_h(const __half* table, const int* ids, float* y, int n, int d) {
    embed_body(table, ids, y, n, d);
}
