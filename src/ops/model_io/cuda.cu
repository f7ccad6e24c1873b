// The fused model-input and model-output kernels. Input: one thread per output pixel gathers
// its filter taps straight from the YUV/RGB source, converts each tap to RGB in float, filters,
// normalises and writes three planes, so no intermediate image ever reaches device memory.
// Output: one thread per 2x2 block (so 4:2:0 chroma is made from the pixels it covers).
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "caldera/ops/model_io.hpp"
#include "core/cuda_check.hpp"
#include "ops/model_io/model_io_common.hpp"

namespace caldera {
namespace {

using model_io::YuvCoeffs;

enum SrcKind : int { kSemiPlanar8 = 0, kPlanar8 = 1, kSemiPlanar16 = 2, kPacked8 = 3, kPacked16 = 4 };

struct Planes {
  const uint8_t* p[3];
  size_t pitch[3];
};

struct SrcInfo {
  Planes planes;
  int w, h, cw, ch;
  int channels;          // packed RGB: samples per pixel
  int r, g, b;           // packed RGB: channel indices
  int u, v;              // semi-planar: channel of U and V
  int msb_shift;         // P010: 6
  float inv_max;         // packed RGB: 1 / max code
  float chroma_x0, chroma_y0;  // luma position of chroma sample 0 (siting)
  bool linear_chroma;
  YuvCoeffs k;
};

template <int Kind>
__device__ __forceinline__ float code_at(const SrcInfo& s, int plane, int x, int y, int c, int ch) {
  const uint8_t* row = s.planes.p[plane] + s.planes.pitch[plane] * y;
  if constexpr (Kind == kSemiPlanar16 || Kind == kPacked16) {
    const uint16_t v = __ldg(reinterpret_cast<const uint16_t*>(row) + x * ch + c);
    return static_cast<float>(v >> s.msb_shift);
  } else {
    return static_cast<float>(__ldg(row + x * ch + c));
  }
}

template <int Kind>
__device__ __forceinline__ float2 chroma_codes(const SrcInfo& s, int i, int j) {
  if constexpr (Kind == kPlanar8) return make_float2(code_at<Kind>(s, 1, i, j, 0, 1), code_at<Kind>(s, 2, i, j, 0, 1));
  return make_float2(code_at<Kind>(s, 1, i, j, s.u, 2), code_at<Kind>(s, 1, i, j, s.v, 2));
}

template <int Kind>
__device__ float3 rgb_at(const SrcInfo& s, int x, int y) {
  if constexpr (Kind == kPacked8 || Kind == kPacked16) {
    return make_float3(code_at<Kind>(s, 0, x, y, s.r, s.channels) * s.inv_max,
                       code_at<Kind>(s, 0, x, y, s.g, s.channels) * s.inv_max,
                       code_at<Kind>(s, 0, x, y, s.b, s.channels) * s.inv_max);
  } else {
    float2 c;
    if (!s.linear_chroma) {
      c = chroma_codes<Kind>(s, x >> 1, y >> 1);
    } else {
      const float cx = (x - s.chroma_x0) * 0.5f, cy = (y - s.chroma_y0) * 0.5f;
      const float fx = floorf(cx), fy = floorf(cy);
      const float tx = cx - fx, ty = cy - fy;
      const int i0 = min(max(static_cast<int>(fx), 0), s.cw - 1), i1 = min(max(static_cast<int>(fx) + 1, 0), s.cw - 1);
      const int j0 = min(max(static_cast<int>(fy), 0), s.ch - 1), j1 = min(max(static_cast<int>(fy) + 1, 0), s.ch - 1);
      const float2 a = chroma_codes<Kind>(s, i0, j0), b = chroma_codes<Kind>(s, i1, j0);
      const float2 d = chroma_codes<Kind>(s, i0, j1), e = chroma_codes<Kind>(s, i1, j1);
      const float top_u = a.x + (b.x - a.x) * tx, top_v = a.y + (b.y - a.y) * tx;
      const float bot_u = d.x + (e.x - d.x) * tx, bot_v = d.y + (e.y - d.y) * tx;
      c = make_float2(top_u + (bot_u - top_u) * ty, top_v + (bot_v - top_v) * ty);
    }
    const YuvCoeffs& k = s.k;
    const float yv = (code_at<Kind>(s, 0, x, y, 0, 1) - k.y_off) * k.y_scale;
    const float cb = (c.x - k.c_off) * k.c_scale, cr = (c.y - k.c_off) * k.c_scale;
    return make_float3(__saturatef(yv + k.rv * cr), __saturatef(yv + k.gu * cb + k.gv * cr), __saturatef(yv + k.bu * cb));
  }
}

__device__ __forceinline__ float cubic_w(float t, float a) {
  t = fabsf(t);
  if (t <= 1.f) return ((a + 2.f) * t - (a + 3.f)) * t * t + 1.f;
  if (t < 2.f) return ((a * t - 5.f * a) * t + 8.f * a) * t - 4.f * a;
  return 0.f;
}

struct InputParams {
  int dw, dh;
  float scale_x, scale_y;
  int interp;  // 0 nearest, 1 bilinear, 2 bicubic
  float cubic_a;
  float mean[3], inv_std[3];
  uint8_t* dst[3];
  size_t dst_pitch;
};

__device__ __forceinline__ int taps(int interp, float cubic_a, int o, float scale, int len, int* idx, float* w) {
  if (interp == 0) {
    idx[0] = min(static_cast<int>(floorf((o + 0.5f) * scale)), len - 1);
    w[0] = 1.f;
    return 1;
  }
  const float f = (o + 0.5f) * scale - 0.5f;
  const float fl = floorf(f);
  const int i0 = static_cast<int>(fl);
  const float t = f - fl;
  if (interp == 1) {
    idx[0] = min(max(i0, 0), len - 1);
    idx[1] = min(max(i0 + 1, 0), len - 1);
    w[0] = 1.f - t;
    w[1] = t;
    return 2;
  }
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    idx[k] = min(max(i0 - 1 + k, 0), len - 1);
    w[k] = cubic_w(t - (k - 1), cubic_a);
  }
  return 4;
}

template <int Kind, bool Half>
__global__ void model_input_kernel(SrcInfo s, InputParams p) {
  const int ox = blockIdx.x * blockDim.x + threadIdx.x;
  const int oy = blockIdx.y * blockDim.y + threadIdx.y;
  if (ox >= p.dw || oy >= p.dh) return;
  int xi[4], yi[4];
  float xw[4], yw[4];
  const int nx = taps(p.interp, p.cubic_a, ox, p.scale_x, s.w, xi, xw);
  const int ny = taps(p.interp, p.cubic_a, oy, p.scale_y, s.h, yi, yw);
  float3 acc = make_float3(0.f, 0.f, 0.f);
  for (int j = 0; j < ny; ++j) {
    float3 row = make_float3(0.f, 0.f, 0.f);
    for (int i = 0; i < nx; ++i) {
      const float3 v = rgb_at<Kind>(s, xi[i], yi[j]);
      row.x += xw[i] * v.x;
      row.y += xw[i] * v.y;
      row.z += xw[i] * v.z;
    }
    acc.x += yw[j] * row.x;
    acc.y += yw[j] * row.y;
    acc.z += yw[j] * row.z;
  }
  const float out[3] = {(acc.x - p.mean[0]) * p.inv_std[0], (acc.y - p.mean[1]) * p.inv_std[1],
                        (acc.z - p.mean[2]) * p.inv_std[2]};
#pragma unroll
  for (int c = 0; c < 3; ++c) {
    uint8_t* row = p.dst[c] + p.dst_pitch * oy;
    if constexpr (Half) reinterpret_cast<__half*>(row)[ox] = __float2half_rn(out[c]);
    else reinterpret_cast<float*>(row)[ox] = out[c];
  }
}

SrcInfo make_src_info(ConstImageView src, ChromaFilter chroma) {
  const FormatInfo& fi = format_info(src.format());
  SrcInfo s{};
  for (int i = 0; i < fi.num_planes; ++i) {
    s.planes.p[i] = src.plane(i).data;
    s.planes.pitch[i] = src.plane(i).pitch;
  }
  s.w = src.width();
  s.h = src.height();
  s.msb_shift = fi.msb_shift;
  if (fi.family == ColorFamily::Rgb) {
    s.channels = fi.planes[0].channels;
    s.r = fi.r_index;
    s.g = fi.g_index;
    s.b = fi.b_index;
    s.inv_max = 1.f / static_cast<float>(max_code(src.format()));
  } else {
    s.cw = plane_width(src.format(), 1, s.w);
    s.ch = plane_height(src.format(), 1, s.h);
    s.u = fi.u_channel;
    s.v = fi.v_channel;
    s.k = model_io::yuv_coeffs(src.color(), fi.bit_depth);
    s.linear_chroma = chroma == ChromaFilter::Linear;
    s.chroma_x0 = src.color().siting == ChromaSiting::Center ? 0.5f : 0.f;
    s.chroma_y0 = src.color().siting == ChromaSiting::TopLeft ? 0.f : 0.5f;
  }
  return s;
}

int src_kind(PixelFormat f) {
  switch (f) {
    case PixelFormat::NV12:
    case PixelFormat::NV21: return kSemiPlanar8;
    case PixelFormat::I420: return kPlanar8;
    case PixelFormat::P010: return kSemiPlanar16;
    case PixelFormat::RGB48: return kPacked16;
    default: return kPacked8;
  }
}

template <bool Half>
Status launch_input(int kind, const SrcInfo& s, const InputParams& p, cudaStream_t stream) {
  const dim3 block(32, 8);
  const dim3 grid((p.dw + 31) / 32, (p.dh + 7) / 8);
  switch (kind) {
    case kSemiPlanar8: model_input_kernel<kSemiPlanar8, Half><<<grid, block, 0, stream>>>(s, p); break;
    case kPlanar8: model_input_kernel<kPlanar8, Half><<<grid, block, 0, stream>>>(s, p); break;
    case kSemiPlanar16: model_input_kernel<kSemiPlanar16, Half><<<grid, block, 0, stream>>>(s, p); break;
    case kPacked8: model_input_kernel<kPacked8, Half><<<grid, block, 0, stream>>>(s, p); break;
    default: model_input_kernel<kPacked16, Half><<<grid, block, 0, stream>>>(s, p); break;
  }
  return check_launch("model_input_kernel");
}

// ---- output ---------------------------------------------------------------------------------

struct OutputParams {
  const uint8_t* src[3];
  size_t src_pitch;
  bool src_half;
  int w, h;
  float mean[3], std[3];
  uint8_t* dst[3];
  size_t dst_pitch[3];
  int channels, r, g, b, a;  // packed RGB destination
  int u, v;                  // semi-planar destination
  int msb_shift;
  float max_code;
  int chroma_mode;  // 0 box (nearest or centre siting), 1 left siting, 2 top-left siting
  YuvCoeffs k;
};

__device__ __forceinline__ float3 load_rgb(const OutputParams& p, int x, int y) {
  x = min(max(x, 0), p.w - 1);
  y = min(max(y, 0), p.h - 1);
  float v[3];
#pragma unroll
  for (int c = 0; c < 3; ++c) {
    const uint8_t* row = p.src[c] + p.src_pitch * y;
    const float raw = p.src_half ? __half2float(reinterpret_cast<const __half*>(row)[x]) : reinterpret_cast<const float*>(row)[x];
    v[c] = __saturatef(raw * p.std[c] + p.mean[c]);
  }
  return make_float3(v[0], v[1], v[2]);
}

__device__ __forceinline__ void store_code(const OutputParams& p, int plane, int x, int y, int c, int ch, float value) {
  const float code = fminf(fmaxf(floorf(value + 0.5f), 0.f), p.max_code);
  uint8_t* row = p.dst[plane] + p.dst_pitch[plane] * y;
  if (p.max_code > 255.f) reinterpret_cast<uint16_t*>(row)[x * ch + c] = static_cast<uint16_t>(static_cast<unsigned>(code) << p.msb_shift);
  else row[x * ch + c] = static_cast<uint8_t>(code);
}

__global__ void model_output_rgb_kernel(OutputParams p) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= p.w || y >= p.h) return;
  const float3 v = load_rgb(p, x, y);
  store_code(p, 0, x, y, p.r, p.channels, v.x * p.max_code);
  store_code(p, 0, x, y, p.g, p.channels, v.y * p.max_code);
  store_code(p, 0, x, y, p.b, p.channels, v.z * p.max_code);
  if (p.a >= 0) store_code(p, 0, x, y, p.a, p.channels, p.max_code);
}

