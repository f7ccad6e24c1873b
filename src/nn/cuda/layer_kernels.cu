// The CUDA runtime's kernels for the later layers: data movement (slice, pad, space-to-depth,
// reshape, transpose), reductions, pooling, instance normalisation and fully connected layers.
// fp16 NHWC tensors, fp32 arithmetic; each kernel computes what its CPU reference in
// nn/cpu/cpu_layers.cpp computes, element by element, so the two can be compared directly. Every
// launcher queues on `stream`, never synchronises, and returns the launch status.
#include <cuda_fp16.h>

#include <algorithm>
#include <cfloat>

#include "core/cuda_check.hpp"
#include "nn/cuda/kernels.hpp"

namespace caldera::nn::cuda {
namespace {

constexpr int kThreads = 256;

unsigned blocks_for(size_t work) {
  const size_t b = (work + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::min<size_t>(std::max<size_t>(b, 1), 1u << 20));
}

#define GRID_STRIDE(i, count) \
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < (count); i += size_t{gridDim.x} * blockDim.x)

struct Coord {
  int n, y, x, c;
};

__device__ __forceinline__ Coord nhwc_coord(size_t i, Nhwc d) {
  Coord k;
  k.c = static_cast<int>(i % d.c);
  size_t p = i / d.c;
  k.x = static_cast<int>(p % d.w);
  p /= d.w;
  k.y = static_cast<int>(p % d.h);
  k.n = static_cast<int>(p / d.h);
  return k;
}

__device__ __forceinline__ size_t nhwc_index(Nhwc d, int n, int y, int x, int c) {
  return ((static_cast<size_t>(n) * d.h + y) * d.w + x) * d.c + c;
}

struct Act {
  ir::ActivationKind kind;
  float alpha, beta;
};

__device__ __forceinline__ float activate(float x, Act a) {
  switch (a.kind) {
    case ir::ActivationKind::None: return x;
    case ir::ActivationKind::Relu: return x < 0.f ? 0.f : x;
    case ir::ActivationKind::LeakyRelu: return x < 0.f ? x * a.alpha : x;
    case ir::ActivationKind::Clip: return fminf(fmaxf(x, a.alpha), a.beta);
    case ir::ActivationKind::Sigmoid: return 1.f / (1.f + expf(-x));
    case ir::ActivationKind::Tanh: return tanhf(x);
    case ir::ActivationKind::HardSigmoid: return fminf(fmaxf(a.alpha * x + a.beta, 0.f), 1.f);
    case ir::ActivationKind::HardSwish: return x * fminf(fmaxf(a.alpha * x + a.beta, 0.f), 1.f);
  }
  return x;
}

// ---- data movement ----------------------------------------------------------------------------

__global__ void slice_kernel(const __half* in, Nhwc id, __half* out, Nhwc od, int c0, int y0, int x0) {
  GRID_STRIDE(i, od.count()) {
    const Coord k = nhwc_coord(i, od);
    out[i] = in[nhwc_index(id, k.n, y0 + k.y, x0 + k.x, c0 + k.c)];
  }
}

// Source index along an axis of `size` for output index o with `before` padding; -1: the value.
__device__ __forceinline__ int pad_source(int o, int before, int size, ir::PadMode mode) {
  int i = o - before;
  if (i >= 0 && i < size) return i;
  if (mode == ir::PadMode::Constant) return -1;
  if (mode == ir::PadMode::Edge) return min(max(i, 0), size - 1);
  if (i < 0) i = -i;  // reflect without repeating the edge (pad < size: one bounce)
  if (i >= size) i = 2 * (size - 1) - i;
  return i;
}

__global__ void pad_kernel(const __half* in, Nhwc id, __half* out, Nhwc od, int top, int left, ir::PadMode mode,
                           float value) {
  GRID_STRIDE(i, od.count()) {
    const Coord k = nhwc_coord(i, od);
    const int sy = pad_source(k.y, top, id.h, mode), sx = pad_source(k.x, left, id.w, mode);
    out[i] = sy < 0 || sx < 0 ? __float2half_rn(value) : in[nhwc_index(id, k.n, sy, sx, k.c)];
  }
}

__global__ void space_to_depth_kernel(const __half* in, Nhwc id, __half* out, Nhwc od, int block, int mode) {
  GRID_STRIDE(i, od.count()) {
    const Coord k = nhwc_coord(i, od);
    const int bb = block * block;
    const int c = mode == 0 ? k.c / bb : k.c % id.c;
    const int off = mode == 0 ? k.c % bb : k.c / id.c;
    out[i] = in[nhwc_index(id, k.n, k.y * block + off / block, k.x * block + off % block, c)];
  }
}

// Output element -> its NCHW row-major position -> the input element at that position.
__global__ void reshape_kernel(const __half* in, Nhwc id, __half* out, Nhwc od) {
  GRID_STRIDE(i, od.count()) {
    const Coord k = nhwc_coord(i, od);
    size_t linear = ((static_cast<size_t>(k.n) * od.c + k.c) * od.h + k.y) * od.w + k.x;
    const int x = static_cast<int>(linear % id.w);
    linear /= id.w;
    const int y = static_cast<int>(linear % id.h);
    linear /= id.h;
    const int c = static_cast<int>(linear % id.c);
    const int n = static_cast<int>(linear / id.c);
    out[i] = in[nhwc_index(id, n, y, x, c)];
  }
}

struct Perm {
  int p[4];
};

__global__ void transpose_kernel(const __half* in, Nhwc id, __half* out, Nhwc od, Perm perm) {
  GRID_STRIDE(i, od.count()) {
    const Coord k = nhwc_coord(i, od);
    const int o[4] = {k.n, k.c, k.y, k.x};  // NCHW coordinates of the output
    int s[4];
    for (int d = 0; d < 4; ++d) s[perm.p[d]] = o[d];
    out[i] = in[nhwc_index(id, s[0], s[2], s[3], s[1])];
  }
}

// ---- reductions -------------------------------------------------------------------------------

// One block per output element: its threads stride over the reduced elements (channels fastest,
// so neighbouring threads read neighbouring memory), then a shared-memory tree.
__global__ void reduce_kernel(const __half* in, Nhwc id, __half* out, Nhwc od, ir::ReduceKind kind, bool rc, bool rh,
                              bool rw) {
  __shared__ float partial[kThreads];
  const int ec = rc ? id.c : 1, eh = rh ? id.h : 1, ew = rw ? id.w : 1;
  const size_t extent = static_cast<size_t>(ec) * eh * ew;
  const float init = kind == ir::ReduceKind::Max ? -FLT_MAX : kind == ir::ReduceKind::Min ? FLT_MAX : 0.f;
  for (size_t o = blockIdx.x; o < od.count(); o += gridDim.x) {
    const Coord k = nhwc_coord(o, od);
    float acc = init;
    for (size_t j = threadIdx.x; j < extent; j += blockDim.x) {
      const int dc = static_cast<int>(j % ec);
      const size_t t = j / ec;
      const int dx = static_cast<int>(t % ew), dy = static_cast<int>(t / ew);
      const float v = __half2float(in[nhwc_index(id, k.n, rh ? dy : k.y, rw ? dx : k.x, rc ? dc : k.c)]);
      acc = kind == ir::ReduceKind::Max ? fmaxf(acc, v) : kind == ir::ReduceKind::Min ? fminf(acc, v) : acc + v;
    }
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int step = blockDim.x / 2; step > 0; step /= 2) {
      if (static_cast<int>(threadIdx.x) < step) {
        const float a = partial[threadIdx.x], b = partial[threadIdx.x + step];
        partial[threadIdx.x] = kind == ir::ReduceKind::Max ? fmaxf(a, b) : kind == ir::ReduceKind::Min ? fminf(a, b) : a + b;
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      const float r = partial[0];
      out[o] = __float2half_rn(kind == ir::ReduceKind::Mean ? r / static_cast<float>(extent) : r);
    }
    __syncthreads();  // partial[] is reused by the next output element
  }
}

struct PoolParams {
  ir::PoolKind kind;
  int kh, kw, sh, sw, pt, pl, pb, pr;
  bool include_pad;
};

__global__ void pool_kernel(const __half* in, Nhwc id, __half* out, Nhwc od, PoolParams p) {
  GRID_STRIDE(i, od.count()) {
    const Coord k = nhwc_coord(i, od);
    const int y0 = k.y * p.sh - p.pt, y1 = y0 + p.kh, x0 = k.x * p.sw - p.pl, x1 = x0 + p.kw;
    const int ya = max(y0, 0), yb = min(y1, id.h), xa = max(x0, 0), xb = min(x1, id.w);
    float acc = p.kind == ir::PoolKind::Max ? -INFINITY : 0.f;
    for (int y = ya; y < yb; ++y)
      for (int x = xa; x < xb; ++x) {
        const float v = __half2float(in[nhwc_index(id, k.n, y, x, k.c)]);
        acc = p.kind == ir::PoolKind::Max ? fmaxf(acc, v) : acc + v;
      }
    if (p.kind == ir::PoolKind::Average) {
      const float area = p.include_pad ? static_cast<float>((min(y1, id.h + p.pb) - y0) * (min(x1, id.w + p.pr) - x0))
                                       : static_cast<float>((yb - ya) * (xb - xa));
      acc /= area;
    }
    out[i] = __float2half_rn(acc);
  }
}

// Block-wide sum of one value per thread (every thread gets the result).
__device__ float block_sum(float v, float* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int step = blockDim.x / 2; step > 0; step /= 2) {
    if (static_cast<int>(threadIdx.x) < step) shared[threadIdx.x] += shared[threadIdx.x + step];
    __syncthreads();
  }
  const float r = shared[0];
  __syncthreads();
  return r;
}

