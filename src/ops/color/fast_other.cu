// Fast kernels that keep the color model: RGB -> RGB (channel order, alpha, depth, float
// tensors) and 4:2:0 YUV -> 4:2:0 YUV repacks (NV12 <-> I420, NV12 <-> NV21, P010 <-> YUV420P10,
// 8 <-> 10 bit). One thread per 8x2 tile, vector access for whole tiles.
#include "core/cuda_check.hpp"
#include "ops/color/fast_tile.cuh"

namespace caldera::color_cuda {
namespace {

template <RgbLayout IN, RgbLayout OUT>
__global__ void __launch_bounds__(256) rgb_to_rgb_kernel(const RgbToRgbParams p) {
  const int tx = p.tx0 + blockIdx.x * blockDim.x + threadIdx.x;
  const int ty = blockIdx.y * blockDim.y + threadIdx.y;
  const int x0 = tx * kTileW, y0 = ty * kTileH;
  if (x0 >= p.width || y0 >= p.height) return;
  const bool full = p.vec && x0 + kTileW <= p.width && y0 + kTileH <= p.height;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int y = y0 + r;
    if (y >= p.height) break;
    float c[3][8], a[8];
    load_rgb8<IN>(p.in, y, x0, p.width, full, c, a);
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const float c0 = c[0][k], c2 = c[2][k];
      c[0][k] = (p.swap_rb ? c2 : c0) * p.scale;
      c[1][k] *= p.scale;
      c[2][k] = (p.swap_rb ? c0 : c2) * p.scale;
      a[k] = p.copy_alpha ? a[k] : static_cast<float>(p.alpha_code);
    }
    store_rgb8<OUT>(p.out, y, x0, p.width, full, p.out_max, c, a);
  }
}

template <Yuv420 IN, Yuv420 OUT>
__global__ void __launch_bounds__(256) repack_kernel(const RepackParams p) {
  const int tx = p.tx0 + blockIdx.x * blockDim.x + threadIdx.x;
  const int ty = p.ty0 + blockIdx.y * blockDim.y + threadIdx.y;
  const int x0 = tx * kTileW, y0 = ty * kTileH;
  if (x0 >= p.width || y0 >= p.height) return;
  const bool full = p.vec && x0 + kTileW <= p.width && y0 + kTileH <= p.height;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int y = y0 + r;
    if (y >= p.height) break;
    float l[8];
    load_luma8<IN>(p.in, y, x0, p.width, full, l);
#pragma unroll
    for (int k = 0; k < 8; ++k) l[k] = fmaf(l[k], p.ls, p.lo);
    store_luma8<OUT>(p.out, y, x0, p.width, full, p.out_max, l);
  }
  float u[4], v[4];
  load_chroma4<IN>(p.in, ty, tx * 4, p.cw, full, u, v);
#pragma unroll
  for (int k = 0; k < 4; ++k) u[k] = fmaf(u[k], p.cs, p.co), v[k] = fmaf(v[k], p.cs, p.co);
  store_chroma4<OUT>(p.out, ty, tx * 4, p.cw, full, p.out_max, u, v);
}

