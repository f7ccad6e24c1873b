#include "caldera/op_chain.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "caldera/nn/model.hpp"
#include "caldera/ops/color_convert.hpp"
#include "caldera/ops/geometry.hpp"
#include "caldera/ops/model_io.hpp"
#include "caldera/ops/resize.hpp"

namespace caldera::app {
namespace {

std::string dims(const ImageDesc& d) { return std::to_string(d.width) + "x" + std::to_string(d.height); }

// key=value options of one filter, with the keys a filter accepts checked up front.
class Options {
 public:
  Options(std::string filter, std::map<std::string, std::string> kv) : filter_(std::move(filter)), kv_(std::move(kv)) {}

  Status only(std::initializer_list<const char*> allowed) const {
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& [k, v] : kv_)
      if (!ok.count(k)) {
        std::string list;
        for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
        return invalid_argument(filter_ + ": unknown option '" + k + "' (takes " + list + ")");
      }
    return Status::ok();
  }
  bool has(const std::string& k) const { return kv_.count(k) > 0; }
  std::string str(const std::string& k, const std::string& def = "") const {
    auto it = kv_.find(k);
    return it == kv_.end() ? def : it->second;
  }
  Result<int> integer(const std::string& k, int def) const {
    auto it = kv_.find(k);
    if (it == kv_.end()) return def;
    int v = 0;
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      return invalid_argument(filter_ + ": option " + k + "='" + s + "' is not an integer");
    return v;
  }
  Result<bool> boolean(const std::string& k, bool def) const {
    auto it = kv_.find(k);
    if (it == kv_.end()) return def;
    if (it->second == "1" || it->second == "true" || it->second == "on") return true;
    if (it->second == "0" || it->second == "false" || it->second == "off") return false;
    return invalid_argument(filter_ + ": option " + k + "='" + it->second + "' is not a boolean (use 0 or 1)");
  }

 private:
  std::string filter_;
  std::map<std::string, std::string> kv_;
};

int max_sub(PixelFormat f, bool vertical) {
  const FormatInfo& fi = format_info(f);
  int s = 0;
  for (int p = 0; p < fi.num_planes; ++p) s = std::max(s, vertical ? fi.planes[p].sub_y : fi.planes[p].sub_x);
  return 1 << s;
}

class ResizeStep : public Step {
 public:
  ResizeStep(int w, int h, ResizeParams p) : w_(w), h_(h), p_(p) {}
  std::string describe() const override {
    return "resize " + std::to_string(w_) + "x" + std::to_string(h_) + " " + interp_name(p_.interp) +
           (p_.antialias ? "" : " (no antialias)");
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    // -1 keeps the aspect ratio, rounded to the format's subsampling.
    if (w_ < 0 && h_ < 0) return invalid_argument("resize: w and h cannot both be -1");
    if (w_ > 0) out.width = w_;
    if (h_ > 0) out.height = h_;
    if (w_ < 0) {
      const int a = max_sub(in.format, false);
      out.width = std::max(a, static_cast<int>(std::lround(double(in.width) * out.height / in.height / a)) * a);
    }
    if (h_ < 0) {
      const int a = max_sub(in.format, true);
      out.height = std::max(a, static_cast<int>(std::lround(double(in.height) * out.width / in.width / a)) * a);
    }
    CALDERA_RETURN_IF_ERROR(check_resize(in, out, p_).with_context("resize"));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) const override { return resize(src, dst, p_, ctx); }

 private:
  int w_, h_;
  ResizeParams p_;
};

class ConvertStep : public Step {
 public:
  ConvertStep(PixelFormat f, std::optional<Matrix> m, std::optional<Range> r, std::optional<ChromaSiting> s,
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
  Status run(ConstImageView src, ImageView dst, Context& ctx) const override { return convert(src, dst, p_, ctx); }

 private:
  PixelFormat format_;
  std::optional<Matrix> matrix_;
  std::optional<Range> range_;
  std::optional<ChromaSiting> siting_;
  ConvertParams p_;
};

class CropStep : public Step {
 public:
  explicit CropStep(Rect r) : r_(r) {}
  std::string describe() const override {
    return "crop " + std::to_string(r_.width) + "x" + std::to_string(r_.height) + "+" + std::to_string(r_.x) + "+" +
           std::to_string(r_.y);
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    if (r_.x < 0 || r_.y < 0 || r_.width <= 0 || r_.height <= 0 || r_.x + r_.width > in.width ||
        r_.y + r_.height > in.height)
      return invalid_argument("crop: " + describe().substr(5) + " is not inside the " + dims(in) + " frame");
    ImageDesc out = in;
    out.width = r_.width;
    out.height = r_.height;
    return out;
  }
  Status run(ConstImageView, ImageView, Context&) const override { return internal_error("crop runs as a view"); }
  bool is_view() const override { return true; }
  Result<ConstImageView> as_view(ConstImageView src) const override { return src.sub_view(r_); }

