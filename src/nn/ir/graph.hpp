// The neural engine's graph IR: tensors with NCHW shapes (height and width may be dynamic),
// nodes with an op type and typed attributes, weights as float vectors held by their node, and
// constant tensors as Constant nodes (values known at load: ONNX initializers that are operands,
// what the constant_folding pass computes).
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
  Shape() = default;
  Shape(int64_t n_, int64_t c_, int64_t h_, int64_t w_) : n(n_), c(c_), h(h_), w(w_) {}

  int64_t n = 1, c = kDynamic, h = kDynamic, w = kDynamic;
  // A tensor of another rank than 4 (only what Reshape and Transpose nodes make and read, e.g.
  // the 6-D steps of a pixel shuffle written out; the pixel_shuffle pass replaces those, and the
  // CUDA runtime refuses any that are left): its dims, outermost first, with n, c, h, w unused.
  // Never 4 entries: a rank-4 shape lives in n, c, h, w.
  std::vector<int64_t> nd;

  int rank() const { return nd.empty() ? 4 : static_cast<int>(nd.size()); }
  int64_t dim(int i) const;             // 0 <= i < rank()
  std::vector<int64_t> dims() const;    // rank() entries
  static Shape of(const std::vector<int64_t>& dims);  // rank 4 fills n, c, h, w
  bool is_static() const;
  int64_t count() const;                // only meaningful when static
  std::string to_string() const;        // "1x64x?x?"
  bool operator==(const Shape&) const = default;
};

enum class OpType : uint8_t {
  Input,            // a graph input; no inputs
  Conv2d,           // grouped 2-D convolution, optional bias, residual input and fused activation
  Activation,       // ReLU / leaky ReLU / sigmoid / clip / tanh / hard sigmoid / hard swish, elementwise
  PRelu,            // leaky ReLU with one slope per channel (weights[0]: C slopes)
  Binary,           // two tensors with broadcasting, or one tensor and a scalar
  Eltwise,          // N tensors of one shape: weighted sum, product or max
  Concat,           // along channels
  PixelShuffle,     // depth to space
  Resize,           // nearest / bilinear / bicubic, by scale or to a fixed size
  BatchNorm,        // inference batch normalisation per channel (weights: scale, bias, mean, var);
                    // the fold_batchnorm pass turns every one into a convolution before a runtime sees it
  ConvTranspose2d,  // grouped transposed convolution (ONNX ConvTranspose, ncnn Deconvolution)
  InstanceNorm,     // per (batch, channel) plane: (x - mean) / sqrt(var + eps) * scale + bias
  Slice,            // a box of channels / rows / columns, step 1
  Pad,              // constant, reflect or edge padding of rows and columns
  SpaceToDepth,     // blocks of b x b pixels to b*b channels (the inverse of PixelShuffle)
  Gemm,             // fully connected over channels at each pixel: y[m] = sum_k W[m][k] x[k] + b[m]
  Reduce,           // mean / max / min / sum over channels and/or rows and/or columns (kept as 1)
  Pool2d,           // max / average pooling with kernel, stride, padding
  Reshape,          // the same values in row-major order with other dims (any rank up to 6)
  Transpose,        // a permutation of the dims (any rank up to 6)
  Constant,         // a tensor known at load time (weights[0], row-major); no inputs
};
const char* op_type_name(OpType t);

enum class ActivationKind : uint8_t { None, Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish };
const char* activation_name(ActivationKind k);

struct ActivationAttrs {
  ActivationKind kind = ActivationKind::None;
  float alpha = 0.f;  // LeakyRelu: slope for x < 0; Clip: min; HardSigmoid / HardSwish: the slope
  float beta = 0.f;   // Clip: max; HardSigmoid / HardSwish: the offset
  // HardSigmoid: clamp(alpha * x + beta, 0, 1); HardSwish: x * that (ONNX: alpha 1/6, beta 0.5).
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
  // A second input of the output's shape added after the bias: before the activation
  // (act(conv + bias + r)) or after it (act(conv + bias) + r). The fuse_conv_residual pass sets it.
  bool has_residual = false;
  bool residual_before_activation = false;
  // weights[0]: out_channels x (in_channels / groups) x kernel_h x kernel_w; weights[1]: bias
};

