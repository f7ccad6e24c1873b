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

// A dense NCHW float32 shape.
struct TensorShape {
  int n = 1, c = 0, h = 0, w = 0;
  size_t count() const { return static_cast<size_t>(n) * c * h * w; }
  std::string to_string() const;  // "1x3x270x480"
  bool operator==(const TensorShape&) const = default;
};

class Model {
 public:
  // An ncnn model; an empty bin_path means the .param path with ".bin" in place of ".param".
  static Result<Model> load_ncnn(const std::string& param_path, const std::string& bin_path = "");
  // A path ending in .param is loaded as is; anything else is a model name looked up as
  // <model_dir()>/<name>.param and .bin.
  static Result<Model> load(const std::string& name_or_path);
  // CALDERA_MODEL_DIR, else $HOME/.cache/caldera/models.
  static std::string model_dir();

  const std::string& name() const;
  // Channels the first input takes (3 for RGB models); 0 when the model leaves it open.
  int input_channels() const;
  // The output for an input of this shape (shape inference), or an error naming the node that
  // cannot take it.
  Result<TensorShape> output_shape(const TensorShape& input) const;

  // The readable text form of the graph: one line per node with attributes and shapes (spatial
  // sizes as '?' where they depend on the input), plus how the weights were stored.
  std::string dump() const;
  // The same with every shape computed for this input.
  Result<std::string> dump_for(const TensorShape& input) const;

  const ir::Graph& graph() const { return *graph_; }
  // Wraps a graph built in code (tests, future importers); it is validated and shape-inferred.
  static Result<Model> from_graph(ir::Graph graph);

 private:
  std::shared_ptr<const ir::Graph> graph_;
  std::string weight_note_;  // "float16 x18" etc., from the importer
};

struct SessionOptions {
  int threads = 0;  // CPU threads (OpenMP); 0: all the process may use
};

class Session {
 public:
  // A session on `ctx`. Only CPU contexts run models so far (the fp32 reference runtime); a CUDA
  // context is refused with Unsupported until the CUDA runtime lands.
  static Result<Session> create(const Model& model, const Context& ctx, const SessionOptions& options = {});

  const Model& model() const { return model_; }

  // Dense NCHW float32 in, dense NCHW float32 out (resized to the output shape).
  Status run(const float* input, const TensorShape& input_shape, std::vector<float>& output, TensorShape& output_shape);
  // An rgbf32p host image (one batch item) in, an rgbf32p host image of output_shape()'s size out.
  Status run(ConstImageView input, ImageView output);

 private:
  Session(Model model, SessionOptions options) : model_(std::move(model)), options_(options) {}
  Model model_;
  SessionOptions options_;
};

}  // namespace caldera::nn
