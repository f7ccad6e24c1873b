// Tone mapping: names, checks, the source peak, the output's colour description, and the
// stateless operator (the fused HDR10 -> SDR kernel where the pair fits, else the generic one).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "ops/tonemap/tonemap_internal.hpp"
#include "core/number_text.hpp"

namespace caldera {

const char* tone_curve_name(ToneCurve c) {
  switch (c) {
    case ToneCurve::Bt2390: return "bt2390";
    case ToneCurve::Hable: return "hable";
    case ToneCurve::Reinhard: return "reinhard";
    case ToneCurve::Mobius: return "mobius";
    case ToneCurve::Clip: return "clip";
  }
  return "?";
}

Result<ToneCurve> parse_tone_curve(std::string_view s) {
  std::string l(s);
  for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (l == "bt2390" || l == "bt.2390" || l == "eetf") return ToneCurve::Bt2390;
  if (l == "hable") return ToneCurve::Hable;
  if (l == "reinhard") return ToneCurve::Reinhard;
  if (l == "mobius" || l == "moebius") return ToneCurve::Mobius;
  if (l == "clip") return ToneCurve::Clip;
  return invalid_argument("unknown tone curve '" + std::string(s) + "' (known: bt2390, hable, reinhard, mobius, clip)");
}

const char* tone_signal_name(ToneSignal s) { return s == ToneSignal::Luminance ? "luminance" : "maxrgb"; }

Result<ToneSignal> parse_tone_signal(std::string_view s) {
  if (s == "maxrgb" || s == "max") return ToneSignal::MaxRgb;
  if (s == "luminance" || s == "luma" || s == "y") return ToneSignal::Luminance;
  return invalid_argument("unknown tone signal '" + std::string(s) + "' (known: maxrgb, luminance)");
}

double resolve_source_peak(const ToneMapParams& p, const ColorDesc& src) {
  double peak = 0;
  if (p.source_peak > 0) peak = p.source_peak;
  else if (src.hdr.content_light && src.hdr.content_light->max_cll > 0) peak = src.hdr.content_light->max_cll;
  else if (src.hdr.mastering && src.hdr.mastering->max_luminance > 0) peak = src.hdr.mastering->max_luminance;
  else if (src.transfer == Transfer::HLG) peak = p.transfer.hlg_peak;
  else if (src.transfer == Transfer::BT1886 || src.transfer == Transfer::SRGB) peak = p.transfer.sdr_white;
  else peak = 1000;  // PQ or linear without metadata
  return std::min(peak, 10000.0);
}

ColorDesc tonemapped_color(const ColorDesc& from, const ColorDesc& to, const ToneMapParams& params) {
  ColorDesc o = to;
  o.hdr = {};
  if (to.transfer != Transfer::PQ && to.transfer != Transfer::HLG) return o;
  const Chromaticities c = primaries_chromaticities(to.primaries);
  MasteringDisplay m;
  m.red_x = c.rx, m.red_y = c.ry, m.green_x = c.gx, m.green_y = c.gy, m.blue_x = c.bx, m.blue_y = c.by;
  m.white_x = c.wx, m.white_y = c.wy;
  m.max_luminance = params.target_peak;
  m.min_luminance = params.target_black;
  o.hdr.mastering = m;
  ContentLightLevel cll;
  const double src_peak = resolve_source_peak(params, from);
  cll.max_cll = static_cast<int>(std::lround(std::min(src_peak, params.target_peak)));
  if (from.hdr.content_light && from.hdr.content_light->max_fall > 0)
    cll.max_fall = static_cast<int>(std::lround(std::min<double>(from.hdr.content_light->max_fall, params.target_peak)));
  o.hdr.content_light = cll;
  return o;
}

namespace tonemap_detail {

Status check_params(const ToneMapParams& p) {
  if (static_cast<int>(p.curve) > static_cast<int>(ToneCurve::Clip))
    return invalid_argument("tonemap: curve value " + std::to_string(static_cast<int>(p.curve)) + " is out of range");
  if (static_cast<int>(p.signal) > static_cast<int>(ToneSignal::Luminance))
    return invalid_argument("tonemap: signal value " + std::to_string(static_cast<int>(p.signal)) + " is out of range");
  if (!(p.target_peak >= 20 && p.target_peak <= 10000))
    return invalid_argument("tonemap: target_peak " + number_text(p.target_peak) + " cd/m2 is outside [20, 10000]");
  if (!(p.target_black >= 0 && p.target_black < p.target_peak / 10))
    return invalid_argument("tonemap: target_black " + number_text(p.target_black) +
                            " cd/m2 must be in [0, target_peak / 10)");
  if (!(p.source_peak >= 0 && p.source_peak <= 10000))
    return invalid_argument("tonemap: source_peak " + number_text(p.source_peak) +
                            " cd/m2 is outside [0, 10000] (0: from the metadata)");
  if (!std::isnan(p.curve_param)) {
    if (p.curve == ToneCurve::Reinhard && !(p.curve_param > 0 && p.curve_param <= 100))
      return invalid_argument("tonemap: reinhard's curve_param (c) " + number_text(p.curve_param) +
                              " is outside (0, 100]");
    if (p.curve == ToneCurve::Mobius && !(p.curve_param > 0 && p.curve_param <= 0.5))
      return invalid_argument("tonemap: mobius's curve_param (knee j) " + number_text(p.curve_param) +
                              " is outside (0, 0.5]");
  }
  const PeakDetection& d = p.peak_detection;
  if (!(d.percentile > 0 && d.percentile <= 100))
    return invalid_argument("tonemap: peak percentile " + number_text(d.percentile) + " is outside (0, 100]");
  if (!(d.smoothing_frames >= 0 && d.smoothing_frames <= 100000))
    return invalid_argument("tonemap: peak smoothing " + number_text(d.smoothing_frames) + " frames is outside [0, 100000]");
  if (!(d.scene_threshold > 0 && d.scene_threshold <= 1))
    return invalid_argument("tonemap: scene threshold " + number_text(d.scene_threshold) + " is outside (0, 1] (PQ units)");
  CALDERA_RETURN_IF_ERROR(check_transfer_params(p.transfer, "tonemap"));
  return pipeline::check_gamut_params(p.gamut, "tonemap");
}

pipeline::Stages<double> tonemap_stages(const ColorDesc& s, const ColorDesc& d, const ToneMapParams& p,
                                        double source_peak, bool measure) {
  pipeline::Stages<double> st;
  st.flags = pipeline::kStageToLinear | pipeline::kStageToneMap | pipeline::kStageGamut | pipeline::kStageToSignal;
  if (measure) st.flags |= pipeline::kStageMeasure;
  st.src = pipeline::transfer_side(s.transfer, s.primaries, p.transfer, p.transfer.sdr_white);
  st.dst = pipeline::transfer_side(d.transfer, d.primaries, p.transfer, p.target_peak);
  auto& t = st.tone;
  t.curve = static_cast<int>(p.curve);
  t.target = p.target_peak;
  t.target_black = p.target_black;
  t.param = p.curve_param;
  t.coeffs = hd::make_tone_coeffs<double>(t.curve, source_peak, p.target_peak, p.target_black, p.curve_param);
  t.luminance = p.signal == ToneSignal::Luminance;
  const auto ky = luminance_coefficients(s.primaries);
  for (int i = 0; i < 3; ++i) t.ky[i] = ky[i];
  st.gamut = pipeline::gamut_coeffs(s.primaries, d.primaries, p.gamut, p.target_peak);
  st.measure_signal_is_pq = s.transfer == Transfer::PQ;
  return st;
}

hd::PeakRule<double> peak_rule(const PeakDetection& d) {
  hd::PeakRule<double> r;
  r.quantile = d.percentile / 100;
  r.alpha = d.smoothing_frames > 1 ? 1 - std::exp(-1 / d.smoothing_frames) : 1;
  r.scene_threshold = d.scene_threshold;
  return r;
}

}  // namespace tonemap_detail

using namespace tonemap_detail;

Status check_tonemap(const ImageDesc& src, const ImageDesc& dst, const ToneMapParams& params) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_pipeline_images(src, dst, "tonemap"));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(src.color, "tonemap: src"));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(dst.color, "tonemap: dst"));
  return check_params(params);
}

