// Fast kernels that keep the color model: RGB -> RGB (channel order, alpha, depth, float
// tensors) and 4:2:0 YUV -> 4:2:0 YUV repacks (NV12 <-> I420, NV12 <-> NV21, P010 <-> YUV420P10,
// 8 <-> 10 bit). One thread per 8x2 tile, vector access for whole tiles.
#include "core/cuda_check.hpp"
#include "ops/color/fast_tile.cuh"

namespace caldera::color_cuda {
namespace {

template <RgbLayout IN, RgbLayout OUT>
__global__ void __launch_bounds__(256) rgb_to_rgb_kernel(const RgbToRgbParams p) {
  const int tx = blockIdx.x * blockDim.x + threadIdx.x;
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

template <RgbLayout IN, RgbLayout OUT>
Status run_rgb(const RgbToRgbParams& p, StreamHandle stream) {
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
