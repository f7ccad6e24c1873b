// Fast blur kernels for 8-bit planes of 1 to 4 interleaved channels (gray8 and the planes of
// I420/I422/I444; NV12's UV plane; RGB24 / BGR24; RGBA / BGRA) with kernel radius <= 4 (1
// channel), 3 (2, 3 channels) or 2 (4): the 4K benchmarks. Same integer arithmetic as the reference
// (blur_internal.hpp).
//
// A warp makes one row of a 240-pixel strip: lane l owns the 8 pixels xs + 8l .. xs + 8l + 7
// (xs = 240 * strip - 8). Each lane runs the vertical pass for its 8 pixels with CH 8-byte loads
// per source row (the 2R + 1 rows a block's 8 warps share come from L1), then takes the R pixels
// of horizontal halo on each side from its neighbours by shuffles, so lanes 1..30 can finish
// their 8 outputs; lanes 0 and 31 only supply halo. Lanes whose columns cross the image edge read
// border-mapped columns byte by byte, which makes their V8 the border column's, as the reference.
// Gaussian and unsharp weights are symmetric (blur_internal.hpp builds them so), which halves the
// multiplies of both passes; the sums are the reference's exactly (no term wraps). The binomial
// 3x3 and 5x5 Gaussians (the defaults of ksize 3 and 5) and the centred 3x3 and 5x5 boxes of
// gray8 have their own kernel in packed 16-bit arithmetic (packed8_kernel): the same strips,
// kRowsOf<R> rows per thread, two columns per register.
#include <cuda_runtime.h>

#include <string>

#include "core/cuda_check.hpp"
#include "ops/blur/blur_cuda.cuh"
#include "ops/blur/border.hpp"
#include "ops/blur/edge_words.cuh"