// One block per (n, c) plane: the mean, then the variance around it (two passes, as the CPU
// reference accumulates them), then the normalised values.
__global__ void instance_norm_kernel(const __half* in, __half* out, Nhwc d, const float* scale, const float* bias,
                                     float eps) {
  __shared__ float shared[kThreads];
  const size_t plane = static_cast<size_t>(d.h) * d.w;
  for (size_t task = blockIdx.x; task < static_cast<size_t>(d.n) * d.c; task += gridDim.x) {
    const int n = static_cast<int>(task / d.c), c = static_cast<int>(task % d.c);
    const size_t base = static_cast<size_t>(n) * plane * d.c + c;
    float s = 0.f;
    for (size_t p = threadIdx.x; p < plane; p += blockDim.x) s += __half2float(in[base + p * d.c]);
    const float mean = block_sum(s, shared) / static_cast<float>(plane);
    float q = 0.f;
    for (size_t p = threadIdx.x; p < plane; p += blockDim.x) {
      const float v = __half2float(in[base + p * d.c]) - mean;
      q += v * v;
    }
    const float var = block_sum(q, shared) / static_cast<float>(plane);
    const float k = scale[c] * rsqrtf(var + eps);
    for (size_t p = threadIdx.x; p < plane; p += blockDim.x)
      out[base + p * d.c] = __float2half_rn((__half2float(in[base + p * d.c]) - mean) * k + bias[c]);
  }
}

