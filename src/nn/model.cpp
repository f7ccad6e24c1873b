#include "caldera/nn/model.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "nn/cpu/cpu_runtime.hpp"
#include "nn/cuda/cuda_session.hpp"
#include "nn/import/ncnn/ncnn_import.hpp"
#include "nn/import/onnx/onnx_import.hpp"
#include "nn/ir/graph.hpp"
#include "nn/model_io_meta.hpp"
#include "nn/passes/pass.hpp"
#include "nn/plan/memory_plan.hpp"

namespace caldera::nn {
namespace {

ir::Shape to_ir(const TensorShape& s) { return ir::Shape{s.n, s.c, s.h, s.w}; }

Result<TensorShape> from_ir(const ir::Shape& s, const std::string& what) {
  if (s.rank() != 4)
    return unsupported(what + ": shape " + s.to_string() + " has rank " + std::to_string(s.rank()) +
                       "; sessions exchange rank-4 (NCHW) tensors");
  if (!s.is_static()) return internal_error(what + ": shape " + s.to_string() + " is not fully known");
  return TensorShape{static_cast<int>(s.n), static_cast<int>(s.c), static_cast<int>(s.h), static_cast<int>(s.w)};
}

// An .onnx file (the public header has no load_onnx yet, so the importer's counts are not
// carried into the dump's weight note).
Result<Model> load_onnx(const std::string& path, const LoadOptions& options) {
  CALDERA_ASSIGN_OR_RETURN(onnx_import::ImportResult imported, onnx_import::import_onnx_file(path));
  return Model::from_graph(std::move(imported.graph), options);
}

Status check_input_shape(const TensorShape& s) {
  if (s.n <= 0 || s.c <= 0 || s.h <= 0 || s.w <= 0)
    return invalid_argument("input shape " + s.to_string() + ": every dimension must be positive");
  return Status::ok();
}

// The three planes of an rgbf32p / rgbf16p device image as one strided planar tensor.
template <class View>
Result<cuda::Planar> image_planes(const View& v, const std::string& what) {
  const bool f16 = v.format() == PixelFormat::RGBPlanarF16;
  if (!f16 && v.format() != PixelFormat::RGBPlanarF32)
    return invalid_argument(what + ": CUDA sessions take rgbf32p or rgbf16p images, got " + format_name(v.format()));
  if (!v.on_device()) return invalid_argument(what + ": CUDA sessions take device images");
  const auto* p0 = v.plane(0).data;
  const long long step = v.plane(1).data - p0;
  if (v.plane(2).data - v.plane(1).data != step || v.plane(1).pitch != v.plane(0).pitch ||
      v.plane(2).pitch != v.plane(0).pitch)
    return unsupported(what + ": the image's planes must be evenly spaced with one pitch (as Image and "
                              "nchw_tensor_view make them)");
  return cuda::Planar{const_cast<uint8_t*>(static_cast<const uint8_t*>(p0)), f16, 0, step, static_cast<long long>(v.plane(0).pitch)};
}

// Checks that the model makes a 3-channel image of `output`'s size from one of `input`'s size.
Status check_image_shapes(const Model& model, ConstImageView input, ConstImageView output,
                                       const std::string& what) {
  if (input.empty() || output.empty()) return invalid_argument(what + ": empty image");
  const TensorShape in_shape{1, 3, input.height(), input.width()};
  CALDERA_ASSIGN_OR_RETURN(TensorShape out_shape, model.output_shape(in_shape));
  if (out_shape.c != 3 || out_shape.n != 1)
    return unsupported(what + ": the model makes " + out_shape.to_string() + ", not a 3-channel image");
  if (out_shape.w != output.width() || out_shape.h != output.height())
    return invalid_argument(what + ": a " + std::to_string(input.width()) + "x" + std::to_string(input.height()) +
                            " input makes " + std::to_string(out_shape.w) + "x" + std::to_string(out_shape.h) +
                            ", the output image is " + std::to_string(output.width()) + "x" +
                            std::to_string(output.height()));
  return Status::ok();
}

Status run_image_on_cuda(cuda::CudaSession& rt, const Model& model, ConstImageView input, ImageView output,
                         const std::string& what) {
  CALDERA_RETURN_IF_ERROR(check_image_shapes(model, input, output, what));
  const TensorShape in_shape{1, 3, input.height(), input.width()};
  CALDERA_ASSIGN_OR_RETURN(cuda::Planar src, image_planes(input, what + " input"));
  CALDERA_ASSIGN_OR_RETURN(cuda::Planar dst, image_planes(output, what + " output"));
  Status s = rt.run_device(src, in_shape, dst);
  return s ? s : s.with_context(what);
}

}  // namespace

std::string TensorShape::to_string() const {
  return std::to_string(n) + "x" + std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

Result<Model> Model::from_graph(ir::Graph graph, const LoadOptions& options) {
  std::vector<PassRecord> records;
  if (options.run_passes) {
    auto ran = passes::Pipeline::standard().run(graph);
    if (!ran) return ran.status().with_context("model '" + graph.name + "'");
    records = std::move(*ran);
  }
  CALDERA_RETURN_IF_ERROR(ir::infer_shapes(graph));
  if (graph.inputs.size() != 1 || graph.outputs.size() != 1)
    return unsupported("model '" + graph.name + "' has " + std::to_string(graph.inputs.size()) + " inputs and " +
                       std::to_string(graph.outputs.size()) + " outputs; sessions run models of one input and one output");
  Model m;
  m.graph_ = std::make_shared<const ir::Graph>(std::move(graph));
  m.passes_ = std::move(records);
  m.passes_run_ = options.run_passes;
  return m;
}

Result<Model> Model::load_ncnn(const std::string& param_path, const std::string& bin_path,
                              const LoadOptions& options) {
  CALDERA_ASSIGN_OR_RETURN(ncnn::ImportResult imported, ncnn::import_ncnn_files(param_path, bin_path));
  const ncnn::WeightStats stats = imported.weights;
  std::string io_note;
  if (options.apply_io) {
    CALDERA_ASSIGN_OR_RETURN(std::optional<ModelIoMeta> io, read_model_io_for(param_path));
    if (io) {
      CALDERA_RETURN_IF_ERROR(apply_model_io(imported.graph, *io));
      io_note = io->describe();
    }
  }
  CALDERA_ASSIGN_OR_RETURN(Model m, from_graph(std::move(imported.graph), options));
  m.io_note_ = std::move(io_note);
  m.weight_note_ = "convolution weights stored as float16 in " + std::to_string(stats.float16_arrays) +
                   " arrays, float32 in " + std::to_string(stats.float32_arrays) + "; biases and slopes float32";
  return m;
}

std::string Model::model_dir() {
  if (const char* dir = std::getenv("CALDERA_MODEL_DIR"); dir && *dir) return dir;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/caldera/models";
}

Result<Model> Model::load(const std::string& name_or_path, const LoadOptions& options) {
  if (name_or_path.empty()) return invalid_argument("model: empty name");
  const auto ext = std::filesystem::path(name_or_path).extension();
  if (ext == ".param") return load_ncnn(name_or_path, "", options);
  if (ext == ".onnx") return load_onnx(name_or_path, options);
  if (name_or_path.find('/') != std::string::npos)
    return invalid_argument("model '" + name_or_path + "': give a model name or a path to a .param or .onnx file");
  const std::string param = model_dir() + "/" + name_or_path + ".param";
  std::error_code ec;
  if (!std::filesystem::exists(param, ec))
    return io_error("model '" + name_or_path + "' is not in " + model_dir() +
                    " (run scripts/fetch-models.sh, or set CALDERA_MODEL_DIR)");
  return load_ncnn(param, "", options);
}

const std::string& Model::name() const { return graph_->name; }

int Model::input_channels() const {
  const ir::Shape& s = graph_->tensors[static_cast<size_t>(graph_->inputs[0])].shape;
  return s.c == ir::kDynamic ? 0 : static_cast<int>(s.c);
}

Result<TensorShape> Model::output_shape(const TensorShape& input) const {
  CALDERA_RETURN_IF_ERROR(check_input_shape(input));
  auto shapes = ir::compute_shapes(*graph_, {to_ir(input)});
  if (!shapes) return shapes.status().with_context("model '" + name() + "'");
  return from_ir((*shapes)[static_cast<size_t>(graph_->outputs[0])], "model '" + name() + "' output");
}

namespace {

std::string notes(const std::string& weight_note, const std::string& io_note, const std::vector<PassRecord>& passes,
                  bool passes_run) {
  std::string text;
  if (!weight_note.empty()) text += "  weights: " + weight_note + "\n";
  if (!io_note.empty()) text += "  io: " + io_note + "\n";
  if (!passes_run) text += "  passes: off\n";
  for (const PassRecord& p : passes) text += "  pass " + p.pass + ": " + p.summary + "\n";
  return text;
}

}  // namespace

std::string Model::dump() const { return ir::dump(*graph_) + notes(weight_note_, io_note_, passes_, passes_run_); }

Result<std::string> Model::dump_for(const TensorShape& input) const {
  CALDERA_RETURN_IF_ERROR(check_input_shape(input));
  CALDERA_ASSIGN_OR_RETURN(std::vector<ir::Shape> shapes, ir::compute_shapes(*graph_, {to_ir(input)}));
  std::string text = ir::dump(*graph_, &shapes) + notes(weight_note_, io_note_, passes_, passes_run_);
  // Activation memory for this input: each tensor lives from the step that makes it to its last
  // reader (graph inputs from the start, outputs to the end), placed by the planner into one
  // buffer, in fp16 as the CUDA runtime keeps them.
  const ir::Graph& g = *graph_;
  std::vector<plan::Lifetime> lifetimes(g.tensors.size());
  const int end = static_cast<int>(g.nodes.size());
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const int first = std::max(g.tensors[t].producer, 0);
    lifetimes[t] = {static_cast<size_t>(shapes[t].count()) * 2, first, first};
  }
  for (int n = 0; n < end; ++n)
    for (int t : g.nodes[static_cast<size_t>(n)].inputs) lifetimes[static_cast<size_t>(t)].last = std::max(lifetimes[static_cast<size_t>(t)].last, n);
  for (int t : g.outputs) lifetimes[static_cast<size_t>(t)].last = end;
  const plan::MemoryPlan mp = plan::plan_memory(lifetimes);
  char line[200];
  std::snprintf(line, sizeof line,
                "  activations (fp16, lifetimes planned into one buffer): %.1f MiB planned, %.1f MiB if every tensor "
                "had its own buffer (largest live set %.1f MiB)\n",
                mp.peak / 1048576.0, mp.naive / 1048576.0, mp.live_max / 1048576.0);
  return text + line;
}

Session::Session(Model model, SessionOptions options) : model_(std::move(model)), options_(options) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Session::create(const Model& model, const Context& ctx, const SessionOptions& options) {
  if (options.threads < 0) return invalid_argument("nn::Session: threads must be 0 (all) or positive");
  Session session(model, options);
  if (ctx.is_cuda()) {
    auto rt = cuda::CudaSession::create(session.model_.graph(), ctx.stream(), options);
    if (!rt) return rt.status().with_context("nn::Session: model '" + model.name() + "' on CUDA");
    session.cuda_ = std::move(*rt);
  }
  return session;
}

Result<SessionMemory> Session::prepare(const TensorShape& input) {
  CALDERA_RETURN_IF_ERROR(check_input_shape(input));
  if (!cuda_) return SessionMemory{};
  auto m = cuda_->prepare(input);
  if (!m) return m.status().with_context("model '" + model_.name() + "'");
  return m;
}

Status Session::run(const float* input, const TensorShape& input_shape, std::vector<float>& output,
                    TensorShape& output_shape) {
  CALDERA_RETURN_IF_ERROR(check_input_shape(input_shape));
  if (!input) return invalid_argument("nn::Session::run: input is null");
  if (cuda_) {
    Status s = cuda_->run_host(input, input_shape, output, output_shape);
    return s ? s : s.with_context("model '" + model_.name() + "'");
  }
  std::vector<cpu::HostTensor> outs;
  Status s = cpu::run_graph(model_.graph(), {input}, {to_ir(input_shape)}, outs, options_.threads);
  if (!s) return s.with_context("model '" + model_.name() + "'");
  CALDERA_ASSIGN_OR_RETURN(output_shape, from_ir(outs[0].shape, "model '" + model_.name() + "' output"));
  output = std::move(outs[0].data);
  return Status::ok();
}

Status Session::run(const DeviceTensor& input, const DeviceTensor& output) {
  const std::string what = "nn::Session::run(" + model_.name() + ", device tensors)";
  if (!cuda_) return invalid_argument(what + ": device tensors need a CUDA session");
  if (!input.data || !output.data) return invalid_argument(what + ": null tensor");
  CALDERA_RETURN_IF_ERROR(check_input_shape(input.shape));
  CALDERA_ASSIGN_OR_RETURN(TensorShape want, model_.output_shape(input.shape));
  if (!(want == output.shape))
    return invalid_argument(what + ": input " + input.shape.to_string() + " makes " + want.to_string() +
                            ", the output tensor is " + output.shape.to_string());
  return run_dense(input.data, input.f16, input.shape, output.data, output.f16, what);
}

Status Session::run(ConstImageView input, ImageView output) {
  const std::string what = "nn::Session::run(" + model_.name() + ")";
  if (cuda_) return run_image_on_cuda(*cuda_, model_, input, output, what);
  if (input.format() != PixelFormat::RGBPlanarF32 || output.format() != PixelFormat::RGBPlanarF32)
    return invalid_argument(what + ": images must be rgbf32p, got " + format_name(input.format()) + " -> " +
                            format_name(output.format()) + " (the model-input/-output paths convert)");
  if (input.on_device() || output.on_device())
    return invalid_argument(what + ": the CPU session takes host images; copy device images to the host first");
  CALDERA_RETURN_IF_ERROR(check_image_shapes(model_, input, output, what));
  const TensorShape in_shape{1, 3, input.height(), input.width()};
  // Gather the planes (pitched rows) into one dense NCHW tensor, and scatter back after.
  const size_t plane = static_cast<size_t>(input.width()) * input.height();
  std::vector<float> tensor(3 * plane);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < input.height(); ++y) {
      const float* row = reinterpret_cast<const float*>(input.row(c, y));
      std::copy(row, row + input.width(), tensor.data() + c * plane + static_cast<size_t>(y) * input.width());
    }
  std::vector<float> result;
  TensorShape got;
  CALDERA_RETURN_IF_ERROR(run(tensor.data(), in_shape, result, got));
  const size_t out_plane = static_cast<size_t>(got.w) * got.h;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < got.h; ++y) {
      const float* src = result.data() + c * out_plane + static_cast<size_t>(y) * got.w;
      std::copy(src, src + got.w, reinterpret_cast<float*>(output.row(c, y)));
    }
  return Status::ok();
}