namespace caldera::blur_detail {
namespace {

using filter_detail::load_words;
using filter_detail::strip_warp_inside;

constexpr int kStrip = 240;   // output columns per warp row
constexpr int kWarpRows = 8;  // warps per block, stacked vertically
// packed8_kernel: output rows per thread, from the rows + 2R source rows it loads once: 2 for 3x3,
// 4 for 5x5 (more rows amortise its 4 extra loads). bench/experiments/strip_tiling.cu on the H200
// (2026-12-03; 1, 2, 4, 8 rows, 8 or 16 columns per lane, persistent grids): 8 columns and 2 rows
// fastest for the 3x3 binomial, 10.2 us at 4K against 10.7 for 4 rows and 11.0 for 1. (The other
// kernels make one row per thread: 4 rows measured slower for them on the H200 before their edge
// code moved out of their hot path, box 5x5 40.4 vs 34.2 us, unsharp 52.8 vs 44.7.)
template <int R>
constexpr int kRowsOf = R == 1 ? 2 : 4;

__device__ __forceinline__ uint32_t byte_of(uint2 v, int q) {
  return ((q < 4 ? v.x : v.y) >> (8 * (q & 3))) & 0xFFu;
}

// Every source row a thread needs (rows y0 - R .. y0 + kRowsOf<R> - 1 + R of its 8 columns), loaded
// up front so that the loads are in flight together; each serves up to 2R + 1 output rows from
// registers. With kEdge, rows outside the image and lanes whose 8 columns cross its edge go
// through the border maps (edge_words.cuh; Constant: the value), so every lane then runs the same
// passes; a column outside the image is never written, and its V is that of its border column.
template <int R, bool kEdge>
__device__ __forceinline__ void load_rows(const SepArgs& a, int y0, int c0, uint2 (&words)[kRowsOf<R> + 2 * R]) {
  const bool inside = c0 >= 0 && c0 + 7 < a.w;
  load_words<kEdge>(a.src, a.src_pitch, a.w, a.h, y0 - R, c0, 1, 0, inside, a.border, a.cv_u8, words);
}

// CH interleaved channels (1: gray8 and planar planes; 2: NV12's UV plane; 3: RGB24 / BGR24; 4:
// RGBA): a lane owns 8 pixels, 8 CH samples in CH 8-byte words per row; a tap of sample q is CH
// samples away.
template <int R, int OP, int CH, bool kEdge>
__device__ __forceinline__ void fast8_body(const SepArgs& a) {
  constexpr int K = 2 * R + 1;
  constexpr int NS = 8 * CH;  // samples per lane
  constexpr int HS = R * CH;  // halo samples per side
  const int lane = threadIdx.x;
  const int y = blockIdx.y * kWarpRows + threadIdx.y;
  if (y >= a.h) return;  // the whole warp shares y, so shuffles below see every lane
  const int c0 = blockIdx.x * kStrip - 8 + 8 * lane;  // first pixel
  constexpr bool kBox = OP == static_cast<int>(Op::Box);

  // Weights by offset -R..R (zero where the kernel is narrower), uniform across the warp.
  uint32_t wy[K], wx[K];
#pragma unroll
  for (int o = -R; o <= R; ++o) {
    const int iy = o + a.ay, ix = o + a.ax;
    wy[o + R] = (iy >= 0 && iy < a.ky) ? (kBox ? 1u : a.wy_q16[iy]) : 0u;
    wx[o + R] = (ix >= 0 && ix < a.kx) ? (kBox ? 1u : a.wx_q16[ix]) : 0u;
  }

  // ---- vertical pass: V (box) or V8 for the lane's 8 CH samples ----------------------------------
  uint32_t v[NS];
#pragma unroll
  for (int q = 0; q < NS; ++q) v[q] = 0;
  uint32_t centre[NS];  // the source row y itself (unsharp)
  const bool inside = c0 >= 0 && c0 + 7 < a.w;
  {
    // All (2R + 1) CH words first, so the loads are in flight together. Lanes across the image edge
    // gather border-mapped pixels (kEdge, edge_words.cuh): a column wholly outside a Constant border
    // reads the value on every row, so its V is the constant column's, as the reference's.
    uint2 words[K][CH];
#pragma unroll
    for (int c = 0; c < CH; ++c) {
      uint2 col[K];
      load_words<kEdge>(a.src, a.src_pitch, a.w, a.h, y - R, c0, CH, c, inside, a.border, a.cv_u8, col);
#pragma unroll
      for (int o = 0; o < K; ++o) words[o][c] = col[o];
    }
#pragma unroll
    for (int q = 0; q < NS; ++q) {
      centre[q] = byte_of(words[R][q / 8], q % 8);
      if (kBox) {
#pragma unroll
        for (int o = 0; o < K; ++o) v[q] += wy[o] * byte_of(words[o][q / 8], q % 8);
      } else {
        // Gaussian taps are symmetric: one multiply per pair of rows.
        v[q] = wy[R] * centre[q];
#pragma unroll
        for (int j = 1; j <= R; ++j)
          v[q] += wy[R + j] * (byte_of(words[R - j][q / 8], q % 8) + byte_of(words[R + j][q / 8], q % 8));
      }
    }
  }
  if (!kBox) {
#pragma unroll
    for (int q = 0; q < NS; ++q) v[q] = (v[q] + 128) >> 8;
  }

  // ---- horizontal pass: halo from the neighbouring lanes -------------------------------------------
  uint32_t e[NS + 2 * HS];  // V for pixels c0 - R .. c0 + 7 + R, CH samples each
#pragma unroll
  for (int i = 0; i < HS; ++i) {
    e[i] = __shfl_up_sync(0xFFFFFFFFu, v[NS - HS + i], 1);
    e[NS + HS + i] = __shfl_down_sync(0xFFFFFFFFu, v[i], 1);
  }
#pragma unroll
  for (int q = 0; q < NS; ++q) e[HS + q] = v[q];
  if (lane == 0 || lane == 31 || c0 >= a.w) return;

  uint32_t out[NS];
  const uint32_t n_box = static_cast<uint32_t>(a.kx * a.ky);
#pragma unroll
  for (int q = 0; q < NS; ++q) {
    uint32_t s = 0;
    if (kBox) {
#pragma unroll
      for (int i = 0; i < K; ++i) s += wx[i] * e[q + i * CH];
    } else {
      // Symmetric pairs: a side weight is at most 65536 / 3, so w * (e + e) stays below 2^32.
      s = wx[R] * e[q + HS];
#pragma unroll
      for (int j = 1; j <= R; ++j) s += wx[R + j] * (e[q + HS - j * CH] + e[q + HS + j * CH]);
    }
    if (OP == static_cast<int>(Op::Gaussian)) {
      out[q] = (s + (1u << 23)) >> 24;
    } else if (kBox) {
      // floor((2s + n) / 2n) by multiply-high with m = ceil(2^32 / d), d = 2n: x m / 2^32 = x / d +
      // x e / (d 2^32) with e = m d - 2^32 < d, and x e < 2^16 * 162 < 2^32 keeps it below the
      // next integer (x = 2s + n <= 511 * 81 for radius <= 4).
      out[q] = __umulhi(2 * s + n_box, a.box_recip);
    } else {
      const int in = static_cast<int>(centre[q]);
      const int blur8 = static_cast<int>((s + (1u << 15)) >> 16);
      const int d = 256 * in - blur8;
      out[q] = abs(d) < a.threshold_q8 ? static_cast<uint32_t>(in)
                                       : static_cast<uint32_t>(min(max((65536 * in + a.amount_q8 * d + 32768) >> 16, 0), 255));
    }
  }
  uint8_t* row = a.dst + static_cast<size_t>(y) * a.dst_pitch + CH * c0;
  if (!kEdge || c0 + 7 < a.w) {
#pragma unroll
    for (int c = 0; c < CH; ++c) {
      const uint32_t* o = out + 8 * c;
      uint2 packed;
      packed.x = o[0] | (o[1] << 8) | (o[2] << 16) | (o[3] << 24);
      packed.y = o[4] | (o[5] << 8) | (o[6] << 16) | (o[7] << 24);
      reinterpret_cast<uint2*>(row)[c] = packed;
    }
  } else {
#pragma unroll
    for (int q = 0; q < NS; ++q)
      if (c0 + q / CH < a.w) row[q] = static_cast<uint8_t>(out[q]);
  }
}

template <int R, int OP, int CH>
__global__ void __launch_bounds__(32 * kWarpRows) fast8_kernel(const SepArgs a) {
  const int y = blockIdx.y * kWarpRows + threadIdx.y;
  if (strip_warp_inside<kStrip>(blockIdx.x, y - R, y + R + 1, a.w, a.h)) fast8_body<R, OP, CH, false>(a);
  else fast8_body<R, OP, CH, true>(a);
}

// The binomial Gaussians (3x3: taps 1 2 1 / 4, 5x5: 1 4 6 4 1 / 16 on both axes; OpenCV's and
// Caldera's default for ksize 3 and 5) and the centred 3x3 and 5x5 boxes (kBox), in packed 16-bit
// arithmetic: two columns per 32-bit register. Their Q16 weights are exact multiples, so the reference's two roundings reduce to
// one on the integer sum Y = sum m_i m_j P (blur_internal.hpp): V8 = 2^(8-n) V, S = 2^(24-2n) Y
// with 2^n the taps' sum per axis, out = (Y + 2^(2n-1)) >> 2n. Y is at most 255 * 2^(2n) =
// 65280 for 5x5, so no lane carries into its neighbour. A lane's 8 columns are held as the even
// columns (0, 2 | 4, 6) and the odd ones (1, 3 | 5, 7) of its two words; a shifted pair like
// (V[c - 1], V[c + 1]) is one byte permute. A box's sum S (at most 25 * 255) fits a lane too; its
// average floor((2S + n) / 2n) is then the fast kernel's multiply-high, per column.
template <int R, bool kBox, bool kEdge>
__device__ __forceinline__ void packed8_body(const SepArgs& a) {
  static_assert(R == 1 || R == 2, "3x3 and 5x5");
  constexpr int kRows = kRowsOf<R>;
  constexpr int kLoads = kRows + 2 * R;
  const int lane = threadIdx.x;
  const int y0 = (blockIdx.y * kWarpRows + threadIdx.y) * kRows;
  if (y0 >= a.h) return;  // uniform per warp
  const int c0 = blockIdx.x * kStrip - 8 + 8 * lane;
  const bool writes = lane != 0 && lane != 31 && c0 < a.w;
  uint2 words[kLoads];
  load_rows<R, kEdge>(a, y0, c0, words);
  // Even and odd columns of every row: [0] = (0, 2), [1] = (1, 3), [2] = (4, 6), [3] = (5, 7).
  uint32_t sp[kLoads][4];
#pragma unroll
  for (int i = 0; i < kLoads; ++i) {
    sp[i][0] = words[i].x & 0x00FF00FFu;
    sp[i][1] = (words[i].x >> 8) & 0x00FF00FFu;
    sp[i][2] = words[i].y & 0x00FF00FFu;
    sp[i][3] = (words[i].y >> 8) & 0x00FF00FFu;
  }
  auto perm = [](uint32_t lo, uint32_t hi, unsigned sel) { return __byte_perm(lo, hi, sel); };
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const int y = y0 + r;
    if (kEdge && y >= a.h) break;  // uniform per warp
    uint32_t v[4];  // vertical sums, packed as sp
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      if (kBox) {
        v[k] = sp[r][k] + sp[r + 1][k] + sp[r + 2][k];
        if (R == 2) v[k] += sp[r + 3][k] + sp[r + 4][k];
      } else if (R == 1) {
        v[k] = sp[r][k] + sp[r + 2][k] + (sp[r + 1][k] << 1);
      } else {
        const uint32_t c = sp[r + 2][k];
        v[k] = sp[r][k] + sp[r + 4][k] + ((sp[r + 1][k] + sp[r + 3][k] + c) << 2) + (c << 1);
      }
    }
    // Halo: the left lane's columns 6, 7 (high halves of its v[2], v[3]) and the right lane's 0, 1.
    const uint32_t left = __shfl_up_sync(0xFFFFFFFFu, perm(v[2], v[3], 0x7632), 1);   // (V[-2], V[-1])
    const uint32_t right = __shfl_down_sync(0xFFFFFFFFu, perm(v[0], v[1], 0x5410), 1);  // (V[8], V[9])
    if (!writes) continue;
    // Pairs (V[c + d], V[c + 2 + d]) for the outputs c = 0, 1, 4, 5 of the pair layout.
    const uint32_t vm1_1 = perm(left, v[1], 0x5432);   // (V-1, V1)
    const uint32_t v2_4 = perm(v[0], v[2], 0x5432);    // (V2, V4)
    const uint32_t v3_5 = perm(v[1], v[3], 0x5432);    // (V3, V5)
    const uint32_t v6_8 = perm(v[2], right, 0x5432);    // (V6, V8)
    uint32_t ys[4];  // Y (box: S) of the output pairs (0, 2), (1, 3), (4, 6), (5, 7)
    if (R == 1) {
      auto tap3 = [](uint32_t near0, uint32_t c, uint32_t near1) { return near0 + near1 + (kBox ? c : c << 1); };
      ys[0] = tap3(vm1_1, v[0], v[1]);  // columns 0, 2
      ys[1] = tap3(v[0], v[1], v2_4);   // 1, 3
      ys[2] = tap3(v3_5, v[2], v[3]);   // 4, 6
      ys[3] = tap3(v[2], v[3], v6_8);   // 5, 7
    } else {
      const uint32_t vm2_0 = perm(left, v[0], 0x5410);       // (V-2, V0)
      const uint32_t v7_9 = perm(v[3], right, 0x7632);        // (V7, V9)
      auto tap5 = [](uint32_t far0, uint32_t near0, uint32_t c, uint32_t near1, uint32_t far1) {
        if (kBox) return far0 + near0 + c + near1 + far1;
        return far0 + far1 + ((near0 + near1 + c) << 2) + (c << 1);
      };
      ys[0] = tap5(vm2_0, vm1_1, v[0], v[1], v2_4);   // columns 0, 2
      ys[1] = tap5(vm1_1, v[0], v[1], v2_4, v3_5);    // 1, 3
      ys[2] = tap5(v2_4, v3_5, v[2], v[3], v6_8);     // 4, 6
      ys[3] = tap5(v3_5, v[2], v[3], v6_8, v7_9);     // 5, 7
    }
    uint2 packed;
    if (kBox) {  // columns (0, 2, 1, 3) are the low, low, high, high halves of ys[0], ys[1]
      const uint32_t n = static_cast<uint32_t>(a.kx * a.ky);
      auto avg = [&](uint32_t sum) { return __umulhi(2 * sum + n, a.box_recip); };
      auto pack = [&](uint32_t even, uint32_t odd) {
        return avg(even & 0xFFFFu) | avg(odd & 0xFFFFu) << 8 | avg(even >> 16) << 16 | avg(odd >> 16) << 24;
      };
      packed = make_uint2(pack(ys[0], ys[1]), pack(ys[2], ys[3]));
    } else if (R == 1) {  // (Y + 8) >> 4: bits 4..11 of each 16-bit lane
      auto pack = [](uint32_t even, uint32_t odd) {
        even += 0x00080008u, odd += 0x00080008u;
        return ((even >> 4) & 0x00FF00FFu) | ((odd << 4) & 0xFF00FF00u);
      };
      packed = make_uint2(pack(ys[0], ys[1]), pack(ys[2], ys[3]));
    } else {  // (Y + 128) >> 8: the high byte of each 16-bit lane
      auto pack = [](uint32_t even, uint32_t odd) { return __byte_perm(even + 0x00800080u, odd + 0x00800080u, 0x7351); };
      packed = make_uint2(pack(ys[0], ys[1]), pack(ys[2], ys[3]));
    }
    uint8_t* row = a.dst + static_cast<size_t>(y) * a.dst_pitch;
    if (!kEdge || c0 + 7 < a.w) {
      *reinterpret_cast<uint2*>(row + c0) = packed;
    } else {
#pragma unroll
      for (int q = 0; q < 8; ++q)
        if (c0 + q < a.w) row[c0 + q] = static_cast<uint8_t>((q < 4 ? packed.x : packed.y) >> (8 * (q & 3)));
    }
  }
}

