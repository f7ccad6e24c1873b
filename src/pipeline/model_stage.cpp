// Model stages: up to `batch` frames go through the fused model-input path into one NCHW
// tensor (each frame one item), through the model in one call, and back through the fused
// model-output path into frames of their own format at the model's scale. A last, partial
// batch runs at the full batch size (the items past the frames are left over from the batch
// before, or zero, and their results are not used), so every call has the same shape: one
// plan, and on the GPU one choice of convolution algorithms, for the whole job.
#include "caldera/nn/model.hpp"
#include "caldera/ops/model_io.hpp"
#include "pipeline/graph.hpp"

namespace caldera::pipeline {
namespace {

bool model_io_reads(PixelFormat f) {
  switch (f) {
    case PixelFormat::NV12: case PixelFormat::NV21: case PixelFormat::I420: case PixelFormat::P010:
    case PixelFormat::RGB24: case PixelFormat::BGR24: case PixelFormat::RGBA: case PixelFormat::BGRA:
    case PixelFormat::RGB48: return true;
    default: return false;
  }
}

class ModelStageWorker : public StageWorker {
 public:
  ModelStageWorker(std::shared_ptr<const nn::Model> model, int batch, const ImageDesc& in, const ImageDesc& out,
                   const Normalization& norm, std::shared_ptr<BufferPool> pool)
      : model_(std::move(model)), batch_(batch), in_(in), out_(out), norm_(norm), pool_(std::move(pool)) {}

  Status process(std::vector<Packet>& in, std::vector<Packet>& out, Context& ctx) override {
    if (in.empty() || static_cast<int>(in.size()) > batch_)
      return internal_error("model stage: " + std::to_string(in.size()) + " frames for a batch of " + std::to_string(batch_));
    if (!session_) CALDERA_RETURN_IF_ERROR(start(ctx));
    const PixelFormat tf = tensor_format(ctx);
    const MemoryKind mem = ctx.memory();
    ModelInputParams ip;
    ip.interp = Interp::Nearest;  // same size: each pixel as it is, chroma interpolated at its siting
    ip.norm = norm_;
    for (size_t i = 0; i < in.size(); ++i) {
      CALDERA_ASSIGN_OR_RETURN(ImageView item, nchw_tensor_view(in_data(), batch_, static_cast<int>(i), in_.width,
                                                                in_.height, tf, mem, ctx.device()));
      CALDERA_RETURN_IF_ERROR(model_input(in[i].view, item, ip, ctx).with_context("model input"));
    }
    const nn::TensorShape shape{batch_, 3, in_.height, in_.width};
    CALDERA_RETURN_IF_ERROR(session_->run_batch(in_data(), shape, out_data(), tf == PixelFormat::RGBPlanarF16));
    ModelOutputParams op;
    op.norm = norm_;
    for (size_t i = 0; i < in.size(); ++i) {
      CALDERA_ASSIGN_OR_RETURN(ImageView item, nchw_tensor_view(out_data(), batch_, static_cast<int>(i), out_.width,
                                                                out_.height, tf, mem, ctx.device()));
      CALDERA_ASSIGN_OR_RETURN(std::shared_ptr<Lease> lease, pool_->acquire(ctx));
      CALDERA_RETURN_IF_ERROR(model_output(item, lease->image().view(), op, ctx).with_context("model output"));
      CALDERA_RETURN_IF_ERROR(lease->produced(ctx));
      const ConstImageView v = lease->image().cview();
      out.push_back(in[i].with_picture(std::move(lease), v));
    }
    return Status::ok();
  }

 private:
  // fp16 tensors on the GPU (the CUDA runtime computes in fp16, so nothing is lost and half the
  // bytes move); fp32 for the CPU runtime.
  static PixelFormat tensor_format(const Context& ctx) {
    return ctx.is_cuda() ? PixelFormat::RGBPlanarF16 : PixelFormat::RGBPlanarF32;
  }
  void* in_data() { return device_in_.data() ? device_in_.data() : static_cast<void*>(host_in_.data()); }
  void* out_data() { return device_out_.data() ? device_out_.data() : static_cast<void*>(host_out_.data()); }

  Status start(Context& ctx) {
    auto s = nn::Session::create(*model_, ctx);
    if (!s) return s.status();
    session_ = std::make_unique<nn::Session>(std::move(s).value());
    const size_t in_items = size_t(batch_) * 3 * in_.width * in_.height;
    const size_t out_items = size_t(batch_) * 3 * out_.width * out_.height;
    if (ctx.is_cuda()) {
      CALDERA_RETURN_IF_ERROR(session_->prepare({batch_, 3, in_.height, in_.width}).status());
      CALDERA_ASSIGN_OR_RETURN(device_in_, DeviceBuffer::allocate(in_items * 2, ctx.stream()));
      CALDERA_ASSIGN_OR_RETURN(device_out_, DeviceBuffer::allocate(out_items * 2, ctx.stream()));
      CALDERA_RETURN_IF_ERROR(zero_device(device_in_.data(), in_items * 2, ctx));
    } else {
      host_in_.assign(in_items, 0.f);
      host_out_.assign(out_items, 0.f);
    }
    return Status::ok();
  }

  std::shared_ptr<const nn::Model> model_;
  const int batch_;
  const ImageDesc in_, out_;
  const Normalization norm_;
  std::shared_ptr<BufferPool> pool_;
  std::unique_ptr<nn::Session> session_;
  DeviceBuffer device_in_, device_out_;
  std::vector<float> host_in_, host_out_;
};

}  // namespace

Result<std::shared_ptr<const nn::Model>> load_stage_model(const std::string& name) {
  if (name.empty()) return invalid_argument("needs a model (a name from scripts/fetch-models.sh, or a .param/.onnx path)");
  auto m = nn::Model::load(name);
  if (!m) return m.status();
  return std::make_shared<const nn::Model>(std::move(m).value());
}

Result<ImageDesc> plan_model_stage(const nn::Model& model, int batch, const ImageDesc& in) {
  if (!model_io_reads(in.format))
    return unsupported(std::string("cannot take ") + format_name(in.format) +
                       " frames (nv12, nv21, i420, p010, rgb24, bgr24, rgba, bgra, rgb48): add a convert stage before it");
  if (model.input_channels() != 0 && model.input_channels() != 3)
    return unsupported("model " + model.name() + " takes " + std::to_string(model.input_channels()) +
                       " channels, not an RGB image");
  CALDERA_ASSIGN_OR_RETURN(nn::TensorShape out, model.output_shape({batch, 3, in.height, in.width}));
  if (out.c != 3) return unsupported("model " + model.name() + " makes " + std::to_string(out.c) + " channels, not an RGB image");
  if (out.n != batch)
    return unsupported("model " + model.name() + " makes a batch of " + std::to_string(out.n) + " from a batch of " +
                       std::to_string(batch));
  ImageDesc d = in;
  d.width = out.w;
  d.height = out.h;
  CALDERA_RETURN_IF_ERROR(validate_desc(d, "model output"));
  return d;
}

std::unique_ptr<StageWorker> make_model_worker(std::shared_ptr<const nn::Model> model, int batch, const ImageDesc& in,
                                               const std::array<float, 3>& mean, const std::array<float, 3>& std,
                                               std::shared_ptr<BufferPool> pool) {
  Normalization norm;
  for (int c = 0; c < 3; ++c) {
    norm.mean[c] = mean[c];
    norm.std[c] = std[c];
  }
  const ImageDesc out = pool->desc();
  return std::make_unique<ModelStageWorker>(std::move(model), batch, in, out, norm, std::move(pool));
}

}  // namespace caldera::pipeline