// One warp per output element (n, pixel, m): a dot product of the pixel's channels with row m.
__global__ void gemm_kernel(const __half* in, int in_features, __half* out, size_t pixels, int out_features,
                            const float* w, const float* bias, Act act) {
  const int lane = threadIdx.x % 32;
  const size_t warps = static_cast<size_t>(gridDim.x) * (blockDim.x / 32);
  const size_t total = pixels * out_features;
  for (size_t o = blockIdx.x * size_t{blockDim.x / 32} + threadIdx.x / 32; o < total; o += warps) {
    const size_t p = o / out_features;
    const int m = static_cast<int>(o % out_features);
    const __half* x = in + p * in_features;
    const float* row = w + static_cast<size_t>(m) * in_features;
    float acc = 0.f;
    for (int k = lane; k < in_features; k += 32) acc += row[k] * __half2float(x[k]);
    for (int off = 16; off > 0; off /= 2) acc += __shfl_down_sync(0xffffffffu, acc, off);
    if (lane == 0) out[o] = __float2half_rn(activate(acc + (bias ? bias[m] : 0.f), act));
  }
}

const __half* h(const half_t* p) { return reinterpret_cast<const __half*>(p); }
__half* h(half_t* p) { return reinterpret_cast<__half*>(p); }

}  // namespace

