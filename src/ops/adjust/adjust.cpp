// Colour adjustment: checks, layouts and dispatch.
#include <cmath>
#include <string>

#include "ops/adjust/adjust_math.hpp"
#include "core/number_text.hpp"

namespace caldera {

namespace adjust_detail {

Layout layout_of(const ImageDesc& d) {
  const FormatInfo& fi = format_info(d.format);
  Layout l;
  l.family = static_cast<int>(fi.family);
  l.max = is_float(d.format) ? 1.0 : max_code(d.format);
  const auto k = luma_coefficients(d.color.matrix);
  l.kr = k.kr, l.kb = k.kb;
  if (fi.family == ColorFamily::Rgb) {
    l.rgb_planar = fi.num_planes == 3;
    l.channels0 = fi.planes[0].channels;
    l.ri = fi.r_index, l.gi = fi.g_index, l.bi = fi.b_index, l.ai = fi.a_index;
  } else if (fi.family == ColorFamily::Gray) {
    l.y_scale = l.max, l.y_off = 0;
  } else {
    const double unit = std::ldexp(1.0, fi.bit_depth - 8);
    if (d.color.range == Range::Limited) {
      l.y_scale = 219 * unit, l.y_off = 16 * unit, l.c_scale = 224 * unit, l.c_off = 128 * unit;
    } else {
      const double m = std::ldexp(1.0, fi.bit_depth) - 1;
      l.y_scale = m, l.y_off = 0, l.c_scale = m, l.c_off = std::ldexp(1.0, fi.bit_depth - 1);
    }
    if (fi.num_planes == 2) l.u_plane = l.v_plane = 1, l.u_ch = fi.u_channel, l.v_ch = fi.v_channel, l.c_channels = 2;
  }
  return l;
}

}  // namespace adjust_detail

Status check_adjust(const ImageDesc& src, const ImageDesc& dst, const AdjustParams& p) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "adjust: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "adjust: dst"));
  if (src.width != dst.width || src.height != dst.height || src.format != dst.format)
    return invalid_argument(std::string("adjust: src is ") + std::to_string(src.width) + "x" + std::to_string(src.height) +
                            " " + format_name(src.format) + " but dst is " + std::to_string(dst.width) + "x" +
                            std::to_string(dst.height) + " " + format_name(dst.format) +
                            "; adjust keeps size and format");
  auto range = [](double v, double lo, double hi, const char* name) -> Status {
    if (!(v >= lo && v <= hi))
      return invalid_argument(std::string("adjust: ") + name + " " + number_text(v) + " is outside [" +
                              number_text(lo) + ", " + number_text(hi) + "]");
    return Status::ok();
  };
  CALDERA_RETURN_IF_ERROR(range(p.brightness, -1, 1, "brightness"));
  CALDERA_RETURN_IF_ERROR(range(p.contrast, 0, 4, "contrast"));
  CALDERA_RETURN_IF_ERROR(range(p.saturation, 0, 4, "saturation"));
  CALDERA_RETURN_IF_ERROR(range(p.hue, -360, 360, "hue"));
  CALDERA_RETURN_IF_ERROR(range(p.gamma, 0.1, 10, "gamma"));
  return Status::ok();
}

Status adjust(ConstImageView src, ImageView dst, const AdjustParams& params, Context& ctx) {
  if (src.empty() || dst.empty()) return invalid_argument(std::string("adjust: ") + (src.empty() ? "src" : "dst") + " view is empty");
  if (is_host_memory(src.memory()) != is_host_memory(dst.memory()))
    return invalid_argument(std::string("adjust: src is in ") + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one of them first");
  if (is_host_memory(src.memory())) return adjust_reference(src, dst, params);
  if (!ctx.is_cuda()) return invalid_argument("adjust: the images are in device memory but the context is the CPU; pass a CUDA context");
  return adjust_cuda(src, dst, params, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
