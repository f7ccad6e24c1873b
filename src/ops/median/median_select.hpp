// Internal: exact medians of 9 and 25 samples by compare-exchange in registers, written once for
// the CUDA kernel and the tests (the reference sorts, so these are checked against it).
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define CALDERA_MEDIAN_HD __host__ __device__ __forceinline__
#else
#define CALDERA_MEDIAN_HD inline
#endif

namespace caldera::median_detail {

CALDERA_MEDIAN_HD void cas(uint32_t& a, uint32_t& b) {  // a <- min, b <- max
  const uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
  a = lo;
  b = hi;
}

CALDERA_MEDIAN_HD uint32_t med3(uint32_t a, uint32_t b, uint32_t c) {
  const uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
  return c < lo ? lo : c > hi ? hi : c;
}

// 3x3 given as three columns of three (v[3 * col + row]): with each column sorted, the median is
// the median of (largest column minimum, median of the column medians, smallest column maximum).
CALDERA_MEDIAN_HD uint32_t median9(uint32_t v[9]) {
#pragma unroll
  for (int c = 0; c < 3; ++c) {
    cas(v[3 * c], v[3 * c + 1]);
    cas(v[3 * c + 1], v[3 * c + 2]);
    cas(v[3 * c], v[3 * c + 1]);
  }
  const uint32_t lo = v[0] > v[3] ? (v[0] > v[6] ? v[0] : v[6]) : (v[3] > v[6] ? v[3] : v[6]);
  const uint32_t hi = v[2] < v[5] ? (v[2] < v[8] ? v[2] : v[8]) : (v[5] < v[8] ? v[5] : v[8]);
  return med3(lo, med3(v[1], v[4], v[7]), hi);
}

// 25 samples by forgetful selection: of the first 14, the smallest and the largest cannot be the
// median of all 25 (one has 13 samples above it, the other 13 below), so both go and the next
// sample comes in; after the last sample three remain and their median is the answer.
CALDERA_MEDIAN_HD uint32_t median25(const uint32_t v[25]) {
  uint32_t r[14];
#pragma unroll
  for (int i = 0; i < 14; ++i) r[i] = v[i];
#pragma unroll
  for (int k = 0; k < 11; ++k) {
    const int n = 14 - k;
#pragma unroll
    for (int i = 1; i < n; ++i) cas(r[0], r[i]);  // r[0]: the minimum
#pragma unroll
    for (int i = 1; i < n - 1; ++i) cas(r[i], r[n - 1]);  // r[n - 1]: the maximum
#pragma unroll
    for (int i = 0; i < n - 2; ++i) r[i] = r[i + 1];
    r[n - 2] = v[14 + k];
  }
  return med3(r[0], r[1], r[2]);
}

}  // namespace caldera::median_detail
