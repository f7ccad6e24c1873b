// The `transfer` filter (re-encode to another transfer function) and `setcolor` (alias `tag`),
// which only rewrites the colour description: how a Y4M or raw input that carries none is
// declared HDR10 ("setcolor=hdr10:maxcll=1000").
#include <optional>

#include "caldera/filter.hpp"
#include "caldera/ops/gamut.hpp"
#include "caldera/ops/transfer.hpp"
#include "ops/color_pipeline/stage_setup.hpp"

namespace caldera {
namespace {

class TransferFilter : public Filter {
 public:
  TransferFilter(Transfer t, std::optional<PixelFormat> f, TransferParams p) : t_(t), format_(f), p_(p) {}
  std::string describe() const override { return std::string("transfer to ") + transfer_name(t_); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    if (format_) out.format = *format_;
    out.color = with_transfer(in.color, t_);
    CALDERA_RETURN_IF_ERROR(check_transfer(in, out, p_));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return convert_transfer(src, dst, p_, ctx); }

 private:
  Transfer t_;
  std::optional<PixelFormat> format_;
  TransferParams p_;
};

class SetColorFilter : public Filter {
 public:
  explicit SetColorFilter(std::function<ColorDesc(const ColorDesc&)> edit) : edit_(std::move(edit)) {}
  std::string describe() const override { return "setcolor"; }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    out.color = edit_(in.color);
    CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(out.color, "setcolor"));
    return out;
  }
  Status run(ConstImageView, ImageView, Context&) override { return internal_error("setcolor runs as a view"); }
  bool is_view() const override { return true; }
  Result<ConstImageView> as_view(ConstImageView src) const override {
    ConstImageView v = src;
    v.set_color(edit_(src.color()));
    return v;
  }

 private:
  std::function<ColorDesc(const ColorDesc&)> edit_;
};

Result<std::optional<PixelFormat>> format_option(const FilterOptions& o) {
  if (!o.has("format")) return std::optional<PixelFormat>{};
  CALDERA_ASSIGN_OR_RETURN(PixelFormat f, parse_pixel_format(o.str("format")));
  return std::optional<PixelFormat>(f);
}

Result<std::unique_ptr<Filter>> make_transfer(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"t", "format", "sdr_white", "sdr_black", "hlg_peak", "hlg_black"}));
  if (!o.has("t")) return o.bad("needs t=TRANSFER (pq, hlg, bt1886, srgb, linear)");
  CALDERA_ASSIGN_OR_RETURN(Transfer t, parse_transfer(o.str("t")));
  CALDERA_ASSIGN_OR_RETURN(auto f, format_option(o));
  TransferParams p;
  CALDERA_RETURN_IF_ERROR(pipeline::transfer_params_from(o, p));
  return std::unique_ptr<Filter>(new TransferFilter(t, f, p));
}

