// The `tonemap` filter (HDR -> SDR, or to a dimmer HDR display; with peak detection it keeps a
// ToneMapper, so one instance serves one stream) and `itonemap` (SDR -> HDR, BT.2446 method A).
#include <optional>

#include "caldera/filter.hpp"
#include "caldera/ops/tonemap.hpp"
#include "ops/color_pipeline/stage_setup.hpp"

namespace caldera {
namespace {

// The output colour a filter is asked for: transfer and primaries, the matrix that goes with
// them unless given, the input's range and siting unless given.
struct Target {
  Transfer transfer;
  Primaries primaries;
  std::optional<Matrix> matrix;
  std::optional<Range> range;
  std::optional<PixelFormat> format;
  ColorDesc color_for(const ColorDesc& in) const {
    ColorDesc c = in;
    c.transfer = transfer, c.primaries = primaries;
    c.matrix = matrix.value_or(pipeline::default_matrix_for(primaries));
    if (range) c.range = *range;
    return c;
  }
};

Status target_from(const FilterOptions& o, Target& t) {
  if (o.has("t")) { CALDERA_ASSIGN_OR_RETURN(t.transfer, parse_transfer(o.str("t"))); }
  if (o.has("p")) { CALDERA_ASSIGN_OR_RETURN(t.primaries, parse_primaries(o.str("p"))); }
  if (o.has("matrix")) { CALDERA_ASSIGN_OR_RETURN(t.matrix, parse_matrix(o.str("matrix"))); }
  if (o.has("range")) { CALDERA_ASSIGN_OR_RETURN(t.range, parse_range(o.str("range"))); }
  if (o.has("format")) { CALDERA_ASSIGN_OR_RETURN(t.format, parse_pixel_format(o.str("format"))); }
  return Status::ok();
}

Status gamut_from(const FilterOptions& o, GamutParams& g) {
  if (o.has("gamut")) { CALDERA_ASSIGN_OR_RETURN(g.mapping, parse_gamut_mapping(o.str("gamut"))); }
  CALDERA_ASSIGN_OR_RETURN(g.threshold, o.real("threshold", g.threshold));
  return pipeline::check_gamut_params(g, o.filter().c_str());
}

bool sdr(Transfer t) { return t != Transfer::PQ && t != Transfer::HLG && t != Transfer::Linear; }

class ToneMapFilter : public Filter {
 public:
  ToneMapFilter(ToneMapper tm, Target t) : tm_(std::move(tm)), t_(t) {}
  std::string describe() const override {
    const ToneMapParams& p = tm_.params();
    return std::string("tonemap ") + tone_curve_name(p.curve) + " to " + std::to_string(static_cast<int>(p.target_peak)) +
           " cd/m2 " + transfer_name(t_.transfer) + (p.peak_detection.enabled ? " (peak detection)" : "");
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    // 10- and 16-bit YUV become 8-bit for SDR unless a format is given: P010 -> NV12.
    if (t_.format) out.format = *t_.format;
    else if (sdr(t_.transfer) && (in.format == PixelFormat::P010 || in.format == PixelFormat::P016)) out.format = PixelFormat::NV12;
    else if (sdr(t_.transfer) && in.format == PixelFormat::YUV420P10) out.format = PixelFormat::I420;
    out.color = tonemapped_color(in.color, t_.color_for(in.color), tm_.params());
    CALDERA_RETURN_IF_ERROR(check_tonemap(in, out, tm_.params()));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return tm_.run(src, dst, ctx); }

