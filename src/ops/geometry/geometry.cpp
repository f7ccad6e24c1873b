// Geometry: parameter checks, dispatch, border values, letterbox.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "caldera/half.hpp"
#include "caldera/ops/geometry.hpp"
#include "ops/geometry/geometry_internal.hpp"

namespace caldera {
namespace {

std::string size_str(const ImageDesc& d) { return std::to_string(d.width) + "x" + std::to_string(d.height); }

// Largest chroma subsampling of a format, as a step in pixels.
void alignment(PixelFormat f, int& ax, int& ay) {
  const FormatInfo& fi = format_info(f);
  int sx = 0, sy = 0;
  for (int p = 0; p < fi.num_planes; ++p) {
    sx = std::max(sx, fi.planes[p].sub_x);
    sy = std::max(sy, fi.planes[p].sub_y);
  }
  ax = 1 << sx;
  ay = 1 << sy;
}

Status check_memory(const char* op, ConstImageView src, ConstImageView dst, const Context& ctx) {
  if (src.empty() || dst.empty()) return invalid_argument(std::string(op) + ": " + (src.empty() ? "src" : "dst") + " view is empty");
  if (src.on_device() != dst.on_device())
    return invalid_argument(std::string(op) + ": src is in " + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one of them first");
  if (src.on_device() && !ctx.is_cuda())
    return invalid_argument(std::string(op) + ": the images are in device memory but the context is the CPU");
  return Status::ok();
}

}  // namespace

Status check_flip(const ImageDesc& src, const ImageDesc& dst) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "flip: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "flip: dst"));
  if (src.format != dst.format)
    return invalid_argument(std::string("flip: src is ") + format_name(src.format) + " but dst is " + format_name(dst.format));
  if (src.width != dst.width || src.height != dst.height)
    return invalid_argument("flip: src is " + size_str(src) + " but dst is " + size_str(dst) + "; flip keeps the size");
  return Status::ok();
}

Status flip(ConstImageView src, ImageView dst, FlipMode mode, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_memory("flip", src, dst, ctx));
  if (!src.on_device()) return flip_reference(src, dst, mode);
  return flip_cuda(src, dst, mode, ctx.stream());
}

Status check_pad(const ImageDesc& src, const ImageDesc& dst, const PadParams& params) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "pad: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "pad: dst"));
  if (src.format != dst.format)
    return invalid_argument(std::string("pad: src is ") + format_name(src.format) + " but dst is " + format_name(dst.format) +
                            "; pad keeps the format, convert first");
  if (static_cast<int>(params.border) > static_cast<int>(BorderMode::Reflect))
    return invalid_argument("pad: border mode value " + std::to_string(static_cast<int>(params.border)) + " is out of range");
  if (params.left < 0 || params.top < 0)
    return invalid_argument("pad: left " + std::to_string(params.left) + " and top " + std::to_string(params.top) +
                            " must not be negative");
  if (static_cast<long long>(params.left) + src.width > dst.width ||
      static_cast<long long>(params.top) + src.height > dst.height)
    return invalid_argument("pad: src " + size_str(src) + " placed at " + std::to_string(params.left) + "," +
                            std::to_string(params.top) + " does not fit inside dst " + size_str(dst));
  int ax, ay;
  alignment(src.format, ax, ay);
  if (params.left % ax || params.top % ay)
    return invalid_argument(std::string("pad: ") + format_name(src.format) + " chroma is subsampled " + std::to_string(ax) +
                            "x" + std::to_string(ay) + ", so left (" + std::to_string(params.left) + ") and top (" +
                            std::to_string(params.top) + ") must be multiples of that");
  return Status::ok();
}

Status pad_reference(ConstImageView src, ImageView dst, const PadParams& params) {
  return geometry_detail::pad_reference_impl(src, dst, params, true);
}
Status pad_cuda(ConstImageView src, ImageView dst, const PadParams& params, StreamHandle stream) {
  return geometry_detail::pad_cuda_impl(src, dst, params, true, stream);
}

Status pad(ConstImageView src, ImageView dst, const PadParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_memory("pad", src, dst, ctx));
  if (!src.on_device()) return pad_reference(src, dst, params);
  return pad_cuda(src, dst, params, ctx.stream());
}

