#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>

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

__device__ __forceinline__ float apply_binary(float x, float y, ir::BinaryKind k) {
  switch (k) {
    case ir::BinaryKind::Add: return x + y;
    case ir::BinaryKind::Sub: return x - y;
    case ir::BinaryKind::Mul: return x * y;
    case ir::BinaryKind::Div: return x / y;
    case ir::BinaryKind::Max: return fmaxf(x, y);
    case ir::BinaryKind::Min: return fminf(x, y);
  }
  return 0.f;
}

// ---- layout conversion at the graph's edges -------------------------------------------------

__global__ void planar_to_nhwc_kernel(Planar src, __half* dst, Nhwc d) {
  GRID_STRIDE(i, d.count()) {
    const int c = static_cast<int>(i % d.c);
    size_t p = i / d.c;
    const int x = static_cast<int>(p % d.w);
    p /= d.w;
    const int y = static_cast<int>(p % d.h);
    const int n = static_cast<int>(p / d.h);
    const char* row = static_cast<const char*>(src.base) + n * src.batch_stride + c * src.channel_stride + y * src.row_stride;
    dst[i] = src.f16 ? reinterpret_cast<const __half*>(row)[x] : __float2half_rn(reinterpret_cast<const float*>(row)[x]);
  }
}

// One thread per output element in planar order, so the planar stores are coalesced.
__global__ void nhwc_to_planar_kernel(const __half* src, Nhwc d, Planar dst) {
  GRID_STRIDE(i, d.count()) {
    const int x = static_cast<int>(i % d.w);
    size_t p = i / d.w;
    const int y = static_cast<int>(p % d.h);
    p /= d.h;
    const int c = static_cast<int>(p % d.c);
    const int n = static_cast<int>(p / d.c);
    const __half v = src[((static_cast<size_t>(n) * d.h + y) * d.w + x) * d.c + c];
    char* row = static_cast<char*>(dst.base) + n * dst.batch_stride + c * dst.channel_stride + y * dst.row_stride;
    if (dst.f16) reinterpret_cast<__half*>(row)[x] = v;
    else reinterpret_cast<float*>(row)[x] = __half2float(v);
  }
}

// ---- convolution epilogue and activations ------------------------------------------------------

// Eight channels per thread (16-byte loads and stores) where C is a multiple of 8.
__global__ void bias_act_vec8_kernel(const __half* in, __half* out, size_t groups, int c, const float* bias, Act act,
                                     const float* slopes, int slope_count, const __half* residual, bool residual_first) {
  GRID_STRIDE(g, groups) {
    const size_t base = g * 8;
    const int c0 = static_cast<int>(base % c);
    uint4 raw = reinterpret_cast<const uint4*>(in)[g];
    uint4 rres = residual ? reinterpret_cast<const uint4*>(residual)[g] : make_uint4(0, 0, 0, 0);
    __half2* h = reinterpret_cast<__half2*>(&raw);
    const __half2* hr = reinterpret_cast<const __half2*>(&rres);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      float2 v = __half22float2(h[k]);
      const float2 r = __half22float2(hr[k]);
      const int ca = c0 + 2 * k, cb = ca + 1;
      if (bias) {
        v.x += bias[ca];
        v.y += bias[cb];
      }
      if (residual && residual_first) {
        v.x += r.x;
        v.y += r.y;
      }
      v.x = activate(v.x, act);
      v.y = activate(v.y, act);
      if (residual && !residual_first) {
        v.x += r.x;
        v.y += r.y;
      }
      if (slopes) {
        const float sa = slopes[slope_count == 1 ? 0 : ca], sb = slopes[slope_count == 1 ? 0 : cb];
        v.x = v.x < 0.f ? v.x * sa : v.x;
        v.y = v.y < 0.f ? v.y * sb : v.y;
      }
      h[k] = __floats2half2_rn(v.x, v.y);
    }
    reinterpret_cast<uint4*>(out)[g] = raw;
  }
}

