// The `bilateral` filter.
#include "caldera/filter.hpp"
#include "caldera/ops/bilateral.hpp"
#include "ops/blur/blur_filter.hpp"
#include "core/number_text.hpp"

namespace caldera {
namespace {

class BilateralFilter : public Filter {
 public:
  explicit BilateralFilter(BilateralParams p) : p_(p) {}
  std::string describe() const override {
    return "bilateral d " + std::to_string(p_.diameter) + " sigma_color " + number_text(p_.sigma_color) +
           " sigma_space " + number_text(p_.sigma_space);
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    CALDERA_RETURN_IF_ERROR(check_bilateral(in, in, p_));
    return in;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return bilateral(src, dst, p_, ctx); }

 private:
  BilateralParams p_;
};

}  // namespace

Status register_bilateral_filters(FilterRegistry& registry) {
  return registry.add(
      {"bilateral", {}, "d", "bilateral[=D][:sigma_color=SC][:sigma_space=SS][:border=...][:value=V][:planes=all|luma]   (edge-preserving smoothing)",
       [](const FilterOptions& o) -> Result<std::unique_ptr<Filter>> {
         CALDERA_RETURN_IF_ERROR(o.only({"d", "sigma_color", "sigma_space", "border", "value", "planes"}));
         BilateralParams p;
         CALDERA_ASSIGN_OR_RETURN(p.diameter, o.integer("d", 0));
         CALDERA_ASSIGN_OR_RETURN(p.sigma_color, o.real("sigma_color", 25));
         CALDERA_ASSIGN_OR_RETURN(p.sigma_space, o.real("sigma_space", 3));
         CALDERA_ASSIGN_OR_RETURN(p.border, filter_border_from(o, FilterBorder::Reflect101));
         CALDERA_ASSIGN_OR_RETURN(p.border_value, o.real("value", 0));
         CALDERA_ASSIGN_OR_RETURN(p.planes, planes_from(o, PlaneSet::All));
         CALDERA_RETURN_IF_ERROR(check_bilateral({8, 8, PixelFormat::Gray8}, {8, 8, PixelFormat::Gray8}, p));
         return std::unique_ptr<Filter>(new BilateralFilter(p));
       }});
}

}  // namespace caldera
