// The `canny` filter: gray8, the Y plane of 8-bit YUV or the luma of 8-bit RGB in, a gray8 edge
// map (0 / 255) out.
#include "caldera/filter.hpp"
#include "caldera/ops/canny.hpp"
#include "ops/gradient/luma_input.hpp"
#include "core/number_text.hpp"

namespace caldera {
namespace {

class CannyFilter : public Filter {
 public:
  explicit CannyFilter(CannyParams p) : p_(p) {}
  std::string describe() const override {
    return "canny low " + number_text(p_.low) + " high " + number_text(p_.high) + " aperture " +
           std::to_string(p_.aperture) + (p_.l2_gradient ? " L2" : " L1") +
           (p_.blur_sigma > 0 || p_.blur_ksize > 0
                ? " blur sigma " + number_text(p_.blur_sigma) + " ksize " + std::to_string(p_.blur_ksize)
                : "");
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    CALDERA_RETURN_IF_ERROR(check_luma_input(in, "canny"));
    ImageDesc out = in;
    out.format = PixelFormat::Gray8;
    CALDERA_RETURN_IF_ERROR(check_canny(out, out, p_));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override {
    CALDERA_ASSIGN_OR_RETURN(ConstImageView g, luma_.get(src, ctx));
    return canny(g, dst, p_, ctx);
  }

 private:
  CannyParams p_;
  LumaSource luma_;
};

Result<std::unique_ptr<Filter>> make_canny(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"low", "high", "aperture", "kernel", "l2", "blur", "blur_ksize"}));
  CannyParams p;
  CALDERA_ASSIGN_OR_RETURN(p.low, o.real("low", 50));
  CALDERA_ASSIGN_OR_RETURN(p.high, o.real("high", 150));
  CALDERA_ASSIGN_OR_RETURN(p.aperture, o.integer("aperture", 3));
  CALDERA_ASSIGN_OR_RETURN(p.l2_gradient, o.boolean("l2", false));
  CALDERA_ASSIGN_OR_RETURN(p.blur_sigma, o.real("blur", 0));
  CALDERA_ASSIGN_OR_RETURN(p.blur_ksize, o.integer("blur_ksize", 0));
  const std::string k = o.str("kernel", "sobel");
  if (k == "scharr") p.kernel = DerivKernel::Scharr;
  else if (k != "sobel") return o.bad("kernel='" + k + "' (use sobel or scharr)");
  CALDERA_RETURN_IF_ERROR(check_canny({8, 8, PixelFormat::Gray8}, {8, 8, PixelFormat::Gray8}, p));
  return std::unique_ptr<Filter>(new CannyFilter(p));
}

}  // namespace

Status register_canny_filters(FilterRegistry& registry) {
  return registry.add({"canny", {}, "",
                       "canny[=low=L:high=H][:aperture=3|5|7][:kernel=sobel|scharr][:l2=0|1][:blur=SIGMA][:blur_ksize=K]   "
                       "(gray8, Y plane or RGB luma in; 0/255 edges out)",
                       make_canny});
}

}  // namespace caldera
