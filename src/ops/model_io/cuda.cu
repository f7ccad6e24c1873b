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

struct InputParams {
  int dw, dh;
  float scale_x, scale_y;
  int interp;  // 0 nearest, 1 bilinear, 2 bicubic
  float cubic_a;
  float mean[3], inv_std[3];
  uint8_t* dst[3];
  size_t dst_pitch;
};

__device__ __forceinline__ float cubic_w(float t, float a) {
  t = fabsf(t);
  if (t <= 1.f) return ((a + 2.f) * t - (a + 3.f)) * t * t + 1.f;
  if (t < 2.f) return ((a * t - 5.f * a) * t + 8.f * a) * t - 4.f * a;
  return 0.f;
}

enum InterpKind : int { kNearest = 0, kBilinear = 1, kBicubic = 2 };

// Taps of a filter centred at continuous coordinate f on `len` samples (edges clamped).
template <int Interp>
struct Taps {
  static constexpr int n = Interp == kNearest ? 1 : Interp == kBilinear ? 2 : 4;
  int idx[n];
  float w[n];
  __device__ __forceinline__ Taps(float f, int len, float a) {
    if constexpr (Interp == kNearest) {
      idx[0] = min(max(static_cast<int>(floorf(f + 0.5f)), 0), len - 1);
      w[0] = 1.f;
    } else {
      const float fl = floorf(f);
      const int i0 = static_cast<int>(fl);
      const float t = f - fl;
      if constexpr (Interp == kBilinear) {
        idx[0] = min(max(i0, 0), len - 1);
        idx[1] = min(max(i0 + 1, 0), len - 1);
        w[0] = 1.f - t;
        w[1] = t;
      } else {
#pragma unroll
        for (int k = 0; k < 4; ++k) {
          idx[k] = min(max(i0 - 1 + k, 0), len - 1);
          w[k] = cubic_w(t - (k - 1), a);
        }
      }
    }
  }
};