// 8 blocks per SM for the 3x3 kernel (5 for 5x5): its interior body needs 32 registers (48), and
// the edge body's gather (bytes accumulated column by column) must not lower every warp's occupancy.
template <int R, bool kBox>
__global__ void __launch_bounds__(32 * kWarpRows, R == 1 ? 8 : 5) packed8_kernel(const SepArgs a) {
  const int y0 = (blockIdx.y * kWarpRows + threadIdx.y) * kRowsOf<R>;
  if (strip_warp_inside<kStrip>(blockIdx.x, y0 - R, y0 + kRowsOf<R> + R, a.w, a.h)) packed8_body<R, kBox, false>(a);
  else packed8_body<R, kBox, true>(a);
}

// Whether the plan is one of packed8_kernel's: 1 for 3x3, 2 for 5x5, 0 otherwise.
int packed8_radius(const SepArgs& a) {
  if (a.kx != a.ky || a.ax != a.kx / 2 || a.ay != a.ky / 2) return 0;
  if (static_cast<Op>(a.op) == Op::Box) return a.kx == 3 || a.kx == 5 ? a.kx / 2 : 0;
  if (static_cast<Op>(a.op) != Op::Gaussian) return 0;
  static constexpr uint32_t k3[3] = {16384, 32768, 16384};
  static constexpr uint32_t k5[5] = {4096, 16384, 24576, 16384, 4096};
  const uint32_t* want = a.kx == 3 ? k3 : a.kx == 5 ? k5 : nullptr;
  if (!want) return 0;
  for (int i = 0; i < a.kx; ++i)
    if (a.wx_q16[i] != want[i] || a.wy_q16[i] != want[i]) return 0;
  return a.kx / 2;
}

