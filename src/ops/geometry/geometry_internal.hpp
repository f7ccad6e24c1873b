// Internal: pieces shared by the geometry reference, CUDA code and letterbox. Never include from
// public headers.
#pragma once

#include <cstdint>

#include "caldera/ops/geometry.hpp"

#if defined(__CUDACC__)
#define CALDERA_GEOMETRY_HD __host__ __device__
#else
#define CALDERA_GEOMETRY_HD
#endif

namespace caldera::geometry_detail {

// Raw sample bits (u8/u16 code, P010 already shifted, half or float bits) of the constant border
// for each plane and channel of `format`, from PadParams-style values (see PadParams::value).
struct BorderBits {
  uint32_t bits[3][4] = {};
};
BorderBits border_bits(PixelFormat format, const double value[4]);

// Pad, optionally leaving the inside (where src lands) untouched: letterbox fills only its bars
// with copy_inside = false, passing the already resized inner view of dst as `src` (only its size
// is used then).
Status pad_reference_impl(ConstImageView src, ImageView dst, const PadParams& params, bool copy_inside);
Status pad_cuda_impl(ConstImageView src, ImageView dst, const PadParams& params, bool copy_inside,
                     StreamHandle stream);

// Border index maps for a plane of n samples (n >= 1).
CALDERA_GEOMETRY_HD inline int replicate_index(int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }
// Reflect without repeating the edge sample (OpenCV BORDER_REFLECT_101, numpy/PyTorch 'reflect').
CALDERA_GEOMETRY_HD inline int reflect_index(int i, int n) {
  if (n == 1) return 0;
  const int period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

}  // namespace caldera::geometry_detail