namespace {

Status no_detection(const ToneMapParams& p) {
  if (p.peak_detection.enabled)
    return invalid_argument("tonemap: peak detection keeps state across frames; use a ToneMapper for it");
  return Status::ok();
}

}  // namespace

Status tonemap_reference(ConstImageView src, ImageView dst, const ToneMapParams& params) {
  CALDERA_RETURN_IF_ERROR(check_tonemap(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(no_detection(params));
  const auto st = tonemap_stages(src.color(), dst.color(), params, resolve_source_peak(params, src.color()), false);
  return pipeline::run_pipeline_reference(src, dst, st, st.tone.coeffs, nullptr, true, "tonemap");
}

Status tonemap_cuda(ConstImageView src, ImageView dst, const ToneMapParams& params, Workspace ws, StreamHandle stream) {
  (void)ws;  // one pass, no scratch
  CALDERA_RETURN_IF_ERROR(check_tonemap(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(no_detection(params));
  const auto st = pipeline::cast_stages<float>(
      tonemap_stages(src.color(), dst.color(), params, resolve_source_peak(params, src.color()), false));
  if (src.on_device() && dst.on_device() && fused_forward_fits(src, dst)) {
    bool launched = false;
    CALDERA_RETURN_IF_ERROR(launch_fused_forward(src, dst, st, {}, true, stream, &launched));
    if (launched) return Status::ok();
  }
  return pipeline::run_pipeline_cuda(src, dst, st, {}, true, stream, "tonemap");
}

Status tonemap(ConstImageView src, ImageView dst, const ToneMapParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_where(src, dst, ctx, "tonemap"));
  if (is_host_memory(src.memory())) return tonemap_reference(src, dst, params);
  return tonemap_cuda(src, dst, params, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
