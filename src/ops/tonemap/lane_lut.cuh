// Internal (CUDA): piecewise-linear lookup tables in shared memory for the fused kernels, laid out
// so that any 32 lookups of a warp are free of bank conflicts whatever the data: every entry is
// stored 32 times, [entry][lane], and a lane reads only its own copy. An entry is a line
// (a, b) over its segment, value = a + b * x, so a lookup needs no fraction: one saturate, one
// multiply, one round-down add, one mask, one 8-byte shared load and one FMA.
//
// The half-replicated layout (the HDR10 -> SDR kernel) stores every entry 16 times, [entry][copy],
// and lane L reads copy L % 16: a warp's 8-byte shared load is served as two half-warps, and the
// 16 lanes of each read 16 different copies (two banks each, all 32 banks), so it is still free
// of conflicts in half the memory (more blocks per SM). Its lookup takes x already in [0, 1] and
// folds the scale and the floor into one round-down FMA: one FMA, one shift-add, the load, one FMA.
//
// Two index domains, both with kLutSegments segments and one extra entry for the top end:
//   uniform: w = saturate(x) * kLutSegments * 256 (segment = floor(w) / 256)
//   log:     the bits of x in [2^-kLogOctaves, 1] (8 segments per octave, taken from the float's
//            exponent and top 3 mantissa bits); below the range the lowest segment's line goes on.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "ops/tonemap/lut_tables.hpp"

namespace caldera::tonemap_detail {

inline constexpr int kLutLanes = 32;
inline constexpr size_t kLutBytes = sizeof(float2) * kLutEntries * kLutLanes;
inline constexpr int kLutCopies = 16;  // the half-replicated layout
inline constexpr unsigned kLutRowBytes = sizeof(float2) * kLutCopies;  // 128: one entry's copies
inline constexpr size_t kLutHalfBytes = kLutRowBytes * kLutEntries;
static_assert(kLutSegments * kLutRowBytes < (1u << 22), "the round-down FMA keeps the offset in the mantissa");

// x * scale + 1.5 * 2^23 rounded down: floor(x * scale) in the low mantissa bits (|x * scale| <
// 2^22). On the device one FFMA.RM; on the host the same exactly, the product being exact in
// double (so any scale, not only powers of 2: the fused kernels floor their codes by just under
// 256 or 1024).
__device__ __forceinline__ float floor_bits(float x, float scale) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rd(x, scale, 12582912.0f);
#else
  return static_cast<float>(std::floor(static_cast<double>(x) * scale) + 12582912.0);
#endif
}

__device__ inline float2 as_float2(Line l) { return make_float2(l.a, l.b); }

// Copies `lines` (kLutEntries, in shared memory) into the lane-replicated table; every thread of
// the block calls it, then synchronise.
__device__ inline void replicate_lut(const float2* lines, float2* table, int t, int threads) {
  for (int i = t; i < kLutEntries * kLutLanes; i += threads) table[i] = lines[i / kLutLanes];
}
__device__ inline void replicate_lut_half(const float2* lines, float2* table, int t, int threads) {
  for (int i = t; i < kLutEntries * kLutCopies; i += threads) table[i] = lines[i / kLutCopies];
}
// This lane's byte offset within an entry of the half-replicated layout.
__device__ __forceinline__ unsigned lut_copy_offset(int lane) { return (lane % kLutCopies) * sizeof(float2); }

// `lane_table` = the table + this lane's column (table + lane), as bytes.
__device__ __forceinline__ float lookup_uniform(const char* lane_table, float x) {
  x = __saturatef(x);
  const float w = x * static_cast<float>(kLutSegments * 256);
  const unsigned bits = __float_as_uint(__fadd_rd(w, 12582912.0f));  // 1.5 * 2^23: floor(w) in the low bits
  const float2 line = *reinterpret_cast<const float2*>(lane_table + (bits & 0x3fff00u));
  return fmaf(line.y, x, line.x);
}

// The line at byte `offset` of a table in shared memory: a 32-bit shared-window load on the device.
__device__ __forceinline__ float2 shared_line(const char* table, unsigned offset) {
#if defined(__CUDA_ARCH__)
  float2 v;
  asm volatile("ld.shared.v2.f32 {%0, %1}, [%2];"
               : "=f"(v.x), "=f"(v.y)
               : "r"(static_cast<unsigned>(__cvta_generic_to_shared(table)) + offset));
  return v;
#else
  return *reinterpret_cast<const float2*>(table + offset);
#endif
}

// The half-replicated uniform lookup; x must be in [0, 1] (the kernel saturates it where it makes
// it). The round-down FMA leaves 1.5 * 2^23 + segment in the float's bits, so the byte offset of
// the segment's row is bits * 128 less that constant's 128 times: `biased_copy` is the lane's
// copy offset less kUniformBias (unsigned arithmetic wraps), and the lookup's address is then one
// shift-add, where masking the bits and adding the base cost two. The bias must reach the kernel
// as a runtime value (ForwardParams::uniform_bias): as a constant, the compiler splits it back out
// and adds it per lookup.
inline constexpr unsigned kUniformBias = 0x4b400000u * kLutRowBytes;  // __float_as_uint(1.5f * 2^23) * 128
__device__ __forceinline__ float lookup_uniform_half(const char* table, unsigned biased_copy, float x) {
  const unsigned bits = __float_as_uint(floor_bits(x, static_cast<float>(kLutSegments)));
  const float2 line = shared_line(table, biased_copy + bits * kLutRowBytes);
  return fmaf(line.y, x, line.x);
}

__device__ __forceinline__ float lookup_log(const char* lane_table, float x) {
  x = fminf(fmaxf(x, 0.0f), 1.0f);
  // Exponent and top three mantissa bits: (bits >> 20) counts segments from 2^-127; entry 0 is 2^-16.
  const int seg = static_cast<int>(__float_as_uint(x) >> 20) - ((127 - kLogOctaves) << 3);
  const int i = max(seg, 0);
  const float2 line = *reinterpret_cast<const float2*>(lane_table + i * (kLutLanes * sizeof(float2)));
  return fmaf(line.y, x, line.x);
}

// The log-domain lookup of the half-replicated layout (the same segments as lookup_log).
__device__ __forceinline__ float lookup_log_half(const char* table, unsigned copy_offset, float x) {
  x = fminf(fmaxf(x, 0.0f), 1.0f);
  const int seg = static_cast<int>(__float_as_uint(x) >> 20) - ((127 - kLogOctaves) << 3);
  const unsigned i = static_cast<unsigned>(max(seg, 0));
  const float2 line = shared_line(table, i * kLutRowBytes | copy_offset);
  return fmaf(line.y, x, line.x);
}

}  // namespace caldera::tonemap_detail
