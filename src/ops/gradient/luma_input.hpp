// Internal: the edge filters (sobel, scharr, laplacian, canny) take gray8 frames, and 8-bit YUV
// frames through their Y plane (a gray8 view of it, no copy), so a video needs no conversion.
#pragma once

#include <string>

#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera {

inline bool is_luma_input(PixelFormat f) {
  return f == PixelFormat::Gray8 || (is_yuv(f) && format_info(f).sample == SampleType::U8);
}

inline Status check_luma_input(const ImageDesc& in, const char* filter) {
  if (is_luma_input(in.format)) return Status::ok();
  return invalid_argument(std::string(filter) + ": input is " + format_name(in.format) +
                          "; it takes gray8 or 8-bit YUV (its Y plane); add convert=gray8 before it");
}

// A gray8 view of the frame (the Y plane for YUV).
inline ConstImageView luma_view(ConstImageView src) {
  ImageDesc d = src.desc();
  d.format = PixelFormat::Gray8;
  return ConstImageView(d, src.memory(), {ConstImageView::Plane{src.plane(0).data, src.plane(0).pitch}, {}, {}},
                        src.device());
}

}  // namespace caldera