__global__ void bias_act_kernel(const __half* in, __half* out, size_t count, int c, const float* bias, Act act,
                                const float* slopes, int slope_count, const __half* residual, bool residual_first) {
  GRID_STRIDE(i, count) {
    const int ch = static_cast<int>(i % c);
    float v = __half2float(in[i]);
    if (bias) v += bias[ch];
    if (residual && residual_first) v += __half2float(residual[i]);
    v = activate(v, act);
    if (residual && !residual_first) v += __half2float(residual[i]);
    if (slopes) {
      const float s = slopes[slope_count == 1 ? 0 : ch];
      v = v < 0.f ? v * s : v;
    }
    out[i] = __float2half_rn(v);
  }
}

Status launch_bias_act(const half_t* in, half_t* out, Nhwc d, const float* bias, const ir::ActivationAttrs& a,
                       const float* slopes, int slope_count, const half_t* residual, bool residual_first,
                       cudaStream_t stream) {
  const Act act{a.kind, a.alpha, a.beta};
  const auto* src = reinterpret_cast<const __half*>(in);
  auto* dst = reinterpret_cast<__half*>(out);
  const auto* res = reinterpret_cast<const __half*>(residual);
  if (d.c % 8 == 0) {
    const size_t groups = d.count() / 8;
    bias_act_vec8_kernel<<<blocks_for(groups), kThreads, 0, stream>>>(src, dst, groups, d.c, bias, act, slopes, slope_count,
                                                                      res, residual_first);
    return check_launch("bias_act_vec8_kernel");
  }
  bias_act_kernel<<<blocks_for(d.count()), kThreads, 0, stream>>>(src, dst, d.count(), d.c, bias, act, slopes, slope_count,
                                                                  res, residual_first);
  return check_launch("bias_act_kernel");
}

// ---- binary and eltwise -------------------------------------------------------------------------

struct Strides {
  long long n, h, w, c;  // elements; 0 where broadcast
};

Strides broadcast_strides(Nhwc d, Nhwc o) {
  return {d.n == 1 && o.n != 1 ? 0 : static_cast<long long>(d.h) * d.w * d.c,
          d.h == 1 && o.h != 1 ? 0 : static_cast<long long>(d.w) * d.c, d.w == 1 && o.w != 1 ? 0 : d.c,
          d.c == 1 && o.c != 1 ? 0 : 1};
}

__global__ void binary_same_kernel(const __half* a, const __half* b, __half* out, size_t count, ir::BinaryKind k) {
  GRID_STRIDE(i, count) out[i] = __float2half_rn(apply_binary(__half2float(a[i]), __half2float(b[i]), k));
}

__global__ void binary_same_vec8_kernel(const uint4* a, const uint4* b, uint4* out, size_t groups, ir::BinaryKind k) {
  GRID_STRIDE(g, groups) {
    uint4 ra = a[g], rb = b[g];
    __half2* ha = reinterpret_cast<__half2*>(&ra);
    const __half2* hb = reinterpret_cast<const __half2*>(&rb);
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const float2 x = __half22float2(ha[j]), y = __half22float2(hb[j]);
      ha[j] = __floats2half2_rn(apply_binary(x.x, y.x, k), apply_binary(x.y, y.y, k));
    }
    out[g] = ra;
  }
}

__global__ void binary_broadcast_kernel(const __half* a, Strides as, const __half* b, Strides bs, __half* out, Nhwc o,
                                        ir::BinaryKind k) {
  GRID_STRIDE(i, o.count()) {
    const int c = static_cast<int>(i % o.c);
    size_t p = i / o.c;
    const int x = static_cast<int>(p % o.w);
    p /= o.w;
    const int y = static_cast<int>(p % o.h);
    const int n = static_cast<int>(p / o.h);
    const float va = __half2float(a[n * as.n + y * as.h + x * as.w + c * as.c]);
    const float vb = __half2float(b[n * bs.n + y * bs.h + x * bs.w + c * bs.c]);
    out[i] = __float2half_rn(apply_binary(va, vb, k));
  }
}

