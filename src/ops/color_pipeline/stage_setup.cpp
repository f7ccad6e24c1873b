#include "ops/color_pipeline/stage_setup.hpp"
#include "core/number_text.hpp"

#include <algorithm>
#include <cmath>

namespace caldera::pipeline {

hd::TransferSide<double> transfer_side(Transfer t, Primaries p, const TransferParams& tp, double white) {
  hd::TransferSide<double> s;
  s.kind = static_cast<int>(t);
  s.bt1886 = hd::bt1886<double>(white, tp.sdr_black);
  s.white = white;
  s.hlg = hd::hlg_display<double>(tp.hlg_peak, tp.hlg_black);
  const auto ky = luminance_coefficients(p);
  for (int i = 0; i < 3; ++i) s.ky[i] = ky[i];
  return s;
}

double nominal_peak(Transfer t, const TransferParams& tp, double white) {
  switch (t) {
    case Transfer::BT1886:
    case Transfer::SRGB: return white;
    case Transfer::PQ: return hd::kPqPeak;
    case Transfer::HLG: return tp.hlg_peak;
    case Transfer::Linear: return 1e30;
  }
  return white;
}

double gamut_limit(Primaries from, Primaries to) {
  const Matrix3 m = gamut_matrix(from, to);
  const auto ky = luminance_coefficients(to);
  double limit = 0;
  for (int j = 0; j < 3; ++j) {
    const double c[3] = {m[0][j], m[1][j], m[2][j]};
    const double y = ky[0] * c[0] + ky[1] * c[1] + ky[2] * c[2];
    limit = std::max(limit, 1 - std::min({c[0], c[1], c[2]}) / y);
  }
  return limit;
}

hd::GamutCoeffs<double> gamut_coeffs(Primaries from, Primaries to, const GamutParams& g, double peak) {
  hd::GamutCoeffs<double> c;
  const Matrix3 m = gamut_matrix(from, to);
  c.identity = from == to;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) c.m.m[i][j] = m[i][j];
  c.mode = static_cast<int>(g.mapping);
  const auto ky = luminance_coefficients(to);
  for (int i = 0; i < 3; ++i) c.ky[i] = ky[i];
  c.peak = peak;
  c.threshold = g.threshold;
  const double limit = gamut_limit(from, to);
  c.k = 0;
  if (limit > 1) {
    const double s = (limit - g.threshold) / (1 - g.threshold);
    c.k = (s - 1) / s;
  }
  return c;
}

Status check_gamut_params(const GamutParams& g, const char* op) {
  if (static_cast<int>(g.mapping) > static_cast<int>(GamutMapping::Compress))
    return invalid_argument(std::string(op) + ": gamut mapping value " + std::to_string(static_cast<int>(g.mapping)) +
                            " is out of range");
  if (!(g.threshold >= 0 && g.threshold < 1))
    return invalid_argument(std::string(op) + ": gamut threshold " + number_text(g.threshold) +
                            " is outside [0, 1) (the distance from the grey axis where compression starts)");
  return Status::ok();
}

Matrix default_matrix_for(Primaries p) {
  switch (p) {
    case Primaries::BT2020: return Matrix::BT2020NCL;
    case Primaries::BT601_525:
    case Primaries::BT601_625: return Matrix::BT601;
    default: return Matrix::BT709;
  }
}

Status transfer_params_from(const FilterOptions& o, TransferParams& tp) {
  CALDERA_ASSIGN_OR_RETURN(tp.sdr_white, o.real("sdr_white", tp.sdr_white));
  CALDERA_ASSIGN_OR_RETURN(tp.sdr_black, o.real("sdr_black", tp.sdr_black));
  CALDERA_ASSIGN_OR_RETURN(tp.hlg_peak, o.real("hlg_peak", tp.hlg_peak));
  CALDERA_ASSIGN_OR_RETURN(tp.hlg_black, o.real("hlg_black", tp.hlg_black));
  return check_transfer_params(tp, o.filter().c_str());
}

Status check_color_values(const ColorDesc& c, const char* what) {
  if (static_cast<int>(c.transfer) > static_cast<int>(Transfer::HLG) ||
      static_cast<int>(c.primaries) > static_cast<int>(Primaries::DisplayP3) ||
      static_cast<int>(c.matrix) > static_cast<int>(Matrix::BT2020NCL) ||
      static_cast<int>(c.range) > static_cast<int>(Range::Full))
    return invalid_argument(std::string(what) + " colour description holds an out-of-range value");
  return Status::ok();
}

Status check_where(ConstImageView src, ImageView dst, const Context& ctx, const char* op) {
  if (src.empty() || dst.empty())
    return invalid_argument(std::string(op) + ": " + (src.empty() ? "src" : "dst") + " view is empty");
  if (is_host_memory(src.memory()) != is_host_memory(dst.memory()))
    return invalid_argument(std::string(op) + ": src is in " + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one of them first");
  if (!is_host_memory(src.memory()) && !ctx.is_cuda())
    return invalid_argument(std::string(op) + ": the images are in device memory but the context is the CPU; pass a CUDA context");
  return Status::ok();
}

}  // namespace caldera::pipeline
