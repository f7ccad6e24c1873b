// The `adjust` filter (alias `eq`): brightness, contrast, saturation, hue, gamma.
#include <cstdio>

#include "caldera/filter.hpp"
#include "caldera/ops/adjust.hpp"

namespace caldera {
namespace {

class AdjustFilter : public Filter {
 public:
  explicit AdjustFilter(AdjustParams p) : p_(p) {}
  std::string describe() const override {
    char s[160];
    std::snprintf(s, sizeof(s), "adjust brightness %g contrast %g saturation %g hue %g gamma %g", p_.brightness,
                  p_.contrast, p_.saturation, p_.hue, p_.gamma);
    return s;
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    CALDERA_RETURN_IF_ERROR(check_adjust(in, in, p_));
    return in;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return adjust(src, dst, p_, ctx); }

 private:
  AdjustParams p_;
};

Result<std::unique_ptr<Filter>> make_adjust(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"brightness", "contrast", "saturation", "hue", "gamma"}));
  AdjustParams p;
  CALDERA_ASSIGN_OR_RETURN(p.brightness, o.real("brightness", p.brightness));
  CALDERA_ASSIGN_OR_RETURN(p.contrast, o.real("contrast", p.contrast));
  CALDERA_ASSIGN_OR_RETURN(p.saturation, o.real("saturation", p.saturation));
  CALDERA_ASSIGN_OR_RETURN(p.hue, o.real("hue", p.hue));
  CALDERA_ASSIGN_OR_RETURN(p.gamma, o.real("gamma", p.gamma));
  CALDERA_RETURN_IF_ERROR(check_adjust({1, 1, PixelFormat::RGB24}, {1, 1, PixelFormat::RGB24}, p));
  return std::unique_ptr<Filter>(new AdjustFilter(p));
}

}  // namespace

Status register_adjust_filters(FilterRegistry& registry) {
  return registry.add({"adjust", {"eq"}, "",
                       "adjust=[brightness=0][:contrast=1][:saturation=1][:hue=0][:gamma=1]   grading on Y'CbCr",
                       make_adjust});
}

}  // namespace caldera
