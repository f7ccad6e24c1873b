// Internal: the edge filters (sobel, scharr, laplacian, canny) work on gray8. They take gray8
// frames as they are, 8-bit YUV frames through their Y plane (a gray8 view, no copy), and 8-bit
// packed RGB frames converted to gray8 (the luma of the frame's matrix) into a buffer the filter
// keeps, so `--vf canny` works on a PNG, a video or a gray image alike.
#pragma once

#include <string>

#include "caldera/image.hpp"
#include "caldera/ops/color_convert.hpp"
#include "caldera/status.hpp"

namespace caldera {

inline bool is_luma_input(PixelFormat f) {
  const FormatInfo& fi = format_info(f);
  if (fi.sample != SampleType::U8) return false;
  return f == PixelFormat::Gray8 || is_yuv(f) || (fi.family == ColorFamily::Rgb && fi.num_planes == 1);
}

inline Status check_luma_input(const ImageDesc& in, const char* filter) {
  if (is_luma_input(in.format)) return Status::ok();
  return invalid_argument(std::string(filter) + ": input is " + format_name(in.format) +
                          "; it takes gray8, 8-bit YUV (its Y plane) or 8-bit RGB; add convert=gray8 before it");
}

// A gray8 view of the frame: the frame itself, its Y plane, or its RGB converted to luma.
class LumaSource {
 public:
  Result<ConstImageView> get(ConstImageView src, Context& ctx) {
    ImageDesc d = src.desc();
    d.format = PixelFormat::Gray8;
    if (src.format() == PixelFormat::Gray8 || is_yuv(src.format()))
      return ConstImageView(d, src.memory(), {ConstImageView::Plane{src.plane(0).data, src.plane(0).pitch}, {}, {}},
                            src.device());
    const MemoryKind where = src.on_device() ? MemoryKind::Device : MemoryKind::Host;
    if (gray_.empty() || gray_.width() != d.width || gray_.height() != d.height || gray_.memory() != where) {
      CALDERA_ASSIGN_OR_RETURN(gray_, Image::create(d, where, where == MemoryKind::Device ? &ctx : nullptr));
    }
    gray_.set_color(d.color);
    CALDERA_RETURN_IF_ERROR(convert(src, gray_.view(), ConvertParams{}, ctx));
    return gray_.cview();
  }

 private:
  Image gray_;
};

}  // namespace caldera
