// SDR -> HDR inverse tone mapping (ITU-R BT.2446 method A): checks, the output's colour
// description, and dispatch (the fused NV12 -> P010 kernel where the pair fits).
#include <string>

#include "ops/tonemap/tonemap_internal.hpp"

namespace caldera {

namespace tonemap_detail {

pipeline::Stages<double> inverse_stages(const ColorDesc& s, const ColorDesc& d, const InverseToneMapParams& p) {
  pipeline::Stages<double> st;
  st.flags = pipeline::kStageExpand | pipeline::kStageGamut | pipeline::kStageToSignal;
  st.expand_convert = s.primaries != Primaries::BT2020;
  const Matrix3 m = gamut_matrix(s.primaries, Primaries::BT2020);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) st.expand_matrix.m[i][j] = m[i][j];
  st.dst = pipeline::transfer_side(d.transfer, d.primaries, p.transfer, hd::kItmPeak);
  st.gamut = pipeline::gamut_coeffs(Primaries::BT2020, d.primaries, p.gamut,
                                    pipeline::nominal_peak(d.transfer, p.transfer, hd::kItmPeak));
  return st;
}

}  // namespace tonemap_detail

using namespace tonemap_detail;

Status check_inverse_tonemap(const ImageDesc& src, const ImageDesc& dst, const InverseToneMapParams& params) {
  constexpr const char* kOp = "inverse tonemap";
  CALDERA_RETURN_IF_ERROR(pipeline::check_pipeline_images(src, dst, kOp));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(src.color, "inverse tonemap: src"));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(dst.color, "inverse tonemap: dst"));
  CALDERA_RETURN_IF_ERROR(check_transfer_params(params.transfer, kOp));
  CALDERA_RETURN_IF_ERROR(pipeline::check_gamut_params(params.gamut, kOp));
  if (src.color.transfer != Transfer::BT1886)
    return invalid_argument(std::string("inverse tonemap: src transfer is ") + transfer_name(src.color.transfer) +
                            "; BT.2446 method A expands BT.1886 SDR (convert other transfers with transfer first)");
  if (dst.color.transfer != Transfer::PQ && dst.color.transfer != Transfer::HLG)
    return invalid_argument(std::string("inverse tonemap: dst transfer is ") + transfer_name(dst.color.transfer) +
                            "; the expanded signal is HDR: pq or hlg");
  return Status::ok();
}

ColorDesc inverse_tonemapped_color(const ColorDesc& to) {
  ColorDesc o = to;
  const Chromaticities c = primaries_chromaticities(to.primaries);
  MasteringDisplay m;
  m.red_x = c.rx, m.red_y = c.ry, m.green_x = c.gx, m.green_y = c.gy, m.blue_x = c.bx, m.blue_y = c.by;
  m.white_x = c.wx, m.white_y = c.wy;
  m.max_luminance = hd::kItmPeak;
  m.min_luminance = 0;
  o.hdr = {};
  o.hdr.mastering = m;
  o.hdr.content_light = ContentLightLevel{static_cast<int>(hd::kItmPeak), 0};  // MaxFALL unknown
  return o;
}

Status inverse_tonemap_reference(ConstImageView src, ImageView dst, const InverseToneMapParams& params) {
  CALDERA_RETURN_IF_ERROR(check_inverse_tonemap(src.desc(), dst.desc(), params));
  const auto st = inverse_stages(src.color(), dst.color(), params);
  return pipeline::run_pipeline_reference(src, dst, st, st.tone.coeffs, nullptr, true, "inverse tonemap");
}

Status inverse_tonemap_cuda(ConstImageView src, ImageView dst, const InverseToneMapParams& params, Workspace ws,
                            StreamHandle stream) {
  (void)ws;
  CALDERA_RETURN_IF_ERROR(check_inverse_tonemap(src.desc(), dst.desc(), params));
  const auto st = pipeline::cast_stages<float>(inverse_stages(src.color(), dst.color(), params));
  if (src.on_device() && dst.on_device() && fused_inverse_fits(src, dst)) {
    bool launched = false;
    CALDERA_RETURN_IF_ERROR(launch_fused_inverse(src, dst, st, stream, &launched));
    if (launched) return Status::ok();
  }
  return pipeline::run_pipeline_cuda(src, dst, st, {}, true, stream, "inverse tonemap");
}

Status inverse_tonemap(ConstImageView src, ImageView dst, const InverseToneMapParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_where(src, dst, ctx, "inverse tonemap"));
  if (is_host_memory(src.memory())) return inverse_tonemap_reference(src, dst, params);
  return inverse_tonemap_cuda(src, dst, params, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
