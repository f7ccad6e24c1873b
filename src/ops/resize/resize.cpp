// Resize: names, parameter checks and dispatch (reference for host images, CUDA for device ones).
#include "caldera/ops/resize.hpp"
#include "core/number_text.hpp"

#include <cctype>
#include <cmath>
#include <string>

namespace caldera {

const char* interp_name(Interp i) {
  switch (i) {
    case Interp::Nearest: return "nearest";
    case Interp::Bilinear: return "bilinear";
    case Interp::Bicubic: return "bicubic";
    case Interp::Area: return "area";
    case Interp::Lanczos3: return "lanczos3";
  }
  return "unknown";
}

Result<Interp> parse_interp(std::string_view s) {
  std::string l(s);
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "nearest") return Interp::Nearest;
  if (l == "bilinear" || l == "linear") return Interp::Bilinear;
  if (l == "bicubic" || l == "cubic") return Interp::Bicubic;
  if (l == "area" || l == "box") return Interp::Area;
  if (l == "lanczos3" || l == "lanczos") return Interp::Lanczos3;
  return invalid_argument("unknown interpolation '" + std::string(s) +
                          "' (known: nearest, bilinear, bicubic, area, lanczos3)");
}

Status check_resize(const ImageDesc& src, const ImageDesc& dst, const ResizeParams& params) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "resize: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "resize: dst"));
  if (src.format != dst.format)
    return invalid_argument(std::string("resize: src is ") + format_name(src.format) + " but dst is " +
                            format_name(dst.format) + "; resize keeps the format, convert first");
  if (static_cast<int>(params.interp) > static_cast<int>(Interp::Lanczos3))
    return invalid_argument("resize: interpolation value " + std::to_string(static_cast<int>(params.interp)) +
                            " is out of range");
  if (params.interp == Interp::Bicubic && !(params.cubic_a >= -3.0f && params.cubic_a <= 0.0f))
    return invalid_argument("resize: cubic_a " + number_text(params.cubic_a) +
                            " is outside [-3, 0] (-0.5 Catmull-Rom, -0.75 OpenCV)");
  return Status::ok();
}

namespace {
Status check_views(ConstImageView src, ImageView dst) {
  if (src.empty() || dst.empty()) return invalid_argument(std::string("resize: ") + (src.empty() ? "src" : "dst") + " view is empty");
  return Status::ok();
}
}  // namespace

Status resize(ConstImageView src, ImageView dst, const ResizeParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_views(src, dst));
  if (src.on_device() != dst.on_device())
    return invalid_argument(std::string("resize: src is in ") + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one of them first");
  if (!src.on_device()) return resize_reference(src, dst, params);
  if (!ctx.is_cuda())
    return invalid_argument("resize: the images are in device memory but the context is the CPU; pass a CUDA context");
  return resize_cuda(src, dst, params, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
