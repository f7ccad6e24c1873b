// Median reference: every window sorted (nth_element), one plane and channel at a time.
#include <algorithm>
#include <cstring>
#include <vector>

#include "ops/blur/border.hpp"
#include "ops/median/median_internal.hpp"

namespace caldera {

Status median_reference(ConstImageView src, ImageView dst, const MedianParams& params) {
  CALDERA_RETURN_IF_ERROR(check_median(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("median_reference: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("median_reference: src and dst overlap; the filter cannot run in place");
  if (src.on_device() || dst.on_device())
    return invalid_argument(std::string("median_reference: needs host images, src is in ") + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  using filter_detail::border_index;
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  const int r = params.ksize / 2, cv = median_detail::border_code(params.border_value);
  std::vector<uint8_t> window(static_cast<size_t>(params.ksize) * params.ksize);
  for (int p = 0; p < fi.num_planes; ++p) {
    const int w = plane_width(f, p, src.width()), h = plane_height(f, p, src.height()), ch = fi.planes[p].channels;
    if (!median_detail::filters_plane(params, f, p)) {
      for (int y = 0; y < h; ++y) std::memcpy(dst.row(p, y), src.row(p, y), static_cast<size_t>(w) * ch);
      continue;
    }
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < ch; ++c) {
          size_t n = 0;
          for (int dy = -r; dy <= r; ++dy)
            for (int dx = -r; dx <= r; ++dx) {
              const int sx = border_index(x + dx, w, params.border), sy = border_index(y + dy, h, params.border);
              window[n++] = sx < 0 || sy < 0 ? static_cast<uint8_t>(cv) : src.row(p, sy)[sx * ch + c];
            }
          std::nth_element(window.begin(), window.begin() + window.size() / 2, window.end());
          dst.row(p, y)[x * ch + c] = window[window.size() / 2];
        }
  }
  return Status::ok();
}

}  // namespace caldera
