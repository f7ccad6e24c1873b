// Internal: the border index maps of FilterBorder, shared by the references and the CUDA kernels
// of every neighbourhood filter so both read the same samples. Never include from public headers.
#pragma once

#include <cstdint>

#include "caldera/image.hpp"
#include "caldera/ops/filter_border.hpp"

#if defined(__CUDACC__)
#define CALDERA_FILTER_HD __host__ __device__ __forceinline__
#else
#define CALDERA_FILTER_HD inline
#endif

namespace caldera::filter_detail {

// The index that sample i (any integer) of an axis of n >= 1 samples reads, or -1 for Constant
// outside [0, n). Reflections are periodic (period 2n for Reflect, 2n - 2 for Reflect101), which
// equals OpenCV's repeated reflection for kernels wider than the image.
CALDERA_FILTER_HD int border_index(int i, int n, FilterBorder b) {
  if (i >= 0 && i < n) return i;
  switch (b) {
    case FilterBorder::Replicate: return i < 0 ? 0 : n - 1;
    case FilterBorder::Reflect: {
      const int period = 2 * n;
      int k = i % period;
      if (k < 0) k += period;
      return k < n ? k : period - 1 - k;
    }
    case FilterBorder::Reflect101: {
      if (n == 1) return 0;
      const int period = 2 * n - 2;
      int k = i % period;
      if (k < 0) k += period;
      return k < n ? k : period - k;
    }
    case FilterBorder::Constant: return -1;
  }
  return -1;
}

// Whether any plane of `a` shares bytes with any plane of `b`: neighbourhood filters read samples
// their other threads or iterations have already written, so they refuse to run in place.
inline bool views_overlap(const BasicImageView<const uint8_t>& a, const BasicImageView<const uint8_t>& b) {
  if (a.memory() == MemoryKind::Device) {
    if (b.memory() != MemoryKind::Device) return false;
  } else if (b.memory() == MemoryKind::Device) {
    return false;
  }
  auto extent = [](const BasicImageView<const uint8_t>& v, int p, const uint8_t** lo, const uint8_t** hi) {
    const int h = plane_height(v.format(), p, v.height());
    *lo = v.plane(p).data;
    *hi = *lo + v.plane(p).pitch * static_cast<size_t>(h - 1) + plane_row_bytes(v.format(), p, v.width());
  };
  for (int i = 0; i < a.num_planes(); ++i)
    for (int j = 0; j < b.num_planes(); ++j) {
      const uint8_t *a0, *a1, *b0, *b1;
      extent(a, i, &a0, &a1);
      extent(b, j, &b0, &b1);
      if (a0 < b1 && b0 < a1) return true;
    }
  return false;
}

}  // namespace caldera::filter_detail
