// The colour pipeline's generic kernel: one thread per 2x2 block, every supported format read and
// written through run-time layouts, the stages of pipeline.hpp in float. It follows the reference
// step by step; the fused HDR10 <-> SDR kernels in src/ops/tonemap are the fast paths.
//
// This header holds the kernel and its launch parameters (pipeline_cuda.cu launches it) so that
// the tests can also run it on the host (tests/emu/header_kernels.hpp).
#pragma once

#include "ops/color_pipeline/device_io.cuh"
#include "ops/color_pipeline/peak_cuda.cuh"
#include "ops/color_pipeline/pipeline_image.hpp"

namespace caldera::pipeline {
namespace {

struct DevLayout {
  DevPlane plane[3];
  int family, sample, shift, is_float;
  float max;
  int rgb_planar, channels0, ri, gi, bi, ai;
  int sub_x, sub_y, u_plane, u_ch, v_plane, v_ch, c_channels;
  float y_scale, y_off, c_scale, c_off, kr, kb;
};

struct GenericLaunch {
  DevLayout src, dst;
  Stages<float> stages;
  hd::ToneCoeffs<float> tone;
  int width, height;
  int write;
  hd::PeakStateData* state;  // measurement and/or dynamic curve
  hd::PeakRule<float> rule;
  int dynamic_curve;
  int measure;
};

DevLayout dev_layout(ConstImageView v, const Layout& l) {
  DevLayout d{};
  for (int p = 0; p < 3; ++p) d.plane[p] = {const_cast<uint8_t*>(v.plane(p).data), v.plane(p).pitch};
  d.family = l.family, d.sample = l.sample, d.shift = l.shift, d.is_float = is_float(v.format());
  d.max = static_cast<float>(l.max);
  d.rgb_planar = l.rgb_planar, d.channels0 = l.channels0, d.ri = l.ri, d.gi = l.gi, d.bi = l.bi, d.ai = l.ai;
  d.sub_x = l.sub_x, d.sub_y = l.sub_y, d.u_plane = l.u_plane, d.u_ch = l.u_ch, d.v_plane = l.v_plane, d.v_ch = l.v_ch;
  d.c_channels = l.c_channels;
  d.y_scale = static_cast<float>(l.y_scale), d.y_off = static_cast<float>(l.y_off);
  d.c_scale = static_cast<float>(l.c_scale), d.c_off = static_cast<float>(l.c_off);
  d.kr = static_cast<float>(l.kr), d.kb = static_cast<float>(l.kb);
  return d;
}

struct Px {
  float r, g, b, a;
};

__device__ float rgb_sample(const DevLayout& l, int index, int x, int y) {
  const float v = l.rgb_planar ? dev_load(l.plane[index], l.sample, l.shift, x, y)
                               : dev_load(l.plane[0], l.sample, l.shift, x * l.channels0 + index, y);
  if (l.is_float) return isfinite(v) ? v : 0.0f;
  return v / l.max;
}

__device__ Px decode(const DevLayout& l, int x, int y) {
  if (l.family == kFamilyRgb)
    return {rgb_sample(l, l.ri, x, y), rgb_sample(l, l.gi, x, y), rgb_sample(l, l.bi, x, y),
            l.ai >= 0 ? rgb_sample(l, l.ai, x, y) : 1.0f};
  const float yv = (dev_load(l.plane[0], l.sample, l.shift, x, y) - l.y_off) / l.y_scale;
  const int cx = x >> l.sub_x, cy = y >> l.sub_y;
  const float cb = (dev_load(l.plane[l.u_plane], l.sample, l.shift, cx * l.c_channels + l.u_ch, cy) - l.c_off) / l.c_scale;
  const float cr = (dev_load(l.plane[l.v_plane], l.sample, l.shift, cx * l.c_channels + l.v_ch, cy) - l.c_off) / l.c_scale;
  const float kg = 1.0f - l.kr - l.kb;
  const float r = yv + 2.0f * (1.0f - l.kr) * cr, b = yv + 2.0f * (1.0f - l.kb) * cb;
  return {r, (yv - l.kr * r - l.kb * b) / kg, b, 1.0f};
}

__device__ void put_rgb(const DevLayout& l, int index, int x, int y, float v) {
  const float s = l.is_float ? 1.0f : l.max;
  if (l.rgb_planar) dev_store(l.plane[index], l.sample, l.shift, l.max, x, y, v * s);
  else dev_store(l.plane[0], l.sample, l.shift, l.max, x * l.channels0 + index, y, v * s);
}

__global__ void __launch_bounds__(kPeakThreads) pipeline_kernel(const GenericLaunch p) {
  __shared__ uint32_t s_hist[hd::kPeakBins];
  const int t = threadIdx.y * blockDim.x + threadIdx.x;
  if (p.measure) {
    s_hist[t] = 0;
    __syncthreads();
  }
  hd::ToneCoeffs<float> tone = p.tone;
  if (p.dynamic_curve) tone = tone_coeffs_for_peak(p.stages.tone, p.state->peak_pq);
  const int bx = 2 * (blockIdx.x * blockDim.x + threadIdx.x);
  const int by = 2 * (blockIdx.y * blockDim.y + threadIdx.y);
  if (bx < p.width && by < p.height) {
    const DevLayout& d = p.dst;
    float block_max = 0.0f;
    float cb_sum[2][2] = {{0, 0}, {0, 0}}, cr_sum[2][2] = {{0, 0}, {0, 0}};
    int count[2][2] = {{0, 0}, {0, 0}};
    for (int dy = 0; dy < 2; ++dy)
      for (int dx = 0; dx < 2; ++dx) {
        const int x = bx + dx, y = by + dy;
        if (x >= p.width || y >= p.height) continue;
        Px c = decode(p.src, x, y);
        float m = 0.0f;
        process_pixel(p.stages, tone, c.r, c.g, c.b, &m);
        block_max = fmaxf(block_max, m);
        if (!p.write) continue;
        if (d.family == kFamilyRgb) {
          put_rgb(d, d.ri, x, y, c.r);
          put_rgb(d, d.gi, x, y, c.g);
          put_rgb(d, d.bi, x, y, c.b);
          if (d.ai >= 0) put_rgb(d, d.ai, x, y, c.a);
          continue;
        }
        const float kg = 1.0f - d.kr - d.kb;
        const float yv = d.kr * c.r + kg * c.g + d.kb * c.b;
        dev_store(d.plane[0], d.sample, d.shift, d.max, x, y, yv * d.y_scale + d.y_off);
        const int i = d.sub_x ? 0 : dx, j = d.sub_y ? 0 : dy;
        cb_sum[j][i] += (c.b - yv) / (2.0f * (1.0f - d.kb));
        cr_sum[j][i] += (c.r - yv) / (2.0f * (1.0f - d.kr));
        ++count[j][i];
      }
    if (p.measure) atomicAdd(&s_hist[hd::peak_bin(block_max)], 1u);
    if (p.write && d.family == kFamilyYuv)
      for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 2; ++i) {
          if (!count[j][i]) continue;
          const int cx = (bx + i) >> d.sub_x, cy = (by + j) >> d.sub_y;
          const float n = static_cast<float>(count[j][i]);
          dev_store(d.plane[d.u_plane], d.sample, d.shift, d.max, cx * d.c_channels + d.u_ch, cy,
                    cb_sum[j][i] / n * d.c_scale + d.c_off);
          dev_store(d.plane[d.v_plane], d.sample, d.shift, d.max, cx * d.c_channels + d.v_ch, cy,
                    cr_sum[j][i] / n * d.c_scale + d.c_off);
        }
  }
  if (p.measure)
    finish_block_histogram(s_hist, p.state, p.rule, t, blockIdx.y * gridDim.x + blockIdx.x, gridDim.x * gridDim.y);
}

// The launch of pipeline_kernel: its parameters and grid (run_pipeline_cuda has checked the views).
GenericLaunch generic_launch(ConstImageView src, ImageView dst, const Layout& sl, const Layout& dl,
                             const Stages<float>& stages, const DevicePeak& peak, bool write) {
  const bool measure = (stages.flags & kStageMeasure) && peak.state;
  GenericLaunch p{};
  p.src = dev_layout(src, sl);
  p.dst = dev_layout(ConstImageView(dst), dl);
  p.stages = stages;
  p.tone = stages.tone.coeffs;
  p.width = src.width(), p.height = src.height();
  p.write = write;
  p.state = peak.state;
  p.rule = peak.rule;
  p.dynamic_curve = peak.dynamic_curve;
  p.measure = measure;
  return p;
}
dim3 generic_block() { return dim3(32, 8); }
dim3 generic_grid(int width, int height) {
  return dim3((((width + 1) / 2) + 31) / 32, (((height + 1) / 2) + 7) / 8);
}

}  // namespace
}  // namespace caldera::pipeline
