// Gamut conversion: checks and dispatch onto the colour pipeline (to linear light, matrix and
// mapping, back to the same transfer's signal).
#include <string>

#include "caldera/ops/gamut.hpp"
#include "ops/color_pipeline/pipeline_image.hpp"
#include "ops/color_pipeline/stage_setup.hpp"

namespace caldera {
namespace {

constexpr const char* kOp = "gamut";

pipeline::Stages<double> gamut_stages(const ColorDesc& s, const ColorDesc& d, const GamutParams& g,
                                      const TransferParams& p) {
  pipeline::Stages<double> st;
  st.flags = pipeline::kStageToLinear | pipeline::kStageGamut | pipeline::kStageToSignal;
  st.src = pipeline::transfer_side(s.transfer, s.primaries, p, p.sdr_white);
  st.dst = pipeline::transfer_side(d.transfer, d.primaries, p, p.sdr_white);
  st.gamut = pipeline::gamut_coeffs(s.primaries, d.primaries, g, pipeline::nominal_peak(d.transfer, p, p.sdr_white));
  return st;
}

}  // namespace

Status check_gamut(const ImageDesc& src, const ImageDesc& dst, const GamutParams& params, const TransferParams& transfer) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_pipeline_images(src, dst, kOp));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(src.color, "gamut: src"));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(dst.color, "gamut: dst"));
  CALDERA_RETURN_IF_ERROR(check_transfer_params(transfer, kOp));
  CALDERA_RETURN_IF_ERROR(pipeline::check_gamut_params(params, kOp));
  if (src.color.transfer != dst.color.transfer)
    return invalid_argument(std::string("gamut: src transfer is ") + transfer_name(src.color.transfer) +
                            " but dst transfer is " + transfer_name(dst.color.transfer) +
                            "; gamut keeps the transfer (use transfer, or tonemap for HDR -> SDR)");
  return Status::ok();
}

Status gamut_reference(ConstImageView src, ImageView dst, const GamutParams& params, const TransferParams& transfer) {
  CALDERA_RETURN_IF_ERROR(check_gamut(src.desc(), dst.desc(), params, transfer));
  const auto st = gamut_stages(src.color(), dst.color(), params, transfer);
  return pipeline::run_pipeline_reference(src, dst, st, st.tone.coeffs, nullptr, true, kOp);
}

Status gamut_cuda(ConstImageView src, ImageView dst, const GamutParams& params, const TransferParams& transfer,
                  Workspace ws, StreamHandle stream) {
  (void)ws;
  CALDERA_RETURN_IF_ERROR(check_gamut(src.desc(), dst.desc(), params, transfer));
  const auto st = pipeline::cast_stages<float>(gamut_stages(src.color(), dst.color(), params, transfer));
  return pipeline::run_pipeline_cuda(src, dst, st, {}, true, stream, kOp);
}

Status convert_gamut(ConstImageView src, ImageView dst, const GamutParams& params, const TransferParams& transfer,
                     Context& ctx) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_where(src, dst, ctx, kOp));
  if (is_host_memory(src.memory())) return gamut_reference(src, dst, params, transfer);
  return gamut_cuda(src, dst, params, transfer, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
