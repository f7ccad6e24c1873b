// Fast blur kernels for 1-channel 8-bit planes (gray8, the planes of I420/I422/I444) with kernel
// radius <= 4: the 4K benchmarks. Same integer arithmetic as the reference (blur_internal.hpp).
//
// A warp makes kRows rows of a 240-column strip: lane l owns the 8 columns xs + 8l .. xs + 8l + 7
// (xs = 240 * strip - 8). Each lane loads the kRows + 2R source rows of its 8 columns (one 8-byte
// load each, all up front) and runs the vertical pass of each output row from registers, then takes the R columns
// of horizontal halo on each side from its neighbours by shuffles, so lanes 1..30 can finish
// their 8 outputs; lanes 0 and 31 only supply halo. Lanes whose columns cross the image edge read
// border-mapped columns byte by byte, which makes their V8 the border column's, as the reference.
// Gaussian and unsharp weights are symmetric (blur_internal.hpp builds them so), which halves the
// multiplies of both passes; the sums are the reference's exactly (no term wraps).
#include <cuda_runtime.h>

#include <string>

#include "core/cuda_check.hpp"
#include "ops/blur/blur_cuda.cuh"
#include "ops/blur/border.hpp"

namespace caldera::blur_detail {
namespace {

using filter_detail::border_index;

constexpr int kStrip = 240;   // output columns per warp row
constexpr int kWarpRows = 8;  // warps per block, stacked vertically
constexpr int kRows = 4;      // output rows per thread: each source row is loaded (kRows + 2R) / kRows times, not 2R + 1

__device__ __forceinline__ uint32_t byte_of(uint2 v, int q) {
  return ((q < 4 ? v.x : v.y) >> (8 * (q & 3))) & 0xFFu;
}

template <int R, int OP>
__global__ void __launch_bounds__(32 * kWarpRows) fast8_kernel(const SepArgs a) {
  constexpr int K = 2 * R + 1;
  constexpr int kLoads = kRows + 2 * R;  // source rows behind the thread's kRows output rows
  const int lane = threadIdx.x;
  const int y0 = (blockIdx.y * kWarpRows + threadIdx.y) * kRows;
  if (y0 >= a.h) return;  // the whole warp shares its rows, so shuffles below see every lane
  const int c0 = blockIdx.x * kStrip - 8 + 8 * lane;
  const FilterBorder border = static_cast<FilterBorder>(a.border);
  constexpr bool kBox = OP == static_cast<int>(Op::Box);
  // Lanes 0 and 31 only supply halo; lanes past the right edge have nothing to write.
  const bool writes = lane != 0 && lane != 31 && c0 < a.w;

  // Weights by offset -R..R (zero where the kernel is narrower), uniform across the warp.
  uint32_t wy[K], wx[K];
#pragma unroll
  for (int o = -R; o <= R; ++o) {
    const int iy = o + a.ay, ix = o + a.ax;
    wy[o + R] = (iy >= 0 && iy < a.ky) ? (kBox ? 1u : a.wy_q16[iy]) : 0u;
    wx[o + R] = (ix >= 0 && ix < a.kx) ? (kBox ? 1u : a.wx_q16[ix]) : 0u;
  }

  // Every source row the thread needs, loaded up front so that the loads are in flight together;
  // each serves up to 2R + 1 output rows from registers.
  // Lanes whose 8 columns cross the image edge (or lie outside it) gather them byte by byte from
  // border-mapped columns (Constant: the value), so every lane then runs the same passes; a
  // column outside the image is never written, and its V is that of its border column.
  const bool inside = c0 >= 0 && c0 + 7 < a.w;
  uint2 words[kLoads];
#pragma unroll
  for (int i = 0; i < kLoads; ++i) {
    const int sy = border_index(y0 - R + i, a.h, border);
    if (inside && sy >= 0) {
      words[i] = __ldg(reinterpret_cast<const uint2*>(a.src + static_cast<size_t>(sy) * a.src_pitch + c0));
    } else if (inside) {
      const uint32_t rep = a.cv_u8 * 0x01010101u;
      words[i] = make_uint2(rep, rep);
    } else {
      uint32_t half[2] = {0, 0};
#pragma unroll
      for (int q = 0; q < 8; ++q) {
        const int bx = border_index(c0 + q, a.w, border);
        const uint32_t b = sy < 0 || bx < 0 ? a.cv_u8 : __ldg(a.src + static_cast<size_t>(sy) * a.src_pitch + bx);
        half[q / 4] |= b << (8 * (q & 3));
      }
      words[i] = make_uint2(half[0], half[1]);
    }
  }

#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const int y = y0 + r;
    if (y >= a.h) break;  // uniform per warp

    // ---- vertical pass: V (box) or V8 for the lane's 8 columns ------------------------------------
    uint32_t v[8], centre[8];  // centre: the source row y itself (unsharp)
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      centre[q] = byte_of(words[r + R], q);
      if (kBox) {
        v[q] = 0;
#pragma unroll
        for (int o = 0; o < K; ++o) v[q] += wy[o] * byte_of(words[r + o], q);
      } else {
        // Gaussian taps are symmetric: one multiply per pair of rows.
        v[q] = wy[R] * centre[q];
#pragma unroll
        for (int j = 1; j <= R; ++j) v[q] += wy[R + j] * (byte_of(words[r + R - j], q) + byte_of(words[r + R + j], q));
      }
    }
    if (!kBox) {
#pragma unroll
      for (int q = 0; q < 8; ++q) v[q] = (v[q] + 128) >> 8;
    }