Status Session::run_batch(const void* input, const TensorShape& input_shape, void* output, bool half) {
  return run_dense(input, half, input_shape, output, half, "nn::Session::run_batch(" + model_.name() + ")");
}

// The one batched run behind run_batch() and run(DeviceTensor): the CUDA runtime reads and writes
// each tensor in its own precision.
Status Session::run_dense(const void* input, bool input_half, const TensorShape& input_shape, void* output,
                          bool output_half, const std::string& what) {
  CALDERA_RETURN_IF_ERROR(check_input_shape(input_shape).with_context(what));
  if (!input || !output) return invalid_argument(what + ": input or output is null");
  CALDERA_ASSIGN_OR_RETURN(TensorShape out_shape, model_.output_shape(input_shape));
  if (cuda_) {
    const auto dense = [&](const void* base, bool half, const TensorShape& s) {
      const long long bytes = half ? 2 : 4;
      const long long plane = static_cast<long long>(s.h) * s.w * bytes;
      return cuda::Planar{const_cast<void*>(base), half, plane * s.c, plane, static_cast<long long>(s.w) * bytes};
    };
    Status s = cuda_->run_device(dense(input, input_half, input_shape), input_shape,
                                 dense(output, output_half, out_shape));
    return s ? s : s.with_context(what);
  }
  if (input_half || output_half) return unsupported(what + ": the CPU session runs float32 tensors");
  std::vector<cpu::HostTensor> outs;
  Status s = cpu::run_graph(model_.graph(), {static_cast<const float*>(input)}, {to_ir(input_shape)}, outs,
                            options_.threads);
  if (!s) return s.with_context("model '" + model_.name() + "'");
  if (outs[0].data.size() != out_shape.count())
    return internal_error(what + ": the CPU runtime made " + std::to_string(outs[0].data.size()) + " values, not " +
                          std::to_string(out_shape.count()));
  std::copy(outs[0].data.begin(), outs[0].data.end(), static_cast<float*>(output));
  return Status::ok();
}

}  // namespace caldera::nn