// RGB24 <-> BGR24 on rows of whole 16-byte chunks (width a multiple of 16: 48-byte groups): a warp
// moves 64 contiguous chunks of one row, lane l chunks l and l + 32, with 16-byte loads and stores.
// Output byte B takes input byte B + 2 (B % 3 == 0), B - 2 (B % 3 == 2) or B; chunk c starts at
// B = 16c, so its pattern is c % 3, and the two bytes it needs from each neighbouring chunk come
// by shuffle (the warp's edge lanes read them).
constexpr int kSwapChunks = 64;  // per warp
// PRMT selectors for output word k of a chunk with pattern r, on the window e = prev word, the
// chunk's 4 words, next word (24 bytes; chunk byte o is e byte o + 4): the first picks from
// e[k], e[k + 1] (which = 0), the second keeps those or takes e[k + 2] (which = 1).
constexpr uint32_t swap_sel(int r, int k, int which) {
  uint32_t sel = 0;
  for (int j = 0; j < 4; ++j) {
    const int o = 4 * k + j, role = (r + o) % 3;
    const int e = o + 4 + (role == 0 ? 2 : role == 2 ? -2 : 0);
    const int word = e / 4 - k, byte = e % 4;
    const int nib = which == 0 ? (word == 0 ? byte : word == 1 ? 4 + byte : 0) : (word == 2 ? 4 + byte : j);
    sel |= static_cast<uint32_t>(nib) << (4 * j);
  }
  return sel;
}
template <int K, int W>
__device__ __forceinline__ uint32_t swap_sel_of(int r) {
  constexpr uint32_t s0 = swap_sel(0, K, W), s1 = swap_sel(1, K, W), s2 = swap_sel(2, K, W);
  return r == 0 ? s0 : r == 1 ? s1 : s2;
}

__global__ void __launch_bounds__(256) swap_rb3_kernel(const RgbToRgbParams p, int chunks, int warps_per_row) {
  const int lane = threadIdx.x & 31;
  const int wid = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  const int y = wid / warps_per_row;
  if (y >= p.height) return;  // the whole warp
  const int base = (wid - y * warps_per_row) * kSwapChunks;
  const uint4* in = reinterpret_cast<const uint4*>(row_ptr(p.in[0], y));
  uint4* out = reinterpret_cast<uint4*>(row_ptr_mut(p.out[0], y));
  uint4 q[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) q[h] = __ldg(in + min(base + 32 * h + lane, chunks - 1));
  // Words just outside the warp's 64 chunks (only lane 0's first and lane 31's second need them).
  uint32_t before = 0, after = 0;
  if (lane == 0 && base > 0) before = __ldg(reinterpret_cast<const uint32_t*>(in + base) - 1);
  if (lane == 31 && base + kSwapChunks < chunks) after = __ldg(reinterpret_cast<const uint32_t*>(in + base + kSwapChunks));
  const uint32_t last0 = __shfl_sync(0xffffffffu, q[0].w, 31), first1 = __shfl_sync(0xffffffffu, q[1].x, 0);
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const int c = base + 32 * h + lane;
    uint32_t prev = __shfl_up_sync(0xffffffffu, q[h].w, 1), next = __shfl_down_sync(0xffffffffu, q[h].x, 1);
    if (lane == 0) prev = h == 0 ? before : last0;
    if (lane == 31) next = h == 0 ? first1 : after;
    const uint32_t e[6] = {prev, q[h].x, q[h].y, q[h].z, q[h].w, next};
    const int r = c % 3;
    uint32_t o[4];
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const uint32_t s0 = k == 0 ? swap_sel_of<0, 0>(r) : k == 1 ? swap_sel_of<1, 0>(r) : k == 2 ? swap_sel_of<2, 0>(r) : swap_sel_of<3, 0>(r);
      const uint32_t s1 = k == 0 ? swap_sel_of<0, 1>(r) : k == 1 ? swap_sel_of<1, 1>(r) : k == 2 ? swap_sel_of<2, 1>(r) : swap_sel_of<3, 1>(r);
      o[k] = __byte_perm(__byte_perm(e[k], e[k + 1], s0), e[k + 2], s1);
    }
    if (c < chunks) out[c] = make_uint4(o[0], o[1], o[2], o[3]);
  }
}

