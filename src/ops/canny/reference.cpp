// Canny reference: OpenCV's algorithm in plain loops. Derivatives with a replicated border (exact
// integers), magnitudes with zeros around the image, non-maximum suppression in OpenCV's integer
// sector test, then a flood fill from the strong pixels. The test oracle and the CPU fallback.
#include <cstring>
#include <vector>

#include "caldera/ops/blur.hpp"
#include "ops/canny/canny_internal.hpp"
#include "ops/canny/hysteresis.hpp"
#include "ops/gradient/gradient_internal.hpp"
#include "ops/blur/border.hpp"

namespace caldera::canny_detail {

std::vector<uint8_t> classify_reference(ConstImageView gray, const Plan& plan) {
  const int w = gray.width(), h = gray.height();
  std::vector<int32_t> dx, dy;
  gradient_detail::separable_response(gray, plan.kx_dx, plan.ky_dx, FilterBorder::Replicate, 0, dx);
  gradient_detail::separable_response(gray, plan.kx_dy, plan.ky_dy, FilterBorder::Replicate, 0, dy);
  if (plan.div16) {
    for (auto& v : dx) v = div16_round_even(v);
    for (auto& v : dy) v = div16_round_even(v);
  }
  // Magnitudes with a ring of zeros: (w + 2) x (h + 2).
  const int mw = w + 2;
  std::vector<int32_t> mag(static_cast<size_t>(mw) * (h + 2), 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int32_t gx = dx[static_cast<size_t>(y) * w + x], gy = dy[static_cast<size_t>(y) * w + x];
      mag[static_cast<size_t>(y + 1) * mw + x + 1] = plan.l2 ? gx * gx + gy * gy : std::abs(gx) + std::abs(gy);
    }
  std::vector<uint8_t> cls(static_cast<size_t>(w) * h, kNone);
  constexpr int kTan22 = 13573;  // round(tan(22.5 deg) * 2^15)
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int32_t* row = &mag[static_cast<size_t>(y + 1) * mw + x + 1];
      const int32_t m = row[0];
      if (m <= plan.low) continue;
      const int32_t xs = dx[static_cast<size_t>(y) * w + x], ys = dy[static_cast<size_t>(y) * w + x];
      const int32_t ax = std::abs(xs), ay = std::abs(ys) << 15;
      const int32_t tg22x = ax * kTan22;
      bool peak;
      if (ay < tg22x) {
        peak = m > row[-1] && m >= row[1];  // horizontal gradient: left and right neighbours
      } else {
        const int32_t tg67x = tg22x + (ax << 16);
        if (ay > tg67x) {
          peak = m > row[-mw] && m >= row[mw];  // vertical: above and below
        } else {
          const int s = (xs ^ ys) < 0 ? -1 : 1;  // diagonal: up-left/down-right or up-right/down-left
          peak = m > row[-mw - s] && m > row[mw + s];
        }
      }
      if (peak) cls[static_cast<size_t>(y) * w + x] = m > plan.high ? kStrong : kWeak;
    }
  return cls;
}

std::vector<uint8_t> hysteresis_reference(const std::vector<uint8_t>& classes, int width, int height) {
  std::vector<uint8_t> edges(classes.size(), 0);
  std::vector<int> stack;
  for (size_t i = 0; i < classes.size(); ++i)
    if (classes[i] == kStrong) {
      edges[i] = 255;
      stack.push_back(static_cast<int>(i));
    }
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    const int x = i % width, y = i / width;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int nx = x + dx, ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const int n = ny * width + nx;
        if (classes[n] != kNone && !edges[n]) {
          edges[n] = 255;
          stack.push_back(n);
        }
      }
  }
  return edges;
}

}  // namespace caldera::canny_detail

namespace caldera {

Status canny_reference(ConstImageView src, ImageView dst, const CannyParams& params) {
  CALDERA_RETURN_IF_ERROR(check_canny(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("canny_reference: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("canny_reference: src and dst overlap; the filter cannot run in place");
  if (src.on_device() || dst.on_device())
    return invalid_argument(std::string("canny_reference: needs host images, src is in ") + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  CALDERA_ASSIGN_OR_RETURN(canny_detail::Plan plan, canny_detail::plan_canny(params));
  ConstImageView input = src;
  Image blurred;
  if (canny_detail::has_pre_blur(params)) {
    CALDERA_ASSIGN_OR_RETURN(blurred, Image::create(src.desc(), MemoryKind::Host));
    GaussianParams g;
    g.sigma_x = params.blur_sigma;
    g.ksize_x = params.blur_ksize;
    CALDERA_RETURN_IF_ERROR(gaussian_blur_reference(src, blurred.view(), g));
    input = blurred.view();
  }
  const auto cls = canny_detail::classify_reference(input, plan);
  const auto edges = canny_detail::hysteresis_reference(cls, src.width(), src.height());
  for (int y = 0; y < src.height(); ++y)
    std::memcpy(dst.row(0, y), &edges[static_cast<size_t>(y) * src.width()], src.width());
  return Status::ok();
}

}  // namespace caldera
