// Internal to src/ops/color: loads and stores of one thread's row segment of 8 pixels (and its 4
// chroma samples) for the fast kernels, per layout. `full` means the segment lies inside the
// image and the planes are 16-byte aligned: vector access; otherwise each sample is read with its
// column clamped to the image (the filters' edge rule) and written only inside the image.
#pragma once

#include "ops/color/cuda_common.cuh"

namespace caldera::color_cuda {

template <Yuv420 L>
inline constexpr bool kSemiPlanar = L == Yuv420::NV8 || L == Yuv420::NV16;
template <Yuv420 L>
inline constexpr bool kWide = L == Yuv420::NV16 || L == Yuv420::P16;  // 16-bit words
template <Yuv420 L>
inline constexpr int kYuvSample = kWide<L> ? kU16 : kU8;

// ---- YUV 4:2:0 ----------------------------------------------------------------------------------

template <Yuv420 L>
__device__ __forceinline__ void load_luma8(const YuvPlanes& pl, int y, int x0, int width, bool full, float (&out)[8]) {
  const uint8_t* row = row_ptr(pl.y, y);
  if (full) {
    if constexpr (kWide<L>) {
      uint32_t w[4];
      load_words<16, 16>(row + 2 * x0, w);
#pragma unroll
      for (int k = 0; k < 8; ++k) out[k] = code_to_float(get_u16(w, k) >> pl.shift);
    } else {
      uint32_t w[2];
      load_words<8, 8>(row + x0, w);
#pragma unroll
      for (int k = 0; k < 8; ++k) out[k] = code_to_float(get_u8(w, k));
    }
  } else {
#pragma unroll
    for (int k = 0; k < 8; ++k) out[k] = load_sample(pl.y, kYuvSample<L>, pl.shift, min(x0 + k, width - 1), y);
  }
}

template <Yuv420 L>
__device__ __forceinline__ float chroma_sample(const YuvPlanes& pl, bool v, int i, int j) {
  if constexpr (kSemiPlanar<L>) return load_sample(pl.u, kYuvSample<L>, pl.shift, 2 * i + (v ? pl.v_ch : pl.u_ch), j);
  else return load_sample(v ? pl.v : pl.u, kYuvSample<L>, pl.shift, i, j);
}

// Chroma samples c0 .. c0+3 of row j (c0 = 4 * tile column).
template <Yuv420 L>
__device__ __forceinline__ void load_chroma4(const YuvPlanes& pl, int j, int c0, int cw, bool full, float (&u)[4],
                                             float (&v)[4]) {
  if (!full) {
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const int i = min(c0 + k, cw - 1);
      u[k] = chroma_sample<L>(pl, false, i, j);
      v[k] = chroma_sample<L>(pl, true, i, j);
    }
    return;
  }
  const bool swap = pl.u_ch != 0;  // NV21: V first
  if constexpr (L == Yuv420::NV8) {
    uint32_t w[2];
    load_words<8, 8>(row_ptr(pl.u, j) + 2 * c0, w);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const float a = code_to_float(get_u8(w, 2 * k)), b = code_to_float(get_u8(w, 2 * k + 1));
      u[k] = swap ? b : a;
      v[k] = swap ? a : b;
    }
  } else if constexpr (L == Yuv420::NV16) {
    uint32_t w[4];
    load_words<16, 16>(row_ptr(pl.u, j) + 4 * c0, w);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const float a = code_to_float(get_u16(w, 2 * k) >> pl.shift);
      const float b = code_to_float(get_u16(w, 2 * k + 1) >> pl.shift);
      u[k] = swap ? b : a;
      v[k] = swap ? a : b;
    }
  } else if constexpr (L == Yuv420::P8) {
    uint32_t wu[1], wv[1];
    load_words<4, 4>(row_ptr(pl.u, j) + c0, wu);
    load_words<4, 4>(row_ptr(pl.v, j) + c0, wv);
#pragma unroll
    for (int k = 0; k < 4; ++k) u[k] = code_to_float(get_u8(wu, k)), v[k] = code_to_float(get_u8(wv, k));
  } else {
    uint32_t wu[2], wv[2];
    load_words<8, 8>(row_ptr(pl.u, j) + 2 * c0, wu);
    load_words<8, 8>(row_ptr(pl.v, j) + 2 * c0, wv);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      u[k] = code_to_float(get_u16(wu, k) >> pl.shift);
      v[k] = code_to_float(get_u16(wv, k) >> pl.shift);
    }
  }
}

