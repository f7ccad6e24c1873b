// Derivative filters reference: the exact integer response of each separable pair, combined and
// mapped to codes with the shared epilogue. The test oracle and the CPU fallback.
#include <cstring>
#include <vector>

#include "ops/gradient/gradient_internal.hpp"

namespace caldera::gradient_detail {

using filter_detail::border_index;

void separable_response(ConstImageView gray, const std::vector<int>& kx, const std::vector<int>& ky, FilterBorder border,
                        int border_value, std::vector<int32_t>& out) {
  const int w = gray.width(), h = gray.height();
  const int rx = static_cast<int>(kx.size()) / 2, ry = static_cast<int>(ky.size()) / 2;
  int ky_sum = 0;
  for (int v : ky) ky_sum += v;
  // Vertical pass per column, then horizontal; a column outside the image reads its border
  // column (Constant: the value in every row).
  std::vector<int32_t> v(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int32_t acc = 0;
      for (int j = 0; j < static_cast<int>(ky.size()); ++j) {
        const int sy = border_index(y + j - ry, h, border);
        acc += ky[j] * (sy < 0 ? border_value : gray.row(0, sy)[x]);
      }
      v[static_cast<size_t>(y) * w + x] = acc;
    }
  out.assign(static_cast<size_t>(w) * h, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int32_t acc = 0;
      for (int i = 0; i < static_cast<int>(kx.size()); ++i) {
        const int sx = border_index(x + i - rx, w, border);
        acc += kx[i] * (sx < 0 ? border_value * ky_sum : v[static_cast<size_t>(y) * w + sx]);
      }
      out[static_cast<size_t>(y) * w + x] = acc;
    }
}

Status gradient_reference(ConstImageView src, ImageView dst, const Plan& plan) {
  std::vector<int32_t> a, b;
  separable_response(src, plan.kxa, plan.kya, plan.border, plan.border_value, a);
  if (plan.npairs == 2) separable_response(src, plan.kxb, plan.kyb, plan.border, plan.border_value, b);
  const bool wide = dst.format() == PixelFormat::Gray16;
  const Epilogue e = make_epilogue(plan, wide ? 65535u : 255u);
  const int w = src.width();
  for (int y = 0; y < src.height(); ++y) {
    uint8_t* row = dst.row(0, y);
    for (int x = 0; x < w; ++x) {
      const size_t i = static_cast<size_t>(y) * w + x;
      const uint32_t code = combine_code(a[i], plan.npairs == 2 ? b[i] : 0, plan.combine, e);
      if (wide) {
        const uint16_t c = static_cast<uint16_t>(code);
        std::memcpy(row + 2 * x, &c, 2);
      } else {
        row[x] = static_cast<uint8_t>(code);
      }
    }
  }
  return Status::ok();
}

}  // namespace caldera::gradient_detail
