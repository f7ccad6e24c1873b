// The `gamut` filter: other primaries, same transfer, with gamut mapping.
#include <optional>

#include "caldera/filter.hpp"
#include "caldera/ops/gamut.hpp"
#include "ops/color_pipeline/stage_setup.hpp"

namespace caldera {
namespace {

class GamutFilter : public Filter {
 public:
  GamutFilter(Primaries p, std::optional<Matrix> m, std::optional<PixelFormat> f, GamutParams g, TransferParams t)
      : p_(p), matrix_(m), format_(f), g_(g), t_(t) {}
  std::string describe() const override {
    return std::string("gamut to ") + primaries_name(p_) + " (" + gamut_mapping_name(g_.mapping) + ")";
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    if (format_) out.format = *format_;
    out.color.primaries = p_;
    out.color.matrix = matrix_.value_or(in.color.primaries == p_ ? in.color.matrix : pipeline::default_matrix_for(p_));
    CALDERA_RETURN_IF_ERROR(check_gamut(in, out, g_, t_));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return convert_gamut(src, dst, g_, t_, ctx); }

 private:
  Primaries p_;
  std::optional<Matrix> matrix_;
  std::optional<PixelFormat> format_;
  GamutParams g_;
  TransferParams t_;
};

Result<std::unique_ptr<Filter>> make_gamut(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"p", "mapping", "threshold", "matrix", "format", "sdr_white", "sdr_black", "hlg_peak", "hlg_black"}));
  if (!o.has("p")) return o.bad("needs p=PRIMARIES (bt709, bt2020, p3, bt601-525, bt601-625)");
  CALDERA_ASSIGN_OR_RETURN(Primaries p, parse_primaries(o.str("p")));
  GamutParams g;
  if (o.has("mapping")) { CALDERA_ASSIGN_OR_RETURN(g.mapping, parse_gamut_mapping(o.str("mapping"))); }
  CALDERA_ASSIGN_OR_RETURN(g.threshold, o.real("threshold", g.threshold));
  CALDERA_RETURN_IF_ERROR(pipeline::check_gamut_params(g, "gamut"));
  std::optional<Matrix> m;
  if (o.has("matrix")) { CALDERA_ASSIGN_OR_RETURN(m, parse_matrix(o.str("matrix"))); }
  std::optional<PixelFormat> f;
  if (o.has("format")) { CALDERA_ASSIGN_OR_RETURN(f, parse_pixel_format(o.str("format"))); }
  TransferParams t;
  CALDERA_RETURN_IF_ERROR(pipeline::transfer_params_from(o, t));
  return std::unique_ptr<Filter>(new GamutFilter(p, m, f, g, t));
}

}  // namespace

Status register_gamut_filters(FilterRegistry& registry) {
  return registry.add({"gamut", {}, "p",
                       "gamut=bt709|bt2020|p3|bt601-525|bt601-625[:mapping=compress|desaturate|clip|none][:threshold=0.8]"
                       "[:matrix=M][:format=F]   other primaries in linear light",
                       make_gamut});
}

}  // namespace caldera
