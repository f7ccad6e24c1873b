// The color description every image carries: how its code values map to light. Conversions take
// the matrix, range and chroma siting from here; transfer and primaries travel with the image so
// later operators (tone mapping, gamut mapping) know what they have.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "caldera/status.hpp"

namespace caldera {

enum class Matrix : uint8_t { BT601, BT709, BT2020NCL };
enum class Range : uint8_t { Limited, Full };
enum class Transfer : uint8_t { BT1886, SRGB, Linear, PQ, HLG };
enum class Primaries : uint8_t { BT709, BT601_525, BT601_625, BT2020, DisplayP3 };
// Where a 4:2:0/4:2:2 chroma sample sits relative to the luma samples it covers.
//   Left:    horizontally on the left luma column, vertically between the rows (MPEG-2, H.264, HEVC default)
//   Center:  in the middle of the 2x2 block (JPEG, MPEG-1)
//   TopLeft: on the top-left luma sample (BT.2020 / UHD broadcast)
enum class ChromaSiting : uint8_t { Left, Center, TopLeft };

// HDR10 static metadata (SMPTE ST 2086 mastering display, CTA-861.3 content light level), as
// video files carry it. Chromaticities are CIE 1931 xy, luminances in cd/m2.
struct MasteringDisplay {
  double red_x = 0, red_y = 0, green_x = 0, green_y = 0, blue_x = 0, blue_y = 0;
  double white_x = 0, white_y = 0;
  double max_luminance = 0, min_luminance = 0;
  bool operator==(const MasteringDisplay&) const = default;
};
struct ContentLightLevel {
  int max_cll = 0;   // brightest pixel of the whole content
  int max_fall = 0;  // brightest frame average
  bool operator==(const ContentLightLevel&) const = default;
};
struct HdrMetadata {
  std::optional<MasteringDisplay> mastering;
  std::optional<ContentLightLevel> content_light;
  bool empty() const { return !mastering && !content_light; }
  bool operator==(const HdrMetadata&) const = default;
};

struct ColorDesc {
  Matrix matrix = Matrix::BT709;
  Range range = Range::Limited;  // applies to YUV and gray-as-luma; RGB is always full range
  Transfer transfer = Transfer::BT1886;
  Primaries primaries = Primaries::BT709;
  ChromaSiting siting = ChromaSiting::Left;
  HdrMetadata hdr{};  // empty unless the source said (or an operator made it HDR)

  bool operator==(const ColorDesc&) const = default;
};

// Luma coefficients Kr and Kb of a matrix (Kg = 1 - Kr - Kb).
struct LumaCoefficients { double kr, kb; };
LumaCoefficients luma_coefficients(Matrix m);

const char* matrix_name(Matrix m);
const char* range_name(Range r);
const char* transfer_name(Transfer t);
const char* primaries_name(Primaries p);
const char* siting_name(ChromaSiting s);
std::string describe(const ColorDesc& c);  // "bt709/limited/bt1886/bt709/left"

Result<Matrix> parse_matrix(std::string_view s);
Result<Range> parse_range(std::string_view s);
Result<ChromaSiting> parse_siting(std::string_view s);
Result<Transfer> parse_transfer(std::string_view s);
Result<Primaries> parse_primaries(std::string_view s);

}  // namespace caldera