Status slice(const half_t* in, Nhwc id, half_t* out, Nhwc od, int c0, int y0, int x0, cudaStream_t stream) {
  slice_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(h(in), id, h(out), od, c0, y0, x0);
  return check_launch("slice_kernel");
}

Status pad(const half_t* in, Nhwc id, half_t* out, Nhwc od, const ir::PadAttrs& a, cudaStream_t stream) {
  pad_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(h(in), id, h(out), od, a.top, a.left, a.mode, a.value);
  return check_launch("pad_kernel");
}

Status space_to_depth(const half_t* in, Nhwc id, half_t* out, Nhwc od, int block, int mode, cudaStream_t stream) {
  space_to_depth_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(h(in), id, h(out), od, block, mode);
  return check_launch("space_to_depth_kernel");
}

Status reshape(const half_t* in, Nhwc id, half_t* out, Nhwc od, cudaStream_t stream) {
  if (id.count() != od.count()) return internal_error("reshape: element counts differ");
  reshape_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(h(in), id, h(out), od);
  return check_launch("reshape_kernel");
}

Status transpose(const half_t* in, Nhwc id, half_t* out, Nhwc od, const int perm[4], cudaStream_t stream) {
  const Perm p{{perm[0], perm[1], perm[2], perm[3]}};
  transpose_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(h(in), id, h(out), od, p);
  return check_launch("transpose_kernel");
}

Status reduce(const half_t* in, Nhwc id, half_t* out, Nhwc od, const ir::ReduceAttrs& a, cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>(std::min<size_t>(std::max<size_t>(od.count(), 1), 1u << 20));
  reduce_kernel<<<blocks, kThreads, 0, stream>>>(h(in), id, h(out), od, a.kind, a.channels, a.rows, a.columns);
  return check_launch("reduce_kernel");
}

Status pool2d(const half_t* in, Nhwc id, half_t* out, Nhwc od, const ir::Pool2dAttrs& a, cudaStream_t stream) {
  const PoolParams p{a.kind, a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.pad_top, a.pad_left, a.pad_bottom,
                     a.pad_right, a.count_include_pad};
  pool_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(h(in), id, h(out), od, p);
  return check_launch("pool_kernel");
}

Status instance_norm(const half_t* in, half_t* out, Nhwc d, const float* scale, const float* bias, float eps,
                     cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>(std::min<size_t>(static_cast<size_t>(d.n) * d.c, 1u << 20));
  instance_norm_kernel<<<std::max(blocks, 1u), kThreads, 0, stream>>>(h(in), h(out), d, scale, bias, eps);
  return check_launch("instance_norm_kernel");
}

Status gemm(const half_t* in, Nhwc id, half_t* out, Nhwc od, const float* w, const float* bias,
            const ir::ActivationAttrs& act, cudaStream_t stream) {
  const size_t warps = od.count();  // one per output element
  const size_t blocks = std::min<size_t>(std::max<size_t>((warps + kThreads / 32 - 1) / (kThreads / 32), 1), 1u << 20);
  gemm_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(h(in), id.c, h(out), od.pixels(), od.c, w, bias,
                                                                       Act{act.kind, act.alpha, act.beta});
  return check_launch("gemm_kernel");
}

}  // namespace caldera::nn::cuda
