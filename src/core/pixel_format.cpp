#include "caldera/pixel_format.hpp"

#include <array>
#include <string>

namespace caldera {
namespace {

using P = PlaneLayout;
constexpr P kNone{};

// One row per format, in enum order. Checked against the enum by a static_assert below.
constexpr std::array<FormatInfo, kPixelFormatCount> kFormats = {{
    // format, name, family, sample, bits, msb_shift, planes, layouts, r g b a, u v
    {PixelFormat::Gray8, "gray8", ColorFamily::Gray, SampleType::U8, 8, 0, 1, {P{1, 1, 0, 0}, kNone, kNone}, -1, -1, -1, -1, -1, -1},
    {PixelFormat::Gray16, "gray16", ColorFamily::Gray, SampleType::U16, 16, 0, 1, {P{1, 2, 0, 0}, kNone, kNone}, -1, -1, -1, -1, -1, -1},
    {PixelFormat::NV12, "nv12", ColorFamily::Yuv, SampleType::U8, 8, 0, 2, {P{1, 1, 0, 0}, P{2, 1, 1, 1}, kNone}, -1, -1, -1, -1, 0, 1},
    {PixelFormat::NV21, "nv21", ColorFamily::Yuv, SampleType::U8, 8, 0, 2, {P{1, 1, 0, 0}, P{2, 1, 1, 1}, kNone}, -1, -1, -1, -1, 1, 0},
    {PixelFormat::I420, "i420", ColorFamily::Yuv, SampleType::U8, 8, 0, 3, {P{1, 1, 0, 0}, P{1, 1, 1, 1}, P{1, 1, 1, 1}}, -1, -1, -1, -1, 0, 0},
    {PixelFormat::I422, "i422", ColorFamily::Yuv, SampleType::U8, 8, 0, 3, {P{1, 1, 0, 0}, P{1, 1, 1, 0}, P{1, 1, 1, 0}}, -1, -1, -1, -1, 0, 0},
    {PixelFormat::I444, "i444", ColorFamily::Yuv, SampleType::U8, 8, 0, 3, {P{1, 1, 0, 0}, P{1, 1, 0, 0}, P{1, 1, 0, 0}}, -1, -1, -1, -1, 0, 0},
    {PixelFormat::P010, "p010", ColorFamily::Yuv, SampleType::U16, 10, 6, 2, {P{1, 2, 0, 0}, P{2, 2, 1, 1}, kNone}, -1, -1, -1, -1, 0, 1},
    {PixelFormat::P016, "p016", ColorFamily::Yuv, SampleType::U16, 16, 0, 2, {P{1, 2, 0, 0}, P{2, 2, 1, 1}, kNone}, -1, -1, -1, -1, 0, 1},
    {PixelFormat::YUV420P10, "yuv420p10", ColorFamily::Yuv, SampleType::U16, 10, 0, 3, {P{1, 2, 0, 0}, P{1, 2, 1, 1}, P{1, 2, 1, 1}}, -1, -1, -1, -1, 0, 0},
    {PixelFormat::RGB24, "rgb24", ColorFamily::Rgb, SampleType::U8, 8, 0, 1, {P{3, 1, 0, 0}, kNone, kNone}, 0, 1, 2, -1, -1, -1},
    {PixelFormat::BGR24, "bgr24", ColorFamily::Rgb, SampleType::U8, 8, 0, 1, {P{3, 1, 0, 0}, kNone, kNone}, 2, 1, 0, -1, -1, -1},
    {PixelFormat::RGBA, "rgba", ColorFamily::Rgb, SampleType::U8, 8, 0, 1, {P{4, 1, 0, 0}, kNone, kNone}, 0, 1, 2, 3, -1, -1},
    {PixelFormat::BGRA, "bgra", ColorFamily::Rgb, SampleType::U8, 8, 0, 1, {P{4, 1, 0, 0}, kNone, kNone}, 2, 1, 0, 3, -1, -1},
    {PixelFormat::RGB48, "rgb48", ColorFamily::Rgb, SampleType::U16, 16, 0, 1, {P{3, 2, 0, 0}, kNone, kNone}, 0, 1, 2, -1, -1, -1},
    {PixelFormat::RGBPlanarF32, "rgbf32p", ColorFamily::Rgb, SampleType::F32, 0, 0, 3, {P{1, 4, 0, 0}, P{1, 4, 0, 0}, P{1, 4, 0, 0}}, 0, 1, 2, -1, -1, -1},
    {PixelFormat::RGBPlanarF16, "rgbf16p", ColorFamily::Rgb, SampleType::F16, 0, 0, 3, {P{1, 2, 0, 0}, P{1, 2, 0, 0}, P{1, 2, 0, 0}}, 0, 1, 2, -1, -1, -1},
}};

constexpr bool table_in_enum_order() {
  for (int i = 0; i < kPixelFormatCount; ++i)
    if (static_cast<int>(kFormats[i].format) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kFormats must list formats in enum order");

}  // namespace

const FormatInfo& format_info(PixelFormat format) { return kFormats[static_cast<int>(format)]; }

Result<PixelFormat> parse_pixel_format(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& f : kFormats)
    if (lower == f.name) return f.format;
  // Common aliases from FFmpeg and elsewhere.
  if (lower == "yuv420p") return PixelFormat::I420;
  if (lower == "yuv422p") return PixelFormat::I422;
  if (lower == "yuv444p") return PixelFormat::I444;
  if (lower == "rgb" ) return PixelFormat::RGB24;
  if (lower == "bgr") return PixelFormat::BGR24;
  if (lower == "gray") return PixelFormat::Gray8;
  if (lower == "yuv420p10le") return PixelFormat::YUV420P10;
  std::string known;
  for (const auto& f : kFormats) known += std::string(known.empty() ? "" : ", ") + f.name;
  return invalid_argument("unknown pixel format '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace caldera
