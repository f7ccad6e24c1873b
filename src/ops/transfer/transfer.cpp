// Transfer functions: the public scalar functions, the operator's checks and its dispatch onto the
// colour pipeline (to linear light, then to the destination's signal).
#include "caldera/ops/transfer.hpp"

#include <cmath>
#include <string>

#include "ops/color_pipeline/pipeline_image.hpp"
#include "ops/color_pipeline/stage_setup.hpp"
#include "core/number_text.hpp"

namespace caldera {

double pq_eotf(double signal) { return hd::pq_eotf(signal); }
double pq_inverse_eotf(double nits) { return hd::pq_inverse_eotf(nits); }
double hlg_oetf(double scene) { return hd::hlg_oetf(scene); }
double hlg_inverse_oetf(double signal) { return hd::hlg_inverse_oetf(signal); }
double hlg_system_gamma(double peak_nits) { return hd::hlg_system_gamma(peak_nits); }
double bt1886_eotf(double v, double white, double black) { return hd::bt1886_eotf(hd::bt1886<double>(white, black), v); }
double bt1886_inverse_eotf(double nits, double white, double black) {
  return hd::bt1886_inverse_eotf(hd::bt1886<double>(white, black), nits);
}
double srgb_eotf(double v) { return hd::srgb_eotf(v); }
double srgb_inverse_eotf(double light) { return hd::srgb_inverse_eotf(light); }

void signal_to_nits(Transfer t, Primaries p, const TransferParams& tp, double rgb[3]) {
  const auto side = pipeline::transfer_side(t, p, tp, tp.sdr_white);
  hd::signal_to_nits(side, rgb[0], rgb[1], rgb[2]);
}
void nits_to_signal(Transfer t, Primaries p, const TransferParams& tp, double rgb[3]) {
  const auto side = pipeline::transfer_side(t, p, tp, tp.sdr_white);
  hd::nits_to_signal(side, rgb[0], rgb[1], rgb[2]);
}

Status check_transfer_params(const TransferParams& p, const char* what) {
  const std::string w(what);
  if (!(p.sdr_white > 0 && p.sdr_white <= 10000))
    return invalid_argument(w + ": sdr_white " + number_text(p.sdr_white) + " cd/m2 is outside (0, 10000]");
  if (!(p.sdr_black >= 0 && p.sdr_black < p.sdr_white))
    return invalid_argument(w + ": sdr_black " + number_text(p.sdr_black) + " cd/m2 must be in [0, sdr_white)");
  if (!(p.hlg_peak >= 10 && p.hlg_peak <= 10000))
    return invalid_argument(w + ": hlg_peak " + number_text(p.hlg_peak) + " cd/m2 is outside [10, 10000]");
  if (!(p.hlg_black >= 0 && p.hlg_black < p.hlg_peak / 10))
    return invalid_argument(w + ": hlg_black " + number_text(p.hlg_black) + " cd/m2 must be in [0, hlg_peak / 10)");
  return Status::ok();
}

ColorDesc with_transfer(const ColorDesc& c, Transfer to) {
  ColorDesc o = c;
  o.transfer = to;
  if (to != Transfer::PQ && to != Transfer::HLG) o.hdr = {};
  return o;
}

namespace {

constexpr const char* kOp = "transfer";

pipeline::Stages<double> transfer_stages(const ColorDesc& s, const ColorDesc& d, const TransferParams& p) {
  pipeline::Stages<double> st;
  st.flags = pipeline::kStageToLinear | pipeline::kStageToSignal;
  st.src = pipeline::transfer_side(s.transfer, s.primaries, p, p.sdr_white);
  st.dst = pipeline::transfer_side(d.transfer, d.primaries, p, p.sdr_white);
  return st;
}

}  // namespace

Status check_transfer(const ImageDesc& src, const ImageDesc& dst, const TransferParams& params) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_pipeline_images(src, dst, kOp));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(src.color, "transfer: src"));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(dst.color, "transfer: dst"));
  CALDERA_RETURN_IF_ERROR(check_transfer_params(params, kOp));
  if (src.color.primaries != dst.color.primaries)
    return invalid_argument(std::string("transfer: src primaries are ") + primaries_name(src.color.primaries) +
                            " but dst primaries are " + primaries_name(dst.color.primaries) +
                            "; transfer keeps the primaries (use gamut to change them)");
  return Status::ok();
}

Status transfer_reference(ConstImageView src, ImageView dst, const TransferParams& params) {
  CALDERA_RETURN_IF_ERROR(check_transfer(src.desc(), dst.desc(), params));
  const auto st = transfer_stages(src.color(), dst.color(), params);
  return pipeline::run_pipeline_reference(src, dst, st, st.tone.coeffs, nullptr, true, kOp);
}

Status transfer_cuda(ConstImageView src, ImageView dst, const TransferParams& params, Workspace ws, StreamHandle stream) {
  (void)ws;  // one pass, no scratch
  CALDERA_RETURN_IF_ERROR(check_transfer(src.desc(), dst.desc(), params));
  const auto st = pipeline::cast_stages<float>(transfer_stages(src.color(), dst.color(), params));
  return pipeline::run_pipeline_cuda(src, dst, st, {}, true, stream, kOp);
}

Status convert_transfer(ConstImageView src, ImageView dst, const TransferParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_where(src, dst, ctx, kOp));
  if (is_host_memory(src.memory())) return transfer_reference(src, dst, params);
  return transfer_cuda(src, dst, params, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