template <int Kind, int Interp, bool Half>
__global__ void model_input_kernel(SrcInfo s, InputParams p) {
  const int ox = blockIdx.x * blockDim.x + threadIdx.x;
  const int oy = blockIdx.y * blockDim.y + threadIdx.y;
  if (ox >= p.dw || oy >= p.dh) return;
  float fx = (ox + 0.5f) * p.scale_x - 0.5f, fy = (oy + 0.5f) * p.scale_y - 0.5f;
  if constexpr (Interp == kNearest) {
    fx = fminf(floorf((ox + 0.5f) * p.scale_x), s.w - 1.f);
    fy = fminf(floorf((oy + 0.5f) * p.scale_y), s.h - 1.f);
  }
  float rgb[3];
  if constexpr (Kind == kPacked8 || Kind == kPacked16) {
    const Taps<Interp> tx(fx, s.w, p.cubic_a), ty(fy, s.h, p.cubic_a);
    float acc[3] = {0.f, 0.f, 0.f};
#pragma unroll
    for (int j = 0; j < Taps<Interp>::n; ++j) {
      float row[3] = {0.f, 0.f, 0.f};
#pragma unroll
      for (int i = 0; i < Taps<Interp>::n; ++i) {
        row[0] += tx.w[i] * code_at<Kind>(s, 0, tx.idx[i], ty.idx[j], s.r, s.channels);
        row[1] += tx.w[i] * code_at<Kind>(s, 0, tx.idx[i], ty.idx[j], s.g, s.channels);
        row[2] += tx.w[i] * code_at<Kind>(s, 0, tx.idx[i], ty.idx[j], s.b, s.channels);
      }
#pragma unroll
      for (int c = 0; c < 3; ++c) acc[c] += ty.w[j] * row[c];
    }
#pragma unroll
    for (int c = 0; c < 3; ++c) rgb[c] = acc[c] * s.inv_max;
  } else {
    // Luma at the output pixel's position, chroma at its own (siting) position, converted once.
    const Taps<Interp> tx(fx, s.w, p.cubic_a), ty(fy, s.h, p.cubic_a);
    float yc = 0.f;
#pragma unroll
    for (int j = 0; j < Taps<Interp>::n; ++j) {
      float row = 0.f;
#pragma unroll
      for (int i = 0; i < Taps<Interp>::n; ++i) row += tx.w[i] * code_at<Kind>(s, 0, tx.idx[i], ty.idx[j], 0, 1);
      yc += ty.w[j] * row;
    }
    float cb = 0.f, cr = 0.f;
    if (Interp == kNearest && !s.linear_chroma) {
      const int ci = static_cast<int>(fx) >> 1, cj = static_cast<int>(fy) >> 1;
      const float2 c = chroma_codes<Kind>(s, ci, cj);
      cb = c.x;
      cr = c.y;
    } else {
      constexpr int CI = Interp == kNearest ? kBilinear : Interp;
      const float cfx = (fx - s.chroma_x0) * 0.5f, cfy = (fy - s.chroma_y0) * 0.5f;
      const Taps<CI> cx(cfx, s.cw, p.cubic_a), cy(cfy, s.ch, p.cubic_a);
#pragma unroll
      for (int j = 0; j < Taps<CI>::n; ++j) {
        float rb = 0.f, rr = 0.f;
#pragma unroll
        for (int i = 0; i < Taps<CI>::n; ++i) {
          const float2 c = chroma_codes<Kind>(s, cx.idx[i], cy.idx[j]);
          rb += cx.w[i] * c.x;
          rr += cx.w[i] * c.y;
        }
        cb += cy.w[j] * rb;
        cr += cy.w[j] * rr;
      }
    }
    const YuvCoeffs& k = s.k;
    const float yv = (yc - k.y_off) * k.y_scale;
    cb = (cb - k.c_off) * k.c_scale;
    cr = (cr - k.c_off) * k.c_scale;
    rgb[0] = yv + k.rv * cr;
    rgb[1] = yv + k.gu * cb + k.gv * cr;
    rgb[2] = yv + k.bu * cb;
  }
#pragma unroll
  for (int c = 0; c < 3; ++c) {
    const float v = (__saturatef(rgb[c]) - p.mean[c]) * p.inv_std[c];
    uint8_t* row = p.dst[c] + p.dst_pitch * oy;
    if constexpr (Half) reinterpret_cast<__half*>(row)[ox] = __float2half_rn(v);
    else reinterpret_cast<float*>(row)[ox] = v;
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

// The same size in and out, from a 4:2:0 source: luma is the pixel itself (bilinear and nearest
// both give it at scale 1) and chroma is interpolated at the pixel's siting position, exactly as
// the general kernel computes it. One thread per 2x2 block loads the 3x3 chroma neighbourhood
// those four pixels interpolate from once, instead of four taps per pixel.
template <int Kind, bool Half>
__global__ void model_input_identity420_kernel(SrcInfo s, InputParams p, bool linear) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const int j = blockIdx.y * blockDim.y + threadIdx.y;
  if (i >= s.cw || j >= s.ch) return;
  float2 c[3][3];
#pragma unroll
  for (int dy = 0; dy < 3; ++dy)
#pragma unroll
    for (int dx = 0; dx < 3; ++dx)
      c[dy][dx] = chroma_codes<Kind>(s, min(max(i - 1 + dx, 0), s.cw - 1), min(max(j - 1 + dy, 0), s.ch - 1));
  const YuvCoeffs& k = s.k;
#pragma unroll
  for (int py = 0; py < 2; ++py) {
    const int y = 2 * j + py;
    if (y >= s.h) break;
#pragma unroll
    for (int px = 0; px < 2; ++px) {
      const int x = 2 * i + px;
      if (x >= s.w) break;
      float2 ch = c[1][1];
      if (linear) {
        // Chroma coordinate of this pixel; its floor is column i-1 or i (row j-1 or j), so the
        // taps are elements ix, ix+1 (iy, iy+1) of the neighbourhood.
        const float cfx = (x - s.chroma_x0) * 0.5f, cfy = (y - s.chroma_y0) * 0.5f;
        const float fx = floorf(cfx), fy = floorf(cfy);
        const float tx = cfx - fx, ty = cfy - fy;
        const int ix = static_cast<int>(fx) - (i - 1), iy = static_cast<int>(fy) - (j - 1);
        const float2 a0 = iy == 0 ? (ix == 0 ? c[0][0] : c[0][1]) : (ix == 0 ? c[1][0] : c[1][1]);
        const float2 a1 = iy == 0 ? (ix == 0 ? c[0][1] : c[0][2]) : (ix == 0 ? c[1][1] : c[1][2]);
        const float2 b0 = iy == 0 ? (ix == 0 ? c[1][0] : c[1][1]) : (ix == 0 ? c[2][0] : c[2][1]);
        const float2 b1 = iy == 0 ? (ix == 0 ? c[1][1] : c[1][2]) : (ix == 0 ? c[2][1] : c[2][2]);
        const float top_u = (1.f - tx) * a0.x + tx * a1.x, top_v = (1.f - tx) * a0.y + tx * a1.y;
        const float bot_u = (1.f - tx) * b0.x + tx * b1.x, bot_v = (1.f - tx) * b0.y + tx * b1.y;
        ch = make_float2((1.f - ty) * top_u + ty * bot_u, (1.f - ty) * top_v + ty * bot_v);
      }
      const float yv = (code_at<Kind>(s, 0, x, y, 0, 1) - k.y_off) * k.y_scale;
      const float cb = (ch.x - k.c_off) * k.c_scale, cr = (ch.y - k.c_off) * k.c_scale;
      const float rgb[3] = {yv + k.rv * cr, yv + k.gu * cb + k.gv * cr, yv + k.bu * cb};
#pragma unroll
      for (int cc = 0; cc < 3; ++cc) {
        const float v = (__saturatef(rgb[cc]) - p.mean[cc]) * p.inv_std[cc];
        uint8_t* row = p.dst[cc] + p.dst_pitch * y;
        if constexpr (Half) reinterpret_cast<__half*>(row)[x] = __float2half_rn(v);
        else reinterpret_cast<float*>(row)[x] = v;
      }
    }
  }
}

template <bool Half>
Status launch_identity420(int kind, const SrcInfo& s, const InputParams& p, bool linear, cudaStream_t stream) {
  const dim3 block(32, 8);
  const dim3 grid((s.cw + 31) / 32, (s.ch + 7) / 8);
  switch (kind) {
    case kSemiPlanar8: model_input_identity420_kernel<kSemiPlanar8, Half><<<grid, block, 0, stream>>>(s, p, linear); break;
    case kPlanar8: model_input_identity420_kernel<kPlanar8, Half><<<grid, block, 0, stream>>>(s, p, linear); break;
    default: model_input_identity420_kernel<kSemiPlanar16, Half><<<grid, block, 0, stream>>>(s, p, linear); break;
  }
  return check_launch("model_input_identity420_kernel");
}

template <int Interp, bool Half>
void launch_kind(int kind, const SrcInfo& s, const InputParams& p, dim3 grid, dim3 block, cudaStream_t stream) {
  switch (kind) {
    case kSemiPlanar8: model_input_kernel<kSemiPlanar8, Interp, Half><<<grid, block, 0, stream>>>(s, p); break;
    case kPlanar8: model_input_kernel<kPlanar8, Interp, Half><<<grid, block, 0, stream>>>(s, p); break;
    case kSemiPlanar16: model_input_kernel<kSemiPlanar16, Interp, Half><<<grid, block, 0, stream>>>(s, p); break;
    case kPacked8: model_input_kernel<kPacked8, Interp, Half><<<grid, block, 0, stream>>>(s, p); break;
    default: model_input_kernel<kPacked16, Interp, Half><<<grid, block, 0, stream>>>(s, p); break;
  }
}

template <bool Half>
Status launch_input(int kind, const SrcInfo& s, const InputParams& p, cudaStream_t stream) {
  const dim3 block(32, 8);
  const dim3 grid((p.dw + 31) / 32, (p.dh + 7) / 8);
  switch (p.interp) {
    case kNearest: launch_kind<kNearest, Half>(kind, s, p, grid, block, stream); break;
    case kBilinear: launch_kind<kBilinear, Half>(kind, s, p, grid, block, stream); break;
    default: launch_kind<kBicubic, Half>(kind, s, p, grid, block, stream); break;
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
  // Reciprocals, so the kernel multiplies instead of dividing: Cb = (B - Y') * cb_mul,
  // Cr = (R - Y') * cr_mul, codes = value * code_mul + offset.
  float cb_mul, cr_mul, y_code_mul, c_code_mul;
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

__device__ __forceinline__ float2 cbcr_of(const OutputParams& p, float3 v) {
  const float yv = p.k.kr * v.x + p.k.kg * v.y + p.k.kb * v.z;
  return make_float2((v.z - yv) * p.cb_mul, (v.x - yv) * p.cr_mul);
}

// Two horizontally adjacent pixels (x, x+1) of row y with one vector load per plane when both
// are inside; edges clamp as the reference does.
__device__ __forceinline__ void load_pair(const OutputParams& p, int x, int y, float3& a, float3& b) {
  y = min(max(y, 0), p.h - 1);
  if (x >= 0 && x + 1 < p.w) {
    float v0[3], v1[3];
#pragma unroll
    for (int c = 0; c < 3; ++c) {
      const uint8_t* row = p.src[c] + p.src_pitch * y;
      float2 f;
      if (p.src_half) f = __half22float2(reinterpret_cast<const __half2*>(row)[x >> 1]);
      else f = reinterpret_cast<const float2*>(row)[x >> 1];
      v0[c] = __saturatef(f.x * p.std[c] + p.mean[c]);
      v1[c] = __saturatef(f.y * p.std[c] + p.mean[c]);
    }
    a = make_float3(v0[0], v0[1], v0[2]);
    b = make_float3(v1[0], v1[1], v1[2]);
  } else {
    a = load_rgb(p, x, y);
    b = load_rgb(p, x + 1, y);
  }
}

// One thread per chroma sample (i, j): it writes the 2x2 luma block it covers and the chroma
// sample, filtered as the siting says. Neighbouring pixels left of the block come from the
// previous lane by a shuffle, so each pixel is read from memory once per warp.
__global__ void model_output_yuv420_kernel(OutputParams p, int cw, int chh) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;  // blockDim.x is 32: a warp is one row of samples
  const int j = blockIdx.y * blockDim.y + threadIdx.y;
  const int lane = threadIdx.x;
  const YuvCoeffs& k = p.k;
  float3 px[2][2];
  load_pair(p, 2 * i, 2 * j, px[0][0], px[0][1]);
  load_pair(p, 2 * i, 2 * j + 1, px[1][0], px[1][1]);
  const bool inside = i < cw && j < chh;
  if (inside) {
#pragma unroll
    for (int dy = 0; dy < 2; ++dy) {
      const int y = 2 * j + dy;
      if (y >= p.h) break;
      float code[2];
#pragma unroll
      for (int dx = 0; dx < 2; ++dx) {
        const float3 v = px[dy][dx];
        code[dx] = fminf(fmaxf(floorf((k.kr * v.x + k.kg * v.y + k.kb * v.z) * p.y_code_mul + k.y_off + 0.5f), 0.f), p.max_code);
      }
      uint8_t* row = p.dst[0] + p.dst_pitch[0] * y;
      if (2 * i + 1 < p.w) {  // both pixels: one 2- or 4-byte store (x is even, so it is aligned)
        if (p.max_code > 255.f)
          reinterpret_cast<ushort2*>(row)[i] = make_ushort2(static_cast<unsigned short>(static_cast<unsigned>(code[0]) << p.msb_shift),
                                                            static_cast<unsigned short>(static_cast<unsigned>(code[1]) << p.msb_shift));
        else
          reinterpret_cast<uchar2*>(row)[i] = make_uchar2(static_cast<unsigned char>(code[0]), static_cast<unsigned char>(code[1]));
      } else {
        store_code(p, 0, 2 * i, y, 0, 1, code[0]);
      }
    }
  }
  float2 c[2][2];
#pragma unroll
  for (int dy = 0; dy < 2; ++dy)
#pragma unroll
    for (int dx = 0; dx < 2; ++dx) c[dy][dx] = cbcr_of(p, px[dy][dx]);
  float2 sum;
  float wsum;
  if (p.chroma_mode == 0) {
    sum = make_float2(c[0][0].x + c[0][1].x + c[1][0].x + c[1][1].x, c[0][0].y + c[0][1].y + c[1][0].y + c[1][1].y);
    wsum = 4.f;
  } else {
    // Column 2i-1: the previous lane's right column (lane 0 and i == 0 read or clamp it).
    float2 left[2];
#pragma unroll
    for (int dy = 0; dy < 2; ++dy) {
      left[dy].x = __shfl_up_sync(0xffffffffu, c[dy][1].x, 1);
      left[dy].y = __shfl_up_sync(0xffffffffu, c[dy][1].y, 1);
      if (lane == 0) left[dy] = cbcr_of(p, load_rgb(p, 2 * i - 1, 2 * j + dy));
    }
    sum = make_float2(0.f, 0.f);
    wsum = 0.f;
#pragma unroll
    for (int dy = 0; dy < 2; ++dy) {
      const float wy = p.chroma_mode == 2 ? (dy == 0 ? 2.f : 1.f) : 1.f;
      sum.x += wy * (left[dy].x + 2.f * c[dy][0].x + c[dy][1].x);
      sum.y += wy * (left[dy].y + 2.f * c[dy][0].y + c[dy][1].y);
      wsum += wy * 4.f;
    }
    if (p.chroma_mode == 2) {  // top-left siting: row 2j-1 with weight 1
      float3 a, b;
      load_pair(p, 2 * i, 2 * j - 1, a, b);
      const float2 l = cbcr_of(p, load_rgb(p, 2 * i - 1, 2 * j - 1)), m = cbcr_of(p, a), r = cbcr_of(p, b);
      sum.x += l.x + 2.f * m.x + r.x;
      sum.y += l.y + 2.f * m.y + r.y;
      wsum += 4.f;
    }
  }
  if (!inside) return;
  const float norm = p.c_code_mul / wsum;
  const float cb = sum.x * norm + k.c_off, cr = sum.y * norm + k.c_off;
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
  const bool half = dst.format() == PixelFormat::RGBPlanarF16;
  const bool yuv420 = kind == kSemiPlanar8 || kind == kPlanar8 || kind == kSemiPlanar16;
  if (yuv420 && p.dw == s.w && p.dh == s.h && (p.interp == kNearest || p.interp == kBilinear)) {
    // Bilinear always interpolates chroma; nearest does when the chroma filter is linear.
    const bool linear = p.interp == kBilinear || s.linear_chroma;
    return half ? launch_identity420<true>(kind, s, p, linear, stream) : launch_identity420<false>(kind, s, p, linear, stream);
  }
  return half ? launch_input<true>(kind, s, p, stream) : launch_input<false>(kind, s, p, stream);
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
  p.cb_mul = static_cast<float>(1.0 / (2.0 * (1.0 - p.k.kb)));
  p.cr_mul = static_cast<float>(1.0 / (2.0 * (1.0 - p.k.kr)));
  p.y_code_mul = static_cast<float>(1.0 / p.k.y_scale);
  p.c_code_mul = static_cast<float>(1.0 / p.k.c_scale);
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
