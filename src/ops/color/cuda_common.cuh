// Internal to src/ops/color: device helpers shared by the conversion kernels (sample access,
// vector loads and stores of a thread's 8-pixel row segment, rounding).
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "ops/color/cuda_kernels.hpp"

namespace caldera::color_cuda {

// Every fast kernel gives one thread a tile of 8 columns x 2 rows (one 4:2:0 chroma row of 4
// samples), so 8-bit rows move as 8-byte vectors and 16-bit / float rows as 16-byte vectors.
inline constexpr int kTileW = 8;
inline constexpr int kTileH = 2;

__device__ __forceinline__ const uint8_t* row_ptr(const DevPlane& p, int y) {
  return p.data + p.pitch * static_cast<size_t>(y);
}
__device__ __forceinline__ uint8_t* row_ptr_mut(const DevPlane& p, int y) { return p.data + p.pitch * static_cast<size_t>(y); }

// floor(x + 0.5) clamped to [0, max] (max < 2^22): the rounding the reference uses. Adding
// 1.5 * 2^23 rounding toward -inf leaves floor() of the sum in the low mantissa bits, which avoids
// the float -> int conversion unit (a quarter of the FMA rate, the limit of the 8-bit kernels).
__device__ __forceinline__ unsigned round_code(float x, float max) {
  return __float_as_uint(__fadd_rd(fminf(fmaxf(x, 0.0f), max) + 0.5f, 12582912.0f)) & 0x3fffffu;
}

// An integer code (< 2^23) as a float without the int -> float conversion unit.
__device__ __forceinline__ float code_to_float(unsigned v) { return __uint_as_float(0x4b000000u | v) - 8388608.0f; }

// ---- N bytes as 32-bit words ---------------------------------------------------------------------
// Loads and stores go through arrays of words indexed by compile-time constants (after
// unrolling), so they stay in registers.

template <int Bytes, int Align>
__device__ __forceinline__ void load_words(const uint8_t* p, uint32_t (&w)[Bytes / 4]) {
  static_assert(Bytes % Align == 0 && (Align == 4 || Align == 8 || Align == 16), "bad vector shape");
  if constexpr (Align == 16) {
#pragma unroll
    for (int i = 0; i < Bytes / 16; ++i) {
      const uint4 v = __ldg(reinterpret_cast<const uint4*>(p) + i);
      w[4 * i] = v.x, w[4 * i + 1] = v.y, w[4 * i + 2] = v.z, w[4 * i + 3] = v.w;
    }
  } else if constexpr (Align == 8) {
#pragma unroll
    for (int i = 0; i < Bytes / 8; ++i) {
      const uint2 v = __ldg(reinterpret_cast<const uint2*>(p) + i);
      w[2 * i] = v.x, w[2 * i + 1] = v.y;
    }
  } else {
#pragma unroll
    for (int i = 0; i < Bytes / 4; ++i) w[i] = __ldg(reinterpret_cast<const uint32_t*>(p) + i);
  }
}

template <int Bytes, int Align>
__device__ __forceinline__ void store_words(uint8_t* p, const uint32_t (&w)[Bytes / 4]) {
  static_assert(Bytes % Align == 0 && (Align == 4 || Align == 8 || Align == 16), "bad vector shape");
  if constexpr (Align == 16) {
#pragma unroll
    for (int i = 0; i < Bytes / 16; ++i)
      reinterpret_cast<uint4*>(p)[i] = make_uint4(w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3]);
  } else if constexpr (Align == 8) {
#pragma unroll
    for (int i = 0; i < Bytes / 8; ++i) reinterpret_cast<uint2*>(p)[i] = make_uint2(w[2 * i], w[2 * i + 1]);
  } else {
#pragma unroll
    for (int i = 0; i < Bytes / 4; ++i) reinterpret_cast<uint32_t*>(p)[i] = w[i];
  }
}

template <int N>
__device__ __forceinline__ unsigned get_u8(const uint32_t (&w)[N], int i) {
  return (w[i >> 2] >> (8 * (i & 3))) & 0xffu;
}
template <int N>
__device__ __forceinline__ unsigned get_u16(const uint32_t (&w)[N], int i) {
  return (w[i >> 1] >> (16 * (i & 1))) & 0xffffu;
}
template <int N>
__device__ __forceinline__ void put_u8(uint32_t (&w)[N], int i, unsigned v) {
  w[i >> 2] |= v << (8 * (i & 3));
}
template <int N>
__device__ __forceinline__ void put_u16(uint32_t (&w)[N], int i, unsigned v) {
  w[i >> 1] |= v << (16 * (i & 1));
}

// ---- scalar sample access (edges, odd sizes, unaligned views, the generic kernel) ---------------

// Element `i` (sample index within the row, channels counted) of row y as a float: the code
// (already shifted down for P010), or the float value.
__device__ __forceinline__ float load_sample(const DevPlane& p, int sample, int shift, int i, int y) {
  const uint8_t* r = row_ptr(p, y);
  switch (sample) {
    case kU8: return code_to_float(__ldg(r + i));
    case kU16: return code_to_float(__ldg(reinterpret_cast<const uint16_t*>(r) + i) >> shift);
    case kF16: return __half2float(__ushort_as_half(__ldg(reinterpret_cast<const unsigned short*>(r) + i)));
    default: return __ldg(reinterpret_cast<const float*>(r) + i);
  }
}

// Writes a code value (rounded and clamped to [0, max]) or a float value (as it is).
__device__ __forceinline__ void store_sample(const DevPlane& p, int sample, int shift, float max, int i, int y, float v) {
  uint8_t* r = row_ptr_mut(p, y);
  switch (sample) {
    case kU8: r[i] = static_cast<uint8_t>(round_code(v, max)); break;
    case kU16: reinterpret_cast<uint16_t*>(r)[i] = static_cast<uint16_t>(round_code(v, max) << shift); break;
    case kF16: reinterpret_cast<__half*>(r)[i] = __float2half_rn(v); break;
    default: reinterpret_cast<float*>(r)[i] = v; break;
  }
}

__host__ __device__ inline int ceil_div(int a, int b) { return (a + b - 1) / b; }

}  // namespace caldera::color_cuda
