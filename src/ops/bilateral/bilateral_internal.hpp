// Internal: the bilateral weights both implementations use. With r the window radius,
//   ws(dx, dy) = round(32768 exp(-(dx^2 + dy^2) / (2 sigma_space^2)))  where dx^2 + dy^2 <= r^2, else 0
//   wc(d)      = round(32768 exp(-d^2 / (2 sigma_color^2)))            d = sum_c |p_c - q_c|
//   w = ws * wc (< 2^31), and per channel out = floor(sum w q / sum w + 1/2), computed exactly as
//   (2 sum w q + sum w) / (2 sum w) in 64-bit integers.
#pragma once

#include <cstdint>
#include <vector>

#include "caldera/ops/bilateral.hpp"

namespace caldera::bilateral_detail {

constexpr int kMaxRadius = 15;

struct Plan {
  int radius = 1;
  std::vector<uint16_t> ws;  // (radius + 1)^2, index |dy| * (radius + 1) + |dx|
  std::vector<uint16_t> wc;  // 255 * channels + 1 entries (for the largest channel count asked)
  FilterBorder border = FilterBorder::Reflect101;
  int border_value = 0;
  PlaneSet planes = PlaneSet::All;
};

Result<Plan> plan_bilateral(const BilateralParams& p, int max_channels);
bool filters_plane(const Plan& plan, PixelFormat f, int plane);

}  // namespace caldera::bilateral_detail
