// Derivative filters on the GPU: exact integer responses, mapped with the shared epilogue of
// gradient_internal.hpp, so every code equals the reference's.
//  * fast kernel (8-byte aligned gray8 rows; 16-byte aligned gray16 destinations): the layout of
//    the fast blur kernels. A warp makes one row of a 240-column strip, lane l owns 8 columns;
//    it runs the vertical pass of each kernel pair with one 8-byte load per source row (the rows
//    a block's 8 warps share come from L1), takes the horizontal halo from its neighbours by
//    shuffles and writes 8 outputs with one 8- or 16-byte store. Only the warps at the image's
//    edges run the border maps (edge_words.cuh: the kernel bodies are instantiated twice). Plain Sobel first derivatives and their
//    magnitude (3, 5, 7 taps) get their taps as compile-time constants; everything else (Scharr,
//    second derivatives, the Laplacian, ksize 1) reads them from the arguments.
//  * packed kernel for the plain 3x3 Sobel d/dx and d/dy into gray8: the same strips, two rows per
//    thread, two columns per 32-bit register (packed_sobel3_kernel).
//  * generic kernel for other views: one thread per pixel, the 2-D sums straight from the
//    border-mapped source.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/cuda_check.hpp"
#include "core/mufu.cuh"
#include "ops/blur/edge_words.cuh"
#include "ops/gradient/gradient_internal.hpp"

namespace caldera::gradient_detail {
namespace {

using filter_detail::border_index;
using filter_detail::load_words;
using filter_detail::strip_warp_inside;

constexpr int kStrip = 240;
constexpr int kWarpRows = 8;
constexpr int kPad = kMaxTaps / 2;  // taps stored by offset -3..3

struct GradArgs {
  const uint8_t* src = nullptr;
  size_t src_pitch = 0;
  uint8_t* dst = nullptr;
  size_t dst_pitch = 0;
  int w = 0, h = 0;
  int wide = 0;  // gray16 destination
  int npairs = 1;
  int combine = 0;
  int border = 0;
  int cv = 0;
  int kx[2][kMaxTaps] = {};  // by offset + kPad, zero outside the kernel
  int ky[2][kMaxTaps] = {};
  Epilogue e;
};

__device__ __forceinline__ int byte_of(uint2 v, int q) { return static_cast<int>(((q < 4 ? v.x : v.y) >> (8 * (q & 3))) & 0xFFu); }

// Taps of kernel pair p by offset: the arguments, or OpenCV's Sobel first derivatives as
// compile-time constants (pair 0 is d/dx, or d/dy with kFirstIsDy; pair 1 is d/dy), which the
// compiler folds into shifts and adds.
struct ArgTaps {
  __device__ static int kx(const GradArgs& a, int p, int o) { return a.kx[p][o + kPad]; }
  __device__ static int ky(const GradArgs& a, int p, int o) { return a.ky[p][o + kPad]; }
};

template <int R, bool kFirstIsDy>
struct SobelTaps {
  __device__ static int smooth(int o) {
    constexpr auto t = sobel_axis_taps<2 * R + 1>(0);
    return t[o + R];
  }
  __device__ static int deriv(int o) {
    constexpr auto t = sobel_axis_taps<2 * R + 1>(1);
    return t[o + R];
  }
  __device__ static bool is_dy(int p) { return p == 0 ? kFirstIsDy : true; }
  __device__ static int kx(const GradArgs&, int p, int o) { return is_dy(p) ? smooth(o) : deriv(o); }
  __device__ static int ky(const GradArgs&, int p, int o) { return is_dy(p) ? deriv(o) : smooth(o); }
};

// The epilogue of a fast kernel: combine_code as it is (any scale, delta and combination), or,
// for the plain Sobel variants without scale or delta (the common case), the same codes in 32-bit
// integer arithmetic with the combination fixed at compile time. combine_code carries a
// double-precision path for scale and delta, 64-bit integers and a switch; per pixel, even
// unused, that is code the compiler may predicate through. Bounds: |response| <= 255 * 1280 (7
// taps), so |a| + |b| fits 32 bits; a^2 + b^2 only up to 5 taps (255 * 96 each), 64-bit beyond.
enum Epi : int { kEpiGeneric = 0, kEpiPlainA = 1, kEpiPlainL1 = 2, kEpiPlainL2 = 3 };

template <int R, int kEpi>
__device__ __forceinline__ uint32_t code_of(int a, int b, const GradArgs& g) {
  if constexpr (kEpi == kEpiGeneric) {
    return combine_code(a, b, static_cast<Combine>(g.combine), g.e);
  } else {
    const int mx = static_cast<int>(g.e.max_code);
    if constexpr (kEpi == kEpiPlainA) {
      return static_cast<uint32_t>(min(max(g.e.absolute ? abs(a) : a, 0), mx));
    } else if constexpr (kEpi == kEpiPlainL1) {
      return static_cast<uint32_t>(min(abs(a) + abs(b), mx));
    } else if constexpr (R <= 2) {
      return min(sqrt_round32(static_cast<uint32_t>(a * a + b * b)), static_cast<uint32_t>(mx));
    } else {
      const uint64_t m2 = static_cast<uint64_t>(static_cast<int64_t>(a) * a + static_cast<int64_t>(b) * b);
      return min(sqrt_round(m2), static_cast<uint32_t>(mx));
    }
  }
}

template <int R, int NP, class Taps, int kEpi, bool kEdge>
__device__ __forceinline__ void fast_body(const GradArgs& a) {
  const int lane = threadIdx.x;
  const int y = blockIdx.y * kWarpRows + threadIdx.y;
  if (y >= a.h) return;  // uniform per warp
  const int c0 = blockIdx.x * kStrip - 8 + 8 * lane;

  int v[NP][8];
#pragma unroll
  for (int p = 0; p < NP; ++p)
#pragma unroll
    for (int q = 0; q < 8; ++q) v[p][q] = 0;
  // One 8-byte word per source row; with kEdge, rows outside the image and lanes across its edge
  // take the border maps (edge_words.cuh): a column wholly outside a Constant border reads the
  // value on every row, so its response is the constant column's, cv times the taps' sum.
  const bool inside = c0 >= 0 && c0 + 7 < a.w;
  uint2 words[2 * R + 1];
  load_words<kEdge>(a.src, a.src_pitch, a.w, a.h, y - R, c0, 1, 0, inside, a.border, static_cast<uint32_t>(a.cv), words);
#pragma unroll
  for (int o = -R; o <= R; ++o) {
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      const int b = byte_of(words[o + R], q);
#pragma unroll
      for (int p = 0; p < NP; ++p) v[p][q] += Taps::ky(a, p, o) * b;
    }
  }