Result<std::unique_ptr<Filter>> make_setcolor(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"preset", "matrix", "range", "transfer", "primaries", "siting", "maxcll", "maxfall",
                                  "master_max", "master_min", "master_primaries", "hdr"}));
  ColorDesc base;  // what the preset sets
  bool preset = false;
  if (o.has("preset")) {
    const std::string p = o.str("preset");
    preset = true;
    if (p == "hdr10") base.transfer = Transfer::PQ, base.primaries = Primaries::BT2020, base.matrix = Matrix::BT2020NCL;
    else if (p == "hlg") base.transfer = Transfer::HLG, base.primaries = Primaries::BT2020, base.matrix = Matrix::BT2020NCL;
    else if (p == "sdr") base = ColorDesc{};
    else return o.bad("preset='" + p + "' (use hdr10, hlg or sdr)");
  }
  std::optional<Matrix> m;
  std::optional<Range> r;
  std::optional<Transfer> t;
  std::optional<Primaries> pr;
  std::optional<ChromaSiting> s;
  if (o.has("matrix")) { CALDERA_ASSIGN_OR_RETURN(m, parse_matrix(o.str("matrix"))); }
  if (o.has("range")) { CALDERA_ASSIGN_OR_RETURN(r, parse_range(o.str("range"))); }
  if (o.has("transfer")) { CALDERA_ASSIGN_OR_RETURN(t, parse_transfer(o.str("transfer"))); }
  if (o.has("primaries")) { CALDERA_ASSIGN_OR_RETURN(pr, parse_primaries(o.str("primaries"))); }
  if (o.has("siting")) { CALDERA_ASSIGN_OR_RETURN(s, parse_siting(o.str("siting"))); }
  CALDERA_ASSIGN_OR_RETURN(int maxcll, o.integer("maxcll", -1));
  CALDERA_ASSIGN_OR_RETURN(int maxfall, o.integer("maxfall", -1));
  CALDERA_ASSIGN_OR_RETURN(double master_max, o.real("master_max", -1));
  CALDERA_ASSIGN_OR_RETURN(double master_min, o.real("master_min", 0));
  if (o.has("maxcll") && (maxcll < 0 || maxcll > 10000)) return o.bad("maxcll must be in 0..10000 cd/m2");
  if (o.has("maxfall") && (maxfall < 0 || maxfall > 10000)) return o.bad("maxfall must be in 0..10000 cd/m2");
  if (o.has("master_max") && !(master_max > 0 && master_max <= 10000)) return o.bad("master_max must be in (0, 10000] cd/m2");
  if (!(master_min >= 0 && (master_max < 0 || master_min < master_max))) return o.bad("master_min must be in [0, master_max)");
  std::optional<Primaries> mp;
  if (o.has("master_primaries")) { CALDERA_ASSIGN_OR_RETURN(mp, parse_primaries(o.str("master_primaries"))); }
  const std::string hdr = o.str("hdr", "keep");
  if (hdr != "keep" && hdr != "none") return o.bad("hdr='" + hdr + "' (use keep or none)");
  return std::unique_ptr<Filter>(new SetColorFilter([=](const ColorDesc& in) {
    ColorDesc c = in;
    if (preset) c.transfer = base.transfer, c.primaries = base.primaries, c.matrix = base.matrix;
    if (m) c.matrix = *m;
    if (r) c.range = *r;
    if (t) c.transfer = *t;
    if (pr) c.primaries = *pr;
    if (s) c.siting = *s;
    if (hdr == "none") c.hdr = {};
    if (maxcll >= 0 || maxfall >= 0) {
      ContentLightLevel cl = c.hdr.content_light.value_or(ContentLightLevel{});
      if (maxcll >= 0) cl.max_cll = maxcll;
      if (maxfall >= 0) cl.max_fall = maxfall;
      c.hdr.content_light = cl;
    }
    if (master_max > 0) {
      const Chromaticities ch = primaries_chromaticities(mp.value_or(c.primaries));
      MasteringDisplay md{ch.rx, ch.ry, ch.gx, ch.gy, ch.bx, ch.by, ch.wx, ch.wy, master_max, master_min};
      c.hdr.mastering = md;
    }
    return c;
  }));
}

}  // namespace

Status register_transfer_filters(FilterRegistry& registry) {
  CALDERA_RETURN_IF_ERROR(registry.add(
      {"transfer", {}, "t",
       "transfer=pq|hlg|bt1886|srgb|linear[:format=F][:sdr_white=100][:sdr_black=0][:hlg_peak=1000][:hlg_black=0]   re-encode "
       "through linear light",
       make_transfer}));
  return registry.add({"setcolor", {"tag"}, "preset",
                       "setcolor=[hdr10|hlg|sdr][:matrix=M][:range=R][:transfer=T][:primaries=P][:siting=S][:maxcll=N]"
                       "[:maxfall=N][:master_max=N][:master_min=N][:master_primaries=P][:hdr=keep|none]   declare the colour "
                       "description (pixels untouched)",
                       make_setcolor});
}

}  // namespace caldera
