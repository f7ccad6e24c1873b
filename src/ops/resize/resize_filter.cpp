// The `resize` filter (alias `scale`).
#include <algorithm>
#include <cmath>

#include "caldera/filter.hpp"
#include "caldera/ops/resize.hpp"
#include "ops/resize/resize_filter.hpp"

namespace caldera {
namespace {

class ResizeFilter : public Filter {
 public:
  ResizeFilter(int w, int h, ResizeParams p) : w_(w), h_(h), p_(p) {}
  std::string describe() const override {
    auto side = [](int v) { return v < 0 ? std::string("auto") : std::to_string(v); };
    return "resize " + side(w_) + "x" + side(h_) + " " + interp_name(p_.interp) + (p_.antialias ? "" : " (no antialias)");
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    if (w_ > 0) out.width = w_;
    if (h_ > 0) out.height = h_;
    // -1 keeps the aspect ratio, rounded to the format's subsampling.
    if (w_ < 0) {
      const int a = subsampling_step(in.format, false);
      out.width = std::max(a, static_cast<int>(std::lround(double(in.width) * out.height / in.height / a)) * a);
    }
    if (h_ < 0) {
      const int a = subsampling_step(in.format, true);
      out.height = std::max(a, static_cast<int>(std::lround(double(in.height) * out.width / in.width / a)) * a);
    }
    CALDERA_RETURN_IF_ERROR(check_resize(in, out, p_).with_context("resize"));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return resize(src, dst, p_, ctx); }

 private:
  int w_, h_;
  ResizeParams p_;
};

}  // namespace

Result<ResizeParams> resize_params_from(const FilterOptions& o) {
  ResizeParams p;
  if (o.has("interp")) {
    CALDERA_ASSIGN_OR_RETURN(p.interp, parse_interp(o.str("interp")));
  }
  CALDERA_ASSIGN_OR_RETURN(p.antialias, o.boolean("antialias", true));
  return p;
}

Status register_resize_filters(FilterRegistry& registry) {
  return registry.add(
      {"resize", {"scale"}, "", "resize=w=W:h=H[:interp=nearest|bilinear|bicubic|area|lanczos3][:antialias=0|1]   (w or h -1: keep aspect)",
       [](const FilterOptions& o) -> Result<std::unique_ptr<Filter>> {
         CALDERA_RETURN_IF_ERROR(o.only({"w", "h", "interp", "antialias"}));
         CALDERA_ASSIGN_OR_RETURN(int w, o.integer("w", -1));
         CALDERA_ASSIGN_OR_RETURN(int h, o.integer("h", -1));
         if (w == 0 || h == 0 || w < -1 || h < -1) return o.bad("w and h must be positive (or -1 to keep the aspect)");
         if (w < 0 && h < 0) return o.bad("w and h cannot both be -1");
         CALDERA_ASSIGN_OR_RETURN(ResizeParams p, resize_params_from(o));
         return std::unique_ptr<Filter>(new ResizeFilter(w, h, p));
       }});
}

}  // namespace caldera
