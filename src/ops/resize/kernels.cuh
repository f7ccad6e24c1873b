// Internal: what the resize kernels share (plane arguments, sample conversion, the exact-ratio
// fast path's entry point). Included only by the resize .cu files.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "caldera/status.hpp"
#include "ops/resize/filter.hpp"

namespace caldera::resize_detail {

struct PlaneArgs {
  const uint8_t* src = nullptr;
  size_t src_pitch = 0;
  int sw = 0, sh = 0;
  uint8_t* dst = nullptr;
  size_t dst_pitch = 0;
  int dw = 0, dh = 0;
  int shift = 0;         // P010: code values are the word >> 6
  float max_code = 255;  // integer outputs clamp to [0, max_code]
};

// Integer samples become floats by OR-ing them into the mantissa of 2^23 and subtracting it: two
// full-rate instructions instead of a quarter-rate I2F (which bounded the 8-bit kernels).
__device__ __forceinline__ float int_to_float(unsigned v) { return __uint_as_float(0x4B000000u | v) - 8388608.0f; }
__device__ __forceinline__ float load_sample(const uint8_t* p, int) { return int_to_float(__ldg(p)); }
__device__ __forceinline__ float load_sample(const uint16_t* p, int shift) { return int_to_float(__ldg(p) >> shift); }
__device__ __forceinline__ float load_sample(const __half* p, int) { return __half2float(__ldg(p)); }
__device__ __forceinline__ float load_sample(const float* p, int) { return __ldg(p); }

// floor(v + 0.5) clamped to [0, max_code] (NaN -> 0), as an integer: adding 2^23 rounding down
// leaves floor(t) in the mantissa (no quarter-rate F2I or FRND).
__device__ __forceinline__ unsigned round_clamp(float v, float max_code) {
  const float t = fminf(fmaxf(v + 0.5f, 0.0f), max_code);
  return __float_as_uint(__fadd_rd(t, 8388608.0f)) & 0x7FFFFFu;
}
__device__ __forceinline__ void store_sample(uint8_t* p, float v, float max_code, int) {
  *p = static_cast<uint8_t>(round_clamp(v, max_code));
}
__device__ __forceinline__ void store_sample(uint16_t* p, float v, float max_code, int shift) {
  *p = static_cast<uint16_t>(round_clamp(v, max_code) << shift);
}
__device__ __forceinline__ void store_sample(__half* p, float v, float, int) { *p = __float2half_rn(v); }
__device__ __forceinline__ void store_sample(float* p, float v, float, int) { *p = v; }

// Exact 2x downscale of an 8-bit plane of `channels` channels (down2.cu). Returns true when it
// took the plane: both axes exactly halved, 1, 2 or 4 taps with weights identical for every
// output (nearest, area, bilinear with or without antialias, bicubic without), 16-byte aligned
// rows. Otherwise false, and the caller runs the general kernels.
Result<bool> launch_down2_u8(const PlaneArgs& a, int channels, const AxisFilter& fx, const AxisFilter& fy,
                             cudaStream_t stream);

// Exact 2x upscale of an 8-bit plane (up2.cu): both axes exactly doubled, nearest, area,
// bilinear or 4-tap (bicubic) weights, 16-byte aligned rows. Returns false when it does not apply.
Result<bool> launch_up2_u8(const PlaneArgs& a, int channels, const AxisFilter& fx, const AxisFilter& fy,
                           cudaStream_t stream);

}  // namespace caldera::resize_detail
