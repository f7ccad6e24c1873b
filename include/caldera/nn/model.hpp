// Neural-network models: a Model is an imported, validated graph with its weights (immutable,
// shareable between sessions and threads); a Session runs it on one Context.
//
//   CALDERA_ASSIGN_OR_RETURN(auto model, nn::Model::load("realesr-animevideov3-x4"));
//   CALDERA_ASSIGN_OR_RETURN(auto session, nn::Session::create(model, ctx));
//   CALDERA_RETURN_IF_ERROR(session.run(rgbf32p_in, rgbf32p_out));   // out is 4x the size
//
// Models are found by name in the model directory (scripts/fetch-models.sh fills it), or loaded
// from an ncnn .param/.bin pair by path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera::nn {

namespace ir {
struct Graph;
}
namespace cuda {
class CudaSession;
}

// A dense NCHW float32 shape.
struct TensorShape {
  int n = 1, c = 0, h = 0, w = 0;
  size_t count() const { return static_cast<size_t>(n) * c * h * w; }
  std::string to_string() const;  // "1x3x270x480"
  bool operator==(const TensorShape&) const = default;
};

// How a model is loaded.
struct LoadOptions {
  // The graph passes (src/nn/passes/: constant folding, pixel-shuffle fusion, BatchNorm folding,
  // conv + activation and conv + residual fusion, dead-node removal) after import. Off: the graph
  // as imported (tests compare the two; BatchNorm nodes and 6-D Reshape/Transpose chains then run
  // on the CPU only).
  bool run_passes = true;
  // ncnn models: the <stem>.io file next to the .param, if there is one (src/nn/model_io_meta.hpp:
  // the border a valid-convolution network consumes, size alignment, output crop, a residual
  // input), folded into the graph so the model maps an image to scale x its size. Off: the
  // network exactly as the .param describes it.
  bool apply_io = true;
};

// What one graph pass did to a model at load.
struct PassRecord {
  std::string pass;     // "fold_batchnorm"
  size_t changed = 0;   // nodes folded, fused or removed
  std::string summary;  // "12 nodes folded into convolutions"
};

class Model {
 public:
  // An ncnn model; an empty bin_path means the .param path with ".bin" in place of ".param".
  static Result<Model> load_ncnn(const std::string& param_path, const std::string& bin_path = "",
                                 const LoadOptions& options = {});
  // A path ending in .param or .onnx is loaded as is; anything else is a model name looked up as
  // <model_dir()>/<name>.param and .bin.
  static Result<Model> load(const std::string& name_or_path, const LoadOptions& options = {});
  // CALDERA_MODEL_DIR, else $HOME/.cache/caldera/models.
  static std::string model_dir();

  const std::string& name() const;
  // Channels the first input takes (3 for RGB models); 0 when the model leaves it open.
  int input_channels() const;
  // The output for an input of this shape (shape inference), or an error naming the node that
  // cannot take it.
  Result<TensorShape> output_shape(const TensorShape& input) const;

  // The readable text form of the graph: one line per node with attributes and shapes (spatial
  // sizes as '?' where they depend on the input), how the weights were stored, and one line per
  // pass run at load ("  pass fold_batchnorm: 12 nodes folded into convolutions").
  std::string dump() const;
  // The same with every shape computed for this input.
  Result<std::string> dump_for(const TensorShape& input) const;

  const ir::Graph& graph() const { return *graph_; }
  // What the passes did at load, in order (empty when they were off).
  const std::vector<PassRecord>& passes() const { return passes_; }

  // Wraps a graph built in code (tests, importers): the passes run (unless turned off), then it
  // is validated and shape-inferred.
  static Result<Model> from_graph(ir::Graph graph, const LoadOptions& options = {});

 private:
  std::shared_ptr<const ir::Graph> graph_;
  std::string weight_note_;  // "float16 x18" etc., from the importer
  std::string io_note_;      // the model io settings applied at load, if any
  std::vector<PassRecord> passes_;
  bool passes_run_ = false;
};

// How a CUDA session picks each convolution's cuDNN algorithm, once per input shape: a timed
// search (the first run at a new shape takes longer and synchronises) or cuDNN's heuristics.
enum class ConvAlgoSearch { Exhaustive, Heuristic };

struct SessionOptions {
  int threads = 0;  // CPU threads (OpenMP); 0: all the process may use
  ConvAlgoSearch conv_search = ConvAlgoSearch::Exhaustive;
  size_t conv_workspace_limit = size_t{64} << 20;  // bytes one convolution's cuDNN workspace may take
};

// A dense NCHW tensor in device memory (a batch of frames): shape.count() float16 (f16) or
// float32 values at `data`.
struct DeviceTensor {
  void* data = nullptr;
  bool f16 = true;
  TensorShape shape{};
};

// Device memory of a CUDA session at one input shape.
struct SessionMemory {
  size_t weights = 0;    // the uploaded weights (one allocation per session)
  size_t planned = 0;    // the one allocation for every activation and convolution workspace
  size_t naive = 0;      // one buffer per tensor plus the largest workspace, for comparison
  size_t live_max = 0;   // the most bytes alive at one step (a lower bound for `planned`)
  size_t workspace = 0;  // the largest convolution workspace
};

class Session {
 public:
  // A session on `ctx`: the fp32 reference runtime on a CPU context; on a CUDA context the fp16
  // runtime (weights uploaded now; work queued on ctx's stream, so `ctx` must outlive the session).
  static Result<Session> create(const Model& model, const Context& ctx, const SessionOptions& options = {});
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  const Model& model() const { return model_; }
  bool on_cuda() const { return cuda_ != nullptr; }

  // CUDA: plans memory and chooses convolution algorithms for this input shape now (run() does
  // it on first use of a shape) and reports the memory. CPU: an empty report.
  Result<SessionMemory> prepare(const TensorShape& input);

  // Dense NCHW float32 host memory in, dense NCHW float32 out (resized to the output shape). On
  // CUDA this uploads, runs and waits for the result.
  Status run(const float* input, const TensorShape& input_shape, std::vector<float>& output, TensorShape& output_shape);
  // One image in, one image of output_shape()'s size out. CPU: rgbf32p host images. CUDA:
  // rgbf32p or rgbf16p device images (model_input/model_output's tensor formats); queued on the
  // context's stream, never synchronising once the input shape is prepared.
  Status run(ConstImageView input, ImageView output);
  // A batch: `input_shape.n` items as one dense NCHW tensor (nchw_tensor_view's layout) in,
  // output_shape(input_shape) dense out. CPU: float32 host memory. CUDA: float32, or float16
  // with `half`, in device memory; queued on the context's stream like run() above.
  Status run_batch(const void* input, const TensorShape& input_shape, void* output, bool half = false);
  // CUDA sessions only: run_batch() with the shapes checked (the output's must be
  // output_shape(input.shape)); each tensor float16 or float32 on its own (fp16 in, fp32 out...).
  Status run(const DeviceTensor& input, const DeviceTensor& output);

 private:
  Status run_dense(const void* input, bool input_half, const TensorShape& input_shape, void* output, bool output_half,
                   const std::string& what);
  Session(Model model, SessionOptions options);
  Model model_;
  SessionOptions options_;
  std::unique_ptr<cuda::CudaSession> cuda_;
};

}  // namespace caldera::nn