__global__ void binary_scalar_kernel(const __half* x, __half* out, size_t count, ir::BinaryKind k, float s) {
  GRID_STRIDE(i, count) out[i] = __float2half_rn(apply_binary(__half2float(x[i]), s, k));
}

struct EltwiseArgs {
  const __half* in[kMaxEltwiseInputs];
  float coeff[kMaxEltwiseInputs];
  int inputs;
};

__global__ void eltwise_kernel(EltwiseArgs args, __half* out, size_t count, ir::EltwiseKind kind) {
  GRID_STRIDE(i, count) {
    float acc = kind == ir::EltwiseKind::Sum ? 0.f : __half2float(args.in[0][i]);
    for (int j = kind == ir::EltwiseKind::Sum ? 0 : 1; j < args.inputs; ++j) {
      const float v = __half2float(args.in[j][i]);
      if (kind == ir::EltwiseKind::Sum) acc += args.coeff[j] * v;
      else if (kind == ir::EltwiseKind::Prod) acc *= v;
      else acc = fmaxf(acc, v);
    }
    out[i] = __float2half_rn(acc);
  }
}

// ---- data movement --------------------------------------------------------------------------------

template <class T>  // T: uint4 (8 halves) or __half
__global__ void concat_kernel(const T* in, size_t pixels, int cin, T* out, int cout, int offset) {
  GRID_STRIDE(i, pixels * cin) {
    const size_t p = i / cin;
    const int c = static_cast<int>(i % cin);
    out[p * cout + offset + c] = in[i];
  }
}

__global__ void pixel_shuffle_kernel(const __half* in, Nhwc id, __half* out, Nhwc od, int f, int mode) {
  GRID_STRIDE(i, od.count()) {
    const int c = static_cast<int>(i % od.c);
    size_t p = i / od.c;
    const int ox = static_cast<int>(p % od.w);
    p /= od.w;
    const int oy = static_cast<int>(p % od.h);
    const int n = static_cast<int>(p / od.h);
    const int sy = oy % f, sx = ox % f;
    const int ic = mode == 0 ? c * f * f + sy * f + sx : (sy * f + sx) * od.c + c;
    out[i] = in[((static_cast<size_t>(n) * id.h + oy / f) * id.w + ox / f) * id.c + ic];
  }
}

struct Taps {
  int index[4];
  float weight[4];
  int count;
};

struct ResizeParams {
  ir::ResizeMode mode;
  ir::ResizeCoord coord;
  bool scale_coords;
  float cubic_a;
};

// The CPU reference's resize_source_coord, the same float / double expressions.
__device__ float source_coord(int o, int in, int out, const ResizeParams& p, float scale) {
  const float x = static_cast<float>(o);
  switch (p.coord) {
    case ir::ResizeCoord::AlignCorners:
      return out == 1 ? 0.f : x * static_cast<float>(in - 1) / static_cast<float>(out - 1);
    case ir::ResizeCoord::Asymmetric:
      return p.scale_coords ? x / scale : x * static_cast<float>(in) / static_cast<float>(out);
    case ir::ResizeCoord::PytorchHalfPixel:
      if (out == 1) return 0.f;
      [[fallthrough]];
    case ir::ResizeCoord::HalfPixel:
      if (p.scale_coords) return (x + 0.5f) / scale - 0.5f;
      return static_cast<float>((o + 0.5) * (static_cast<double>(in) / out) - 0.5);
  }
  return 0.f;
}