  // Horizontal pass: halo columns from the neighbouring lanes.
  int e[NP][8 + 2 * R];
#pragma unroll
  for (int p = 0; p < NP; ++p) {
#pragma unroll
    for (int i = 0; i < R; ++i) {
      e[p][i] = __shfl_up_sync(0xFFFFFFFFu, v[p][8 - R + i], 1);
      e[p][8 + R + i] = __shfl_down_sync(0xFFFFFFFFu, v[p][i], 1);
    }
#pragma unroll
    for (int q = 0; q < 8; ++q) e[p][R + q] = v[p][q];
  }
  if (lane == 0 || lane == 31 || c0 >= a.w) return;

  uint32_t out[8];
#pragma unroll
  for (int q = 0; q < 8; ++q) {
    int s[2] = {0, 0};
#pragma unroll
    for (int p = 0; p < NP; ++p)
#pragma unroll
      for (int i = -R; i <= R; ++i) s[p] += Taps::kx(a, p, i) * e[p][q + R + i];
    out[q] = code_of<R, kEpi>(s[0], s[1], a);
  }
  uint8_t* row = a.dst + static_cast<size_t>(y) * a.dst_pitch;
  if (!kEdge || c0 + 7 < a.w) {
    if (a.wide) {
      uint4 packed;
      packed.x = out[0] | (out[1] << 16);
      packed.y = out[2] | (out[3] << 16);
      packed.z = out[4] | (out[5] << 16);
      packed.w = out[6] | (out[7] << 16);
      *reinterpret_cast<uint4*>(row + 2 * c0) = packed;
    } else {
      uint2 packed;
      packed.x = out[0] | (out[1] << 8) | (out[2] << 16) | (out[3] << 24);
      packed.y = out[4] | (out[5] << 8) | (out[6] << 16) | (out[7] << 24);
      *reinterpret_cast<uint2*>(row + c0) = packed;
    }
  } else {
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      if (c0 + q >= a.w) break;
      if (a.wide) reinterpret_cast<uint16_t*>(row)[c0 + q] = static_cast<uint16_t>(out[q]);
      else row[c0 + q] = static_cast<uint8_t>(out[q]);
    }
  }
}

