// The `lut3d` filter: a .cube file applied to R'G'B' (the file is read when the chain is parsed,
// so a malformed one fails before any frame, naming its line).
#include "caldera/filter.hpp"
#include "caldera/ops/lut3d.hpp"

namespace caldera {
namespace {

class Lut3dFilter : public Filter {
 public:
  Lut3dFilter(Lut3d lut, Lut3dParams p, std::string file) : lut_(std::move(lut)), p_(p), file_(std::move(file)) {}
  std::string describe() const override {
    return "lut3d " + file_ + " (" + std::to_string(lut_.size()) + "^3, " + lut3d_interp_name(p_.interp) + ")";
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    CALDERA_RETURN_IF_ERROR(check_lut3d(in, in, lut_, p_));
    return in;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return apply_lut3d(src, dst, lut_, p_, ctx); }

 private:
  Lut3d lut_;
  Lut3dParams p_;
  std::string file_;
};

Result<std::unique_ptr<Filter>> make_lut3d(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"file", "interp"}));
  if (!o.has("file")) return o.bad("needs file=PATH.cube");
  Lut3dParams p;
  if (o.has("interp")) { CALDERA_ASSIGN_OR_RETURN(p.interp, parse_lut3d_interp(o.str("interp"))); }
  auto lut = Lut3d::load_cube(o.str("file"));
  if (!lut) return lut.status().with_context("lut3d");
  return std::unique_ptr<Filter>(new Lut3dFilter(std::move(lut).value(), p, o.str("file")));
}

}  // namespace

Status register_lut3d_filters(FilterRegistry& registry) {
  return registry.add({"lut3d", {}, "file", "lut3d=FILE.cube[:interp=tetrahedral|trilinear]   a 3D LUT on R'G'B'", make_lut3d});
}

}  // namespace caldera