 private:
  Rect r_;
};

class FlipStep : public Step {
 public:
  explicit FlipStep(FlipMode m) : m_(m) {}
  std::string describe() const override {
    return m_ == FlipMode::Horizontal ? "flip horizontal" : m_ == FlipMode::Vertical ? "flip vertical" : "flip both";
  }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    CALDERA_RETURN_IF_ERROR(check_flip(in, in).with_context("flip"));
    return in;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) const override { return flip(src, dst, m_, ctx); }

 private:
  FlipMode m_;
};

class PadStep : public Step {
 public:
  PadStep(int w, int h, PadParams p, bool centre) : w_(w), h_(h), p_(p), centre_(centre) {}
  std::string describe() const override { return "pad to " + std::to_string(w_) + "x" + std::to_string(h_); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    out.width = w_;
    out.height = h_;
    CALDERA_RETURN_IF_ERROR(check_pad(in, out, params_for(in)).with_context("pad"));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) const override {
    return pad(src, dst, params_for(src.desc()), ctx);
  }

 private:
  PadParams params_for(const ImageDesc& in) const {
    PadParams p = p_;
    if (centre_) {
      const int ax = max_sub(in.format, false), ay = max_sub(in.format, true);
      p.left = (w_ - in.width) / 2 / ax * ax;
      p.top = (h_ - in.height) / 2 / ay * ay;
    }
    if (is_yuv(in.format) && !p_.value[1] && !p_.value[2]) {
      // Black in YUV: limited-range luma floor and neutral chroma, at the format's depth.
      const FormatInfo& fi = format_info(in.format);
      const double s = double(1 << (fi.bit_depth - 8));
      if (p.value[0] == 0 && in.color.range == Range::Limited) p.value[0] = 16 * s;
      p.value[1] = p.value[2] = 128 * s;
    }
    return p;
  }
  int w_, h_;
  PadParams p_;
  bool centre_;
};

class LetterboxStep : public Step {
 public:
  LetterboxStep(int w, int h, ResizeParams p) : w_(w), h_(h), p_(p) {}
  std::string describe() const override { return "letterbox to " + std::to_string(w_) + "x" + std::to_string(h_); }
  Result<ImageDesc> plan(const ImageDesc& in) const override {
    ImageDesc out = in;
    out.width = w_;
    out.height = h_;
    CALDERA_RETURN_IF_ERROR(validate_desc(out, "letterbox"));
    const Rect r = letterbox_rect(in.width, in.height, w_, h_, in.format);
    ImageDesc inner = in;
    inner.width = r.width;
    inner.height = r.height;
    CALDERA_RETURN_IF_ERROR(check_resize(in, inner, p_).with_context("letterbox"));
    return out;
  }
  Status run(ConstImageView src, ImageView dst, Context& ctx) const override {
    double bar[4] = {0, 0, 0, 0};
    if (is_yuv(src.format())) {
      const FormatInfo& fi = format_info(src.format());
      const double s = double(1 << (fi.bit_depth - 8));
      bar[0] = src.color().range == Range::Limited ? 16 * s : 0;
      bar[1] = bar[2] = 128 * s;
    }
    return letterbox(src, dst, p_, bar, ctx);
  }

