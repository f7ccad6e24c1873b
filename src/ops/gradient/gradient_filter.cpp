// The derivative filters: `sobel`, `scharr` and `laplacian`. They read gray8, the Y plane of 8-bit
// YUV or the luma of 8-bit RGB, and write gray8 (or gray16 with depth=16).
#include "caldera/filter.hpp"
#include "caldera/ops/gradient.hpp"
#include "ops/blur/blur_filter.hpp"
#include "ops/gradient/luma_input.hpp"

namespace caldera {
namespace {

class GradientFilter : public Filter {
 public:
  // Exactly one of the two parameter sets is used.
  GradientFilter(std::string what, bool is_laplacian, SobelParams s, LaplacianParams l, PixelFormat out)
      : what_(std::move(what)), laplacian_(is_laplacian), s_(s), l_(l), out_(out) {}
  std::string describe() const override { return what_; }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    const char* name = laplacian_ ? "laplacian" : s_.kernel == DerivKernel::Scharr ? "scharr" : "sobel";
    CALDERA_RETURN_IF_ERROR(check_luma_input(in, name));
    ImageDesc out = in;
    out.format = out_;
    ImageDesc gray = in;
    gray.format = PixelFormat::Gray8;
    CALDERA_RETURN_IF_ERROR(laplacian_ ? check_laplacian(gray, out, l_) : check_sobel(gray, out, s_));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override {
    CALDERA_ASSIGN_OR_RETURN(ConstImageView g, luma_.get(src, ctx));
    return laplacian_ ? laplacian(g, dst, l_, ctx) : sobel(g, dst, s_, ctx);
  }

 private:
  std::string what_;
  bool laplacian_;
  SobelParams s_;
  LaplacianParams l_;
  PixelFormat out_;
  LumaSource luma_;
};

Result<PixelFormat> depth_from(const FilterOptions& o) {
  CALDERA_ASSIGN_OR_RETURN(int depth, o.integer("depth", 8));
  if (depth != 8 && depth != 16) return o.bad("depth=" + std::to_string(depth) + " (use 8 or 16)");
  return depth == 8 ? PixelFormat::Gray8 : PixelFormat::Gray16;
}

Result<std::unique_ptr<Filter>> make_derivative(const FilterOptions& o, DerivKernel kernel) {
  if (kernel == DerivKernel::Sobel)
    CALDERA_RETURN_IF_ERROR(o.only({"output", "dx", "dy", "ksize", "scale", "delta", "abs", "border", "value", "depth"}));
  else
    CALDERA_RETURN_IF_ERROR(o.only({"output", "scale", "delta", "abs", "border", "value", "depth"}));
  SobelParams p;
  p.kernel = kernel;
  const std::string out = o.str("output", "mag");
  if (out == "x") p.dx = 1, p.dy = 0;
  else if (out == "y") p.dx = 0, p.dy = 1;
  else if (out == "mag") p.output = GradientOutput::Magnitude;
  else if (out == "mag_l1") p.output = GradientOutput::MagnitudeL1;
  else return o.bad("output='" + out + "' (use x, y, mag or mag_l1)");
  if (o.has("dx") || o.has("dy")) {
    if (p.output != GradientOutput::Derivative) p.dx = p.dy = 0;
    p.output = GradientOutput::Derivative;
    CALDERA_ASSIGN_OR_RETURN(p.dx, o.integer("dx", p.dx));
    CALDERA_ASSIGN_OR_RETURN(p.dy, o.integer("dy", p.dy));
  }
  CALDERA_ASSIGN_OR_RETURN(p.ksize, o.integer("ksize", 3));
  CALDERA_ASSIGN_OR_RETURN(p.scale, o.real("scale", 1));
  CALDERA_ASSIGN_OR_RETURN(p.delta, o.real("delta", 0));
  CALDERA_ASSIGN_OR_RETURN(p.absolute, o.boolean("abs", true));
  CALDERA_ASSIGN_OR_RETURN(p.border, filter_border_from(o, FilterBorder::Reflect101));
  CALDERA_ASSIGN_OR_RETURN(p.border_value, o.real("value", 0));
  CALDERA_ASSIGN_OR_RETURN(PixelFormat fmt, depth_from(o));
  CALDERA_RETURN_IF_ERROR(check_sobel({8, 8, PixelFormat::Gray8}, {8, 8, fmt}, p).with_context(o.filter()));
  const std::string name = kernel == DerivKernel::Scharr ? "scharr " : "sobel ";
  const std::string what = name + (p.output == GradientOutput::Derivative
                                       ? "dx " + std::to_string(p.dx) + " dy " + std::to_string(p.dy)
                                       : std::string(p.output == GradientOutput::Magnitude ? "magnitude" : "magnitude L1")) +
                           (kernel == DerivKernel::Sobel ? " ksize " + std::to_string(p.ksize) : "");
  return std::unique_ptr<Filter>(new GradientFilter(what, false, p, LaplacianParams{}, fmt));
}

Result<std::unique_ptr<Filter>> make_laplacian(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"ksize", "scale", "delta", "abs", "border", "value", "depth"}));
  LaplacianParams p;
  CALDERA_ASSIGN_OR_RETURN(p.ksize, o.integer("ksize", 1));
  CALDERA_ASSIGN_OR_RETURN(p.scale, o.real("scale", 1));
  CALDERA_ASSIGN_OR_RETURN(p.delta, o.real("delta", 0));
  CALDERA_ASSIGN_OR_RETURN(p.absolute, o.boolean("abs", true));
  CALDERA_ASSIGN_OR_RETURN(p.border, filter_border_from(o, FilterBorder::Reflect101));
  CALDERA_ASSIGN_OR_RETURN(p.border_value, o.real("value", 0));
  CALDERA_ASSIGN_OR_RETURN(PixelFormat fmt, depth_from(o));
  CALDERA_RETURN_IF_ERROR(check_laplacian({8, 8, PixelFormat::Gray8}, {8, 8, fmt}, p).with_context(o.filter()));
  return std::unique_ptr<Filter>(
      new GradientFilter("laplacian ksize " + std::to_string(p.ksize), true, SobelParams{}, p, fmt));
}

}  // namespace

Status register_gradient_filters(FilterRegistry& registry) {
  CALDERA_RETURN_IF_ERROR(registry.add(
      {"sobel", {}, "output",
       "sobel=x|y|mag|mag_l1[:dx=N:dy=N][:ksize=1|3|5|7][:scale=S][:delta=D][:abs=0|1][:border=...][:depth=8|16]   (gray8, Y plane or RGB luma in)",
       [](const FilterOptions& o) { return make_derivative(o, DerivKernel::Sobel); }}));
  CALDERA_RETURN_IF_ERROR(registry.add(
      {"scharr", {}, "output", "scharr=x|y|mag|mag_l1[:scale=S][:delta=D][:abs=0|1][:border=...][:depth=8|16]",
       [](const FilterOptions& o) { return make_derivative(o, DerivKernel::Scharr); }}));
  return registry.add({"laplacian", {}, "ksize",
                       "laplacian=1|3|5|7[:scale=S][:delta=D][:abs=0|1][:border=...][:depth=8|16]", make_laplacian});
}

}  // namespace caldera