template <int R, int CH>
Status launch_r(const SepArgs& a, cudaStream_t stream) {
  const dim3 block(32, kWarpRows);
  const dim3 grid((a.w + kStrip - 1) / kStrip, (a.h + kWarpRows - 1) / kWarpRows);
  switch (static_cast<Op>(a.op)) {
    case Op::Gaussian: fast8_kernel<R, static_cast<int>(Op::Gaussian), CH><<<grid, block, 0, stream>>>(a); break;
    case Op::Box: fast8_kernel<R, static_cast<int>(Op::Box), CH><<<grid, block, 0, stream>>>(a); break;
    case Op::Unsharp: fast8_kernel<R, static_cast<int>(Op::Unsharp), CH><<<grid, block, 0, stream>>>(a); break;
  }
  return check_launch("blur fast8_kernel");
}

template <int CH>
Status launch_ch(const SepArgs& a, int r, cudaStream_t stream) {
  if (r <= 1) return launch_r<1, CH>(a, stream);
  if (r == 2) return launch_r<2, CH>(a, stream);
  if constexpr (CH <= 3) {
    if (r == 3) return launch_r<3, CH>(a, stream);
  }
  if constexpr (CH == 1) return launch_r<4, CH>(a, stream);
  return internal_error("blur: fast8 radius " + std::to_string(r) + " with " + std::to_string(CH) + " channels");
}