 private:
  int w_, h_;
  ResizeParams p_;
};

// Super-resolution with a model: the frame goes through the fused model-input path to a planar
// float tensor, through the model, and back through the fused model-output path to the frame's
// own format at the model's scale. The session and tensors are made on the first frame.
class SrStep : public Step {
 public:
  explicit SrStep(nn::Model model) : model_(std::move(model)) {}
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
  Status run(ConstImageView src, ImageView dst, Context& ctx) const override {
    if (!session_) {
      auto s = nn::Session::create(model_, ctx);
      if (!s) return s.status().with_context("sr");
      session_ = std::make_shared<nn::Session>(std::move(s).value());
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
  static bool model_io_reads(PixelFormat f) {
    switch (f) {
      case PixelFormat::NV12: case PixelFormat::NV21: case PixelFormat::I420: case PixelFormat::P010:
      case PixelFormat::RGB24: case PixelFormat::BGR24: case PixelFormat::RGBA: case PixelFormat::BGRA:
      case PixelFormat::RGB48: return true;
      default: return false;
    }
  }
  nn::Model model_;
  mutable std::shared_ptr<nn::Session> session_;
  mutable Image in_, out_;
};

Result<ResizeParams> resize_params(const Options& o) {
  ResizeParams p;
  if (o.has("interp")) {
    CALDERA_ASSIGN_OR_RETURN(p.interp, parse_interp(o.str("interp")));
  }
  CALDERA_ASSIGN_OR_RETURN(p.antialias, o.boolean("antialias", true));
  return p;
}

Result<std::unique_ptr<Step>> make_step(const std::string& name, const Options& o) {
  if (name == "resize" || name == "scale") {
    CALDERA_RETURN_IF_ERROR(o.only({"w", "h", "interp", "antialias"}));
    CALDERA_ASSIGN_OR_RETURN(int w, o.integer("w", -1));
    CALDERA_ASSIGN_OR_RETURN(int h, o.integer("h", -1));
    if (w == 0 || h == 0 || w < -1 || h < -1) return invalid_argument("resize: w and h must be positive (or -1 to keep the aspect)");
    CALDERA_ASSIGN_OR_RETURN(ResizeParams p, resize_params(o));
    return std::unique_ptr<Step>(new ResizeStep(w, h, p));
  }
  if (name == "convert" || name == "format") {
    CALDERA_RETURN_IF_ERROR(o.only({"format", "matrix", "range", "siting", "chroma"}));
    if (!o.has("format")) return invalid_argument("convert: needs format=NAME (e.g. convert=nv12)");
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
    else if (chroma != "linear") return invalid_argument("convert: chroma='" + chroma + "' (use linear or nearest)");
    return std::unique_ptr<Step>(new ConvertStep(f, m, r, s, p));
  }
  if (name == "crop") {
    CALDERA_RETURN_IF_ERROR(o.only({"w", "h", "x", "y"}));
    if (!o.has("w") || !o.has("h")) return invalid_argument("crop: needs w and h");
    Rect r;
    CALDERA_ASSIGN_OR_RETURN(r.width, o.integer("w", 0));
    CALDERA_ASSIGN_OR_RETURN(r.height, o.integer("h", 0));
    CALDERA_ASSIGN_OR_RETURN(r.x, o.integer("x", 0));
    CALDERA_ASSIGN_OR_RETURN(r.y, o.integer("y", 0));
    return std::unique_ptr<Step>(new CropStep(r));
  }
  if (name == "flip") {
    CALDERA_RETURN_IF_ERROR(o.only({"mode"}));
    const std::string m = o.str("mode", "h");
    if (m == "h" || m == "horizontal") return std::unique_ptr<Step>(new FlipStep(FlipMode::Horizontal));
    if (m == "v" || m == "vertical") return std::unique_ptr<Step>(new FlipStep(FlipMode::Vertical));
    if (m == "both" || m == "hv") return std::unique_ptr<Step>(new FlipStep(FlipMode::Both));
    return invalid_argument("flip: mode='" + m + "' (use h, v or both)");
  }
  if (name == "pad") {
    CALDERA_RETURN_IF_ERROR(o.only({"w", "h", "x", "y", "border"}));
    if (!o.has("w") || !o.has("h")) return invalid_argument("pad: needs w and h");
    PadParams p;
    CALDERA_ASSIGN_OR_RETURN(int w, o.integer("w", 0));
    CALDERA_ASSIGN_OR_RETURN(int h, o.integer("h", 0));
    CALDERA_ASSIGN_OR_RETURN(p.left, o.integer("x", 0));
    CALDERA_ASSIGN_OR_RETURN(p.top, o.integer("y", 0));
    const std::string b = o.str("border", "constant");
    if (b == "replicate") p.border = BorderMode::Replicate;
    else if (b == "reflect") p.border = BorderMode::Reflect;
    else if (b != "constant") return invalid_argument("pad: border='" + b + "' (use constant, replicate or reflect)");
    const bool centre = !o.has("x") && !o.has("y");
    return std::unique_ptr<Step>(new PadStep(w, h, p, centre));
  }
  if (name == "letterbox") {
    CALDERA_RETURN_IF_ERROR(o.only({"w", "h", "interp", "antialias"}));
    if (!o.has("w") || !o.has("h")) return invalid_argument("letterbox: needs w and h");
    CALDERA_ASSIGN_OR_RETURN(int w, o.integer("w", 0));
    CALDERA_ASSIGN_OR_RETURN(int h, o.integer("h", 0));
    CALDERA_ASSIGN_OR_RETURN(ResizeParams p, resize_params(o));
    return std::unique_ptr<Step>(new LetterboxStep(w, h, p));
  }
  if (name == "sr") {
    CALDERA_RETURN_IF_ERROR(o.only({"model"}));
    if (!o.has("model"))
      return invalid_argument("sr: needs model=NAME (e.g. sr=model=realesr-animevideov3-x4; scripts/fetch-models.sh fetches them)");
    auto model = nn::Model::load(o.str("model"));
    if (!model) return model.status().with_context("sr");
    return std::unique_ptr<Step>(new SrStep(std::move(model).value()));
  }
  return invalid_argument("unknown filter '" + name + "' (known: resize, convert, crop, flip, pad, letterbox, sr)");
}

// The option a bare value (resize=1280x720 is not supported; flip=h, convert=nv12) stands for.
const char* main_option(const std::string& name) {
  if (name == "flip") return "mode";
  if (name == "convert" || name == "format") return "format";
  if (name == "sr") return "model";
  return nullptr;
}

}  // namespace

std::unique_ptr<Step> make_convert_step(PixelFormat format) {
  return std::make_unique<ConvertStep>(format, std::nullopt, std::nullopt, std::nullopt, ConvertParams{});
}

Result<Chain> parse_chain(const std::string& text) {
  Chain chain;
  std::stringstream filters(text);
  std::string filter;
  int index = 0;
  while (std::getline(filters, filter, ',')) {
    ++index;
    if (filter.empty()) return invalid_argument("--vf: filter " + std::to_string(index) + " is empty");
    const auto eq = filter.find('=');
    const std::string name = filter.substr(0, eq);
    static const std::set<std::string> known = {"resize", "scale", "convert", "format", "crop",
                                                "flip",   "pad",   "letterbox", "sr"};
    if (!known.count(name))
      return invalid_argument("--vf filter " + std::to_string(index) + ": unknown filter '" + name +
                              "' (known: resize, convert, crop, flip, pad, letterbox, sr)");
    std::map<std::string, std::string> kv;
    if (eq != std::string::npos) {
      std::stringstream opts(filter.substr(eq + 1));
      std::string opt;
      bool first = true;
      while (std::getline(opts, opt, ':')) {
        const auto e = opt.find('=');
        if (e == std::string::npos) {
          const char* main = first ? main_option(name) : nullptr;
          if (!main) return invalid_argument(name + ": option '" + opt + "' needs the form key=value");
          kv[main] = opt;
        } else {
          kv[opt.substr(0, e)] = opt.substr(e + 1);
        }
        first = false;
      }
    }
    auto step = make_step(name, Options(name, kv));
    if (!step) return step.status().with_context("--vf filter " + std::to_string(index));
    chain.steps.push_back(std::move(step).value());
  }
  return chain;
}

std::string chain_help() {
  return "Filters (comma-separated, options as key=value joined by ':'):\n"
         "  resize=w=W:h=H[:interp=nearest|bilinear|bicubic|area|lanczos3][:antialias=0|1]   (w or h -1: keep aspect)\n"
         "  convert=FORMAT[:matrix=bt601|bt709|bt2020nc][:range=limited|full][:siting=left|center|topleft][:chroma=linear|nearest]\n"
         "  crop=w=W:h=H[:x=X][:y=Y]\n"
         "  flip=h|v|both\n"
         "  pad=w=W:h=H[:x=X:y=Y][:border=constant|replicate|reflect]   (no x/y: centred)\n"
         "  letterbox=w=W:h=H[:interp=...]\n"
         "  sr=model=NAME   super-resolution with a model from scripts/fetch-models.sh (e.g. realesr-animevideov3-x4)\n";
}

Status ChainRunner::prepare(const ImageDesc& in, MemoryKind memory) {
  descs_.clear();
  buffers_.clear();
  ImageDesc cur = in;
  for (size_t i = 0; i < chain_.steps.size(); ++i) {
    auto next = chain_.steps[i]->plan(cur);
    if (!next) return next.status().with_context("step " + std::to_string(i + 1));
    cur = *next;
    descs_.push_back(cur);
    if (chain_.steps[i]->is_view()) {
      buffers_.emplace_back();
    } else {
      CALDERA_ASSIGN_OR_RETURN(Image buf, Image::create(cur, memory, memory == MemoryKind::Device ? &ctx_ : nullptr));
      buffers_.push_back(std::move(buf));
    }
  }
  out_desc_ = cur;
  return Status::ok();
}

Result<ConstImageView> ChainRunner::run(ConstImageView frame) {
  ConstImageView cur = frame;
  for (size_t i = 0; i < chain_.steps.size(); ++i) {
    const Step& step = *chain_.steps[i];
    if (step.is_view()) {
      CALDERA_ASSIGN_OR_RETURN(cur, step.as_view(cur));
      continue;
    }
    ImageView dst = buffers_[i].view();
    Status s = step.run(cur, dst, ctx_);
    if (!s) return s.with_context(step.describe());
    cur = dst;
  }
  return cur;
}

}  // namespace caldera::app
