// Fast kernels between 4:2:0 YUV and RGB: one thread per 8x2 pixel tile (one chroma row of four
// samples), vector loads and stores for whole tiles, layouts fixed at compile time.
#include "core/cuda_check.hpp"
#include "ops/color/fast_tile.cuh"

namespace caldera::color_cuda {
namespace {

// ---- YUV 4:2:0 -> RGB --------------------------------------------------------------------------

// kTaps: interpolate with the taps in p (linear, or nearest expressed as taps {0, 1, 0});
// without, each chroma sample covers its 2x2 block (nearest, fewer registers and instructions).
template <Yuv420 IN, RgbLayout OUT, bool kTaps>
__global__ void __launch_bounds__(256, 3) yuv420_to_rgb_kernel(const YuvToRgbParams p) {
  const int tx = p.tx0 + blockIdx.x * blockDim.x + threadIdx.x;
  const int ty = p.ty0 + blockIdx.y * blockDim.y + threadIdx.y;
  const int x0 = tx * kTileW, y0 = ty * kTileH;
  if (x0 >= p.width || y0 >= p.height) return;
  const bool full = p.vec && x0 + kTileW <= p.width && y0 + kTileH <= p.height;
  const bool second_row = y0 + 1 < p.height;

  float luma[2][8];
  load_luma8<IN>(p.in, y0, x0, p.width, full, luma[0]);
  load_luma8<IN>(p.in, second_row ? y0 + 1 : y0, x0, p.width, full, luma[1]);

  // Chroma rows j-1, j, j+1 and samples c0-1 .. c0+4 (clamped): every tap the 8x2 tile needs.
  const int j = ty, c0 = tx * 4;
  float alpha[8];
#pragma unroll
  for (int k = 0; k < 8; ++k) alpha[k] = static_cast<float>(p.alpha_code);

  if constexpr (!kTaps) {
    float u[4], v[4];
    load_chroma4<IN>(p.in, j, c0, p.cw, full, u, v);
#pragma unroll
    for (int i = 0; i < 4; ++i) u[i] = fmaf(u[i], p.cs, p.co), v[i] = fmaf(v[i], p.cs, p.co);
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      if (r == 1 && !second_row) break;
      float c[3][8];
#pragma unroll
      for (int k = 0; k < 8; ++k) {
        const float cb = u[k >> 1], cr = v[k >> 1];
        const float y = fmaf(luma[r][k], p.ys, p.yo);
        const float red = fmaf(p.rcr, cr, y);
        const float green = fmaf(p.gcr, cr, fmaf(p.gcb, cb, y));
        const float blue = fmaf(p.bcb, cb, y);
        c[0][k] = p.swap_rb ? blue : red;
        c[1][k] = green;
        c[2][k] = p.swap_rb ? red : blue;
      }
      store_rgb8<OUT>(p.out, y0 + r, x0, p.width, full, p.out_max, c, alpha);
    }
    return;
  }

  float u[3][6], v[3][6];
  load_chroma6<IN>(p.in, j, c0, p.cw, full, u[1], v[1]);
  if (p.linear) {
    load_chroma6<IN>(p.in, max(j - 1, 0), c0, p.cw, full, u[0], v[0]);
    load_chroma6<IN>(p.in, min(j + 1, p.ch - 1), c0, p.cw, full, u[2], v[2]);
  } else {
#pragma unroll
    for (int m = 0; m < 6; ++m) u[0][m] = u[2][m] = u[1][m], v[0][m] = v[2][m] = v[1][m];
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    if (r == 1 && !second_row) break;
    // Vertical taps first (per chroma column), then horizontal per pixel. The taps sum to 1,
    // so filtering codes and normalising afterwards is the same as the other way round.
    float ur[6], vr[6];
#pragma unroll
    for (int m = 0; m < 6; ++m) {
      ur[m] = p.vw[r][0] * u[0][m] + p.vw[r][1] * u[1][m] + p.vw[r][2] * u[2][m];
      vr[m] = p.vw[r][0] * v[0][m] + p.vw[r][1] * v[1][m] + p.vw[r][2] * v[2][m];
    }
    float c[3][8];
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const int ci = (k >> 1) + 1, par = k & 1;
      const float cb = fmaf(p.hw[par][0] * ur[ci - 1] + p.hw[par][1] * ur[ci] + p.hw[par][2] * ur[ci + 1], p.cs, p.co);
      const float cr = fmaf(p.hw[par][0] * vr[ci - 1] + p.hw[par][1] * vr[ci] + p.hw[par][2] * vr[ci + 1], p.cs, p.co);
      const float y = fmaf(luma[r][k], p.ys, p.yo);
      const float red = fmaf(p.rcr, cr, y);
      const float green = fmaf(p.gcr, cr, fmaf(p.gcb, cb, y));
      const float blue = fmaf(p.bcb, cb, y);
      c[0][k] = p.swap_rb ? blue : red;
      c[1][k] = green;
      c[2][k] = p.swap_rb ? red : blue;
    }
    store_rgb8<OUT>(p.out, y0 + r, x0, p.width, full, p.out_max, c, alpha);
  }
}

