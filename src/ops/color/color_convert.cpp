// convert(): parameter checks and the choice between the CPU reference and the CUDA kernels.
#include <cmath>
#include <string>

#include "caldera/ops/color_convert.hpp"
#include "core/number_text.hpp"

namespace caldera {
namespace {

std::string size_of(const ImageDesc& d) { return std::to_string(d.width) + "x" + std::to_string(d.height); }

}  // namespace

Status check_convert(const ImageDesc& src, const ImageDesc& dst, const ConvertParams& params) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "convert: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "convert: dst"));
  if (src.width != dst.width || src.height != dst.height)
    return invalid_argument("convert: src is " + size_of(src) + " but dst is " + size_of(dst) +
                            "; convert does not scale (use resize)");
  // Every pair of the 17 formats is supported; the enum range is checked by validate_desc.
  if (!(params.alpha >= 0.0f && params.alpha <= 1.0f))  // also rejects NaN
    return invalid_argument("convert: params.alpha is " + number_text(params.alpha) + "; it must be in [0, 1]");
  if (params.chroma != ChromaFilter::Linear && params.chroma != ChromaFilter::Nearest)
    return invalid_argument("convert: params.chroma is not a ChromaFilter value");
  const auto valid_color = [](const ColorDesc& c) {
    return static_cast<int>(c.matrix) <= static_cast<int>(Matrix::BT2020NCL) &&
           static_cast<int>(c.range) <= static_cast<int>(Range::Full) &&
           static_cast<int>(c.siting) <= static_cast<int>(ChromaSiting::TopLeft);
  };
  if (!valid_color(src.color)) return invalid_argument("convert: src color description holds an out-of-range value");
  if (!valid_color(dst.color)) return invalid_argument("convert: dst color description holds an out-of-range value");
  return Status::ok();
}

Status convert(ConstImageView src, ImageView dst, const ConvertParams& params, Context& ctx) {
  const bool src_host = is_host_memory(src.memory()), dst_host = is_host_memory(dst.memory());
  if (src_host != dst_host)
    return invalid_argument(std::string("convert: src is in ") + memory_kind_name(src.memory()) +
                            " memory but dst is in " + memory_kind_name(dst.memory()) +
                            " memory; both must be on the host or both on the device (copy one with copy_image)");
  if (src_host) return convert_reference(src, dst, params);
  if (!ctx.is_cuda())
    return invalid_argument("convert: src and dst are in device memory but ctx is a CPU context");
  const auto differs = [](int a, int b) { return a >= 0 && b >= 0 && a != b; };  // -1: not recorded
  if (differs(src.device(), dst.device()) || differs(src.device(), ctx.device()) || differs(dst.device(), ctx.device()))
    return invalid_argument("convert: src is on device " + std::to_string(src.device()) + ", dst on device " +
                            std::to_string(dst.device()) + " and ctx on device " + std::to_string(ctx.device()) +
                            "; they must be the same");
  return convert_cuda(src, dst, params, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
