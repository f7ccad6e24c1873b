// Geometry reference: flip and pad as plain loops over each plane's pixels.
#include <cstring>
#include <string>

#include "caldera/ops/geometry.hpp"
#include "ops/geometry/geometry_internal.hpp"

namespace caldera {
namespace {

Status require_host(const char* op, ConstImageView src, ConstImageView dst) {
  if (src.empty() || dst.empty()) return invalid_argument(std::string(op) + ": src or dst view is empty");
  if (src.on_device() || dst.on_device())
    return invalid_argument(std::string(op) + ": needs host images, src is in " + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  return Status::ok();
}

}  // namespace

Status flip_reference(ConstImageView src, ImageView dst, FlipMode mode) {
  CALDERA_RETURN_IF_ERROR(check_flip(src.desc(), dst.desc()));
  CALDERA_RETURN_IF_ERROR(require_host("flip_reference", src, dst));
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  const bool fx = mode != FlipMode::Vertical, fy = mode != FlipMode::Horizontal;
  for (int p = 0; p < fi.num_planes; ++p) {
    const int w = plane_width(f, p, src.width()), h = plane_height(f, p, src.height());
    const size_t bpp = static_cast<size_t>(fi.planes[p].channels) * fi.planes[p].bytes_per_sample;
    for (int y = 0; y < h; ++y) {
      const uint8_t* s = src.row(p, fy ? h - 1 - y : y);
      uint8_t* d = dst.row(p, y);
      for (int x = 0; x < w; ++x) std::memcpy(d + x * bpp, s + static_cast<size_t>(fx ? w - 1 - x : x) * bpp, bpp);
    }
  }
  return Status::ok();
}

namespace geometry_detail {

Status pad_reference_impl(ConstImageView src, ImageView dst, const PadParams& params, bool copy_inside) {
  CALDERA_RETURN_IF_ERROR(check_pad(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(require_host("pad_reference", src, dst));
  const PixelFormat f = dst.format();
  const FormatInfo& fi = format_info(f);
  const BorderBits border = border_bits(f, params.value);
  for (int p = 0; p < fi.num_planes; ++p) {
    const PlaneLayout& pl = fi.planes[p];
    const int sw = plane_width(f, p, src.width()), sh = plane_height(f, p, src.height());
    const int dw = plane_width(f, p, dst.width()), dh = plane_height(f, p, dst.height());
    const int left = params.left >> pl.sub_x, top = params.top >> pl.sub_y;
    const size_t bps = static_cast<size_t>(pl.bytes_per_sample), bpp = bps * pl.channels;
    for (int y = 0; y < dh; ++y) {
      uint8_t* d = dst.row(p, y);
      for (int x = 0; x < dw; ++x) {
        int sx = x - left, sy = y - top;
        const bool inside = sx >= 0 && sx < sw && sy >= 0 && sy < sh;
        if (inside && !copy_inside) continue;
        if (!inside && params.border == BorderMode::Constant) {
          for (int c = 0; c < pl.channels; ++c) std::memcpy(d + x * bpp + c * bps, &border.bits[p][c], bps);  // little endian
          continue;
        }
        if (!inside) {
          const bool rep = params.border == BorderMode::Replicate;
          sx = rep ? replicate_index(sx, sw) : reflect_index(sx, sw);
          sy = rep ? replicate_index(sy, sh) : reflect_index(sy, sh);
        }
        std::memcpy(d + x * bpp, src.row(p, sy) + sx * bpp, bpp);
      }
    }
  }
  return Status::ok();
}

}  // namespace geometry_detail
}  // namespace caldera
