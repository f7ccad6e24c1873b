// The generic conversion kernel: every pair of formats, one thread per 2x2 block of pixels, with
// the layouts read from descriptors at run time. It follows the reference step by step (in float)
// and is the path for pairs without a fast kernel, for top-left siting downsampling, and so on.
#include "core/cuda_check.hpp"
#include "ops/color/cuda_common.cuh"

namespace caldera::color_cuda {
namespace {

struct Px {
  float a, b, c, alpha;  // RGB, or Y' Cb Cr, or Y' (gray); normalised
};

__device__ __forceinline__ float chroma_at(const GenericFormat& f, int plane, int channel, int i, int j) {
  return load_sample(f.plane[plane], f.sample, f.shift, i * f.c_channels + channel, j) * f.c_scale + f.c_off;
}

__device__ float rgb_at(const GenericFormat& f, int index, int x, int y) {
  const float v = f.rgb_planar ? load_sample(f.plane[index], f.sample, f.shift, x, y)
                               : load_sample(f.plane[0], f.sample, f.shift, x * f.channels0 + index, y);
  return v * f.y_scale;
}

// The source pixel (x, y) in its own space, chroma brought to full resolution.
__device__ Px source_pixel(const GenericParams& p, int x, int y) {
  const GenericFormat& s = p.src;
  if (s.family == kRgb)
    return {rgb_at(s, s.ri, x, y), rgb_at(s, s.gi, x, y), rgb_at(s, s.bi, x, y),
            s.ai >= 0 ? rgb_at(s, s.ai, x, y) : p.alpha};
  const float luma = load_sample(s.plane[0], s.sample, s.shift, x, y) * s.y_scale + s.y_off;
  if (s.family == kGray) return {luma, 0, 0, p.alpha};
  if (!p.linear || (s.sub_x == 0 && s.sub_y == 0)) {
    const int i = x >> s.sub_x, j = y >> s.sub_y;
    return {luma, chroma_at(s, s.u_plane, s.u_ch, i, j), chroma_at(s, s.v_plane, s.v_ch, i, j), p.alpha};
  }
  // Bilinear between chroma samples at their sited positions (see docs/ops/color.md).
  const float cx = s.sub_x ? (x - (s.siting == 1 ? 0.5f : 0.0f)) * 0.5f : static_cast<float>(x);
  const float cy = s.sub_y ? (y - (s.siting == 2 ? 0.0f : 0.5f)) * 0.5f : static_cast<float>(y);
  const int i = static_cast<int>(floorf(cx)), j = static_cast<int>(floorf(cy));
  const float fx = cx - i, fy = cy - j;
  const int i0 = max(0, min(i, s.cw - 1)), i1 = max(0, min(i + 1, s.cw - 1));
  const int j0 = max(0, min(j, s.ch - 1)), j1 = max(0, min(j + 1, s.ch - 1));
  auto bilinear = [&](int plane, int channel) {
    const float top = (1 - fx) * chroma_at(s, plane, channel, i0, j0) + fx * chroma_at(s, plane, channel, i1, j0);
    const float bottom = (1 - fx) * chroma_at(s, plane, channel, i0, j1) + fx * chroma_at(s, plane, channel, i1, j1);
    return (1 - fy) * top + fy * bottom;
  };
  return {luma, bilinear(s.u_plane, s.u_ch), bilinear(s.v_plane, s.v_ch), p.alpha};
}

__device__ __forceinline__ Px rgb_to_ycc(const GenericParams& p, float r, float g, float b, float alpha) {
  return {p.ky[0] * r + p.ky[1] * g + p.ky[2] * b, p.kcb[0] * r + p.kcb[1] * g + p.kcb[2] * b,
          p.kcr[0] * r + p.kcr[1] * g + p.kcr[2] * b, alpha};
}

// The source pixel in the destination's space (RGB, Y' or Y'CbCr of the destination's matrix).
__device__ Px in_dst_space(const GenericParams& p, const Px& s) {
  Px rgb = s;
  if (p.src.family == kGray) {
    if (p.dst.family != kRgb) return s;  // gray and YUV luma move as they are, chroma neutral
    rgb = {s.a, s.a, s.a, s.alpha};
  } else if (p.src.family == kYuv) {
    if (p.dst.family == kGray || (p.dst.family == kYuv && p.same_matrix)) return s;
    rgb = {s.a + p.rcr * s.c, s.a + p.gcb * s.b + p.gcr * s.c, s.a + p.bcb * s.b, s.alpha};
  }
  if (p.dst.family == kRgb) return rgb;
  return rgb_to_ycc(p, rgb.a, rgb.b, rgb.c, rgb.alpha);
}

__device__ __forceinline__ Px pixel(const GenericParams& p, int x, int y) {
  return in_dst_space(p, source_pixel(p, x, y));
}

__device__ void store_rgb(const GenericFormat& f, int index, int x, int y, float v) {
  if (f.rgb_planar) store_sample(f.plane[index], f.sample, f.shift, f.max, x, y, v * f.y_scale);
  else store_sample(f.plane[0], f.sample, f.shift, f.max, x * f.channels0 + index, y, v * f.y_scale);
}

__device__ __forceinline__ void store_chroma(const GenericFormat& d, int i, int j, float cb, float cr) {
  store_sample(d.plane[d.u_plane], d.sample, d.shift, d.max, i * d.c_channels + d.u_ch, j, cb * d.c_scale + d.c_off);
  store_sample(d.plane[d.v_plane], d.sample, d.shift, d.max, i * d.c_channels + d.v_ch, j, cr * d.c_scale + d.c_off);
}

// Destination chroma sample (i, j) from full-resolution chroma: taps on luma columns 2i-1, 2i,
// 2i+1 and rows 2j-1, 2j, 2j+1 (clamped to the image), a box or [1 2 1]/4 per the siting.
__device__ void downsample(const GenericParams& p, int i, int j) {
  const GenericFormat& d = p.dst;
  const bool tri_x = p.linear && d.siting != 1;  // left or top-left
  const bool tri_y = p.linear && d.siting == 2;  // top-left
  float sum_cb = 0, sum_cr = 0;
  for (int b = 0; b < 3; ++b) {
    const float wy = d.sub_y ? (tri_y ? (b == 1 ? 0.5f : 0.25f) : (b == 0 ? 0.0f : 0.5f)) : (b == 1 ? 1.0f : 0.0f);
    if (wy == 0) continue;
    const int y = d.sub_y ? min(max(2 * j + b - 1, 0), p.height - 1) : j;
    for (int a = 0; a < 3; ++a) {
      const float wx = d.sub_x ? (tri_x ? (a == 1 ? 0.5f : 0.25f) : (a == 0 ? 0.0f : 0.5f)) : (a == 1 ? 1.0f : 0.0f);
      if (wx == 0) continue;
      const int x = d.sub_x ? min(max(2 * i + a - 1, 0), p.width - 1) : i;
      const Px c = pixel(p, x, y);
      sum_cb += wx * wy * c.b;
      sum_cr += wx * wy * c.c;
    }
  }
  store_chroma(d, i, j, sum_cb, sum_cr);
}

__device__ __forceinline__ void direct_chroma(const GenericParams& p, int i, int j) {
  const GenericFormat& s = p.src;
  const GenericFormat& d = p.dst;
  const float u = load_sample(s.plane[s.u_plane], s.sample, s.shift, i * s.c_channels + s.u_ch, j);
  const float v = load_sample(s.plane[s.v_plane], s.sample, s.shift, i * s.c_channels + s.v_ch, j);
  store_sample(d.plane[d.u_plane], d.sample, d.shift, d.max, i * d.c_channels + d.u_ch, j,
               u * p.direct_c_scale + p.direct_c_off);
  store_sample(d.plane[d.v_plane], d.sample, d.shift, d.max, i * d.c_channels + d.v_ch, j,
               v * p.direct_c_scale + p.direct_c_off);
}

__global__ void generic_kernel(const GenericParams p) {
  const int qx = blockIdx.x * blockDim.x + threadIdx.x;
  const int qy = blockIdx.y * blockDim.y + threadIdx.y;
  if (2 * qx >= p.width || 2 * qy >= p.height) return;
  const GenericFormat& d = p.dst;
  const bool full_chroma = d.family == kYuv && d.sub_x == 0 && d.sub_y == 0;
  for (int dy = 0; dy < 2; ++dy)
    for (int dx = 0; dx < 2; ++dx) {
      const int x = 2 * qx + dx, y = 2 * qy + dy;
      if (x >= p.width || y >= p.height) continue;
      const Px c = pixel(p, x, y);
      if (d.family == kRgb) {
        store_rgb(d, d.ri, x, y, c.a);
        store_rgb(d, d.gi, x, y, c.b);
        store_rgb(d, d.bi, x, y, c.c);
        if (d.ai >= 0) store_rgb(d, d.ai, x, y, c.alpha);
      } else {
        store_sample(d.plane[0], d.sample, d.shift, d.max, x, y, c.a * d.y_scale + d.y_off);
        if (full_chroma) {
          if (p.chroma_direct) direct_chroma(p, x, y);
          else store_chroma(d, x, y, c.b, c.c);
        }
      }
    }
  if (d.family != kYuv || full_chroma) return;
  // Subsampled chroma: this block owns chroma column qx and, for 4:2:0, row qy; for 4:2:2
  // rows 2qy and 2qy+1.
  const int rows = d.sub_y ? 1 : 2;
  for (int r = 0; r < rows; ++r) {
    const int j = d.sub_y ? qy : 2 * qy + r;
    if (j >= d.ch) continue;
    if (p.chroma_direct) direct_chroma(p, qx, j);
    else downsample(p, qx, j);
  }
}

}  // namespace

Status launch_generic(const GenericParams& p, StreamHandle stream) {
  const dim3 block(32, 8);
  const dim3 grid(ceil_div(ceil_div(p.width, 2), 32), ceil_div(ceil_div(p.height, 2), 8));
  generic_kernel<<<grid, block, 0, stream>>>(p);
  return check_launch("convert_cuda: generic kernel");
}

}  // namespace caldera::color_cuda