template <int R, int NP, class Taps, int kEpi>
__global__ void __launch_bounds__(32 * kWarpRows) fast_kernel(const GradArgs a) {
  const int y = blockIdx.y * kWarpRows + threadIdx.y;
  if (strip_warp_inside<kStrip>(blockIdx.x, y - R, y + R + 1, a.w, a.h)) fast_body<R, NP, Taps, kEpi, false>(a);
  else fast_body<R, NP, Taps, kEpi, true>(a);
}

// The plain 3x3 Sobel d/dx or d/dy into gray8 (no scale or delta; signed and saturated, or
// absolute), or the plain L1 / L2 magnitude of both (kMag 1 / 2), in packed 16-bit arithmetic, in
// blur's packed8_kernel layout: two rows per thread from four loads, a lane's 8 columns as its
// even (0, 2 | 4, 6) and odd (1, 3 | 5, 7) columns, two per register, a shifted pair of columns
// one byte permute. d/dx: V = r[-1] + 2 r[0] + r[1] (at most 1020 per lane), d = V[c + 1] -
// V[c - 1], saturated or absolute by the SIMD halfword ops. d/dy: V = r[1] + 255 - r[-1] (0 ..
// 510), H = V[c - 1] + 2 V[c] + V[c + 1] = d + 1020 (0 .. 2040). The magnitudes take |d/dx| and
// |d/dy| (each at most 1020) per lane: L1 their sum, L2 the rounded root of the sum of squares
// (sqrt_round32's rule), each saturated at 255, in float.
// bench/experiments/strip_tiling.cu on the H200 (2026-12-03) measured this layout 14% faster at
// 4K than one row per thread in 32-bit lanes (10.8 against 12.6 us).
template <bool kDy, bool kAbs, int kMag, bool kEdge>
__device__ __forceinline__ void packed_sobel3_body(const GradArgs& a) {
  constexpr int kRows = 2, kLoads = kRows + 2;
  constexpr uint32_t kBias = 0x03FC03FCu;  // 1020 per lane: d/dy's H = d + 1020
  const int lane = threadIdx.x;
  const int y0 = (blockIdx.y * kWarpRows + threadIdx.y) * kRows;
  if (y0 >= a.h) return;  // uniform per warp
  const int c0 = blockIdx.x * kStrip - 8 + 8 * lane;
  const bool inside = c0 >= 0 && c0 + 7 < a.w;
  const bool writes = lane != 0 && lane != 31 && c0 < a.w;
  uint32_t ev[kLoads][2], od[kLoads][2];
  uint2 words[kLoads];
  load_words<kEdge>(a.src, a.src_pitch, a.w, a.h, y0 - 1, c0, 1, 0, inside, a.border, static_cast<uint32_t>(a.cv), words);
#pragma unroll
  for (int i = 0; i < kLoads; ++i) {
    const uint2 w = words[i];
    ev[i][0] = w.x & 0x00FF00FFu, od[i][0] = (w.x >> 8) & 0x00FF00FFu;
    ev[i][1] = w.y & 0x00FF00FFu, od[i][1] = (w.y >> 8) & 0x00FF00FFu;
  }
  // Per 16-bit lane: a response with `bias` added -> its code.
  auto code = [](uint32_t hi, uint32_t lo) {
    const uint32_t d = kAbs ? __vabsdiffu2(hi, lo) : __vsubus2(hi, lo);
    return __vminu2(d, 0x00FF00FFu);
  };
  // The magnitude of two pixels (the 16-bit lanes): d/dx = p - q, d/dy = H - 1020, all in float
  // (Hopper has no SIMD halfword instructions: __vabsdiffu2 and the like are emulated in about ten
  // integer instructions a lane; in float the 4K L2 kernel ran 9.0 M warp instructions instead of
  // 11.1 M, 14.8 us instead of 17.7 on the H200). A lane's value is exact as
  // 2^23 + v - 2^23 (one permute and one add), so are both derivatives, the L1 sum and the L2 sum
  // of squares (below 2^21). The L2 root comes from the MUFU's reciprocal root, within 6e-5 of the
  // exact root up to 255 (2 ulp); sqrt_round32's rule picks r for r^2 - r < m2 <= r^2 + r, a root
  // at most 4.9e-4 below a half-integer (r = 254) or 1.5e-3 above it, never nearer, so rounding
  // the estimate to the nearest (adding 1.5 * 2^23) gives the rule's code. At most 255 keeps the
  // code in the low byte, whose byte 1 is then 0, so one permute packs the two lanes.
  auto magnitude = [](uint32_t p, uint32_t q, uint32_t hsum) {
    uint32_t code[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const unsigned sel = h ? 0x7632u : 0x7610u;
      auto f = [sel](uint32_t v) { return __uint_as_float(__byte_perm(v, 0x4B000000u, sel)); };
      const float x = f(p) - f(q), y = f(hsum) - (8388608.0f + 1020.0f);
      float m;
      if (kMag == 1) {
        m = fabsf(x) + fabsf(y);
      } else {
        const float m2 = fmaf(x, x, y * y);
        m = m2 * fast_rsqrt(fmaxf(m2, 1.0f));
      }
      code[h] = __float_as_uint(fminf(m, 255.0f) + 12582912.0f);
    }
    return __byte_perm(code[0], code[1], 0x5410);
  };
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const int y = y0 + r;
    if (kEdge && y >= a.h) break;  // uniform per warp
    uint32_t ve[2], vo[2];  // d/dx's V (or d/dy's, without kMag)
    uint32_t de[2], dd[2];  // d/dy's V (kMag)
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      if (kDy && !kMag) {
        ve[j] = ev[r + 2][j] + 0x00FF00FFu - ev[r][j];
        vo[j] = od[r + 2][j] + 0x00FF00FFu - od[r][j];
      } else {
        ve[j] = ev[r][j] + ev[r + 2][j] + (ev[r + 1][j] << 1);
        vo[j] = od[r][j] + od[r + 2][j] + (od[r + 1][j] << 1);
      }
      if (kMag) {
        de[j] = ev[r + 2][j] + 0x00FF00FFu - ev[r][j];
        dd[j] = od[r + 2][j] + 0x00FF00FFu - od[r][j];
      }
    }
    const uint32_t left = __shfl_up_sync(0xFFFFFFFFu, vo[1], 1);    // high half: V[-1]
    const uint32_t right = __shfl_down_sync(0xFFFFFFFFu, ve[0], 1);  // low half: V[8]
    uint32_t dleft = 0, dright = 0;
    if (kMag) {
      dleft = __shfl_up_sync(0xFFFFFFFFu, dd[1], 1);
      dright = __shfl_down_sync(0xFFFFFFFFu, de[0], 1);
    }
    if (!writes) continue;
    uint32_t out[2];
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      const uint32_t vl = __byte_perm(j == 0 ? left : vo[0], vo[j], 0x5432);   // V[c - 1], even c = 4j, 4j + 2
      const uint32_t vr = __byte_perm(ve[j], j == 1 ? right : ve[1], 0x5432);  // V[c + 1], odd c = 4j + 1, 4j + 3
      uint32_t e, o;
      if (kMag) {
        const uint32_t dl = __byte_perm(j == 0 ? dleft : dd[0], dd[j], 0x5432);
        const uint32_t dr = __byte_perm(de[j], j == 1 ? dright : de[1], 0x5432);
        e = magnitude(vo[j], vl, dl + dd[j] + (de[j] << 1));
        o = magnitude(vr, ve[j], de[j] + dr + (dd[j] << 1));
      } else if (kDy) {
        e = code(vl + vo[j] + (ve[j] << 1), kBias);
        o = code(ve[j] + vr + (vo[j] << 1), kBias);
      } else {
        e = code(vo[j], vl);
        o = code(vr, ve[j]);
      }
      out[j] = e | (o << 8);
    }
    uint8_t* row = a.dst + static_cast<size_t>(y) * a.dst_pitch;
    if (!kEdge || c0 + 7 < a.w) {
      *reinterpret_cast<uint2*>(row + c0) = make_uint2(out[0], out[1]);
    } else {
#pragma unroll
      for (int q = 0; q < 8; ++q)
        if (c0 + q < a.w) row[c0 + q] = static_cast<uint8_t>(out[q / 4] >> (8 * (q & 3)));
    }
  }
}

