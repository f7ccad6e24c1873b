// Internal: the border index maps of FilterBorder, shared by the references and the CUDA kernels
// of every neighbourhood filter so both read the same samples. Never include from public headers.
#pragma once

#include <cstdint>

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

}  // namespace caldera::filter_detail