// ---- RGB -> YUV 4:2:0 --------------------------------------------------------------------------

template <RgbLayout IN, Yuv420 OUT>
__global__ void __launch_bounds__(256, 3) rgb_to_yuv420_kernel(const RgbToYuvParams p) {
  const int tx = p.tx0 + blockIdx.x * blockDim.x + threadIdx.x;
  const int ty = p.ty0 + blockIdx.y * blockDim.y + threadIdx.y;
  const int x0 = tx * kTileW, y0 = ty * kTileH;
  if (x0 >= p.width || y0 >= p.height) return;
  const bool full = p.vec && x0 + kTileW <= p.width && y0 + kTileH <= p.height;
  const bool second_row = y0 + 1 < p.height;

  float px[2][3][8], alpha[8];  // [row][R, G, B][column]; row 1 repeats row 0 past the bottom
  float left[2][3];             // column x0-1 (clamped), for the [1 2 1] filter
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int y = r == 1 && !second_row ? y0 : y0 + r;
    load_rgb8<IN>(p.in, y, x0, p.width, full, px[r], alpha);
    const int xl = max(x0 - 1, 0);
#pragma unroll
    for (int ch = 0; ch < 3; ++ch) left[r][ch] = p.triangle ? rgb_sample<IN>(p.in, ch, xl, y) : 0.0f;
    if (p.swap_rb) {
#pragma unroll
      for (int k = 0; k < 8; ++k) {
        const float t = px[r][0][k];
        px[r][0][k] = px[r][2][k];
        px[r][2][k] = t;
      }
      const float t = left[r][0];
      left[r][0] = left[r][2];
      left[r][2] = t;
    }
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    if (r == 1 && !second_row) break;
    float y[8];
#pragma unroll
    for (int k = 0; k < 8; ++k)
      y[k] = fmaf(p.ky[0], px[r][0][k], fmaf(p.ky[1], px[r][1][k], fmaf(p.ky[2], px[r][2][k], p.yo)));
    store_luma8<OUT>(p.out, y0 + r, x0, p.width, full, p.y_max, y);
  }

  // Chroma: the RGB of each 2x2 block averaged (box), or [1 2 1]/4 across columns 2i-1, 2i, 2i+1
  // and the average of the two rows; the matrix is linear, so averaging RGB first is the same
  // as averaging per-pixel Cb and Cr.
  float cu[4], cv[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    float avg[3];
#pragma unroll
    for (int ch = 0; ch < 3; ++ch) {
      const float box = px[0][ch][2 * i] + px[0][ch][2 * i + 1] + px[1][ch][2 * i] + px[1][ch][2 * i + 1];
      if (p.triangle) {
        const float l0 = i == 0 ? left[0][ch] : px[0][ch][2 * i - 1];
        const float l1 = i == 0 ? left[1][ch] : px[1][ch][2 * i - 1];
        avg[ch] = 0.125f * (box + px[0][ch][2 * i] + px[1][ch][2 * i] + l0 + l1);
      } else {
        avg[ch] = 0.25f * box;
      }
    }
    cu[i] = fmaf(p.kcb[0], avg[0], fmaf(p.kcb[1], avg[1], fmaf(p.kcb[2], avg[2], p.co)));
    cv[i] = fmaf(p.kcr[0], avg[0], fmaf(p.kcr[1], avg[1], fmaf(p.kcr[2], avg[2], p.co)));
  }
  store_chroma4<OUT>(p.out, ty, tx * 4, p.cw, full, p.y_max, cu, cv);
}