// Chroma samples c0-1 .. c0+4 of row j, clamped to the plane (for interpolation).
template <Yuv420 L>
__device__ __forceinline__ void load_chroma6(const YuvPlanes& pl, int j, int c0, int cw, bool full, float (&u)[6],
                                             float (&v)[6]) {
  float cu[4], cv[4];
  load_chroma4<L>(pl, j, c0, cw, full, cu, cv);
#pragma unroll
  for (int k = 0; k < 4; ++k) u[k + 1] = cu[k], v[k + 1] = cv[k];
  const int left = max(c0 - 1, 0), right = min(c0 + 4, cw - 1);
  u[0] = chroma_sample<L>(pl, false, left, j);
  v[0] = chroma_sample<L>(pl, true, left, j);
  u[5] = chroma_sample<L>(pl, false, right, j);
  v[5] = chroma_sample<L>(pl, true, right, j);
}

// Luma codes (unrounded) of 8 pixels of row y.
template <Yuv420 L>
__device__ __forceinline__ void store_luma8(const YuvPlanes& pl, int y, int x0, int width, bool full, float max,
                                            const float (&v)[8]) {
  uint8_t* row = row_ptr_mut(pl.y, y);
  if (!full) {
#pragma unroll
    for (int k = 0; k < 8; ++k)
      if (x0 + k < width) store_sample(pl.y, kYuvSample<L>, pl.shift, max, x0 + k, y, v[k]);
    return;
  }
  if constexpr (kWide<L>) {
    uint32_t w[4] = {0, 0, 0, 0};
#pragma unroll
    for (int k = 0; k < 8; ++k) put_u16(w, k, round_code(v[k], max) << pl.shift);
    store_words<16, 16>(row + 2 * x0, w);
  } else {
    uint32_t w[2] = {0, 0};
#pragma unroll
    for (int k = 0; k < 8; ++k) put_u8(w, k, round_code(v[k], max));
    store_words<8, 8>(row + x0, w);
  }
}

// Chroma codes (unrounded) of samples c0 .. c0+3 of row j.
template <Yuv420 L>
__device__ __forceinline__ void store_chroma4(const YuvPlanes& pl, int j, int c0, int cw, bool full, float max,
                                              const float (&u)[4], const float (&v)[4]) {
  constexpr int s = kYuvSample<L>;
  if (!full) {
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      if (c0 + k >= cw) continue;
      if constexpr (kSemiPlanar<L>) {
        store_sample(pl.u, s, pl.shift, max, 2 * (c0 + k) + pl.u_ch, j, u[k]);
        store_sample(pl.u, s, pl.shift, max, 2 * (c0 + k) + pl.v_ch, j, v[k]);
      } else {
        store_sample(pl.u, s, pl.shift, max, c0 + k, j, u[k]);
        store_sample(pl.v, s, pl.shift, max, c0 + k, j, v[k]);
      }
    }
    return;
  }
  const bool swap = pl.u_ch != 0;
  if constexpr (kSemiPlanar<L>) {
    constexpr int words = kWide<L> ? 4 : 2;
    uint32_t w[words];
#pragma unroll
    for (int i = 0; i < words; ++i) w[i] = 0;
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const unsigned a = round_code(u[k], max) << pl.shift, b = round_code(v[k], max) << pl.shift;
      if constexpr (kWide<L>) {
        put_u16(w, 2 * k, swap ? b : a);
        put_u16(w, 2 * k + 1, swap ? a : b);
      } else {
        put_u8(w, 2 * k, swap ? b : a);
        put_u8(w, 2 * k + 1, swap ? a : b);
      }
    }
    store_words<4 * words, 4 * words>(row_ptr_mut(pl.u, j) + (kWide<L> ? 4 : 2) * c0, w);
  } else if constexpr (kWide<L>) {
    uint32_t wu[2] = {0, 0}, wv[2] = {0, 0};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      put_u16(wu, k, round_code(u[k], max) << pl.shift);
      put_u16(wv, k, round_code(v[k], max) << pl.shift);
    }
    store_words<8, 8>(row_ptr_mut(pl.u, j) + 2 * c0, wu);
    store_words<8, 8>(row_ptr_mut(pl.v, j) + 2 * c0, wv);
  } else {
    uint32_t wu[1] = {0}, wv[1] = {0};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      put_u8(wu, k, round_code(u[k], max));
      put_u8(wv, k, round_code(v[k], max));
    }
    store_words<4, 4>(row_ptr_mut(pl.u, j) + c0, wu);
    store_words<4, 4>(row_ptr_mut(pl.v, j) + c0, wv);
  }
}