__device__ __forceinline__ float2 cbcr_of(const OutputParams& p, int x, int y) {
  const float3 v = load_rgb(p, x, y);
  const float yv = p.k.kr * v.x + p.k.kg * v.y + p.k.kb * v.z;
  return make_float2((v.z - yv) / (2.f * (1.f - p.k.kb)), (v.x - yv) / (2.f * (1.f - p.k.kr)));
}

__global__ void model_output_yuv420_kernel(OutputParams p, int cw, int chh) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const int j = blockIdx.y * blockDim.y + threadIdx.y;
  if (i >= cw || j >= chh) return;
  const YuvCoeffs& k = p.k;
  float2 sum = make_float2(0.f, 0.f);
  float wsum = 0.f;
  // Luma of the (up to) four pixels of this block; their Cb/Cr feed the box filter.
#pragma unroll
  for (int dy = 0; dy < 2; ++dy)
#pragma unroll
    for (int dx = 0; dx < 2; ++dx) {
      const int x = 2 * i + dx, y = 2 * j + dy;
      const float3 v = load_rgb(p, x, y);
      const float yv = k.kr * v.x + k.kg * v.y + k.kb * v.z;
      if (x < p.w && y < p.h) store_code(p, 0, x, y, 0, 1, yv / k.y_scale + k.y_off);
      if (p.chroma_mode == 0) {
        sum.x += (v.z - yv) / (2.f * (1.f - k.kb));
        sum.y += (v.x - yv) / (2.f * (1.f - k.kr));
        wsum += 1.f;
      }
    }
  if (p.chroma_mode == 1) {  // left siting: [1 2 1] across x = 2i-1..2i+1, rows 2j and 2j+1
    for (int dy = 0; dy < 2; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const float wt = dx == 0 ? 2.f : 1.f;
        const float2 c = cbcr_of(p, 2 * i + dx, 2 * j + dy);
        sum.x += wt * c.x;
        sum.y += wt * c.y;
        wsum += wt;
      }
  } else if (p.chroma_mode == 2) {  // top-left siting: [1 2 1] x [1 2 1] around (2i, 2j)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const float wt = (dx == 0 ? 2.f : 1.f) * (dy == 0 ? 2.f : 1.f);
        const float2 c = cbcr_of(p, 2 * i + dx, 2 * j + dy);
        sum.x += wt * c.x;
        sum.y += wt * c.y;
        wsum += wt;
      }
  }
  const float cb = sum.x / wsum / k.c_scale + k.c_off, cr = sum.y / wsum / k.c_scale + k.c_off;
  if (p.dst[2]) {
    store_code(p, 1, i, j, 0, 1, cb);
    store_code(p, 2, i, j, 0, 1, cr);
  } else {
    store_code(p, 1, i, j, p.u, 2, cb);
    store_code(p, 1, i, j, p.v, 2, cr);
  }
}

}  // namespace