// The block-nearest variant exists for the 8-bit pairs NPP and libyuv users ask for most; other
// pairs run nearest through the tap kernel with taps {0, 1, 0}.
template <Yuv420 IN, RgbLayout OUT, bool kNearestVariant = false>
Status run_yuv_to_rgb(const YuvToRgbParams& p0, StreamHandle stream) {
  auto tiles = [&](int tx0, int ty0, int ntx, int nty) -> Status {
    YuvToRgbParams p = p0;
    p.tx0 = tx0, p.ty0 = ty0;
    const dim3 grid(ceil_div(ntx, 32), ceil_div(nty, 8));
    if constexpr (kNearestVariant) {
      if (!p.linear) {
        yuv420_to_rgb_kernel<IN, OUT, false><<<grid, tile_block(), 0, stream>>>(p);
        return check_launch("convert_cuda: yuv420_to_rgb kernel (nearest)");
      }
    }
    yuv420_to_rgb_kernel<IN, OUT, true><<<grid, tile_block(), 0, stream>>>(p);
    return check_launch("convert_cuda: yuv420_to_rgb kernel");
  };
  bool inside = false;  // the 8-bit warp-row kernel took the inside: tiles for the edges only
  CALDERA_RETURN_IF_ERROR(launch_yuv8_to_rgb8(p0, IN, OUT, stream, &inside));
  if (inside) return for_each_edge(p0.width, p0.height, tiles);
  return tiles(0, 0, ceil_div(p0.width, kTileW), ceil_div(p0.height, kTileH));
}

template <RgbLayout IN, Yuv420 OUT>
Status run_rgb_to_yuv(const RgbToYuvParams& p0, StreamHandle stream) {
  auto tiles = [&](int tx0, int ty0, int ntx, int nty) -> Status {
    RgbToYuvParams p = p0;
    p.tx0 = tx0, p.ty0 = ty0;
    rgb_to_yuv420_kernel<IN, OUT><<<dim3(ceil_div(ntx, 32), ceil_div(nty, 8)), tile_block(), 0, stream>>>(p);
    return check_launch("convert_cuda: rgb_to_yuv420 kernel");
  };
  bool inside = false;
  CALDERA_RETURN_IF_ERROR(launch_rgb8_to_yuv8(p0, IN, OUT, stream, &inside));
  if (inside) return for_each_edge(p0.width, p0.height, tiles);
  return tiles(0, 0, ceil_div(p0.width, kTileW), ceil_div(p0.height, kTileH));
}

}  // namespace

Status launch_yuv420_to_rgb(const YuvToRgbParams& p, Yuv420 in, RgbLayout out, StreamHandle stream, bool* launched) {
  *launched = true;
  using Y = Yuv420;
  using R = RgbLayout;
  // The instantiations: the hot pairs (NV12/NV21/I420 to 8-bit RGB and float tensors, P010/P016
  // to 16-bit and float RGB). Others take the generic kernel.
  if (in == Y::NV8 && out == R::C3U8) return run_yuv_to_rgb<Y::NV8, R::C3U8, true>(p, stream);
  if (in == Y::NV8 && out == R::C4U8) return run_yuv_to_rgb<Y::NV8, R::C4U8, true>(p, stream);
  if (in == Y::NV8 && out == R::PF32) return run_yuv_to_rgb<Y::NV8, R::PF32>(p, stream);
  if (in == Y::NV8 && out == R::PF16) return run_yuv_to_rgb<Y::NV8, R::PF16>(p, stream);
  if (in == Y::P8 && out == R::C3U8) return run_yuv_to_rgb<Y::P8, R::C3U8, true>(p, stream);
  if (in == Y::P8 && out == R::C4U8) return run_yuv_to_rgb<Y::P8, R::C4U8>(p, stream);
  if (in == Y::NV16 && out == R::C3U16) return run_yuv_to_rgb<Y::NV16, R::C3U16>(p, stream);
  if (in == Y::NV16 && out == R::PF32) return run_yuv_to_rgb<Y::NV16, R::PF32>(p, stream);
  if (in == Y::NV16 && out == R::PF16) return run_yuv_to_rgb<Y::NV16, R::PF16>(p, stream);
  *launched = false;
  return Status::ok();
}

Status launch_rgb_to_yuv420(const RgbToYuvParams& p, RgbLayout in, Yuv420 out, StreamHandle stream, bool* launched) {
  *launched = true;
  using Y = Yuv420;
  using R = RgbLayout;
  if (in == R::C3U8 && out == Y::NV8) return run_rgb_to_yuv<R::C3U8, Y::NV8>(p, stream);
  if (in == R::C3U8 && out == Y::P8) return run_rgb_to_yuv<R::C3U8, Y::P8>(p, stream);
  if (in == R::C4U8 && out == Y::NV8) return run_rgb_to_yuv<R::C4U8, Y::NV8>(p, stream);
  if (in == R::C4U8 && out == Y::P8) return run_rgb_to_yuv<R::C4U8, Y::P8>(p, stream);
  *launched = false;
  return Status::ok();
}

}  // namespace caldera::color_cuda
