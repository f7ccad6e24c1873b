// The `median` filter.
#include "caldera/filter.hpp"
#include "caldera/ops/median.hpp"
#include "ops/blur/blur_filter.hpp"

namespace caldera {
namespace {

class MedianFilter : public Filter {
 public:
  explicit MedianFilter(MedianParams p) : p_(p) {}
  std::string describe() const override { return "median " + std::to_string(p_.ksize) + "x" + std::to_string(p_.ksize); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    CALDERA_RETURN_IF_ERROR(check_median(in, in, p_));
    return in;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return median(src, dst, p_, ctx); }

 private:
  MedianParams p_;
};

}  // namespace

Status register_median_filters(FilterRegistry& registry) {
  return registry.add({"median", {}, "size", "median=3|5[:border=replicate|...][:value=V][:planes=all|luma]",
                       [](const FilterOptions& o) -> Result<std::unique_ptr<Filter>> {
                         CALDERA_RETURN_IF_ERROR(o.only({"size", "border", "value", "planes"}));
                         MedianParams p;
                         CALDERA_ASSIGN_OR_RETURN(p.ksize, o.integer("size", 3));
                         CALDERA_ASSIGN_OR_RETURN(p.border, filter_border_from(o, FilterBorder::Replicate));
                         CALDERA_ASSIGN_OR_RETURN(p.border_value, o.real("value", 0));
                         CALDERA_ASSIGN_OR_RETURN(p.planes, planes_from(o, PlaneSet::All));
                         if (p.ksize != 3 && p.ksize != 5) return o.bad("size " + std::to_string(p.ksize) + " (use 3 or 5)");
                         return std::unique_ptr<Filter>(new MedianFilter(p));
                       }});
}

}  // namespace caldera
