// Bilateral reference: the window sums of bilateral_internal.hpp in plain loops.
#include <cstring>
#include <vector>

#include "ops/bilateral/bilateral_internal.hpp"
#include "ops/blur/border.hpp"

namespace caldera {

Status bilateral_reference(ConstImageView src, ImageView dst, const BilateralParams& params) {
  CALDERA_RETURN_IF_ERROR(check_bilateral(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("bilateral_reference: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("bilateral_reference: src and dst overlap; the filter cannot run in place");
  if (src.on_device() || dst.on_device())
    return invalid_argument(std::string("bilateral_reference: needs host images, src is in ") +
                            memory_kind_name(src.memory()) + " memory and dst in " + memory_kind_name(dst.memory()));
  using filter_detail::border_index;
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  CALDERA_ASSIGN_OR_RETURN(bilateral_detail::Plan plan, bilateral_detail::plan_bilateral(params, 4));
  const int r = plan.radius;
  for (int p = 0; p < fi.num_planes; ++p) {
    const int w = plane_width(f, p, src.width()), h = plane_height(f, p, src.height()), ch = fi.planes[p].channels;
    if (!bilateral_detail::filters_plane(plan, f, p)) {
      for (int y = 0; y < h; ++y) std::memcpy(dst.row(p, y), src.row(p, y), static_cast<size_t>(w) * ch);
      continue;
    }
    auto sample = [&](int x, int y, int c) -> int {
      const int sx = border_index(x, w, plan.border), sy = border_index(y, h, plan.border);
      return sx < 0 || sy < 0 ? plan.border_value : src.row(p, sy)[sx * ch + c];
    };
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        uint64_t num[4] = {0, 0, 0, 0}, den = 0;
        for (int dy = -r; dy <= r; ++dy)
          for (int dx = -r; dx <= r; ++dx) {
            const uint32_t ws = plan.ws[std::abs(dy) * (r + 1) + std::abs(dx)];
            if (ws == 0) continue;
            int dist = 0;
            for (int c = 0; c < ch; ++c) dist += std::abs(sample(x + dx, y + dy, c) - sample(x, y, c));
            const uint64_t wgt = static_cast<uint64_t>(ws) * plan.wc[dist];
            den += wgt;
            for (int c = 0; c < ch; ++c) num[c] += wgt * static_cast<uint64_t>(sample(x + dx, y + dy, c));
          }
        for (int c = 0; c < ch; ++c) dst.row(p, y)[x * ch + c] = static_cast<uint8_t>((2 * num[c] + den) / (2 * den));
      }
  }
  return Status::ok();
}

}  // namespace caldera
