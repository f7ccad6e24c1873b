#include "caldera/ops/model_io.hpp"

#include <cmath>
#include <string>

#include "ops/model_io/model_io_common.hpp"

namespace caldera {
namespace {

std::string dims(const ImageDesc& d) { return std::to_string(d.width) + "x" + std::to_string(d.height); }

Status check_norm(const Normalization& n, const char* op) {
  for (int c = 0; c < 3; ++c) {
    if (!std::isfinite(n.mean[c])) return invalid_argument(std::string(op) + ": mean[" + std::to_string(c) + "] is not finite");
    if (!std::isfinite(n.std[c]) || n.std[c] == 0.f)
      return invalid_argument(std::string(op) + ": std[" + std::to_string(c) + "] must be finite and non-zero");
  }
  return Status::ok();
}

Status check_memory(ConstImageView src, ImageView dst, Context& ctx, const char* op) {
  if (src.on_device() != dst.on_device())
    return invalid_argument(std::string(op) + ": src is in " + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one first");
  if (src.on_device() && !ctx.is_cuda())
    return invalid_argument(std::string(op) + ": device images need a CUDA context");
  return Status::ok();
}

}  // namespace

Status check_model_input(const ImageDesc& src, const ImageDesc& dst, const ModelInputParams& p) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "model_input: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "model_input: dst"));
  if (!model_io::is_io_format(src.format))
    return unsupported(std::string("model_input: cannot read ") + format_name(src.format) +
                       " (takes nv12, nv21, i420, p010, rgb24, bgr24, rgba, bgra, rgb48)");
  if (!model_io::is_tensor_format(dst.format))
    return invalid_argument(std::string("model_input: dst must be rgbf32p or rgbf16p, not ") + format_name(dst.format));
  if (p.interp != Interp::Nearest && p.interp != Interp::Bilinear && p.interp != Interp::Bicubic)
    return unsupported(std::string("model_input: interpolation ") + interp_name(p.interp) +
                       " is not fused (use nearest, bilinear or bicubic, or resize first)");
  return check_norm(p.norm, "model_input");
}

Status check_model_output(const ImageDesc& src, const ImageDesc& dst, const ModelOutputParams& p) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "model_output: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "model_output: dst"));
  if (!model_io::is_tensor_format(src.format))
    return invalid_argument(std::string("model_output: src must be rgbf32p or rgbf16p, not ") + format_name(src.format));
  if (!model_io::is_io_format(dst.format))
    return unsupported(std::string("model_output: cannot write ") + format_name(dst.format) +
                       " (writes nv12, nv21, i420, p010, rgb24, bgr24, rgba, bgra, rgb48)");
  if (src.width != dst.width || src.height != dst.height)
    return invalid_argument("model_output: src is " + dims(src) + " but dst is " + dims(dst) +
                            " (the output path does not resize)");
  return check_norm(p.norm, "model_output");
}

Status model_input(ConstImageView src, ImageView dst, const ModelInputParams& p, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_memory(src, dst, ctx, "model_input"));
  if (src.on_device()) return model_input_cuda(src, dst, p, ctx.stream());
  return model_input_reference(src, dst, p);
}

Status model_output(ConstImageView src, ImageView dst, const ModelOutputParams& p, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_memory(src, dst, ctx, "model_output"));
  if (src.on_device()) return model_output_cuda(src, dst, p, ctx.stream());
  return model_output_reference(src, dst, p);
}

}  // namespace caldera