// The same arithmetic as the CPU reference's resize_taps, per coordinate.
__device__ Taps resize_taps(int o, int in, int out, const ResizeParams& p, float scale, bool by_scale) {
  Taps t{};
  if (p.mode == ir::ResizeMode::Nearest) {
    const float step = by_scale ? 1.f / scale : static_cast<float>(in) / static_cast<float>(out);
    t.count = 1;
    t.index[0] = min(static_cast<int>(static_cast<float>(o) * step), in - 1);
    t.weight[0] = 1.f;
    return t;
  }
  const float fpos = source_coord(o, in, out, p, scale);
  const int s = static_cast<int>(floorf(fpos));
  const float frac = fpos - static_cast<float>(s);
  const auto clampi = [in](int i) { return min(max(i, 0), in - 1); };
  if (p.mode == ir::ResizeMode::Bilinear) {
    t.count = 2;
    t.index[0] = clampi(s);
    t.index[1] = clampi(s + 1);
    t.weight[0] = 1.f - frac;
    t.weight[1] = frac;
    return t;
  }
  const float A = p.cubic_a;
  const float x0 = frac + 1.f, x1 = frac, x2 = 1.f - frac;
  t.count = 4;
  t.weight[0] = ((A * x0 - 5.f * A) * x0 + 8.f * A) * x0 - 4.f * A;
  t.weight[1] = ((A + 2.f) * x1 - (A + 3.f)) * x1 * x1 + 1.f;
  t.weight[2] = ((A + 2.f) * x2 - (A + 3.f)) * x2 * x2 + 1.f;
  t.weight[3] = 1.f - t.weight[0] - t.weight[1] - t.weight[2];
  for (int k = 0; k < 4; ++k) t.index[k] = clampi(s - 1 + k);
  return t;
}

__global__ void resize_kernel(const __half* in, Nhwc id, __half* out, Nhwc od, ResizeParams p, float scale_h,
                              float scale_w, bool by_scale) {
  GRID_STRIDE(i, od.count()) {
    const int c = static_cast<int>(i % od.c);
    size_t q = i / od.c;
    const int ox = static_cast<int>(q % od.w);
    q /= od.w;
    const int oy = static_cast<int>(q % od.h);
    const int n = static_cast<int>(q / od.h);
    const Taps ty = resize_taps(oy, id.h, od.h, p, scale_h, by_scale);
    const Taps tx = resize_taps(ox, id.w, od.w, p, scale_w, by_scale);
    const __half* plane = in + static_cast<size_t>(n) * id.h * id.w * id.c + c;
    float acc = 0.f;
    for (int ky = 0; ky < ty.count; ++ky) {
      const __half* row = plane + static_cast<size_t>(ty.index[ky]) * id.w * id.c;
      float h = 0.f;
      for (int kx = 0; kx < tx.count; ++kx) h += tx.weight[kx] * __half2float(row[static_cast<size_t>(tx.index[kx]) * id.c]);
      acc += ty.weight[ky] * h;
    }
    out[i] = __float2half_rn(acc);
  }
}

}  // namespace

Status planar_to_nhwc(Planar src, half_t* dst, Nhwc d, cudaStream_t stream) {
  planar_to_nhwc_kernel<<<blocks_for(d.count()), kThreads, 0, stream>>>(src, reinterpret_cast<__half*>(dst), d);
  return check_launch("planar_to_nhwc_kernel");
}

Status nhwc_to_planar(const half_t* src, Nhwc d, Planar dst, cudaStream_t stream) {
  nhwc_to_planar_kernel<<<blocks_for(d.count()), kThreads, 0, stream>>>(reinterpret_cast<const __half*>(src), d, dst);
  return check_launch("nhwc_to_planar_kernel");
}

Status bias_activation(half_t* y, Nhwc d, const float* bias, const ir::ActivationAttrs& act, const float* slopes,
                       int slope_count, const half_t* residual, bool residual_first, cudaStream_t stream) {
  return launch_bias_act(y, y, d, bias, act, slopes, slope_count, residual, residual_first, stream);
}

Status activation(const half_t* in, half_t* out, Nhwc d, const ir::ActivationAttrs& act, const float* slopes,
                  int slope_count, cudaStream_t stream) {
  return launch_bias_act(in, out, d, nullptr, act, slopes, slope_count, nullptr, false, stream);
}