// out = (in - 1) * stride - pad_begin - pad_end + dilation * (kernel - 1) + 1 + output_pad: the
// full transposed convolution, cropped by the pads, extended at the bottom / right by
// output_pad (those rows get the bias and the activation, as in ONNX and PyTorch).
struct ConvTranspose2dAttrs {
  int in_channels = 0, out_channels = 0;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int output_pad_h = 0, output_pad_w = 0;
  int groups = 1;
  bool has_bias = false;
  ActivationAttrs activation{};
  // weights[0]: in_channels x (out_channels / groups) x kernel_h x kernel_w (ONNX / PyTorch
  // layout); weights[1]: bias
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

// Where output pixel o samples the input (bilinear and bicubic; nearest is described below).
enum class ResizeCoord : uint8_t {
  HalfPixel,         // (o + 0.5) / s - 0.5: pixel centres aligned (ncnn's Interp, ONNX half_pixel)
  PytorchHalfPixel,  // the same, but 0 where the output is 1 long (ONNX pytorch_half_pixel)
  AlignCorners,      // o * (in - 1) / (out - 1): first and last pixels aligned (0 for out 1)
  Asymmetric,        // o / s
};
const char* resize_coord_name(ResizeCoord c);

struct ResizeAttrs {
  ResizeMode mode = ResizeMode::Nearest;
  float scale_h = 1.f, scale_w = 1.f;  // used when out_h/out_w are 0: out = floor(in * scale), in float
  int out_h = 0, out_w = 0;
  ResizeCoord coord = ResizeCoord::HalfPixel;
  // s above: false - out / in, the ratio of the sizes (in double, then rounded, as ncnn computes
  // it); true - the given scale, in float as ONNX Runtime computes (x + 0.5f) / scale - 0.5f
  // (ONNX Resize by scales, where floor(in * scale) / in may differ from the scale).
  bool scale_coords = false;
  float cubic_a = -0.75f;  // Keys' a (ncnn, OpenCV, PyTorch: -0.75; TensorFlow: -0.5)
  // Nearest reads floor(y / scale_h) when scaling by a factor, floor(y * in/out) for a fixed
  // size; bilinear and bicubic clamp their taps at the edges.
};

// y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]; weights[0..3] are scale, bias,
// mean and var, C values each (ONNX BatchNormalization in inference mode).
struct BatchNormAttrs {
  float epsilon = 1e-5f;
};

// Per (n, c): y = (x - mean) / sqrt(var + epsilon) * scale[c] + bias[c], mean and (biased)
// variance over the plane. weights[0..1]: scale, bias (C values each).
struct InstanceNormAttrs {
  float epsilon = 1e-5f;
};

// ONNX Slice semantics per axis: begin/end count from the end when negative and are clamped to
// [0, dim]; step 1. kSliceToEnd is "to the end" whatever the size.
inline constexpr int64_t kSliceToEnd = INT64_MAX;
struct SliceAttrs {
  int64_t begin[3] = {0, 0, 0};  // channels, rows, columns (the batch is never sliced)
  int64_t end[3] = {kSliceToEnd, kSliceToEnd, kSliceToEnd};
  // To a reference (a second input, read for its shape only): on a marked axis the box is
  // [begin, begin + reference_scale x the reference's size), clamped to the input, begin >= 0
  // and `end` unused. ncnn's two-input Crop (reference_scale 1) and the output crop of a model
  // whose input was padded (scale x the graph input) are this.
  bool to_reference[3] = {false, false, false};
  int reference_scale = 1;
  bool has_reference() const { return to_reference[0] || to_reference[1] || to_reference[2]; }
};
struct SliceRange {
  int64_t start = 0, length = 0;
};
SliceRange resolve_slice(int64_t begin, int64_t end, int64_t dim);

enum class PadMode : uint8_t { Constant, Reflect, Edge };
const char* pad_mode_name(PadMode m);

struct PadAttrs {
  PadMode mode = PadMode::Constant;
  int top = 0, left = 0, bottom = 0, right = 0;
  float value = 0.f;  // Constant only
  // Reflect mirrors without repeating the edge (pad < size); Edge repeats the edge pixel.
  // More rows at the bottom / columns at the right, in the same mode, until the padded size is a
  // multiple of align_h / align_w (1: none). Networks whose strided layers need even sizes.
  int align_h = 1, align_w = 1;
};

struct SpaceToDepthAttrs {
  int block = 2;
  // 0: input pixel (y*b + by, x*b + bx) of channel c goes to channel c*b*b + by*b + bx (PyTorch
  // pixel_unshuffle, ncnn Reorg mode 0); 1: to channel (by*b + bx)*C + c (ONNX SpaceToDepth).
  // Output rows / columns: floor(in / b) (ONNX requires sizes that divide).
  int mode = 1;
};

// Fully connected over the channels of each pixel (ONNX Gemm / MatMul on [N, K] tensors, which
// the IR holds as [N, K, 1, 1]; ncnn InnerProduct after a Flatten): y[n, m, h, w] = act(bias[m]
// + sum_k W[m][k] x[n, k, h, w]). weights[0]: out_features x in_features; weights[1]: bias.
struct GemmAttrs {
  int in_features = 0, out_features = 0;
  bool has_bias = false;
  ActivationAttrs activation{};
};

enum class ReduceKind : uint8_t { Mean, Max, Min, Sum };
const char* reduce_name(ReduceKind k);

// Reduces over the axes named (kept with size 1): GlobalAveragePool is Mean over rows and columns.
struct ReduceAttrs {
  ReduceKind kind = ReduceKind::Mean;
  bool channels = false, rows = true, columns = true;
};

enum class PoolKind : uint8_t { Max, Average };

// Windows of kernel_h x kernel_w every stride pixels over the input padded by the pads (padding
// never wins a max). Output size floor((in + pads - kernel) / stride) + 1, or ceil of it in
// ceil_mode, minus one where the last window would start in the bottom/right padding (PyTorch and
// ONNX Runtime). Average divides by the window's pixels inside the input, or, with
// count_include_pad, inside the input and the pads.
struct Pool2dAttrs {
  PoolKind kind = PoolKind::Max;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool ceil_mode = false;
  bool count_include_pad = false;
};

// One output dimension of a Reshape: a number, the one inferred from the element count (-1 in
// ONNX), or floor(factor x dimension `axis` of the node's input `source`) - sizes that follow the
// input (ONNX's 0, and the Shape -> Gather -> Mul chains exporters write). Inputs after the first
// are only read for their shapes.
struct ReshapeDim {
  enum Kind : uint8_t { Fixed, Infer, FromInput } kind = Fixed;
  int64_t value = 1;   // Fixed
  int source = 0;      // FromInput: index into the node's inputs
  int axis = 0;        // FromInput: dimension of that input
  double factor = 1.0; // FromInput
};

struct ReshapeAttrs {
  std::vector<ReshapeDim> dims;  // 1 to 6 entries
};

struct TransposeAttrs {
  std::vector<int> perm;  // output dim i is input dim perm[i]
};

struct ConstantAttrs {
  Shape shape;  // static; weights[0] holds shape.count() values
};

using Attrs = std::variant<std::monostate, Conv2dAttrs, ActivationAttrs, BinaryAttrs, EltwiseAttrs, PixelShuffleAttrs,
                           ResizeAttrs, BatchNormAttrs, ConvTranspose2dAttrs, InstanceNormAttrs, SliceAttrs, PadAttrs,
                           SpaceToDepthAttrs, GemmAttrs, ReduceAttrs, Pool2dAttrs, ReshapeAttrs, TransposeAttrs,
                           ConstantAttrs>;

inline constexpr int kMaxRank = 6;

struct Weight {
  std::string role;           // "weight", "bias", "slope", "value"
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
  // The tensor is made by a Constant node.
  bool is_constant(int tensor) const;
};

// "Conv2d node 'conv3' (#7)": how errors name a node.
std::string node_label(const Graph& g, int index);

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
