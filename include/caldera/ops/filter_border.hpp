// How the neighbourhood filters (blur, unsharp, median, bilateral, Sobel/Scharr/Laplacian) read
// samples outside the image, and which planes they filter. Border names follow OpenCV, the peer
// these filters are checked against:
//   Replicate   aaaaaa|abcdefgh|hhhhhhh     (BORDER_REPLICATE)
//   Reflect     fedcba|abcdefgh|hgfedcb     (BORDER_REFLECT: the edge sample repeats)
//   Reflect101  gfedcb|abcdefgh|gfedcba     (BORDER_REFLECT_101, OpenCV's default)
//   Constant    vvvvvv|abcdefgh|vvvvvvv     (BORDER_CONSTANT with the value v)
// Reflections are periodic, so a kernel wider than the image still reads valid samples. Note that
// the `pad` filter's `reflect` is Reflect101 here (numpy/PyTorch naming); these filters use
// OpenCV's names because OpenCV is their oracle.
#pragma once

#include <cstdint>
#include <string_view>

#include "caldera/status.hpp"

namespace caldera {

enum class FilterBorder : uint8_t { Replicate, Reflect, Reflect101, Constant };

const char* filter_border_name(FilterBorder b);
// "replicate", "reflect", "reflect101" (also "reflect_101", "default"), "constant".
Result<FilterBorder> parse_filter_border(std::string_view s);

// Which planes of a YUV image a neighbourhood filter changes; the others are copied. Gray and
// RGB images count as all luma: every channel is filtered either way.
enum class PlaneSet : uint8_t { All, LumaOnly };

}  // namespace caldera
