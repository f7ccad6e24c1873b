// Internal (CUDA): piecewise-linear lookup tables in shared memory for the fused kernels, laid out
// so that any 32 lookups of a warp are free of bank conflicts whatever the data: every entry is
// stored 32 times, [entry][lane], and a lane reads only its own copy. An entry is a line
// (a, b) over its segment, value = a + b * w, so a lookup needs no fraction: one saturate, one
// multiply, one round-down add, one mask, one 8-byte shared load and one FMA.
//
// Two index domains, both with kLutSegments segments and one extra entry for the top end:
//   uniform: w = saturate(x) * kLutSegments * 256 (segment = floor(w) / 256)
//   log:     the bits of x in [2^-kLogOctaves, 1] (8 segments per octave, taken from the float's
//            exponent and top 3 mantissa bits); below the range the lowest segment's line goes on.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "ops/tonemap/lut_tables.hpp"

namespace caldera::tonemap_detail {

inline constexpr int kLutLanes = 32;
inline constexpr size_t kLutBytes = sizeof(float2) * kLutEntries * kLutLanes;

__device__ inline float2 as_float2(Line l) { return make_float2(l.a, l.b); }

// Copies `lines` (kLutEntries, in shared memory) into the lane-replicated table; every thread of
// the block calls it, then synchronise.
__device__ inline void replicate_lut(const float2* lines, float2* table, int t, int threads) {
  for (int i = t; i < kLutEntries * kLutLanes; i += threads) table[i] = lines[i / kLutLanes];
}

// `lane_table` = the table + this lane's column (table + lane), as bytes.
__device__ __forceinline__ float lookup_uniform(const char* lane_table, float x) {
  const float w = __saturatef(x) * static_cast<float>(kLutSegments * 256);
  const unsigned bits = __float_as_uint(__fadd_rd(w, 12582912.0f));  // 1.5 * 2^23: floor(w) in the low bits
  const float2 line = *reinterpret_cast<const float2*>(lane_table + (bits & 0x3fff00u));
  return fmaf(line.y, w, line.x);
}

__device__ __forceinline__ float lookup_log(const char* lane_table, float x) {
  x = fminf(fmaxf(x, 0.0f), 1.0f);
  // Exponent and top three mantissa bits: (bits >> 20) counts segments from 2^-127; entry 0 is 2^-16.
  const int seg = static_cast<int>(__float_as_uint(x) >> 20) - ((127 - kLogOctaves) << 3);
  const int i = max(seg, 0);
  const float2 line = *reinterpret_cast<const float2*>(lane_table + i * (kLutLanes * sizeof(float2)));
  return fmaf(line.y, x, line.x);
}

}  // namespace caldera::tonemap_detail
