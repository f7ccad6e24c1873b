// Internal: what the blur .cu files share: the kernel arguments of one plane (weights inline, so
// no table goes through global memory) and the launchers. Included only by src/ops/blur/*.cu.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "caldera/status.hpp"
#include "ops/blur/blur_internal.hpp"

namespace caldera::blur_detail {

struct SepArgs {
  const uint8_t* src = nullptr;
  size_t src_pitch = 0;
  uint8_t* dst = nullptr;
  size_t dst_pitch = 0;
  int w = 0, h = 0, ch = 1;  // plane size in pixels, interleaved channels
  int kx = 1, ky = 1, ax = 0, ay = 0;
  int op = 0;      // Op
  int border = 0;  // FilterBorder
  uint32_t cv_u8 = 0;  // Constant border, 8-bit code
  float cv_f = 0;      // Constant border, float path
  int amount_q8 = 256, threshold_q8 = 0;
  // ceil(2^32 / (2 kx ky)): fast8's box division floor((2S + n) / 2n) as one multiply-high, exact
  // for numerators below 2^32 / 2n (theirs stay below 2^16: S <= 255 n, n <= 81).
  uint32_t box_recip = 0;
  int shift = 0;          // P010: code = word >> 6
  float max_code = 255;   // 16-bit outputs clamp to it
  uint32_t wx_q16[2 * kMaxRadius + 1] = {};
  uint32_t wy_q16[2 * kMaxRadius + 1] = {};
  float wx_f[2 * kMaxRadius + 1] = {};
  float wy_f[2 * kMaxRadius + 1] = {};
};

inline SepArgs make_sep_args(const Plan& plan, const uint8_t* src, size_t src_pitch, uint8_t* dst, size_t dst_pitch,
                             int w, int h, int ch, int shift, float max_code) {
  SepArgs a;
  a.src = src;
  a.src_pitch = src_pitch;
  a.dst = dst;
  a.dst_pitch = dst_pitch;
  a.w = w;
  a.h = h;
  a.ch = ch;
  a.kx = plan.kx;
  a.ky = plan.ky;
  a.ax = plan.ax;
  a.ay = plan.ay;
  a.op = static_cast<int>(plan.op);
  a.border = static_cast<int>(plan.border);
  a.cv_u8 = static_cast<uint32_t>(std::clamp(std::floor(plan.border_value + 0.5), 0.0, 255.0));
  a.cv_f = static_cast<float>(plan.border_value);
  a.amount_q8 = plan.amount_q8;
  const uint64_t box_d = 2 * static_cast<uint64_t>(plan.kx) * static_cast<uint64_t>(plan.ky);
  a.box_recip = static_cast<uint32_t>(std::min<uint64_t>(((uint64_t{1} << 32) + box_d - 1) / box_d, 0xFFFFFFFFu));
  a.threshold_q8 = plan.threshold_q8;
  a.shift = shift;
  a.max_code = max_code;
  for (int i = 0; i < plan.kx; ++i) {
    a.wx_q16[i] = plan.wx_q16.empty() ? 1u : plan.wx_q16[i];
    a.wx_f[i] = static_cast<float>(plan.wx[i]);
  }
  for (int j = 0; j < plan.ky; ++j) {
    a.wy_q16[j] = plan.wy_q16.empty() ? 1u : plan.wy_q16[j];
    a.wy_f[j] = static_cast<float>(plan.wy[j]);
  }
  return a;
}

// Shared memory the generic kernel needs for a kernel width and channel count.
size_t generic_shared_bytes(int kx, int ch);
Status launch_generic(const SepArgs& a, SampleType sample, cudaStream_t stream);
// The fast 8-bit kernels (fast8.cu): true when they took the plane (1 to 4 channels, radius <= 4
// for 1 channel, 3 for 2 or 3, 2 for 4; 8-byte aligned rows), false when the generic kernel must run.
Result<bool> launch_fast8(const SepArgs& a, cudaStream_t stream);

}  // namespace caldera::blur_detail
