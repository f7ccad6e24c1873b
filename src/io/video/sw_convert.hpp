// Decoded software frames in pixel formats Caldera has no equivalent for (4:2:2 10-bit, 4:1:1,
// planar RGB, 12-bit...) are converted with FFmpeg's swscale to the nearest format Caldera has,
// keeping bit depth and colour: more than 8 bits of 4:2:0 -> yuv420p10 / p016, other high-depth
// YUV and RGB -> rgb48, other 8-bit YUV -> i444, other 8-bit RGB -> rgb24 or rgba.
#pragma once

#include <string>

#include "io/video/av_common.hpp"

struct SwsContext;

namespace caldera::io::av {

class SwConverter {
 public:
  SwConverter() = default;
  SwConverter(const SwConverter&) = delete;
  SwConverter& operator=(const SwConverter&) = delete;
  ~SwConverter();

  // Converts `frame` into out.image (reused when it already has the target description).
  // `color` is the frame's colour description; it is updated to the converted image's.
  Status convert(const AVFrame* frame, ColorDesc& color, Frame& out);
  // ", converted from yuv422p10le to rgb48 (swscale)" once a conversion ran, else "".
  std::string describe() const;

 private:
  SwsContext* sws_ = nullptr;
  AVPixelFormat from_ = AV_PIX_FMT_NONE;
  PixelFormat to_ = PixelFormat::RGB24;
  int width_ = 0, height_ = 0;
};

}  // namespace caldera::io::av