// ---- RGB ----------------------------------------------------------------------------------------

template <RgbLayout L>
inline constexpr int kRgbChannels = L == RgbLayout::C4U8 ? 4 : 3;
template <RgbLayout L>
inline constexpr int kRgbSample = L == RgbLayout::C3U16 ? kU16 : L == RgbLayout::PF32 ? kF32 : L == RgbLayout::PF16 ? kF16 : kU8;
template <RgbLayout L>
inline constexpr bool kRgbPlanar = L == RgbLayout::PF32 || L == RgbLayout::PF16;

// Channel c of pixel x (memory order for packed layouts; plane c for planar ones).
template <RgbLayout L>
__device__ __forceinline__ float rgb_sample(const DevPlane (&pl)[3], int c, int x, int y) {
  if constexpr (kRgbPlanar<L>) return load_sample(pl[c], kRgbSample<L>, 0, x, y);
  else return load_sample(pl[0], kRgbSample<L>, 0, x * kRgbChannels<L> + c, y);
}

// 8 pixels of row y; c[0..2] in memory order (R, G, B for planar layouts), a = alpha or 0.
template <RgbLayout L>
__device__ __forceinline__ void load_rgb8(const DevPlane (&pl)[3], int y, int x0, int width, bool full, float (&c)[3][8],
                                          float (&a)[8]) {
  if (!full) {
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const int x = min(x0 + k, width - 1);
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) c[ch][k] = rgb_sample<L>(pl, ch, x, y);
      a[k] = kRgbChannels<L> == 4 ? rgb_sample<L>(pl, 3, x, y) : 0.0f;
    }
    return;
  }
  if constexpr (L == RgbLayout::C3U8) {
    uint32_t w[6];
    load_words<24, 8>(row_ptr(pl[0], y) + 3 * x0, w);
#pragma unroll
    for (int k = 0; k < 8; ++k) {
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) c[ch][k] = code_to_float(get_u8(w, 3 * k + ch));
      a[k] = 0;
    }
  } else if constexpr (L == RgbLayout::C4U8) {
    uint32_t w[8];
    load_words<32, 16>(row_ptr(pl[0], y) + 4 * x0, w);
#pragma unroll
    for (int k = 0; k < 8; ++k) {
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) c[ch][k] = code_to_float(get_u8(w, 4 * k + ch));
      a[k] = code_to_float(get_u8(w, 4 * k + 3));
    }
  } else if constexpr (L == RgbLayout::C3U16) {
    uint32_t w[12];
    load_words<48, 16>(row_ptr(pl[0], y) + 6 * x0, w);
#pragma unroll
    for (int k = 0; k < 8; ++k) {
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) c[ch][k] = code_to_float(get_u16(w, 3 * k + ch));
      a[k] = 0;
    }
  } else if constexpr (L == RgbLayout::PF32) {
#pragma unroll
    for (int ch = 0; ch < 3; ++ch) {
      uint32_t w[8];
      load_words<32, 16>(row_ptr(pl[ch], y) + 4 * x0, w);
#pragma unroll
      for (int k = 0; k < 8; ++k) c[ch][k] = __uint_as_float(w[k]);
    }
#pragma unroll
    for (int k = 0; k < 8; ++k) a[k] = 0;
  } else {
#pragma unroll
    for (int ch = 0; ch < 3; ++ch) {
      uint32_t w[4];
      load_words<16, 16>(row_ptr(pl[ch], y) + 2 * x0, w);
#pragma unroll
      for (int k = 0; k < 8; ++k) c[ch][k] = __half2float(__ushort_as_half(static_cast<unsigned short>(get_u16(w, k))));
    }
#pragma unroll
    for (int k = 0; k < 8; ++k) a[k] = 0;
  }
}

