// Median: parameter checks and dispatch.
#include "caldera/ops/median.hpp"

#include <cmath>
#include <string>

#include "ops/median/median_internal.hpp"
#include "ops/blur/border.hpp"

namespace caldera {

namespace median_detail {
bool filters_plane(const MedianParams& p, PixelFormat f, int plane) {
  return plane == 0 || p.planes == PlaneSet::All || !is_yuv(f);
}
}  // namespace median_detail

Status check_median(const ImageDesc& src, const ImageDesc& dst, const MedianParams& params) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "median: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "median: dst"));
  if (src.format != dst.format || src.width != dst.width || src.height != dst.height)
    return invalid_argument(std::string("median: src is ") + std::to_string(src.width) + "x" + std::to_string(src.height) +
                            " " + format_name(src.format) + " but dst is " + std::to_string(dst.width) + "x" +
                            std::to_string(dst.height) + " " + format_name(dst.format) + "; the filter keeps both");
  if (format_info(src.format).sample != SampleType::U8)
    return invalid_argument(std::string("median: ") + format_name(src.format) +
                            " is not supported (8-bit gray, RGB and YUV formats only)");
  if (params.ksize != 3 && params.ksize != 5)
    return invalid_argument("median: ksize " + std::to_string(params.ksize) + " must be 3 or 5");
  if (static_cast<int>(params.border) > static_cast<int>(FilterBorder::Constant))
    return invalid_argument("median: border value is out of range");
  if (!std::isfinite(params.border_value)) return invalid_argument("median: border_value is not finite");
  return Status::ok();
}

Status median(ConstImageView src, ImageView dst, const MedianParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_median(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("median: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("median: src and dst overlap; the filter cannot run in place");
  if (src.on_device() != dst.on_device())
    return invalid_argument(std::string("median: src is in ") + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one of them first");
  if (!src.on_device()) return median_reference(src, dst, params);
  if (!ctx.is_cuda())
    return invalid_argument("median: the images are in device memory but the context is the CPU; pass a CUDA context");
  return median_cuda(src, dst, params, ctx.stream());
}

}  // namespace caldera