Status model_input_cuda(ConstImageView src, ImageView dst, const ModelInputParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_model_input(src.desc(), dst.desc(), params));
  if (!src.on_device() || !dst.on_device()) return invalid_argument("model_input_cuda: images must be in device memory");
  const SrcInfo s = make_src_info(src, params.chroma);
  InputParams p{};
  p.dw = dst.width();
  p.dh = dst.height();
  p.scale_x = static_cast<float>(src.width()) / dst.width();
  p.scale_y = static_cast<float>(src.height()) / dst.height();
  p.interp = params.interp == Interp::Nearest ? 0 : params.interp == Interp::Bilinear ? 1 : 2;
  p.cubic_a = params.cubic_a;
  for (int c = 0; c < 3; ++c) {
    p.mean[c] = params.norm.mean[c];
    p.inv_std[c] = 1.f / params.norm.std[c];
    p.dst[c] = dst.plane(c).data;
  }
  p.dst_pitch = dst.plane(0).pitch;
  if (dst.plane(1).pitch != p.dst_pitch || dst.plane(2).pitch != p.dst_pitch)
    return invalid_argument("model_input_cuda: dst planes must share one pitch");
  const int kind = src_kind(src.format());
  if (dst.format() == PixelFormat::RGBPlanarF16) return launch_input<true>(kind, s, p, stream);
  return launch_input<false>(kind, s, p, stream);
}