// 8 blocks per SM for one derivative: its interior body needs 32 registers; the edge body's
// gather must not take the occupancy of every warp. The magnitudes hold both derivatives' sums.
template <bool kDy, bool kAbs, int kMag>
__global__ void __launch_bounds__(32 * kWarpRows, kMag ? 6 : 8) packed_sobel3_kernel(const GradArgs a) {
  const int y0 = (blockIdx.y * kWarpRows + threadIdx.y) * 2;
  if (strip_warp_inside<kStrip>(blockIdx.x, y0 - 1, y0 + 3, a.w, a.h)) packed_sobel3_body<kDy, kAbs, kMag, false>(a);
  else packed_sobel3_body<kDy, kAbs, kMag, true>(a);
}

__global__ void generic_kernel(const GradArgs a) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= a.w || y >= a.h) return;
  const FilterBorder border = static_cast<FilterBorder>(a.border);
  int s[2] = {0, 0};
#pragma unroll
  for (int p = 0; p < 2; ++p) {  // unrolled, so s stays in registers
    if (p >= a.npairs) break;
    for (int j = -kPad; j <= kPad; ++j) {
      const int kyv = a.ky[p][j + kPad];
      if (kyv == 0) continue;
      const int sy = border_index(y + j, a.h, border);
      for (int i = -kPad; i <= kPad; ++i) {
        const int kxv = a.kx[p][i + kPad];
        if (kxv == 0) continue;
        const int sx = border_index(x + i, a.w, border);
        const int px = sx < 0 || sy < 0 ? a.cv : __ldg(a.src + static_cast<size_t>(sy) * a.src_pitch + sx);
        s[p] += kxv * kyv * px;
      }
    }
  }
  const uint32_t code = combine_code(s[0], s[1], static_cast<Combine>(a.combine), a.e);
  uint8_t* row = a.dst + static_cast<size_t>(y) * a.dst_pitch;
  if (a.wide) reinterpret_cast<uint16_t*>(row)[x] = static_cast<uint16_t>(code);
  else row[x] = static_cast<uint8_t>(code);
}

