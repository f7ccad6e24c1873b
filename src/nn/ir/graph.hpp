// The neural engine's graph IR: tensors with NCHW shapes (height and width may be dynamic),
// nodes with an op type and typed attributes, weights as float vectors held by their node.
// Importers (ncnn, ONNX) produce it; passes (src/nn/passes/) rewrite it; runtimes (CPU reference, CUDA)
// execute it. Nodes are kept in topological order: a node only reads tensors made by an
// earlier node or by a graph input.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "caldera/status.hpp"

namespace caldera::nn::ir {

// A dimension not known until the graph runs (the input's height and width, usually).
inline constexpr int64_t kDynamic = -1;

struct Shape {
  int64_t n = 1, c = kDynamic, h = kDynamic, w = kDynamic;
  bool is_static() const { return n >= 0 && c >= 0 && h >= 0 && w >= 0; }
  int64_t count() const { return n * c * h * w; }  // only meaningful when static
  std::string to_string() const;                   // "1x64x?x?"
  bool operator==(const Shape&) const = default;
};

enum class OpType : uint8_t {
  Input,         // a graph input; no inputs
  Conv2d,        // grouped 2-D convolution, optional bias and fused activation
  Activation,    // ReLU / leaky ReLU / sigmoid / clip, elementwise
  PRelu,         // leaky ReLU with one slope per channel (weights[0]: C slopes)
  Binary,        // two tensors with broadcasting, or one tensor and a scalar
  Eltwise,       // N tensors of one shape: weighted sum, product or max
  Concat,        // along channels
  PixelShuffle,  // depth to space
  Resize,        // nearest / bilinear / bicubic, by scale or to a fixed size
  BatchNorm,     // inference batch normalisation per channel (weights: scale, bias, mean, var);
                 // the fold_batchnorm pass turns every one into a convolution before a runtime sees it
};
const char* op_type_name(OpType t);

enum class ActivationKind : uint8_t { None, Relu, LeakyRelu, Clip, Sigmoid };
const char* activation_name(ActivationKind k);

struct ActivationAttrs {
  ActivationKind kind = ActivationKind::None;
  float alpha = 0.f;  // LeakyRelu: slope for x < 0; Clip: min
  float beta = 0.f;   // Clip: max
};

struct Conv2dAttrs {
  int out_channels = 0, in_channels = 0;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;  // zero padding
  int groups = 1;
  bool has_bias = false;
  ActivationAttrs activation{};  // applied after the bias (ncnn fuses it into the layer)
  // weights[0]: out_channels x (in_channels / groups) x kernel_h x kernel_w; weights[1]: bias
};

enum class BinaryKind : uint8_t { Add, Sub, Mul, Div, Max, Min };
const char* binary_name(BinaryKind k);

struct BinaryAttrs {
  BinaryKind kind = BinaryKind::Add;
  bool with_scalar = false;  // one input; the other operand is `scalar`
  float scalar = 0.f;
};

enum class EltwiseKind : uint8_t { Prod, Sum, Max };

struct EltwiseAttrs {
  EltwiseKind kind = EltwiseKind::Sum;
  std::vector<float> coeffs;  // Sum only: out = sum coeffs[i] * in[i]; empty means all 1
};

struct PixelShuffleAttrs {
  int factor = 1;
  // 0: out channel p, offset (sh, sw) reads input channel p*f*f + sh*f + sw (PyTorch pixel_shuffle,
  // ONNX DepthToSpace CRD); 1: reads (sh*f + sw)*C_out + p (DepthToSpace DCR).
  int mode = 0;
};

enum class ResizeMode : uint8_t { Nearest, Bilinear, Bicubic };
const char* resize_mode_name(ResizeMode m);

struct ResizeAttrs {
  ResizeMode mode = ResizeMode::Nearest;
  float scale_h = 1.f, scale_w = 1.f;  // used when out_h/out_w are 0: out = floor(in * scale)
  int out_h = 0, out_w = 0;
  // Nearest reads floor(y / scale_h) when scaling by a factor, floor(y * in/out) for a fixed
  // size; bilinear and bicubic align pixel centres (half-pixel), clamp at the edges, and
  // bicubic uses Keys' a = -0.75 (ncnn's and OpenCV's convention).
};

// y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]; weights[0..3] are scale, bias,
// mean and var, C values each (ONNX BatchNormalization in inference mode).
struct BatchNormAttrs {
  float epsilon = 1e-5f;
};

using Attrs = std::variant<std::monostate, Conv2dAttrs, ActivationAttrs, BinaryAttrs, EltwiseAttrs, PixelShuffleAttrs,
                           ResizeAttrs, BatchNormAttrs>;

struct Weight {
  std::string role;           // "weight", "bias", "slope"
  std::vector<int64_t> dims;  // logical shape, row-major
  std::vector<float> data;
};

struct Tensor {
  std::string name;
  Shape shape{};      // from the importer and shape inference
  int producer = -1;  // index of the node that makes it
};

struct Node {
  OpType op = OpType::Input;
  std::string name;
  std::vector<int> inputs;   // tensor indices
  std::vector<int> outputs;  // tensor indices
  Attrs attrs{};
  std::vector<Weight> weights;

  template <class A> const A& attr() const { return std::get<A>(attrs); }
  template <class A> A& attr() { return std::get<A>(attrs); }
};

struct Graph {
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;    // topological order
  std::vector<int> inputs;    // tensor indices, in the order a runtime feeds them
  std::vector<int> outputs;   // tensor indices

  int add_tensor(std::string tensor_name, Shape shape = {});
  // Appends a node; its output tensors' producer is set. Returns the node index.
  int add_node(Node node);

  size_t weight_count() const;  // floats over every node
};

// Checks the structure: indices in range, every tensor made once, nodes in topological order,
// attributes of the type the op needs, weight sizes that fit the attributes. Errors name the node.
Status validate(const Graph& g);

// Every tensor's shape (indexed like g.tensors) for these graph-input shapes (in g.inputs order;
// dynamic dims stay dynamic where they flow). The graph is not changed, so one graph can be run
// at many sizes at once. Errors name the node whose inputs do not fit.
Result<std::vector<Shape>> compute_shapes(const Graph& g, const std::vector<Shape>& input_shapes);
// Stores the shapes in the graph, from the shapes its inputs already hold (for dumps).
Status infer_shapes(Graph& g);

// A readable text listing: header, inputs, one line per node with its attributes and output
// shapes, outputs. The shapes come from `shapes` (indexed like g.tensors, from compute_shapes)
// when given, else from the tensors.
std::string dump(const Graph& g, const std::vector<Shape>* shapes = nullptr);

}  // namespace caldera::nn::ir
