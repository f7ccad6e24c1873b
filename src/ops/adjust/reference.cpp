// Colour adjustment reference: plain loops in double over luma samples, chroma samples (YUV, each
// at its own resolution) or pixels (RGB through Y'CbCr).
#include <cmath>
#include <string>

#include "core/sample_io.hpp"
#include "ops/adjust/adjust_math.hpp"

namespace caldera {

using namespace adjust_detail;

Status adjust_reference(ConstImageView src, ImageView dst, const AdjustParams& params) {
  CALDERA_RETURN_IF_ERROR(check_adjust(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("adjust_reference: src or dst has no pixels");
  if (!is_host_memory(src.memory()) || !is_host_memory(dst.memory()))
    return invalid_argument("adjust_reference: needs host images (use adjust_cuda or adjust for device images)");
  const PixelFormat f = src.format();
  const Layout l = layout_of(src.desc());
  const auto c = make_coeffs<double>(params);
  const int w = src.width(), h = src.height();
  const bool flt = is_float(f);
  if (l.family != static_cast<int>(ColorFamily::Rgb)) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        write_code(dst, 0, x, y, 0, adjust_luma(c, (read_code(src, 0, x, y, 0) - l.y_off) / l.y_scale) * l.y_scale + l.y_off);
    if (l.family == static_cast<int>(ColorFamily::Gray)) return Status::ok();
    for (int y = 0; y < plane_height(f, 1, h); ++y)
      for (int x = 0; x < plane_width(f, 1, w); ++x) {
        double cb = (read_code(src, l.u_plane, x, y, l.u_ch) - l.c_off) / l.c_scale;
        double cr = (read_code(src, l.v_plane, x, y, l.v_ch) - l.c_off) / l.c_scale;
        adjust_chroma(c, cb, cr);
        write_code(dst, l.u_plane, x, y, l.u_ch, cb * l.c_scale + l.c_off);
        write_code(dst, l.v_plane, x, y, l.v_ch, cr * l.c_scale + l.c_off);
      }
    return Status::ok();
  }
  const double kg = 1 - l.kr - l.kb;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto get = [&](int i) {
        const double v = l.rgb_planar ? read_code(src, i, x, y, 0) : read_code(src, 0, x, y, i);
        return flt ? (std::isfinite(v) ? v : 0.0) : v / l.max;
      };
      auto put = [&](int i, double v) {
        if (l.rgb_planar) write_code(dst, i, x, y, 0, v * l.max);
        else write_code(dst, 0, x, y, i, v * l.max);
      };
      const double r = get(l.ri), g = get(l.gi), b = get(l.bi);
      double yv = l.kr * r + kg * g + l.kb * b;
      double cb = (b - yv) / (2 * (1 - l.kb)), cr = (r - yv) / (2 * (1 - l.kr));
      yv = adjust_luma(c, yv);
      adjust_chroma(c, cb, cr);
      const double r2 = yv + 2 * (1 - l.kr) * cr, b2 = yv + 2 * (1 - l.kb) * cb;
      put(l.ri, r2), put(l.bi, b2), put(l.gi, (yv - l.kr * r2 - l.kb * b2) / kg);
      if (l.ai >= 0) put(l.ai, get(l.ai));
    }
  return Status::ok();
}

}  // namespace caldera