void put_taps(const std::vector<int>& k, int* out) {
  const int r = static_cast<int>(k.size()) / 2;
  for (int o = -r; o <= r; ++o) out[o + kPad] = k[o + r];
}

// Which compile-time Sobel variant a plan is, if any: 1 d/dx, 2 d/dy, 3 the magnitude of both.
int sobel_variant(const Plan& plan, int r) {
  if (r < 1 || r > 3) return 0;
  std::vector<int> smooth, deriv;
  const int k = 2 * r + 1;
  for (int order : {0, 1}) {
    std::vector<int> v(static_cast<size_t>(k));
    switch (k) {
      case 3: { auto t = sobel_axis_taps<3>(order); v.assign(t.begin(), t.end()); break; }
      case 5: { auto t = sobel_axis_taps<5>(order); v.assign(t.begin(), t.end()); break; }
      default: { auto t = sobel_axis_taps<7>(order); v.assign(t.begin(), t.end()); break; }
    }
    (order ? deriv : smooth) = v;
  }
  const bool a_dx = plan.kxa == deriv && plan.kya == smooth, a_dy = plan.kxa == smooth && plan.kya == deriv;
  if (plan.npairs == 1 && plan.combine == Combine::A) return a_dx ? 1 : a_dy ? 2 : 0;
  const bool b_dy = plan.kxb == smooth && plan.kyb == deriv;
  if (plan.npairs == 2 && (plan.combine == Combine::MagL2 || plan.combine == Combine::MagL1) && a_dx && b_dy) return 3;
  return 0;
}

template <int R>
void launch_fast(const GradArgs& a, int variant, Epi epi, dim3 grid, dim3 block, cudaStream_t stream) {
  using Dx = SobelTaps<R, false>;
  using Dy = SobelTaps<R, true>;
  const bool plain = epi != kEpiGeneric;
  switch (variant) {
    case 1:
      if (plain) fast_kernel<R, 1, Dx, kEpiPlainA><<<grid, block, 0, stream>>>(a);
      else fast_kernel<R, 1, Dx, kEpiGeneric><<<grid, block, 0, stream>>>(a);
      return;
    case 2:
      if (plain) fast_kernel<R, 1, Dy, kEpiPlainA><<<grid, block, 0, stream>>>(a);
      else fast_kernel<R, 1, Dy, kEpiGeneric><<<grid, block, 0, stream>>>(a);
      return;
    case 3:
      if (epi == kEpiPlainL1) fast_kernel<R, 2, Dx, kEpiPlainL1><<<grid, block, 0, stream>>>(a);
      else if (epi == kEpiPlainL2) fast_kernel<R, 2, Dx, kEpiPlainL2><<<grid, block, 0, stream>>>(a);
      else fast_kernel<R, 2, Dx, kEpiGeneric><<<grid, block, 0, stream>>>(a);
      return;
    default: break;
  }
  if (a.npairs == 2) fast_kernel<R, 2, ArgTaps, kEpiGeneric><<<grid, block, 0, stream>>>(a);
  else fast_kernel<R, 1, ArgTaps, kEpiGeneric><<<grid, block, 0, stream>>>(a);
}

}  // namespace

