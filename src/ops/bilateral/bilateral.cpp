// Bilateral: the weight tables, checks and dispatch.
#include "caldera/ops/bilateral.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ops/bilateral/bilateral_internal.hpp"
#include "ops/blur/border.hpp"
#include "core/number_text.hpp"

namespace caldera {

namespace bilateral_detail {

Result<Plan> plan_bilateral(const BilateralParams& p, int max_channels) {
  if (!std::isfinite(p.sigma_color) || !std::isfinite(p.sigma_space) || p.sigma_color > 1e6 || p.sigma_space > 1e6)
    return invalid_argument("bilateral: sigma_color and sigma_space must be finite");
  if (p.diameter > 2 * kMaxRadius + 1)
    return invalid_argument("bilateral: diameter " + std::to_string(p.diameter) + " is above " +
                            std::to_string(2 * kMaxRadius + 1));
  if (static_cast<int>(p.border) > static_cast<int>(FilterBorder::Constant))
    return invalid_argument("bilateral: border value is out of range");
  if (!std::isfinite(p.border_value)) return invalid_argument("bilateral: border_value is not finite");
  const double sc = p.sigma_color <= 0 ? 1 : p.sigma_color, ss = p.sigma_space <= 0 ? 1 : p.sigma_space;
  Plan plan;
  plan.radius = p.diameter <= 0 ? static_cast<int>(std::lround(ss * 1.5)) : p.diameter / 2;
  plan.radius = std::max(plan.radius, 1);
  if (plan.radius > kMaxRadius)
    return invalid_argument("bilateral: sigma_space " + number_text(p.sigma_space) + " gives radius " +
                            std::to_string(plan.radius) + ", above " + std::to_string(kMaxRadius) + "; give a diameter");
  const int r = plan.radius;
  plan.ws.assign(static_cast<size_t>(r + 1) * (r + 1), 0);
  for (int dy = 0; dy <= r; ++dy)
    for (int dx = 0; dx <= r; ++dx)
      if (dx * dx + dy * dy <= r * r)
        plan.ws[dy * (r + 1) + dx] =
            static_cast<uint16_t>(std::lround(32768.0 * std::exp(-(dx * dx + dy * dy) / (2 * ss * ss))));
  plan.wc.resize(255 * static_cast<size_t>(max_channels) + 1);
  for (size_t d = 0; d < plan.wc.size(); ++d)
    plan.wc[d] = static_cast<uint16_t>(std::lround(32768.0 * std::exp(-double(d) * double(d) / (2 * sc * sc))));
  plan.border = p.border;
  plan.border_value = static_cast<int>(std::clamp(std::floor(p.border_value + 0.5), 0.0, 255.0));
  plan.planes = p.planes;
  return plan;
}

bool filters_plane(const Plan& plan, PixelFormat f, int plane) {
  return plane == 0 || plan.planes == PlaneSet::All || !is_yuv(f);
}

}  // namespace bilateral_detail

Status check_bilateral(const ImageDesc& src, const ImageDesc& dst, const BilateralParams& params) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "bilateral: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "bilateral: dst"));
  if (src.format != dst.format || src.width != dst.width || src.height != dst.height)
    return invalid_argument(std::string("bilateral: src is ") + std::to_string(src.width) + "x" + std::to_string(src.height) +
                            " " + format_name(src.format) + " but dst is " + std::to_string(dst.width) + "x" +
                            std::to_string(dst.height) + " " + format_name(dst.format) + "; the filter keeps both");
  if (format_info(src.format).sample != SampleType::U8)
    return invalid_argument(std::string("bilateral: ") + format_name(src.format) +
                            " is not supported (8-bit gray, RGB and YUV formats only)");
  return bilateral_detail::plan_bilateral(params, 1).status();
}

Status bilateral(ConstImageView src, ImageView dst, const BilateralParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_bilateral(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("bilateral: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("bilateral: src and dst overlap; the filter cannot run in place");
  if (src.on_device() != dst.on_device())
    return invalid_argument(std::string("bilateral: src is in ") + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one of them first");
  if (!src.on_device()) return bilateral_reference(src, dst, params);
  if (!ctx.is_cuda())
    return invalid_argument("bilateral: the images are in device memory but the context is the CPU; pass a CUDA context");
  return bilateral_cuda(src, dst, params, ctx.stream());
}

}  // namespace caldera
