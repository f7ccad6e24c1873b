// Internal (CUDA): the border handling of the 8-bit strip kernels (blur's fast8.cu, gradient's
// cuda.cu). A lane of those kernels reads 8 bytes of each source row with one 8-byte load; only
// the warps of a strip at the image's left or right edge, or of rows next to its top or bottom,
// need the border maps. Inlined into every unrolled row of every kernel, that rare code made each
// kernel ~90 KB of SASS (Nsight Compute on the H200: the 4K Gaussian's SMs idle 40% of its time,
// half of a warp's cycles waiting for instruction fetch), and moved out of line into calls it
// constrained the register allocation of the whole kernel (48 registers, 70% more instructions,
// slower). So each kernel body is instantiated twice, kEdge false for the warps wholly inside
// the image (plain loads, no border code) and true for the others, and the kernel picks one per
// warp (strip_warp_inside). An edge warp's gather must keep its loads in flight together: byte by
// byte, one dependent load after another, the few edge warps ran 32 load latencies each and set
// the kernel's end (4K 3x3 Gaussian 15.3 us in Nsight Compute, the SMs active 59% of it); even
// gathered column by column, the two rounds of the one lane outside the image kept the left and
// right strips' blocks the slowest (one SM busy 22.8 k cycles, the average 14.5 k), so a gray
// lane wholly outside permutes the 8 inside columns next to the edge instead.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "ops/blur/border.hpp"

namespace caldera::filter_detail {

// Whether a warp of strip `strip` (kStrip output columns, lanes reading 8 columns each from
// strip * kStrip - 8 on) and source rows y_lo .. y_hi - 1 reads only pixels inside the image.
template <int kStrip>
__device__ __forceinline__ bool strip_warp_inside(int strip, int y_lo, int y_hi, int w, int h) {
  return strip >= 1 && (strip + 1) * kStrip + 8 <= w && y_lo >= 0 && y_hi <= h;
}

// Word k (8 bytes) of a lane's run of 8 pixels of `ch` interleaved 8-bit samples at pixel c0, from
// the N source rows y_first .. y_first + N - 1: N aligned 8-byte loads, issued together. With
// kEdge, each row goes through the border map (the Constant value's bytes on the Constant border's
// rows), a gray run wholly outside the image's side permutes the bytes of the nearest 8 inside
// columns, and any other run across it (`inside` false) gathers each pixel through the border
// map: column by column, all N rows of a column loaded together, four columns per round, so an
// edge warp waits for 2 rounds of loads, not 8 N (the column loop is unrolled no further: the
// edge body shares the kernel's register budget, and only edge warps run it).
template <int N>
__device__ __forceinline__ void load_edge_words(const uint8_t* src, size_t pitch, int w, int h, int y_first, int c0,
                                                int ch, int k, bool inside, int border, uint32_t cv, uint2 (&words)[N]) {
  const FilterBorder b = static_cast<FilterBorder>(border);
  int sy[N];
#pragma unroll
  for (int i = 0; i < N; ++i) sy[i] = border_index(y_first + i, h, b);
  if (inside) {
    const uint32_t rep = cv * 0x01010101u;
#pragma unroll
    for (int i = 0; i < N; ++i)
      words[i] = sy[i] < 0 ? make_uint2(rep, rep)
                           : __ldg(reinterpret_cast<const uint2*>(src + static_cast<size_t>(sy[i]) * pitch + static_cast<size_t>(c0) * ch) + k);
    return;
  }
  if (ch == 1 && w >= 8 && (c0 + 8 <= 0 || (c0 >= w && w % 8 == 0))) {
    // A gray lane wholly outside the image (the left strip's lane 0; past a right edge at a
    // multiple of 8): only its columns next to the image matter (the halo of the last lane that
    // writes, at most 4 columns), and their border columns lie within the 8 inside columns
    // nearest that edge. So it loads those (aligned: column 0, or w - 8), as an inside lane
    // does, and permutes each row's bytes; the columns that no written output reads take any of
    // them. (Gathered column by column instead, these lanes' extra rounds of loads made the
    // edge strips' blocks the slowest of the 4K Gaussian and set its end: 12.6 us, now 9.0.)
    if (b == FilterBorder::Constant) {
      const uint32_t rep = cv * 0x01010101u;
#pragma unroll
      for (int i = 0; i < N; ++i) words[i] = make_uint2(rep, rep);
      return;
    }
    const int cb = c0 < 0 ? 0 : w - 8;
    uint32_t sel[2] = {0, 0};
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      const int m = border_index(c0 + q, w, b) - cb;
      sel[q / 4] |= static_cast<uint32_t>(m < 0 ? 0 : m > 7 ? 7 : m) << (4 * (q & 3));
    }
    const uint32_t rep = cv * 0x01010101u;
#pragma unroll
    for (int i = 0; i < N; ++i) {
      if (sy[i] < 0) {
        words[i] = make_uint2(rep, rep);
      } else {
        const uint2 raw = __ldg(reinterpret_cast<const uint2*>(src + static_cast<size_t>(sy[i]) * pitch + cb));
        words[i] = make_uint2(__byte_perm(raw.x, raw.y, sel[0]), __byte_perm(raw.x, raw.y, sel[1]));
      }
    }
    return;
  }
  uint64_t acc[N];
#pragma unroll
  for (int i = 0; i < N; ++i) acc[i] = 0;
#pragma unroll 4
  for (int q = 0; q < 8; ++q) {
    const int s = 8 * k + q;  // sample index within the lane's run
    const int bx = border_index(c0 + s / ch, w, b);
    const size_t col = static_cast<size_t>(bx) * ch + s % ch;
#pragma unroll
    for (int i = 0; i < N; ++i) {
      const uint32_t v = sy[i] < 0 || bx < 0 ? cv : __ldg(src + static_cast<size_t>(sy[i]) * pitch + col);
      acc[i] |= static_cast<uint64_t>(v) << (8 * q);
    }
  }
#pragma unroll
  for (int i = 0; i < N; ++i) words[i] = make_uint2(static_cast<uint32_t>(acc[i]), static_cast<uint32_t>(acc[i] >> 32));
}

// (load_edge_words is the kEdge body: apart, so that the inside instantiation holds none of it.)
template <bool kEdge, int N>
__device__ __forceinline__ void load_words(const uint8_t* src, size_t pitch, int w, int h, int y_first, int c0, int ch,
                                           int k, bool inside, int border, uint32_t cv, uint2 (&words)[N]) {
  if constexpr (kEdge) {
    load_edge_words<N>(src, pitch, w, h, y_first, c0, ch, k, inside, border, cv, words);
  } else {
#pragma unroll
    for (int i = 0; i < N; ++i)
      words[i] = __ldg(reinterpret_cast<const uint2*>(src + static_cast<size_t>(y_first + i) * pitch + static_cast<size_t>(c0) * ch) + k);
  }
}

}  // namespace caldera::filter_detail
