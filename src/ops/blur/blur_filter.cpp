// The blur filters: `gaussian` (alias gblur), `box` (alias boxblur) and `unsharp` (alias sharpen).
#include <functional>

#include "caldera/filter.hpp"
#include "caldera/ops/blur.hpp"
#include "ops/blur/blur_filter.hpp"
#include "core/number_text.hpp"

namespace caldera {
namespace {

// A filter that keeps its input's size and format and runs one operator.
class SameShapeFilter : public Filter {
 public:
  using Check = std::function<Status(const ImageDesc&)>;
  using Run = std::function<Status(ConstImageView, ImageView, Context&)>;
  SameShapeFilter(std::string what, Check check, Run run)
      : what_(std::move(what)), check_(std::move(check)), run_(std::move(run)) {}
  std::string describe() const override { return what_; }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    CALDERA_RETURN_IF_ERROR(check_(in));
    return in;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return run_(src, dst, ctx); }

 private:
  std::string what_;
  Check check_;
  Run run_;
};

Result<std::unique_ptr<Filter>> make_gaussian(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"sigma", "sigma_y", "ksize", "ksize_y", "border", "value", "planes"}));
  GaussianParams p;
  CALDERA_ASSIGN_OR_RETURN(p.sigma_x, o.real("sigma", o.has("ksize") ? 0.0 : 1.0));
  CALDERA_ASSIGN_OR_RETURN(p.sigma_y, o.real("sigma_y", 0));
  CALDERA_ASSIGN_OR_RETURN(p.ksize_x, o.integer("ksize", 0));
  CALDERA_ASSIGN_OR_RETURN(p.ksize_y, o.integer("ksize_y", 0));
  CALDERA_ASSIGN_OR_RETURN(p.border, filter_border_from(o, FilterBorder::Reflect101));
  CALDERA_ASSIGN_OR_RETURN(p.border_value, o.real("value", 0));
  CALDERA_ASSIGN_OR_RETURN(p.planes, planes_from(o, PlaneSet::All));
  if (p.sigma_x < 0 || p.sigma_y < 0) return o.bad("sigma must not be negative");
  // Resolve now so bad combinations fail when the chain is parsed (the format only picks 3 or 4 sigma).
  CALDERA_RETURN_IF_ERROR(resolve_gaussian(p, PixelFormat::Gray8).status().with_context(o.filter()));
  std::string what = "gaussian sigma " + number_text(p.sigma_x) + (p.ksize_x > 0 ? " ksize " + std::to_string(p.ksize_x) : "");
  return std::unique_ptr<Filter>(new SameShapeFilter(
      what, [p](const ImageDesc& in) { return check_gaussian_blur(in, in, p).with_context("gaussian"); },
      [p](ConstImageView s, ImageView d, Context& c) { return gaussian_blur(s, d, p, c); }));
}

Result<std::unique_ptr<Filter>> make_box(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"size", "size_y", "border", "value", "planes"}));
  BoxParams p;
  CALDERA_ASSIGN_OR_RETURN(p.ksize_x, o.integer("size", 3));
  CALDERA_ASSIGN_OR_RETURN(p.ksize_y, o.integer("size_y", 0));
  CALDERA_ASSIGN_OR_RETURN(p.border, filter_border_from(o, FilterBorder::Reflect101));
  CALDERA_ASSIGN_OR_RETURN(p.border_value, o.real("value", 0));
  CALDERA_ASSIGN_OR_RETURN(p.planes, planes_from(o, PlaneSet::All));
  if (p.ksize_x < 1 || p.ksize_y < 0) return o.bad("size must be at least 1");
  return std::unique_ptr<Filter>(new SameShapeFilter(
      "box " + std::to_string(p.ksize_x) + "x" + std::to_string(p.ksize_y > 0 ? p.ksize_y : p.ksize_x),
      [p](const ImageDesc& in) { return check_box_blur(in, in, p).with_context("box"); },
      [p](ConstImageView s, ImageView d, Context& c) { return box_blur(s, d, p, c); }));
}

Result<std::unique_ptr<Filter>> make_unsharp(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"amount", "sigma", "ksize", "threshold", "border", "planes"}));
  UnsharpParams p;
  CALDERA_ASSIGN_OR_RETURN(p.amount, o.real("amount", 1.0));
  CALDERA_ASSIGN_OR_RETURN(p.sigma, o.real("sigma", o.has("ksize") ? 0.0 : 1.0));
  CALDERA_ASSIGN_OR_RETURN(p.ksize, o.integer("ksize", 0));
  CALDERA_ASSIGN_OR_RETURN(p.threshold, o.real("threshold", 0));
  CALDERA_ASSIGN_OR_RETURN(p.border, filter_border_from(o, FilterBorder::Reflect101));
  CALDERA_ASSIGN_OR_RETURN(p.planes, planes_from(o, PlaneSet::LumaOnly));
  if (p.amount < -10 || p.amount > 10) return o.bad("amount must be in [-10, 10]");
  if (p.threshold < 0 || p.threshold > 255) return o.bad("threshold must be in [0, 255]");
  return std::unique_ptr<Filter>(new SameShapeFilter(
      "unsharp amount " + number_text(p.amount) + " sigma " + number_text(p.sigma),
      [p](const ImageDesc& in) { return check_unsharp_mask(in, in, p).with_context("unsharp"); },
      [p](ConstImageView s, ImageView d, Context& c) { return unsharp_mask(s, d, p, c); }));
}

}  // namespace

Result<PlaneSet> planes_from(const FilterOptions& o, PlaneSet fallback) {
  if (!o.has("planes")) return fallback;
  const std::string v = o.str("planes");
  if (v == "all") return PlaneSet::All;
  if (v == "luma" || v == "y") return PlaneSet::LumaOnly;
  return o.bad("planes='" + v + "' (use all or luma)");
}

Result<FilterBorder> filter_border_from(const FilterOptions& o, FilterBorder fallback) {
  if (!o.has("border")) return fallback;
  auto b = parse_filter_border(o.str("border"));
  if (!b) return o.bad(b.status().message());
  return b;
}

Status register_blur_filters(FilterRegistry& registry) {
  CALDERA_RETURN_IF_ERROR(registry.add(
      {"gaussian", {"gblur"}, "sigma",
       "gaussian=SIGMA[:sigma_y=S][:ksize=K][:ksize_y=K][:border=reflect101|reflect|replicate|constant][:value=V][:planes=all|luma]",
       make_gaussian}));
  CALDERA_RETURN_IF_ERROR(registry.add(
      {"box", {"boxblur"}, "size", "box=SIZE[:size_y=N][:border=...][:value=V][:planes=all|luma]   (mean of a SIZE x SIZE window)",
       make_box}));
  return registry.add({"unsharp", {"sharpen"}, "amount",
                       "unsharp=AMOUNT[:sigma=S][:ksize=K][:threshold=T][:border=...][:planes=luma|all]   (src + AMOUNT * (src - blur))",
                       make_unsharp});
}

}  // namespace caldera
