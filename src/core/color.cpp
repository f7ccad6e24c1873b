#include "caldera/color.hpp"

#include <string>

namespace caldera {

LumaCoefficients luma_coefficients(Matrix m) {
  switch (m) {
    case Matrix::BT601: return {0.299, 0.114};
    case Matrix::BT709: return {0.2126, 0.0722};
    case Matrix::BT2020NCL: return {0.2627, 0.0593};
  }
  return {0.2126, 0.0722};
}

const char* matrix_name(Matrix m) {
  switch (m) {
    case Matrix::BT601: return "bt601";
    case Matrix::BT709: return "bt709";
    case Matrix::BT2020NCL: return "bt2020nc";
  }
  return "?";
}
const char* range_name(Range r) { return r == Range::Full ? "full" : "limited"; }
const char* transfer_name(Transfer t) {
  switch (t) {
    case Transfer::BT1886: return "bt1886";
    case Transfer::SRGB: return "srgb";
    case Transfer::Linear: return "linear";
    case Transfer::PQ: return "pq";
    case Transfer::HLG: return "hlg";
  }
  return "?";
}
const char* primaries_name(Primaries p) {
  switch (p) {
    case Primaries::BT709: return "bt709";
    case Primaries::BT601_525: return "bt601-525";
    case Primaries::BT601_625: return "bt601-625";
    case Primaries::BT2020: return "bt2020";
    case Primaries::DisplayP3: return "p3";
  }
  return "?";
}
const char* siting_name(ChromaSiting s) {
  switch (s) {
    case ChromaSiting::Left: return "left";
    case ChromaSiting::Center: return "center";
    case ChromaSiting::TopLeft: return "topleft";
  }
  return "?";
}

std::string describe(const ColorDesc& c) {
  return std::string(matrix_name(c.matrix)) + "/" + range_name(c.range) + "/" + transfer_name(c.transfer) + "/" +
         primaries_name(c.primaries) + "/" + siting_name(c.siting);
}

Result<Matrix> parse_matrix(std::string_view s) {
  if (s == "bt601" || s == "601" || s == "smpte170m" || s == "bt470bg") return Matrix::BT601;
  if (s == "bt709" || s == "709") return Matrix::BT709;
  if (s == "bt2020" || s == "bt2020nc" || s == "2020" || s == "bt2020ncl") return Matrix::BT2020NCL;
  return invalid_argument("unknown color matrix '" + std::string(s) + "' (known: bt601, bt709, bt2020nc)");
}
Result<Range> parse_range(std::string_view s) {
  if (s == "limited" || s == "tv" || s == "mpeg") return Range::Limited;
  if (s == "full" || s == "pc" || s == "jpeg") return Range::Full;
  return invalid_argument("unknown color range '" + std::string(s) + "' (known: limited, full)");
}
Result<ChromaSiting> parse_siting(std::string_view s) {
  if (s == "left") return ChromaSiting::Left;
  if (s == "center") return ChromaSiting::Center;
  if (s == "topleft") return ChromaSiting::TopLeft;
  return invalid_argument("unknown chroma siting '" + std::string(s) + "' (known: left, center, topleft)");
}

Result<Transfer> parse_transfer(std::string_view s) {
  if (s == "bt1886" || s == "bt709" || s == "gamma24") return Transfer::BT1886;
  if (s == "srgb" || s == "iec61966-2-1") return Transfer::SRGB;
  if (s == "linear") return Transfer::Linear;
  if (s == "pq" || s == "smpte2084" || s == "st2084") return Transfer::PQ;
  if (s == "hlg" || s == "arib-std-b67") return Transfer::HLG;
  return invalid_argument("unknown transfer '" + std::string(s) + "' (known: bt1886, srgb, linear, pq, hlg)");
}
Result<Primaries> parse_primaries(std::string_view s) {
  if (s == "bt709") return Primaries::BT709;
  if (s == "bt601-525" || s == "smpte170m") return Primaries::BT601_525;
  if (s == "bt601-625" || s == "bt470bg") return Primaries::BT601_625;
  if (s == "bt2020") return Primaries::BT2020;
  if (s == "p3" || s == "display-p3" || s == "smpte432") return Primaries::DisplayP3;
  return invalid_argument("unknown primaries '" + std::string(s) + "' (known: bt709, bt601-525, bt601-625, bt2020, p3)");
}

}  // namespace caldera