namespace geometry_detail {

BorderBits border_bits(PixelFormat format, const double value[4]) {
  const FormatInfo& fi = format_info(format);
  BorderBits out;
  auto encode = [&](double v) -> uint32_t {
    switch (fi.sample) {
      case SampleType::U8:
      case SampleType::U16: {
        double r = std::floor(v + 0.5);
        r = std::isnan(r) ? 0 : std::clamp(r, 0.0, static_cast<double>(max_code(format)));
        return static_cast<uint32_t>(r) << fi.msb_shift;
      }
      case SampleType::F16: return float_to_half(static_cast<float>(v));
      case SampleType::F32: {
        const float f = static_cast<float>(v);
        uint32_t bits;
        static_assert(sizeof(bits) == sizeof(f));
        std::memcpy(&bits, &f, sizeof(f));
        return bits;
      }
    }
    return 0;
  };
  for (int p = 0; p < fi.num_planes; ++p)
    for (int c = 0; c < fi.planes[p].channels; ++c) {
      int which = 0;  // index into value[]
      if (fi.family == ColorFamily::Gray) {
        which = 0;
      } else if (fi.family == ColorFamily::Yuv) {
        if (p == 0) which = 0;
        else if (fi.num_planes == 3) which = p;
        else which = c == fi.u_channel ? 1 : 2;
      } else if (fi.num_planes == 3) {
        which = p;  // planar R, G, B
      } else {
        which = c == fi.r_index ? 0 : c == fi.g_index ? 1 : c == fi.b_index ? 2 : 3;
      }
      out.bits[p][c] = encode(value[which]);
    }
  return out;
}

}  // namespace geometry_detail

Rect letterbox_rect(int src_w, int src_h, int dst_w, int dst_h, PixelFormat format) {
  if (src_w <= 0 || src_h <= 0 || dst_w <= 0 || dst_h <= 0) return {};
  long long w, h;
  if (static_cast<long long>(src_w) * dst_h >= static_cast<long long>(src_h) * dst_w) {
    w = dst_w;  // as wide as dst, bars above and below
    h = (2LL * src_h * dst_w + src_w) / (2LL * src_w);
  } else {
    h = dst_h;
    w = (2LL * src_w * dst_h + src_h) / (2LL * src_h);
  }
  w = std::clamp<long long>(w, 1, dst_w);
  h = std::clamp<long long>(h, 1, dst_h);
  int ax, ay;
  alignment(format, ax, ay);
  // Subsampled formats: a size short of the edge and both offsets stay multiples of the
  // subsampling, so the picture's chroma lines up with the frame's.
  if (w < dst_w) w = std::min<long long>(dst_w, std::max<long long>(ax, (w + ax / 2) / ax * ax));
  if (h < dst_h) h = std::min<long long>(dst_h, std::max<long long>(ay, (h + ay / 2) / ay * ay));
  const int x = static_cast<int>((dst_w - w) / 2 / ax * ax);
  const int y = static_cast<int>((dst_h - h) / 2 / ay * ay);
  return {x, y, static_cast<int>(w), static_cast<int>(h)};
}

Status letterbox(ConstImageView src, ImageView dst, const ResizeParams& resize_params, const double bar[4], Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_memory("letterbox", src, dst, ctx));
  if (src.format() != dst.format())
    return invalid_argument(std::string("letterbox: src is ") + format_name(src.format()) + " but dst is " +
                            format_name(dst.format()) + "; letterbox keeps the format, convert first");
  CALDERA_RETURN_IF_ERROR(validate_desc(src.desc(), "letterbox: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst.desc(), "letterbox: dst"));
  const Rect r = letterbox_rect(src.width(), src.height(), dst.width(), dst.height(), dst.format());
  auto inner = dst.sub_view(r);
  if (!inner) return inner.status().with_context("letterbox");
  CALDERA_RETURN_IF_ERROR(resize(src, *inner, resize_params, ctx));
  if (r.width == dst.width() && r.height == dst.height()) return Status::ok();
  PadParams pp;
  pp.left = r.x;
  pp.top = r.y;
  pp.border = BorderMode::Constant;
  for (int i = 0; i < 4; ++i) pp.value[i] = bar[i];
  const ConstImageView inner_c = *inner;
  if (!dst.on_device()) return geometry_detail::pad_reference_impl(inner_c, dst, pp, false);
  return geometry_detail::pad_cuda_impl(inner_c, dst, pp, false, ctx.stream());
}

}  // namespace caldera
