// Internal: what the Canny reference, the CUDA kernels and the tests share: the integer
// thresholds and kernels a CannyParams resolves to, and the reference's two stages (gradient +
// non-maximum suppression into a class map, then hysteresis), exposed so the tests can check the
// GPU's tiled hysteresis scheme against them. Never include from public headers.
#pragma once

#include <cstdint>
#include <vector>

#include "caldera/ops/canny.hpp"
#include "caldera/status.hpp"

namespace caldera::canny_detail {

// Pixel classes after non-maximum suppression.
enum : uint8_t { kNone = 0, kWeak = 1, kStrong = 2 };

struct Plan {
  int low = 0, high = 0;  // a surviving magnitude m is weak if m > low, strong if m > high
  bool l2 = false;        // magnitudes are gx^2 + gy^2 (thresholds squared), else |gx| + |gy|
  bool div16 = false;     // aperture 7: derivatives are round_half_even(raw / 16), as OpenCV
  std::vector<int> kx_dx, ky_dx, kx_dy, ky_dy;  // the two derivative kernels
  int radius = 1;
};

Result<Plan> plan_canny(const CannyParams& p);

inline bool has_pre_blur(const CannyParams& p) { return p.blur_sigma > 0 || p.blur_ksize > 0; }

// Gradient, magnitude, non-maximum suppression and thresholds: a kNone/kWeak/kStrong class per
// pixel of a gray8 image, row-major.
std::vector<uint8_t> classify_reference(ConstImageView gray, const Plan& plan);
// Hysteresis: 255 where a pixel is strong or 8-connected to a strong one through weak ones.
std::vector<uint8_t> hysteresis_reference(const std::vector<uint8_t>& classes, int width, int height);

}  // namespace caldera::canny_detail