// Stores 8 pixels of row y. c[0..2] are in memory order, in output units: codes before rounding
// for integer layouts, values for float layouts; a is alpha (4-channel layouts only).
template <RgbLayout L>
__device__ __forceinline__ void store_rgb8(const DevPlane (&pl)[3], int y, int x0, int width, bool full, float max,
                                           const float (&c)[3][8], const float (&a)[8]) {
  if (!full) {
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const int x = x0 + k;
      if (x >= width) continue;
#pragma unroll
      for (int ch = 0; ch < kRgbChannels<L>; ++ch) {
        const float v = ch < 3 ? c[ch < 3 ? ch : 0][k] : a[k];
        if constexpr (kRgbPlanar<L>) store_sample(pl[ch], kRgbSample<L>, 0, max, x, y, v);
        else store_sample(pl[0], kRgbSample<L>, 0, max, x * kRgbChannels<L> + ch, y, v);
      }
    }
    return;
  }
  if constexpr (L == RgbLayout::C3U8) {
    uint32_t w[6] = {0, 0, 0, 0, 0, 0};
#pragma unroll
    for (int k = 0; k < 8; ++k)
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) put_u8(w, 3 * k + ch, round_code(c[ch][k], max));
    store_words<24, 8>(row_ptr_mut(pl[0], y) + 3 * x0, w);
  } else if constexpr (L == RgbLayout::C4U8) {
    uint32_t w[8] = {0, 0, 0, 0, 0, 0, 0, 0};
#pragma unroll
    for (int k = 0; k < 8; ++k) {
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) put_u8(w, 4 * k + ch, round_code(c[ch][k], max));
      put_u8(w, 4 * k + 3, round_code(a[k], max));
    }
    store_words<32, 16>(row_ptr_mut(pl[0], y) + 4 * x0, w);
  } else if constexpr (L == RgbLayout::C3U16) {
    uint32_t w[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
#pragma unroll
    for (int k = 0; k < 8; ++k)
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) put_u16(w, 3 * k + ch, round_code(c[ch][k], max));
    store_words<48, 16>(row_ptr_mut(pl[0], y) + 6 * x0, w);
  } else if constexpr (L == RgbLayout::PF32) {
#pragma unroll
    for (int ch = 0; ch < 3; ++ch) {
      uint32_t w[8];
#pragma unroll
      for (int k = 0; k < 8; ++k) w[k] = __float_as_uint(c[ch][k]);
      store_words<32, 16>(row_ptr_mut(pl[ch], y) + 4 * x0, w);
    }
  } else {
#pragma unroll
    for (int ch = 0; ch < 3; ++ch) {
      uint32_t w[4] = {0, 0, 0, 0};
#pragma unroll
      for (int k = 0; k < 8; ++k) put_u16(w, k, __half_as_ushort(__float2half_rn(c[ch][k])));
      store_words<16, 16>(row_ptr_mut(pl[ch], y) + 2 * x0, w);
    }
  }
}

// Grid of 8x2 tiles, 32x8 threads per block.
inline dim3 tile_block() { return dim3(32, 8); }
inline dim3 tile_grid(int width, int height) {
  return dim3(ceil_div(ceil_div(width, kTileW), 32), ceil_div(ceil_div(height, kTileH), 8));
}

}  // namespace caldera::color_cuda
