// The geometry filters: crop (a view of the input), flip, pad and letterbox.
#include "caldera/filter.hpp"
#include "caldera/ops/geometry.hpp"
#include "ops/resize/resize_filter.hpp"

namespace caldera {
namespace {

std::string dims(const ImageDesc& d) { return std::to_string(d.width) + "x" + std::to_string(d.height); }

// Black in the format's own codes: limited-range luma floor (or 0) and neutral chroma for YUV.
void black_for(const ImageDesc& d, double value[4]) {
  if (!is_yuv(d.format)) return;
  const double s = double(1 << (format_info(d.format).bit_depth - 8));
  if (value[0] == 0 && d.color.range == Range::Limited) value[0] = 16 * s;
  value[1] = value[2] = 128 * s;
}

class CropFilter : public Filter {
 public:
  explicit CropFilter(Rect r) : r_(r) {}
  std::string describe() const override {
    return "crop " + std::to_string(r_.width) + "x" + std::to_string(r_.height) + "+" + std::to_string(r_.x) + "+" +
           std::to_string(r_.y);
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    if (r_.x < 0 || r_.y < 0 || r_.width <= 0 || r_.height <= 0 || r_.x + r_.width > in.width ||
        r_.y + r_.height > in.height)
      return invalid_argument("crop: " + describe().substr(5) + " is not inside the " + dims(in) + " frame");
    ImageDesc out = in;
    out.width = r_.width;
    out.height = r_.height;
    return out;
  }
  Status run(ConstImageView, ImageView, Context&) override { return internal_error("crop runs as a view"); }
  bool is_view() const override { return true; }
  Result<ConstImageView> as_view(ConstImageView src) const override { return src.sub_view(r_); }

 private:
  Rect r_;
};

class FlipFilter : public Filter {
 public:
  explicit FlipFilter(FlipMode m) : m_(m) {}
  std::string describe() const override {
    return m_ == FlipMode::Horizontal ? "flip horizontal" : m_ == FlipMode::Vertical ? "flip vertical" : "flip both";
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    CALDERA_RETURN_IF_ERROR(check_flip(in, in).with_context("flip"));
    return in;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return flip(src, dst, m_, ctx); }

 private:
  FlipMode m_;
};

class PadFilter : public Filter {
 public:
  PadFilter(int w, int h, PadParams p, bool centre) : w_(w), h_(h), p_(p), centre_(centre) {}
  std::string describe() const override { return "pad to " + std::to_string(w_) + "x" + std::to_string(h_); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    out.width = w_;
    out.height = h_;
    CALDERA_RETURN_IF_ERROR(check_pad(in, out, params_for(in)).with_context("pad"));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override {
    return pad(src, dst, params_for(src.desc()), ctx);
  }

 private:
  PadParams params_for(const ImageDesc& in) const {
    PadParams p = p_;
    if (centre_) {
      const int ax = subsampling_step(in.format, false), ay = subsampling_step(in.format, true);
      p.left = (w_ - in.width) / 2 / ax * ax;
      p.top = (h_ - in.height) / 2 / ay * ay;
    }
    if (!p_.value[1] && !p_.value[2]) black_for(in, p.value);
    return p;
  }
  int w_, h_;
  PadParams p_;
  bool centre_;
};

class LetterboxFilter : public Filter {
 public:
  LetterboxFilter(int w, int h, ResizeParams p) : w_(w), h_(h), p_(p) {}
  std::string describe() const override { return "letterbox to " + std::to_string(w_) + "x" + std::to_string(h_); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    out.width = w_;
    out.height = h_;
    CALDERA_RETURN_IF_ERROR(validate_desc(out, "letterbox"));
    const Rect r = letterbox_rect(in.width, in.height, w_, h_, in.format);
    ImageDesc inner = in;
    inner.width = r.width;
    inner.height = r.height;
    CALDERA_RETURN_IF_ERROR(check_resize(in, inner, p_).with_context("letterbox"));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override {
    double bar[4] = {0, 0, 0, 0};
    black_for(src.desc(), bar);
    return letterbox(src, dst, p_, bar, ctx);
  }

 private:
  int w_, h_;
  ResizeParams p_;
};

Result<std::unique_ptr<Filter>> make_crop(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"w", "h", "x", "y"}));
  if (!o.has("w") || !o.has("h")) return o.bad("needs w and h");
  Rect r;
  CALDERA_ASSIGN_OR_RETURN(r.width, o.integer("w", 0));
  CALDERA_ASSIGN_OR_RETURN(r.height, o.integer("h", 0));
  CALDERA_ASSIGN_OR_RETURN(r.x, o.integer("x", 0));
  CALDERA_ASSIGN_OR_RETURN(r.y, o.integer("y", 0));
  return std::unique_ptr<Filter>(new CropFilter(r));
}

Result<std::unique_ptr<Filter>> make_flip(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"mode"}));
  const std::string m = o.str("mode", "h");
  if (m == "h" || m == "horizontal") return std::unique_ptr<Filter>(new FlipFilter(FlipMode::Horizontal));
  if (m == "v" || m == "vertical") return std::unique_ptr<Filter>(new FlipFilter(FlipMode::Vertical));
  if (m == "both" || m == "hv") return std::unique_ptr<Filter>(new FlipFilter(FlipMode::Both));
  return o.bad("mode='" + m + "' (use h, v or both)");
}

Result<std::unique_ptr<Filter>> make_pad(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"w", "h", "x", "y", "border"}));
  if (!o.has("w") || !o.has("h")) return o.bad("needs w and h");
  PadParams p;
  CALDERA_ASSIGN_OR_RETURN(int w, o.integer("w", 0));
  CALDERA_ASSIGN_OR_RETURN(int h, o.integer("h", 0));
  CALDERA_ASSIGN_OR_RETURN(p.left, o.integer("x", 0));
  CALDERA_ASSIGN_OR_RETURN(p.top, o.integer("y", 0));
  const std::string b = o.str("border", "constant");
  if (b == "replicate") p.border = BorderMode::Replicate;
  else if (b == "reflect") p.border = BorderMode::Reflect;
  else if (b != "constant") return o.bad("border='" + b + "' (use constant, replicate or reflect)");
  const bool centre = !o.has("x") && !o.has("y");
  return std::unique_ptr<Filter>(new PadFilter(w, h, p, centre));
}

Result<std::unique_ptr<Filter>> make_letterbox(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"w", "h", "interp", "antialias"}));
  if (!o.has("w") || !o.has("h")) return o.bad("needs w and h");
  CALDERA_ASSIGN_OR_RETURN(int w, o.integer("w", 0));
  CALDERA_ASSIGN_OR_RETURN(int h, o.integer("h", 0));
  CALDERA_ASSIGN_OR_RETURN(ResizeParams p, resize_params_from(o));
  return std::unique_ptr<Filter>(new LetterboxFilter(w, h, p));
}

}  // namespace

Status register_geometry_filters(FilterRegistry& registry) {
  CALDERA_RETURN_IF_ERROR(registry.add({"crop", {}, "", "crop=w=W:h=H[:x=X][:y=Y]", make_crop}));
  CALDERA_RETURN_IF_ERROR(registry.add({"flip", {}, "mode", "flip=h|v|both", make_flip}));
  CALDERA_RETURN_IF_ERROR(registry.add(
      {"pad", {}, "", "pad=w=W:h=H[:x=X:y=Y][:border=constant|replicate|reflect]   (no x/y: centred)", make_pad}));
  return registry.add({"letterbox", {}, "", "letterbox=w=W:h=H[:interp=...]   fit inside WxH, centred, black bars",
                       make_letterbox});
}

}  // namespace caldera