 private:
  ToneMapper tm_;
  Target t_;
};

Result<std::unique_ptr<Filter>> make_tonemap(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"curve", "signal", "peak", "black", "source_peak", "param", "gamut", "threshold", "t", "p",
                                  "matrix", "range", "format", "detect", "percentile", "smoothing", "scene", "sdr_white",
                                  "sdr_black", "hlg_peak", "hlg_black"}));
  ToneMapParams p;
  if (o.has("curve")) { CALDERA_ASSIGN_OR_RETURN(p.curve, parse_tone_curve(o.str("curve"))); }
  if (o.has("signal")) { CALDERA_ASSIGN_OR_RETURN(p.signal, parse_tone_signal(o.str("signal"))); }
  CALDERA_ASSIGN_OR_RETURN(p.target_peak, o.real("peak", p.target_peak));
  CALDERA_ASSIGN_OR_RETURN(p.target_black, o.real("black", p.target_black));
  CALDERA_ASSIGN_OR_RETURN(p.source_peak, o.real("source_peak", p.source_peak));
  if (o.has("param")) {
    if (p.curve != ToneCurve::Reinhard && p.curve != ToneCurve::Mobius)
      return o.bad("param is for reinhard (c) and mobius (knee j); " + std::string(tone_curve_name(p.curve)) + " has none");
    CALDERA_ASSIGN_OR_RETURN(p.curve_param, o.real("param", NAN));
  }
  CALDERA_RETURN_IF_ERROR(gamut_from(o, p.gamut));
  CALDERA_ASSIGN_OR_RETURN(p.peak_detection.enabled, o.boolean("detect", false));
  CALDERA_ASSIGN_OR_RETURN(p.peak_detection.percentile, o.real("percentile", p.peak_detection.percentile));
  CALDERA_ASSIGN_OR_RETURN(p.peak_detection.smoothing_frames, o.real("smoothing", p.peak_detection.smoothing_frames));
  CALDERA_ASSIGN_OR_RETURN(p.peak_detection.scene_threshold, o.real("scene", p.peak_detection.scene_threshold));
  CALDERA_RETURN_IF_ERROR(pipeline::transfer_params_from(o, p.transfer));
  Target t{Transfer::BT1886, Primaries::BT709, {}, {}, {}};
  CALDERA_RETURN_IF_ERROR(target_from(o, t));
  auto tm = ToneMapper::create(p);
  if (!tm) return tm.status();
  return std::unique_ptr<Filter>(new ToneMapFilter(std::move(tm).value(), t));
}

class InverseToneMapFilter : public Filter {
 public:
  InverseToneMapFilter(InverseToneMapParams p, Target t) : p_(p), t_(t) {}
  std::string describe() const override { return std::string("itonemap (BT.2446 A) to ") + transfer_name(t_.transfer); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    if (t_.format) out.format = *t_.format;
    else if (in.format == PixelFormat::NV12) out.format = PixelFormat::P010;
    else if (in.format == PixelFormat::I420) out.format = PixelFormat::YUV420P10;
    else if (format_info(in.format).family == ColorFamily::Rgb && !is_float(in.format)) out.format = PixelFormat::RGB48;
    out.color = inverse_tonemapped_color(t_.color_for(in.color));
    CALDERA_RETURN_IF_ERROR(check_inverse_tonemap(in, out, p_));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return inverse_tonemap(src, dst, p_, ctx); }

 private:
  InverseToneMapParams p_;
  Target t_;
};

Result<std::unique_ptr<Filter>> make_itonemap(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"t", "p", "matrix", "range", "format", "gamut", "threshold", "hlg_peak", "hlg_black"}));
  InverseToneMapParams p;
  CALDERA_RETURN_IF_ERROR(gamut_from(o, p.gamut));
  CALDERA_RETURN_IF_ERROR(pipeline::transfer_params_from(o, p.transfer));
  Target t{Transfer::PQ, Primaries::BT2020, {}, {}, {}};
  CALDERA_RETURN_IF_ERROR(target_from(o, t));
  if (t.transfer != Transfer::PQ && t.transfer != Transfer::HLG) return o.bad("t must be pq or hlg (the output is HDR)");
  return std::unique_ptr<Filter>(new InverseToneMapFilter(p, t));
}

}  // namespace

Status register_tonemap_filters(FilterRegistry& registry) {
  CALDERA_RETURN_IF_ERROR(registry.add(
      {"tonemap", {}, "curve",
       "tonemap=[bt2390|hable|reinhard|mobius|clip][:signal=maxrgb|luminance][:peak=100][:source_peak=N][:param=X]"
       "[:gamut=compress|desaturate|clip|none][:t=bt1886][:p=bt709][:format=F][:detect=0|1][:percentile=99.995]"
       "[:smoothing=20][:scene=0.1]   HDR -> SDR",
       make_tonemap}));
  return registry.add({"itonemap", {"inverse_tonemap"}, "",
                       "itonemap[=t=pq|hlg][:p=bt2020][:format=F][:gamut=...]   SDR -> HDR (BT.2446 method A, 1000 cd/m2)",
                       make_itonemap});
}

}  // namespace caldera
