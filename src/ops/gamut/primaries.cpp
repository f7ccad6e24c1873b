// Primaries and the matrices derived from them (SMPTE RP 177): RGB -> XYZ from the xy of the
// primaries and the white point, in double; gamut matrices through XYZ.
#include <cctype>
#include <string>

#include "caldera/ops/gamut.hpp"

namespace caldera {
namespace {

Matrix3 multiply(const Matrix3& a, const Matrix3& b) {
  Matrix3 o{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) o[i][j] += a[i][k] * b[k][j];
  return o;
}

Matrix3 inverse(const Matrix3& m) {
  const double a = m[0][0], b = m[0][1], c = m[0][2], d = m[1][0], e = m[1][1], f = m[1][2], g = m[2][0],
               h = m[2][1], i = m[2][2];
  const double A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const double det = a * A + b * B + c * C;
  Matrix3 o{};
  o[0] = {A / det, -(b * i - c * h) / det, (b * f - c * e) / det};
  o[1] = {B / det, (a * i - c * g) / det, -(a * f - c * d) / det};
  o[2] = {C / det, -(a * h - b * g) / det, (a * e - b * d) / det};
  return o;
}

}  // namespace

Chromaticities primaries_chromaticities(Primaries p) {
  // CIE 1931 xy as the standards give them; every set here has the D65 white (0.3127, 0.3290).
  switch (p) {
    case Primaries::BT709: return {0.640, 0.330, 0.300, 0.600, 0.150, 0.060, 0.3127, 0.3290};      // BT.709-6
    case Primaries::BT601_525: return {0.630, 0.340, 0.310, 0.595, 0.155, 0.070, 0.3127, 0.3290};  // BT.601-7 (SMPTE 170M)
    case Primaries::BT601_625: return {0.640, 0.330, 0.290, 0.600, 0.150, 0.060, 0.3127, 0.3290};  // BT.601-7 (EBU)
    case Primaries::BT2020: return {0.708, 0.292, 0.170, 0.797, 0.131, 0.046, 0.3127, 0.3290};     // BT.2020-2
    case Primaries::DisplayP3: return {0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.3127, 0.3290};  // SMPTE EG 432-1, D65
  }
  return primaries_chromaticities(Primaries::BT709);
}

Matrix3 rgb_to_xyz_matrix(const Chromaticities& c) {
  // Columns: the primaries' XYZ at Y = 1 (x/y, 1, (1-x-y)/y), scaled so that R = G = B = 1 is the white.
  auto column = [](double x, double y) { return std::array<double, 3>{x / y, 1.0, (1 - x - y) / y}; };
  const auto r = column(c.rx, c.ry), g = column(c.gx, c.gy), b = column(c.bx, c.by), w = column(c.wx, c.wy);
  Matrix3 p{};
  for (int i = 0; i < 3; ++i) p[i] = {r[i], g[i], b[i]};
  const Matrix3 pi = inverse(p);
  double s[3];
  for (int i = 0; i < 3; ++i) s[i] = pi[i][0] * w[0] + pi[i][1] * w[1] + pi[i][2] * w[2];
  Matrix3 m{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m[i][j] = p[i][j] * s[j];
  return m;
}

Matrix3 gamut_matrix(Primaries from, Primaries to) {
  if (from == to) return Matrix3{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  return multiply(inverse(rgb_to_xyz_matrix(primaries_chromaticities(to))),
                  rgb_to_xyz_matrix(primaries_chromaticities(from)));
}

std::array<double, 3> luminance_coefficients(Primaries p) {
  return rgb_to_xyz_matrix(primaries_chromaticities(p))[1];
}

const char* gamut_mapping_name(GamutMapping m) {
  switch (m) {
    case GamutMapping::None: return "none";
    case GamutMapping::Clip: return "clip";
    case GamutMapping::Desaturate: return "desaturate";
    case GamutMapping::Compress: return "compress";
  }
  return "?";
}

Result<GamutMapping> parse_gamut_mapping(std::string_view s) {
  std::string l(s);
  for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (l == "none") return GamutMapping::None;
  if (l == "clip") return GamutMapping::Clip;
  if (l == "desaturate" || l == "desat") return GamutMapping::Desaturate;
  if (l == "compress") return GamutMapping::Compress;
  return invalid_argument("unknown gamut mapping '" + std::string(s) + "' (known: none, clip, desaturate, compress)");
}

}  // namespace caldera
