// Internal: what the derivative filters' reference, CUDA kernels and Canny share: the resolved
// plan (one or two separable integer kernel pairs and how their responses combine), the exact
// response of one pair on a gray8 plane, and the mapping of responses to output codes, written
// once for host and device so both give the same codes. Never include from public headers.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "caldera/ops/gradient.hpp"
#include "ops/blur/border.hpp"

namespace caldera::gradient_detail {

// A: pair A alone (a derivative); Sum: A + B (Laplacian); MagL2 / MagL1: magnitude of (A, B).
enum class Combine : uint8_t { A, Sum, MagL2, MagL1 };

constexpr int kMaxTaps = 7;

struct Plan {
  int npairs = 1;
  std::vector<int> kxa, kya, kxb, kyb;  // odd sizes, centred
  Combine combine = Combine::A;
  double scale = 1, delta = 0;
  bool absolute = true;
  FilterBorder border = FilterBorder::Reflect101;
  int border_value = 0;  // Constant border, 8-bit code
};

Result<Plan> plan_sobel(const SobelParams& p);
Result<Plan> plan_laplacian(const LaplacianParams& p);
Status check_gradient_formats(const ImageDesc& src, const ImageDesc& dst, const char* name);

// The exact response sum_i sum_j kx[i] ky[j] P(x + i - rx, y + j - ry) of a gray8 plane,
// row-major, one int per pixel (P reads through the border map; Constant reads `border_value`).
void separable_response(ConstImageView gray, const std::vector<int>& kx, const std::vector<int>& ky, FilterBorder border,
                        int border_value, std::vector<int32_t>& out);

Status gradient_reference(ConstImageView src, ImageView dst, const Plan& plan);
Status gradient_cuda(ConstImageView src, ImageView dst, const Plan& plan, StreamHandle stream);

// OpenCV's Sobel taps of one axis as a compile-time array (the same as deriv_kernels): K taps,
// derivative order 0 (binomial smoothing) or 1. Lets kernels specialised for Sobel fold the taps
// into shifts and adds.
template <int K>
constexpr std::array<int, K> sobel_axis_taps(int order) {
  std::array<int, K> v{};
  v[0] = 1;
  int len = 1;
  for (int s = 0; s < K - 1 - order; ++s, ++len)  // convolve with [1, 1]
    for (int i = len; i > 0; --i) v[i] += v[i - 1];
  for (int s = 0; s < order; ++s, ++len) {  // convolve with [-1, 1]
    for (int i = len; i > 0; --i) v[i] = v[i - 1] - v[i];
    v[0] = -v[0];
  }
  return v;
}

// ---- response -> code, identical on host and device ------------------------------------------------

struct Epilogue {
  double scale = 1, delta = 0;
  bool absolute = true;
  bool identity = true;  // scale 1 and delta 0: integer arithmetic only
  uint32_t max_code = 255;
};

inline Epilogue make_epilogue(const Plan& plan, uint32_t max_code) {
  Epilogue e;
  e.scale = plan.scale;
  e.delta = plan.delta;
  e.absolute = plan.absolute;
  e.identity = plan.scale == 1 && plan.delta == 0;
  e.max_code = max_code;
  return e;
}

// v * s + d rounded twice (no fused multiply-add, which the host does not use either).
CALDERA_FILTER_HD double mul_add_rn(double v, double s, double d) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(__dmul_rn(v, s), d);
#else
  return v * s + d;
#endif
}

CALDERA_FILTER_HD uint32_t round_clamp_code(double x, uint32_t max_code) {
#if defined(__CUDA_ARCH__)
  const double r = floor(__dadd_rn(x, 0.5));
#else
  const double r = std::floor(x + 0.5);
#endif
  if (!(r > 0)) return 0;  // also NaN
  return r >= max_code ? max_code : static_cast<uint32_t>(r);
}

CALDERA_FILTER_HD uint32_t clamp_code(int64_t v, uint32_t max_code) {
  return v <= 0 ? 0u : v >= static_cast<int64_t>(max_code) ? max_code : static_cast<uint32_t>(v);
}

// The nearest integer to sqrt(m2): the r with r^2 - r < m2 <= r^2 + r (no ties exist).
CALDERA_FILTER_HD uint32_t sqrt_round(uint64_t m2) {
  uint32_t r = static_cast<uint32_t>(sqrtf(static_cast<float>(m2)) + 0.5f);
  while (static_cast<uint64_t>(r) * r + r < m2) ++r;
  while (r > 0 && static_cast<uint64_t>(r) * r - r >= m2) --r;
  return r;
}

// sqrt_round for m2 < 2^31 in 32-bit arithmetic (the fast kernels' plain magnitude up to 5 taps;
// equal to sqrt_round there, which tests/ops/gradient_test.cpp checks).
CALDERA_FILTER_HD uint32_t sqrt_round32(uint32_t m2) {
  uint32_t r = static_cast<uint32_t>(sqrtf(static_cast<float>(m2)) + 0.5f);
  while (r * r + r < m2) ++r;
  while (r > 0 && r * r - r >= m2) --r;
  return r;
}

CALDERA_FILTER_HD uint32_t derivative_code(int64_t v, const Epilogue& e) {
  if (e.identity) return clamp_code(e.absolute && v < 0 ? -v : v, e.max_code);
  double x = mul_add_rn(static_cast<double>(v), e.scale, e.delta);
  if (e.absolute) x = fabs(x);
  return round_clamp_code(x, e.max_code);
}

CALDERA_FILTER_HD uint32_t magnitude_code(int64_t gx, int64_t gy, bool l2, const Epilogue& e) {
  const int64_t ax = gx < 0 ? -gx : gx, ay = gy < 0 ? -gy : gy;
  if (!l2) {
    if (e.identity) return clamp_code(ax + ay, e.max_code);
    return round_clamp_code(mul_add_rn(static_cast<double>(ax + ay), e.scale, e.delta), e.max_code);
  }
  const uint64_t m2 = static_cast<uint64_t>(ax * ax + ay * ay);
  if (e.identity) return clamp_code(sqrt_round(m2), e.max_code);
  return round_clamp_code(mul_add_rn(sqrt(static_cast<double>(m2)), e.scale, e.delta), e.max_code);
}

CALDERA_FILTER_HD uint32_t combine_code(int64_t a, int64_t b, Combine c, const Epilogue& e) {
  switch (c) {
    case Combine::A: return derivative_code(a, e);
    case Combine::Sum: return derivative_code(a + b, e);
    case Combine::MagL2: return magnitude_code(a, b, true, e);
    case Combine::MagL1: return magnitude_code(a, b, false, e);
  }
  return 0;
}

}  // namespace caldera::gradient_detail
