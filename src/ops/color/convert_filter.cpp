// The `convert` filter (alias `format`): another pixel format and/or colour description.
#include <optional>

#include "caldera/filter.hpp"
#include "caldera/ops/color_convert.hpp"

namespace caldera {
namespace {

class ConvertFilter : public Filter {
 public:
  ConvertFilter(PixelFormat f, std::optional<Matrix> m, std::optional<Range> r, std::optional<ChromaSiting> s,
                ConvertParams p)
      : format_(f), matrix_(m), range_(r), siting_(s), p_(p) {}
  std::string describe() const override { return std::string("convert to ") + format_name(format_); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    out.format = format_;
    if (matrix_) out.color.matrix = *matrix_;
    if (range_) out.color.range = *range_;
    if (siting_) out.color.siting = *siting_;
    // Leaving RGB for YUV with no range given: video convention is limited range.
    if (!range_ && format_info(in.format).family == ColorFamily::Rgb && is_yuv(format_)) out.color.range = Range::Limited;
    CALDERA_RETURN_IF_ERROR(check_convert(in, out, p_).with_context("convert"));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override { return convert(src, dst, p_, ctx); }

 private:
  PixelFormat format_;
  std::optional<Matrix> matrix_;
  std::optional<Range> range_;
  std::optional<ChromaSiting> siting_;
  ConvertParams p_;
};

Result<std::unique_ptr<Filter>> make_convert(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"format", "matrix", "range", "siting", "chroma"}));
  if (!o.has("format")) return o.bad("needs format=NAME (e.g. convert=nv12)");
  CALDERA_ASSIGN_OR_RETURN(PixelFormat f, parse_pixel_format(o.str("format")));
  std::optional<Matrix> m;
  std::optional<Range> r;
  std::optional<ChromaSiting> s;
  if (o.has("matrix")) { CALDERA_ASSIGN_OR_RETURN(m, parse_matrix(o.str("matrix"))); }
  if (o.has("range")) { CALDERA_ASSIGN_OR_RETURN(r, parse_range(o.str("range"))); }
  if (o.has("siting")) { CALDERA_ASSIGN_OR_RETURN(s, parse_siting(o.str("siting"))); }
  ConvertParams p;
  const std::string chroma = o.str("chroma", "linear");
  if (chroma == "nearest") p.chroma = ChromaFilter::Nearest;
  else if (chroma != "linear") return o.bad("chroma='" + chroma + "' (use linear or nearest)");
  return std::unique_ptr<Filter>(new ConvertFilter(f, m, r, s, p));
}

}  // namespace

Status register_convert_filters(FilterRegistry& registry) {
  return registry.add({"convert", {"format"}, "format",
                       "convert=FORMAT[:matrix=bt601|bt709|bt2020nc][:range=limited|full][:siting=left|center|topleft][:chroma=linear|nearest]",
                       make_convert});
}

}  // namespace caldera