    // ---- horizontal pass: halo from the neighbouring lanes -----------------------------------------
    uint32_t e[8 + 2 * R];  // V for columns c0 - R .. c0 + 7 + R
#pragma unroll
    for (int i = 0; i < R; ++i) {
      e[i] = __shfl_up_sync(0xFFFFFFFFu, v[8 - R + i], 1);
      e[8 + R + i] = __shfl_down_sync(0xFFFFFFFFu, v[i], 1);
    }
#pragma unroll
    for (int q = 0; q < 8; ++q) e[R + q] = v[q];
    if (!writes) continue;

    uint32_t out[8];
    const uint32_t n_box = static_cast<uint32_t>(a.kx * a.ky);
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      uint32_t s = 0;
      if (kBox) {
#pragma unroll
        for (int i = 0; i < K; ++i) s += wx[i] * e[q + i];
      } else {
        // Symmetric pairs: a side weight is at most 65536 / 3, so w * (e + e) stays below 2^32.
        s = wx[R] * e[q + R];
#pragma unroll
        for (int j = 1; j <= R; ++j) s += wx[R + j] * (e[q + R - j] + e[q + R + j]);
      }
      if (OP == static_cast<int>(Op::Gaussian)) {
        out[q] = (s + (1u << 23)) >> 24;
      } else if (kBox) {
        // 2s + n < 2^24: the float quotient's floor is exact.
        out[q] = static_cast<uint32_t>(__fdiv_rn(static_cast<float>(2 * s + n_box), static_cast<float>(2 * n_box)));
      } else {
        const int in = static_cast<int>(centre[q]);
        const int blur8 = static_cast<int>((s + (1u << 15)) >> 16);
        const int d = 256 * in - blur8;
        out[q] = abs(d) < a.threshold_q8 ? static_cast<uint32_t>(in)
                                         : static_cast<uint32_t>(min(max((65536 * in + a.amount_q8 * d + 32768) >> 16, 0), 255));
      }
    }
    uint8_t* row = a.dst + static_cast<size_t>(y) * a.dst_pitch;
    if (c0 + 7 < a.w) {
      uint2 packed;
      packed.x = __byte_perm(__byte_perm(out[0], out[1], 0x0040), __byte_perm(out[2], out[3], 0x0040), 0x5410);
      packed.y = __byte_perm(__byte_perm(out[4], out[5], 0x0040), __byte_perm(out[6], out[7], 0x0040), 0x5410);
      *reinterpret_cast<uint2*>(row + c0) = packed;
    } else {
#pragma unroll
      for (int q = 0; q < 8; ++q)
        if (c0 + q < a.w) row[c0 + q] = static_cast<uint8_t>(out[q]);
    }
  }
}

template <int R>
Status launch_r(const SepArgs& a, cudaStream_t stream) {
  const dim3 block(32, kWarpRows);
  const dim3 grid((a.w + kStrip - 1) / kStrip, (a.h + kWarpRows * kRows - 1) / (kWarpRows * kRows));
  switch (static_cast<Op>(a.op)) {
    case Op::Gaussian: fast8_kernel<R, static_cast<int>(Op::Gaussian)><<<grid, block, 0, stream>>>(a); break;
    case Op::Box: fast8_kernel<R, static_cast<int>(Op::Box)><<<grid, block, 0, stream>>>(a); break;
    case Op::Unsharp: fast8_kernel<R, static_cast<int>(Op::Unsharp)><<<grid, block, 0, stream>>>(a); break;
  }
  return check_launch("blur fast8_kernel");
}

}  // namespace

Result<bool> launch_fast8(const SepArgs& a, cudaStream_t stream) {
  if (a.ch != 1) return false;
  const int r = std::max(std::max(a.ax, a.kx - 1 - a.ax), std::max(a.ay, a.ky - 1 - a.ay));
  if (r > 4) return false;
  for (auto [ptr, pitch] : {std::pair{reinterpret_cast<uintptr_t>(a.src), a.src_pitch},
                            std::pair{reinterpret_cast<uintptr_t>(a.dst), a.dst_pitch}})
    if (ptr % 8 || pitch % 8) return false;
  const Status s = r <= 1 ? launch_r<1>(a, stream) : r == 2 ? launch_r<2>(a, stream) : r == 3 ? launch_r<3>(a, stream)
                                                                                     : launch_r<4>(a, stream);
  if (!s) return s;
  return true;
}

}  // namespace caldera::blur_detail