// The largest radius the fast kernels take per channel count: the samples a lane holds (8 CH
// per row, times 2R + 1 rows) must stay in registers.
int fast8_max_radius(int ch) { return ch == 1 ? 4 : ch <= 3 ? 3 : 2; }

}  // namespace

Result<bool> launch_fast8(const SepArgs& a, cudaStream_t stream) {
  if (a.ch < 1 || a.ch > 4) return false;
  const int r = std::max(std::max(a.ax, a.kx - 1 - a.ax), std::max(a.ay, a.ky - 1 - a.ay));
  if (r > fast8_max_radius(a.ch)) return false;
  for (auto [ptr, pitch] : {std::pair{reinterpret_cast<uintptr_t>(a.src), a.src_pitch},
                            std::pair{reinterpret_cast<uintptr_t>(a.dst), a.dst_pitch}})
    if (ptr % 8 || pitch % 8) return false;
  if (a.ch == 1) {
    if (const int br = packed8_radius(a)) {
      const dim3 block(32, kWarpRows);
      const int rows = br == 1 ? kRowsOf<1> : kRowsOf<2>;
      const dim3 grid((a.w + kStrip - 1) / kStrip, (a.h + kWarpRows * rows - 1) / (kWarpRows * rows));
      const bool box = static_cast<Op>(a.op) == Op::Box;
      if (br == 1 && box) packed8_kernel<1, true><<<grid, block, 0, stream>>>(a);
      else if (br == 1) packed8_kernel<1, false><<<grid, block, 0, stream>>>(a);
      else if (box) packed8_kernel<2, true><<<grid, block, 0, stream>>>(a);
      else packed8_kernel<2, false><<<grid, block, 0, stream>>>(a);
      CALDERA_RETURN_IF_ERROR(check_launch("blur packed8_kernel"));
      return true;
    }
  }
  const Status s = a.ch == 1   ? launch_ch<1>(a, r, stream)
                   : a.ch == 2 ? launch_ch<2>(a, r, stream)
                   : a.ch == 3 ? launch_ch<3>(a, r, stream)
                               : launch_ch<4>(a, r, stream);
  if (!s) return s;
  return true;
}

}  // namespace caldera::blur_detail