Status model_output_cuda(ConstImageView src, ImageView dst, const ModelOutputParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_model_output(src.desc(), dst.desc(), params));
  if (!src.on_device() || !dst.on_device()) return invalid_argument("model_output_cuda: images must be in device memory");
  if (src.plane(1).pitch != src.plane(0).pitch || src.plane(2).pitch != src.plane(0).pitch)
    return invalid_argument("model_output_cuda: src planes must share one pitch");
  const FormatInfo& fi = format_info(dst.format());
  OutputParams p{};
  for (int c = 0; c < 3; ++c) {
    p.src[c] = src.plane(c).data;
    p.mean[c] = params.norm.mean[c];
    p.std[c] = params.norm.std[c];
  }
  p.src_pitch = src.plane(0).pitch;
  p.src_half = src.format() == PixelFormat::RGBPlanarF16;
  p.w = dst.width();
  p.h = dst.height();
  for (int i = 0; i < fi.num_planes; ++i) {
    p.dst[i] = dst.plane(i).data;
    p.dst_pitch[i] = dst.plane(i).pitch;
  }
  p.msb_shift = fi.msb_shift;
  p.max_code = static_cast<float>(max_code(dst.format()));
  if (fi.family == ColorFamily::Rgb) {
    p.channels = fi.planes[0].channels;
    p.r = fi.r_index;
    p.g = fi.g_index;
    p.b = fi.b_index;
    p.a = fi.a_index;
    const dim3 block(32, 8), grid((p.w + 31) / 32, (p.h + 7) / 8);
    model_output_rgb_kernel<<<grid, block, 0, stream>>>(p);
    return check_launch("model_output_rgb_kernel");
  }
  p.u = fi.u_channel;
  p.v = fi.v_channel;
  p.k = model_io::yuv_coeffs(dst.color(), fi.bit_depth);
  const ChromaSiting siting = dst.color().siting;
  p.chroma_mode = (params.chroma == ChromaFilter::Nearest || siting == ChromaSiting::Center) ? 0
                  : siting == ChromaSiting::Left                                            ? 1
                                                                                            : 2;
  const int cw = plane_width(dst.format(), 1, p.w), chh = plane_height(dst.format(), 1, p.h);
  const dim3 block(32, 8), grid((cw + 31) / 32, (chh + 7) / 8);
  model_output_yuv420_kernel<<<grid, block, 0, stream>>>(p, cw, chh);
  return check_launch("model_output_yuv420_kernel");
}

}  // namespace caldera