Status binary(const half_t* a, Nhwc ad, const half_t* b, Nhwc bd, half_t* out, Nhwc od, ir::BinaryKind kind,
              cudaStream_t stream) {
  const auto* ha = reinterpret_cast<const __half*>(a);
  const auto* hb = reinterpret_cast<const __half*>(b);
  auto* ho = reinterpret_cast<__half*>(out);
  const bool same = ad.count() == od.count() && bd.count() == od.count();
  if (same && od.count() % 8 == 0) {
    const size_t groups = od.count() / 8;
    binary_same_vec8_kernel<<<blocks_for(groups), kThreads, 0, stream>>>(
        reinterpret_cast<const uint4*>(a), reinterpret_cast<const uint4*>(b), reinterpret_cast<uint4*>(out), groups, kind);
    return check_launch("binary_same_vec8_kernel");
  }
  if (same) {
    binary_same_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(ha, hb, ho, od.count(), kind);
    return check_launch("binary_same_kernel");
  }
  binary_broadcast_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(ha, broadcast_strides(ad, od), hb,
                                                                           broadcast_strides(bd, od), ho, od, kind);
  return check_launch("binary_broadcast_kernel");
}

Status binary_scalar(const half_t* x, half_t* out, Nhwc d, ir::BinaryKind kind, float scalar, cudaStream_t stream) {
  binary_scalar_kernel<<<blocks_for(d.count()), kThreads, 0, stream>>>(
      reinterpret_cast<const __half*>(x), reinterpret_cast<__half*>(out), d.count(), kind, scalar);
  return check_launch("binary_scalar_kernel");
}

Status eltwise(const half_t* const* in, int inputs, const float* coeffs, ir::EltwiseKind kind, half_t* out, Nhwc d,
               cudaStream_t stream) {
  if (inputs < 1 || inputs > kMaxEltwiseInputs)
    return unsupported("Eltwise with " + std::to_string(inputs) + " inputs (the CUDA runtime takes 1 to " +
                       std::to_string(kMaxEltwiseInputs) + ")");
  EltwiseArgs args{};
  args.inputs = inputs;
  for (int j = 0; j < inputs; ++j) {
    args.in[j] = reinterpret_cast<const __half*>(in[j]);
    args.coeff[j] = coeffs ? coeffs[j] : 1.f;
  }
  eltwise_kernel<<<blocks_for(d.count()), kThreads, 0, stream>>>(args, reinterpret_cast<__half*>(out), d.count(), kind);
  return check_launch("eltwise_kernel");
}

Status concat_slice(const half_t* in, Nhwc d, half_t* out, int out_channels, int channel_offset, cudaStream_t stream) {
  const size_t pixels = d.pixels();
  if (d.c % 8 == 0 && out_channels % 8 == 0 && channel_offset % 8 == 0) {
    concat_kernel<uint4><<<blocks_for(pixels * (d.c / 8)), kThreads, 0, stream>>>(
        reinterpret_cast<const uint4*>(in), pixels, d.c / 8, reinterpret_cast<uint4*>(out), out_channels / 8,
        channel_offset / 8);
    return check_launch("concat_kernel<uint4>");
  }
  concat_kernel<__half><<<blocks_for(pixels * d.c), kThreads, 0, stream>>>(
      reinterpret_cast<const __half*>(in), pixels, d.c, reinterpret_cast<__half*>(out), out_channels, channel_offset);
  return check_launch("concat_kernel<half>");
}

Status pixel_shuffle(const half_t* in, Nhwc id, half_t* out, Nhwc od, int factor, int mode, cudaStream_t stream) {
  pixel_shuffle_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(reinterpret_cast<const __half*>(in), id,
                                                                         reinterpret_cast<__half*>(out), od, factor, mode);
  return check_launch("pixel_shuffle_kernel");
}

Status resize(const half_t* in, Nhwc id, half_t* out, Nhwc od, const ir::ResizeAttrs& a, cudaStream_t stream) {
  const bool by_scale = a.out_h <= 0 || a.out_w <= 0;
  const ResizeParams p{a.mode, a.coord, a.scale_coords, a.cubic_a};
  resize_kernel<<<blocks_for(od.count()), kThreads, 0, stream>>>(reinterpret_cast<const __half*>(in), id,
                                                                  reinterpret_cast<__half*>(out), od, p, a.scale_h,
                                                                  a.scale_w, by_scale);
  return check_launch("resize_kernel");
}

}  // namespace caldera::nn::cuda