Status gradient_cuda(ConstImageView src, ImageView dst, const Plan& plan, StreamHandle stream) {
  GradArgs a;
  a.src = src.plane(0).data;
  a.src_pitch = src.plane(0).pitch;
  a.dst = dst.plane(0).data;
  a.dst_pitch = dst.plane(0).pitch;
  a.w = src.width();
  a.h = src.height();
  a.wide = dst.format() == PixelFormat::Gray16;
  if (a.wide && (reinterpret_cast<uintptr_t>(a.dst) % 2 || a.dst_pitch % 2))
    return invalid_argument("sobel: gray16 dst data or pitch is not 2-byte aligned");
  a.npairs = plan.npairs;
  a.combine = static_cast<int>(plan.combine);
  a.border = static_cast<int>(plan.border);
  a.cv = plan.border_value;
  a.e = make_epilogue(plan, a.wide ? 65535u : 255u);
  int r = 0;
  for (int p = 0; p < plan.npairs; ++p) {
    const auto& kx = p == 0 ? plan.kxa : plan.kxb;
    const auto& ky = p == 0 ? plan.kya : plan.kyb;
    put_taps(kx, a.kx[p]);
    put_taps(ky, a.ky[p]);
    r = std::max(r, static_cast<int>(std::max(kx.size(), ky.size())) / 2);
  }
  const bool aligned = reinterpret_cast<uintptr_t>(a.src) % 8 == 0 && a.src_pitch % 8 == 0 &&
                       reinterpret_cast<uintptr_t>(a.dst) % (a.wide ? 16 : 8) == 0 && a.dst_pitch % (a.wide ? 16 : 8) == 0;
  if (aligned) {
    const dim3 block(32, kWarpRows), grid((a.w + kStrip - 1) / kStrip, (a.h + kWarpRows - 1) / kWarpRows);
    const int variant = sobel_variant(plan, std::max(r, 1));
    // The plain epilogues: a Sobel variant with no scale or delta (sobel_variant 3 is a magnitude).
    Epi epi = kEpiGeneric;
    if (variant != 0 && a.e.identity)
      epi = variant != 3 ? kEpiPlainA : plan.combine == Combine::MagL1 ? kEpiPlainL1 : kEpiPlainL2;
    if (r <= 1 && variant != 0 && epi != kEpiGeneric && !a.wide) {
      const dim3 pgrid(grid.x, (a.h + 2 * kWarpRows - 1) / (2 * kWarpRows));
      const bool dy = variant == 2;
      if (epi == kEpiPlainL1) packed_sobel3_kernel<false, false, 1><<<pgrid, block, 0, stream>>>(a);
      else if (epi == kEpiPlainL2) packed_sobel3_kernel<false, false, 2><<<pgrid, block, 0, stream>>>(a);
      else if (dy && a.e.absolute) packed_sobel3_kernel<true, true, 0><<<pgrid, block, 0, stream>>>(a);
      else if (dy) packed_sobel3_kernel<true, false, 0><<<pgrid, block, 0, stream>>>(a);
      else if (a.e.absolute) packed_sobel3_kernel<false, true, 0><<<pgrid, block, 0, stream>>>(a);
      else packed_sobel3_kernel<false, false, 0><<<pgrid, block, 0, stream>>>(a);
      return check_launch("gradient packed_sobel3_kernel");
    }
    if (r <= 1) launch_fast<1>(a, variant, epi, grid, block, stream);
    else if (r == 2) launch_fast<2>(a, variant, epi, grid, block, stream);
    else launch_fast<3>(a, variant, epi, grid, block, stream);
    return check_launch("gradient fast_kernel");
  }
  const dim3 block(32, 8), grid((a.w + 31) / 32, (a.h + 7) / 8);
  generic_kernel<<<grid, block, 0, stream>>>(a);
  return check_launch("gradient generic_kernel");
}

}  // namespace caldera::gradient_detail