template <RgbLayout IN, RgbLayout OUT>
Status run_rgb(const RgbToRgbParams& p0, StreamHandle stream) {
  RgbToRgbParams p = p0;
  if constexpr (IN == RgbLayout::C3U8 && OUT == RgbLayout::C3U8) {
    const int w16 = p.width / 16 * 16;
    if (p.vec && p.swap_rb && p.scale == 1.0f && w16 > 0) {
      const int chunks = w16 * 3 / 16, wpr = ceil_div(chunks, kSwapChunks);
      const long long warps = static_cast<long long>(wpr) * p.height;
      swap_rb3_kernel<<<static_cast<unsigned>((warps + 7) / 8), 256, 0, stream>>>(p, chunks, wpr);
      CALDERA_RETURN_IF_ERROR(check_launch("convert_cuda: swap_rb3 kernel"));
      if (w16 == p.width) return Status::ok();
      p.tx0 = w16 / kTileW;
      const dim3 g(ceil_div(ceil_div(p.width, kTileW) - p.tx0, 32), ceil_div(ceil_div(p.height, kTileH), 8));
      rgb_to_rgb_kernel<IN, OUT><<<g, tile_block(), 0, stream>>>(p);
      return check_launch("convert_cuda: rgb_to_rgb kernel");
    }
  }
  rgb_to_rgb_kernel<IN, OUT><<<tile_grid(p.width, p.height), tile_block(), 0, stream>>>(p);
  return check_launch("convert_cuda: rgb_to_rgb kernel");
}

template <Yuv420 IN, Yuv420 OUT>
Status run_repack(const RepackParams& p0, StreamHandle stream) {
  auto tiles = [&](int tx0, int ty0, int ntx, int nty) -> Status {
    RepackParams p = p0;
    p.tx0 = tx0, p.ty0 = ty0;
    repack_kernel<IN, OUT><<<dim3(ceil_div(ntx, 32), ceil_div(nty, 8)), tile_block(), 0, stream>>>(p);
    return check_launch("convert_cuda: yuv420 repack kernel");
  };
  bool inside = false;
  CALDERA_RETURN_IF_ERROR(launch_repack8(p0, IN, OUT, stream, &inside));
  if (inside) return for_each_edge(p0.width, p0.height, tiles);
  return tiles(0, 0, ceil_div(p0.width, kTileW), ceil_div(p0.height, kTileH));
}

}  // namespace

Status launch_rgb_to_rgb(const RgbToRgbParams& p, RgbLayout in, RgbLayout out, StreamHandle stream, bool* launched) {
  *launched = true;
  using R = RgbLayout;
  if (in == R::C3U8 && out == R::C3U8) return run_rgb<R::C3U8, R::C3U8>(p, stream);
  if (in == R::C3U8 && out == R::C4U8) return run_rgb<R::C3U8, R::C4U8>(p, stream);
  if (in == R::C4U8 && out == R::C3U8) return run_rgb<R::C4U8, R::C3U8>(p, stream);
  if (in == R::C4U8 && out == R::C4U8) return run_rgb<R::C4U8, R::C4U8>(p, stream);
  if (in == R::C3U8 && out == R::PF32) return run_rgb<R::C3U8, R::PF32>(p, stream);
  if (in == R::C3U8 && out == R::PF16) return run_rgb<R::C3U8, R::PF16>(p, stream);
  *launched = false;
  return Status::ok();
}

Status launch_yuv420_repack(const RepackParams& p, Yuv420 in, Yuv420 out, StreamHandle stream, bool* launched) {
  *launched = true;
  using Y = Yuv420;
  if (in == Y::NV8 && out == Y::P8) return run_repack<Y::NV8, Y::P8>(p, stream);
  if (in == Y::P8 && out == Y::NV8) return run_repack<Y::P8, Y::NV8>(p, stream);
  if (in == Y::NV8 && out == Y::NV8) return run_repack<Y::NV8, Y::NV8>(p, stream);
  if (in == Y::NV16 && out == Y::P16) return run_repack<Y::NV16, Y::P16>(p, stream);
  if (in == Y::P16 && out == Y::NV16) return run_repack<Y::P16, Y::NV16>(p, stream);
  if (in == Y::P8 && out == Y::NV16) return run_repack<Y::P8, Y::NV16>(p, stream);
  if (in == Y::NV16 && out == Y::P8) return run_repack<Y::NV16, Y::P8>(p, stream);
  *launched = false;
  return Status::ok();
}

}  // namespace caldera::color_cuda
