// Pixel formats and their memory layout. Every layout question (how many planes, how many
// channels and bytes per sample in each, how much a plane is subsampled) is answered by
// format_info(), so operators never hard-code layouts.
#pragma once

#include <cstdint>
#include <string_view>

#include "caldera/status.hpp"

namespace caldera {

enum class PixelFormat : uint8_t {
  Gray8,
  Gray16,
  NV12,       // Y plane + interleaved UV plane, 4:2:0, 8 bit
  NV21,       // Y plane + interleaved VU plane, 4:2:0, 8 bit
  I420,       // Y, U, V planes, 4:2:0, 8 bit
  I422,       // Y, U, V planes, 4:2:2, 8 bit
  I444,       // Y, U, V planes, 4:4:4, 8 bit
  P010,       // like NV12 with 16-bit words, 10 significant bits in the high bits
  P016,       // like NV12 with 16-bit words, all 16 bits significant
  YUV420P10,  // like I420 with 16-bit words, 10 significant bits in the low bits
  RGB24,
  BGR24,
  RGBA,
  BGRA,
  RGB48,        // interleaved RGB, 16 bit per channel
  RGBPlanarF32, // three planes R, G, B of float32: the model-tensor layout (CHW)
  RGBPlanarF16, // three planes R, G, B of IEEE half
};

inline constexpr int kPixelFormatCount = 17;

enum class SampleType : uint8_t { U8, U16, F16, F32 };

struct PlaneLayout {
  int channels = 0;          // interleaved samples per pixel in this plane
  int bytes_per_sample = 0;  // 1, 2 or 4
  int sub_x = 0;             // log2 of horizontal subsampling (1 for 4:2:0 and 4:2:2 chroma)
  int sub_y = 0;             // log2 of vertical subsampling (1 for 4:2:0 chroma)
};

enum class ColorFamily : uint8_t { Gray, Yuv, Rgb };

struct FormatInfo {
  PixelFormat format;
  const char* name;       // lower case, as parsed and printed: "nv12", "rgb24", "rgbf32p"
  ColorFamily family;
  SampleType sample;
  int bit_depth;          // significant bits per sample (10 for P010); 0 for float formats
  int msb_shift;          // P010 stores value << 6; 0 elsewhere
  int num_planes;
  PlaneLayout planes[3];
  // For RGB families: index of R, G, B, A within an interleaved pixel (-1: absent).
  // For YUV families: plane/channel of U and V are fixed by the format, see below.
  int r_index, g_index, b_index, a_index;
  // For semi-planar YUV (NV12/NV21/P010/P016): channel of U and V inside the chroma plane.
  int u_channel, v_channel;
};

const FormatInfo& format_info(PixelFormat format);
inline const char* format_name(PixelFormat f) { return format_info(f).name; }
Result<PixelFormat> parse_pixel_format(std::string_view name);

// Width/height of plane `plane` for an image of the given size (rounding chroma up).
inline int plane_width(PixelFormat f, int plane, int width) {
  int s = format_info(f).planes[plane].sub_x;
  return (width + (1 << s) - 1) >> s;
}
inline int plane_height(PixelFormat f, int plane, int height) {
  int s = format_info(f).planes[plane].sub_y;
  return (height + (1 << s) - 1) >> s;
}
inline int plane_row_bytes(PixelFormat f, int plane, int width) {
  const auto& p = format_info(f).planes[plane];
  return plane_width(f, plane, width) * p.channels * p.bytes_per_sample;
}
inline bool is_yuv(PixelFormat f) { return format_info(f).family == ColorFamily::Yuv; }
inline bool is_float(PixelFormat f) {
  auto s = format_info(f).sample;
  return s == SampleType::F16 || s == SampleType::F32;
}
// The largest sample code of an integer format (255, 1023, 65535); 1 for float formats.
inline int max_code(PixelFormat f) {
  int b = format_info(f).bit_depth;
  return b == 0 ? 1 : (1 << b) - 1;
}

}  // namespace caldera
