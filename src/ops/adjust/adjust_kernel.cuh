// Colour adjustment on the GPU: one thread per luma sample, per chroma sample (YUV; the second
// slice of a two-slice grid) or per pixel (RGB), the reference's arithmetic in float.
//
// This header holds the kernel and its parameters (cuda.cu launches it) so that the tests can
// also run it on the host (tests/emu/header_kernels.hpp).
#pragma once

#include "ops/adjust/adjust_math.hpp"
#include "ops/color_pipeline/device_io.cuh"

namespace caldera {
namespace {

using namespace adjust_detail;
using pipeline::DevPlane;

struct Launch {
  DevPlane src[3], dst[3];
  int sample, shift, is_float, family;
  float max;
  int width, height, cw, ch;
  float y_scale, y_off, c_scale, c_off, kr, kb;
  int rgb_planar, channels0, ri, gi, bi, ai, u_plane, u_ch, v_plane, v_ch, c_channels;
  Coeffs<float> c;
};

__device__ float rgb_get(const Launch& p, int i, int x, int y) {
  const float v = p.rgb_planar ? pipeline::dev_load(p.src[i], p.sample, p.shift, x, y)
                               : pipeline::dev_load(p.src[0], p.sample, p.shift, x * p.channels0 + i, y);
  if (p.is_float) return isfinite(v) ? v : 0.0f;
  return v / p.max;
}
__device__ void rgb_put(const Launch& p, int i, int x, int y, float v) {
  if (p.rgb_planar) pipeline::dev_store(p.dst[i], p.sample, p.shift, p.max, x, y, v * p.max);
  else pipeline::dev_store(p.dst[0], p.sample, p.shift, p.max, x * p.channels0 + i, y, v * p.max);
}

__global__ void adjust_kernel(const Launch p) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (p.family == static_cast<int>(ColorFamily::Rgb)) {
    if (x >= p.width || y >= p.height) return;
    const float r = rgb_get(p, p.ri, x, y), g = rgb_get(p, p.gi, x, y), b = rgb_get(p, p.bi, x, y);
    const float kg = 1.0f - p.kr - p.kb;
    float yv = p.kr * r + kg * g + p.kb * b;
    float cb = (b - yv) / (2.0f * (1.0f - p.kb)), cr = (r - yv) / (2.0f * (1.0f - p.kr));
    yv = adjust_luma(p.c, yv);
    adjust_chroma(p.c, cb, cr);
    const float r2 = yv + 2.0f * (1.0f - p.kr) * cr, b2 = yv + 2.0f * (1.0f - p.kb) * cb;
    rgb_put(p, p.ri, x, y, r2);
    rgb_put(p, p.bi, x, y, b2);
    rgb_put(p, p.gi, x, y, (yv - p.kr * r2 - p.kb * b2) / kg);
    if (p.ai >= 0) rgb_put(p, p.ai, x, y, rgb_get(p, p.ai, x, y));
    return;
  }
  if (blockIdx.z == 0) {  // luma
    if (x >= p.width || y >= p.height) return;
    const float v = (pipeline::dev_load(p.src[0], p.sample, p.shift, x, y) - p.y_off) / p.y_scale;
    pipeline::dev_store(p.dst[0], p.sample, p.shift, p.max, x, y, adjust_luma(p.c, v) * p.y_scale + p.y_off);
    return;
  }
  if (x >= p.cw || y >= p.ch) return;  // chroma
  float cb = (pipeline::dev_load(p.src[p.u_plane], p.sample, p.shift, x * p.c_channels + p.u_ch, y) - p.c_off) / p.c_scale;
  float cr = (pipeline::dev_load(p.src[p.v_plane], p.sample, p.shift, x * p.c_channels + p.v_ch, y) - p.c_off) / p.c_scale;
  adjust_chroma(p.c, cb, cr);
  pipeline::dev_store(p.dst[p.u_plane], p.sample, p.shift, p.max, x * p.c_channels + p.u_ch, y, cb * p.c_scale + p.c_off);
  pipeline::dev_store(p.dst[p.v_plane], p.sample, p.shift, p.max, x * p.c_channels + p.v_ch, y, cr * p.c_scale + p.c_off);
}

// The kernel's parameters and grid (adjust_cuda has checked the views).
Launch adjust_launch(ConstImageView src, ImageView dst, const AdjustParams& params) {
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  const Layout l = layout_of(src.desc());
  Launch p{};
  for (int i = 0; i < 3; ++i) {
    p.src[i] = {const_cast<uint8_t*>(src.plane(i).data), src.plane(i).pitch};
    p.dst[i] = {dst.plane(i).data, dst.plane(i).pitch};
  }
  p.sample = static_cast<int>(fi.sample), p.shift = fi.msb_shift, p.is_float = is_float(f), p.family = l.family;
  p.max = static_cast<float>(l.max);
  p.width = src.width(), p.height = src.height();
  const bool yuv = fi.family == ColorFamily::Yuv;
  p.cw = yuv ? plane_width(f, 1, p.width) : 0, p.ch = yuv ? plane_height(f, 1, p.height) : 0;
  p.y_scale = static_cast<float>(l.y_scale), p.y_off = static_cast<float>(l.y_off);
  p.c_scale = static_cast<float>(l.c_scale), p.c_off = static_cast<float>(l.c_off);
  p.kr = static_cast<float>(l.kr), p.kb = static_cast<float>(l.kb);
  p.rgb_planar = l.rgb_planar, p.channels0 = l.channels0, p.ri = l.ri, p.gi = l.gi, p.bi = l.bi, p.ai = l.ai;
  p.u_plane = l.u_plane, p.u_ch = l.u_ch, p.v_plane = l.v_plane, p.v_ch = l.v_ch, p.c_channels = l.c_channels;
  p.c = make_coeffs<float>(params);
  return p;
}
dim3 adjust_block() { return dim3(32, 8); }
dim3 adjust_grid(const Launch& p) {
  return dim3((p.width + 31) / 32, (p.height + 7) / 8, p.family == static_cast<int>(ColorFamily::Yuv) ? 2 : 1);
}

}  // namespace
}  // namespace caldera
