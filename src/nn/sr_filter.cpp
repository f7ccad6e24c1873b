// The `sr` filter: super-resolution with a model. The frame goes through the fused model-input
// path to a planar float tensor, through the model, and back through the fused model-output
// path to the frame's own format at the model's scale. The session and tensors are made on the
// first frame, on the context the filter runs on.
#include "caldera/filter.hpp"
#include "caldera/nn/model.hpp"
#include "caldera/ops/model_io.hpp"

namespace caldera {
namespace {

bool model_io_reads(PixelFormat f) {
  switch (f) {
    case PixelFormat::NV12: case PixelFormat::NV21: case PixelFormat::I420: case PixelFormat::P010:
    case PixelFormat::RGB24: case PixelFormat::BGR24: case PixelFormat::RGBA: case PixelFormat::BGRA:
    case PixelFormat::RGB48: return true;
    default: return false;
  }
}

class SrFilter : public Filter {
 public:
  explicit SrFilter(nn::Model model) : model_(std::move(model)) {}
  std::string describe() const override { return "sr " + model_.name(); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    if (!model_io_reads(in.format))
      return unsupported(std::string("sr: cannot take ") + format_name(in.format) +
                         " frames (nv12, nv21, i420, p010, rgb24, bgr24, rgba, bgra, rgb48): convert first");
    CALDERA_ASSIGN_OR_RETURN(nn::TensorShape out, model_.output_shape({1, 3, in.height, in.width}));
    if (out.c != 3) return unsupported("sr: model " + model_.name() + " gives " + std::to_string(out.c) + " channels, not 3");
    ImageDesc d = in;
    d.width = out.w;
    d.height = out.h;
    // 4:2:0 outputs need even sizes only for chroma rounding; model_output handles odd ones.
    CALDERA_RETURN_IF_ERROR(validate_desc(d, "sr"));
    return d;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) override {
    if (!session_) {
      auto s = nn::Session::create(model_, ctx);
      if (!s) return s.status().with_context("sr");
      session_ = std::make_unique<nn::Session>(std::move(s).value());
    }
    const MemoryKind mem = ctx.memory();
    if (in_.empty() || in_.width() != src.width() || in_.height() != src.height()) {
      CALDERA_ASSIGN_OR_RETURN(in_, Image::create({src.width(), src.height(), PixelFormat::RGBPlanarF32}, mem, &ctx));
      CALDERA_ASSIGN_OR_RETURN(out_, Image::create({dst.width(), dst.height(), PixelFormat::RGBPlanarF32}, mem, &ctx));
    }
    ModelInputParams ip;
    ip.interp = Interp::Nearest;  // same size: each pixel as it is, chroma interpolated at its siting
    // All three queue on ctx's stream (or run at once on the CPU): no synchronisation between them.
    CALDERA_RETURN_IF_ERROR(model_input(src, in_.view(), ip, ctx));
    CALDERA_RETURN_IF_ERROR(session_->run(in_.view(), out_.view()));
    return model_output(out_.view(), dst, ModelOutputParams{}, ctx);
  }

 private:
  nn::Model model_;
  std::unique_ptr<nn::Session> session_;
  Image in_, out_;
};

Result<std::unique_ptr<Filter>> make_sr(const FilterOptions& o) {
  CALDERA_RETURN_IF_ERROR(o.only({"model"}));
  if (!o.has("model"))
    return o.bad("needs model=NAME (e.g. sr=model=realesr-animevideov3-x4; scripts/fetch-models.sh fetches them)");
  auto model = nn::Model::load(o.str("model"));
  if (!model) return model.status().with_context("sr");
  return std::unique_ptr<Filter>(new SrFilter(std::move(model).value()));
}

}  // namespace

Status register_nn_filters(FilterRegistry& registry) {
  return registry.add({"sr", {}, "model",
                       "sr=model=NAME   super-resolution with a model from scripts/fetch-models.sh (e.g. realesr-animevideov3-x4)",
                       make_sr});
}

}  // namespace caldera
