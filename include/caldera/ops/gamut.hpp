// Gamut conversion between primaries (BT.709, BT.2020, Display P3, BT.601 525/625) in linear
// light: a 3x3 matrix derived in double from the primaries' and white point's CIE xy (never typed
// in), and a mapping of the colours that land outside the destination gamut that is better than
// clipping. docs/ops/gamut.md has the derivation and the mappings.
#pragma once

#include <array>

#include "caldera/color.hpp"
#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/transfer.hpp"
#include "caldera/status.hpp"

namespace caldera {

using Matrix3 = std::array<std::array<double, 3>, 3>;

struct Chromaticities {
  double rx, ry, gx, gy, bx, by, wx, wy;  // CIE 1931 xy of R, G, B and white
};
Chromaticities primaries_chromaticities(Primaries p);
// Linear RGB -> CIE XYZ (Y = 1 for white), from the xy coordinates.
Matrix3 rgb_to_xyz_matrix(const Chromaticities& c);
// Linear RGB in `from` -> linear RGB in `to` (through XYZ; every supported set shares D65).
Matrix3 gamut_matrix(Primaries from, Primaries to);
// Luminance of linear RGB: the Y row of rgb_to_xyz_matrix.
std::array<double, 3> luminance_coefficients(Primaries p);

// What happens to colours outside [0, peak] in the destination after the matrix.
//   None:       nothing (float outputs keep negative and over-range values; integer ones clip each channel)
//   Clip:       each channel clamped to [0, peak] (hue shifts)
//   Desaturate: moved toward the luminance axis until inside, keeping luminance and hue line
//   Compress:   soft compression of saturation near the boundary (colours beyond `threshold` of
//               the way to it are desaturated gradually, so the source gamut's most saturated
//               colours land on the boundary), then Desaturate for anything left outside
enum class GamutMapping : uint8_t { None, Clip, Desaturate, Compress };
const char* gamut_mapping_name(GamutMapping m);
Result<GamutMapping> parse_gamut_mapping(std::string_view s);

struct GamutParams {
  GamutMapping mapping = GamutMapping::Compress;
  double threshold = 0.8;  // Compress: distance from the luminance axis (1 = boundary) where compression starts
};

// src.color().primaries -> dst.color().primaries with the same transfer on both sides (any
// transfer: the conversion runs in linear light). Formats as for convert_transfer.
Status check_gamut(const ImageDesc& src, const ImageDesc& dst, const GamutParams& params,
                   const TransferParams& transfer);
Status gamut_reference(ConstImageView src, ImageView dst, const GamutParams& params, const TransferParams& transfer);
Status gamut_cuda(ConstImageView src, ImageView dst, const GamutParams& params, const TransferParams& transfer,
                  Workspace ws, StreamHandle stream);
Status convert_gamut(ConstImageView src, ImageView dst, const GamutParams& params, const TransferParams& transfer,
                     Context& ctx);

}  // namespace caldera
