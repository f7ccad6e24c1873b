#include "nn/ir/graph.hpp"

#include <algorithm>
#include <cmath>

namespace caldera::nn::ir {
namespace {

std::string dim_text(int64_t d) { return d == kDynamic ? "?" : std::to_string(d); }

bool attrs_fit(const Node& n) {
  switch (n.op) {
    case OpType::Input: return std::holds_alternative<std::monostate>(n.attrs);
    case OpType::Conv2d: return std::holds_alternative<Conv2dAttrs>(n.attrs);
    case OpType::Activation: return std::holds_alternative<ActivationAttrs>(n.attrs);
    case OpType::PRelu: return std::holds_alternative<std::monostate>(n.attrs);
    case OpType::Binary: return std::holds_alternative<BinaryAttrs>(n.attrs);
    case OpType::Eltwise: return std::holds_alternative<EltwiseAttrs>(n.attrs);
    case OpType::Concat: return std::holds_alternative<std::monostate>(n.attrs);
    case OpType::PixelShuffle: return std::holds_alternative<PixelShuffleAttrs>(n.attrs);
    case OpType::Resize: return std::holds_alternative<ResizeAttrs>(n.attrs);
    case OpType::BatchNorm: return std::holds_alternative<BatchNormAttrs>(n.attrs);
    case OpType::ConvTranspose2d: return std::holds_alternative<ConvTranspose2dAttrs>(n.attrs);
    case OpType::InstanceNorm: return std::holds_alternative<InstanceNormAttrs>(n.attrs);
    case OpType::Slice: return std::holds_alternative<SliceAttrs>(n.attrs);
    case OpType::Pad: return std::holds_alternative<PadAttrs>(n.attrs);
    case OpType::SpaceToDepth: return std::holds_alternative<SpaceToDepthAttrs>(n.attrs);
    case OpType::Gemm: return std::holds_alternative<GemmAttrs>(n.attrs);
    case OpType::Reduce: return std::holds_alternative<ReduceAttrs>(n.attrs);
    case OpType::Pool2d: return std::holds_alternative<Pool2dAttrs>(n.attrs);
    case OpType::Reshape: return std::holds_alternative<ReshapeAttrs>(n.attrs);
    case OpType::Transpose: return std::holds_alternative<TransposeAttrs>(n.attrs);
    case OpType::Constant: return std::holds_alternative<ConstantAttrs>(n.attrs);
  }
  return false;
}

// How many inputs an op takes: {min, max}; max -1 means any number.
std::pair<int, int> input_arity(const Node& n) {
  switch (n.op) {
    case OpType::Input:
    case OpType::Constant: return {0, 0};
    case OpType::Conv2d: return n.attr<Conv2dAttrs>().has_residual ? std::pair{2, 2} : std::pair{1, 1};
    case OpType::Binary: return n.attr<BinaryAttrs>().with_scalar ? std::pair{1, 1} : std::pair{2, 2};
    case OpType::Eltwise: return {2, -1};
    case OpType::Concat: return {1, -1};
    case OpType::Reshape: return {1, -1};  // the data, then tensors whose shapes it reads
    case OpType::Slice: return n.attr<SliceAttrs>().has_reference() ? std::pair{2, 2} : std::pair{1, 1};
    default: return {1, 1};
  }
}

bool positive(std::initializer_list<int> v) {
  return std::all_of(v.begin(), v.end(), [](int x) { return x > 0; });
}
bool non_negative(std::initializer_list<int> v) {
  return std::all_of(v.begin(), v.end(), [](int x) { return x >= 0; });
}

// weights[k] must hold `want` values; names the role in the error.
Status expect_weight(const Graph& g, int index, size_t k, size_t want, const char* role) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  if (n.weights.size() <= k) return invalid_argument(node_label(g, index) + ": has no " + role);
  if (n.weights[k].data.size() != want)
    return invalid_argument(node_label(g, index) + ": " + role + " has " + std::to_string(n.weights[k].data.size()) +
                            " values, expected " + std::to_string(want));
  return Status::ok();
}

Status check_weight_count(const Graph& g, int index, size_t want, const char* what) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  if (n.weights.size() != want) return invalid_argument(node_label(g, index) + ": expects " + what);
  return Status::ok();
}

Status check_conv(const Graph& g, int index) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  const auto& a = n.attr<Conv2dAttrs>();
  const std::string where = node_label(g, index);
  if (!positive({a.out_channels, a.in_channels, a.groups, a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.dilation_h,
                 a.dilation_w}))
    return invalid_argument(where + ": channels, groups, kernel, stride and dilation must be positive");
  if (!non_negative({a.pad_top, a.pad_left, a.pad_bottom, a.pad_right})) return invalid_argument(where + ": negative padding");
  if (a.in_channels % a.groups || a.out_channels % a.groups)
    return invalid_argument(where + ": " + std::to_string(a.in_channels) + " input and " +
                            std::to_string(a.out_channels) + " output channels do not divide into " +
                            std::to_string(a.groups) + " groups");
  if (a.residual_before_activation && !a.has_residual)
    return invalid_argument(where + ": residual_before_activation without a residual");
  CALDERA_RETURN_IF_ERROR(check_weight_count(g, index, a.has_bias ? 2 : 1, a.has_bias ? "weight and bias" : "a weight"));
  const size_t want = static_cast<size_t>(a.out_channels) * static_cast<size_t>(a.in_channels / a.groups) *
                      static_cast<size_t>(a.kernel_h) * static_cast<size_t>(a.kernel_w);
  CALDERA_RETURN_IF_ERROR(expect_weight(g, index, 0, want, "weight"));
  if (a.has_bias) CALDERA_RETURN_IF_ERROR(expect_weight(g, index, 1, static_cast<size_t>(a.out_channels), "bias"));
  return Status::ok();
}

Status check_conv_transpose(const Graph& g, int index) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  const auto& a = n.attr<ConvTranspose2dAttrs>();
  const std::string where = node_label(g, index);
  if (!positive({a.out_channels, a.in_channels, a.groups, a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.dilation_h,
                 a.dilation_w}))
    return invalid_argument(where + ": channels, groups, kernel, stride and dilation must be positive");
  if (!non_negative({a.pad_top, a.pad_left, a.pad_bottom, a.pad_right, a.output_pad_h, a.output_pad_w}))
    return invalid_argument(where + ": negative padding");
  // ONNX: output padding must be smaller than the stride or the dilation (else it is not the
  // shape of any convolution's input).
  if ((a.output_pad_h >= a.stride_h && a.output_pad_h >= a.dilation_h) ||
      (a.output_pad_w >= a.stride_w && a.output_pad_w >= a.dilation_w))
    return invalid_argument(where + ": output padding must be smaller than the stride or the dilation");
  if (a.in_channels % a.groups || a.out_channels % a.groups)
    return invalid_argument(where + ": " + std::to_string(a.in_channels) + " input and " +
                            std::to_string(a.out_channels) + " output channels do not divide into " +
                            std::to_string(a.groups) + " groups");
  CALDERA_RETURN_IF_ERROR(check_weight_count(g, index, a.has_bias ? 2 : 1, a.has_bias ? "weight and bias" : "a weight"));
  const size_t want = static_cast<size_t>(a.in_channels) * static_cast<size_t>(a.out_channels / a.groups) *
                      static_cast<size_t>(a.kernel_h) * static_cast<size_t>(a.kernel_w);
  CALDERA_RETURN_IF_ERROR(expect_weight(g, index, 0, want, "weight"));
  if (a.has_bias) CALDERA_RETURN_IF_ERROR(expect_weight(g, index, 1, static_cast<size_t>(a.out_channels), "bias"));
  return Status::ok();
}

Status check_batchnorm(const Graph& g, int index) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  const std::string where = node_label(g, index);
  static const char* const roles[4] = {"scale", "bias", "mean", "var"};
  if (n.weights.size() != 4) return invalid_argument(where + ": expects scale, bias, mean and var weights");
  const size_t c = n.weights[0].data.size();
  if (c == 0) return invalid_argument(where + ": no channels");
  for (size_t k = 0; k < 4; ++k)
    if (n.weights[k].data.size() != c)
      return invalid_argument(where + ": " + roles[k] + " has " + std::to_string(n.weights[k].data.size()) +
                              " values, scale has " + std::to_string(c));
  const float eps = n.attr<BatchNormAttrs>().epsilon;
  if (!(eps >= 0.f)) return invalid_argument(where + ": epsilon must be non-negative");
  for (float v : n.weights[3].data)
    if (!(v + eps > 0.f)) return invalid_argument(where + ": variance + epsilon must be positive");
  return Status::ok();
}

Status check_activation(const std::string& where, const ActivationAttrs& a) {
  if (a.kind == ActivationKind::Clip && !(a.alpha <= a.beta))
    return invalid_argument(where + ": clip minimum above its maximum");
  return Status::ok();
}

Status check_reshape(const Graph& g, int index) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  const auto& a = n.attr<ReshapeAttrs>();
  const std::string where = node_label(g, index);
  if (a.dims.empty() || a.dims.size() > static_cast<size_t>(kMaxRank))
    return invalid_argument(where + ": reshapes to " + std::to_string(a.dims.size()) + " dimensions (1 to " +
                            std::to_string(kMaxRank) + ")");
  int infer = 0;
  for (const ReshapeDim& d : a.dims) {
    if (d.kind == ReshapeDim::Infer) ++infer;
    if (d.kind == ReshapeDim::Fixed && d.value < 0) return invalid_argument(where + ": negative dimension");
    if (d.kind == ReshapeDim::FromInput &&
        (d.source < 0 || static_cast<size_t>(d.source) >= n.inputs.size() || d.axis < 0 || d.axis >= kMaxRank ||
         !(d.factor > 0.0) || !std::isfinite(d.factor)))
      return invalid_argument(where + ": a dimension taken from an input that does not exist");
  }
  if (infer > 1) return invalid_argument(where + ": more than one inferred dimension");
  return Status::ok();
}

Status check_node(const Graph& g, int index) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  const std::string where = node_label(g, index);
  switch (n.op) {
    case OpType::Conv2d: {
      CALDERA_RETURN_IF_ERROR(check_conv(g, index));
      return check_activation(where, n.attr<Conv2dAttrs>().activation);
    }
    case OpType::ConvTranspose2d: {
      CALDERA_RETURN_IF_ERROR(check_conv_transpose(g, index));
      return check_activation(where, n.attr<ConvTranspose2dAttrs>().activation);
    }
    case OpType::Activation: return check_activation(where, n.attr<ActivationAttrs>());
    case OpType::BatchNorm: return check_batchnorm(g, index);
    case OpType::PRelu:
      if (n.weights.size() != 1 || n.weights[0].data.empty()) return invalid_argument(where + ": expects one slope weight");
      return Status::ok();
    case OpType::PixelShuffle: {
      const auto& a = n.attr<PixelShuffleAttrs>();
      if (a.factor < 1) return invalid_argument(where + ": factor must be at least 1");
      if (a.mode != 0 && a.mode != 1) return invalid_argument(where + ": mode must be 0 or 1");
      return Status::ok();
    }
    case OpType::SpaceToDepth: {
      const auto& a = n.attr<SpaceToDepthAttrs>();
      if (a.block < 1 || a.block > 64) return invalid_argument(where + ": block must be 1..64");
      if (a.mode != 0 && a.mode != 1) return invalid_argument(where + ": mode must be 0 or 1");
      return Status::ok();
    }
    case OpType::Resize: {
      const auto& r = n.attr<ResizeAttrs>();
      if (r.out_h < 0 || r.out_w < 0 || ((r.out_h == 0 || r.out_w == 0) && !(r.scale_h > 0.f && r.scale_w > 0.f)))
        return invalid_argument(where + ": needs a positive output size or positive scales");
      if (r.scale_coords && (r.out_h > 0 || !(r.scale_h > 0.f && r.scale_w > 0.f)))
        return invalid_argument(where + ": coordinates from the scales need a resize by scales");
      if (!std::isfinite(r.cubic_a)) return invalid_argument(where + ": cubic coefficient is not finite");
      return Status::ok();
    }
    case OpType::Eltwise: {
      const auto& e = n.attr<EltwiseAttrs>();
      if (!e.coeffs.empty() && (e.kind != EltwiseKind::Sum || e.coeffs.size() != n.inputs.size()))
        return invalid_argument(where + ": coefficients need a sum with one coefficient per input");
      return Status::ok();
    }
    case OpType::InstanceNorm: {
      CALDERA_RETURN_IF_ERROR(check_weight_count(g, index, 2, "scale and bias weights"));
      const size_t c = n.weights[0].data.size();
      if (c == 0) return invalid_argument(where + ": no channels");
      CALDERA_RETURN_IF_ERROR(expect_weight(g, index, 1, c, "bias"));
      if (!(n.attr<InstanceNormAttrs>().epsilon >= 0.f)) return invalid_argument(where + ": epsilon must be non-negative");
      return Status::ok();
    }
    case OpType::Pad: {
      const auto& a = n.attr<PadAttrs>();
      if (!non_negative({a.top, a.left, a.bottom, a.right})) return invalid_argument(where + ": negative padding");
      if (!positive({a.align_h, a.align_w}) || a.align_h > 1024 || a.align_w > 1024)
        return invalid_argument(where + ": alignment must be 1..1024");
      return Status::ok();
    }
    case OpType::Slice: {
      const auto& a = n.attr<SliceAttrs>();
      if (a.reference_scale < 1 || a.reference_scale > 64) return invalid_argument(where + ": reference scale must be 1..64");
      for (int k = 0; k < 3; ++k)
        if (a.to_reference[k] && (a.begin[k] < 0 || a.begin[k] == kSliceToEnd))
          return invalid_argument(where + ": a slice to a reference's size needs a non-negative begin");
      return Status::ok();
    }
    case OpType::Gemm: {
      const auto& a = n.attr<GemmAttrs>();
      if (!positive({a.in_features, a.out_features})) return invalid_argument(where + ": features must be positive");
      CALDERA_RETURN_IF_ERROR(check_weight_count(g, index, a.has_bias ? 2 : 1, a.has_bias ? "weight and bias" : "a weight"));
      CALDERA_RETURN_IF_ERROR(expect_weight(g, index, 0, static_cast<size_t>(a.in_features) * static_cast<size_t>(a.out_features), "weight"));
      if (a.has_bias) CALDERA_RETURN_IF_ERROR(expect_weight(g, index, 1, static_cast<size_t>(a.out_features), "bias"));
      return check_activation(where, a.activation);
    }
    case OpType::Reduce: {
      const auto& a = n.attr<ReduceAttrs>();
      if (!a.channels && !a.rows && !a.columns) return invalid_argument(where + ": reduces over no axis");
      return Status::ok();
    }
    case OpType::Pool2d: {
      const auto& a = n.attr<Pool2dAttrs>();
      if (!positive({a.kernel_h, a.kernel_w, a.stride_h, a.stride_w}))
        return invalid_argument(where + ": kernel and stride must be positive");
      if (!non_negative({a.pad_top, a.pad_left, a.pad_bottom, a.pad_right})) return invalid_argument(where + ": negative padding");
      // A window of padding only has no maximum and no average (ONNX and PyTorch refuse it too).
      if (a.pad_top >= a.kernel_h || a.pad_bottom >= a.kernel_h || a.pad_left >= a.kernel_w || a.pad_right >= a.kernel_w)
        return invalid_argument(where + ": padding must be smaller than the kernel");
      return Status::ok();
    }
    case OpType::Reshape: return check_reshape(g, index);
    case OpType::Transpose: {
      std::vector<int> p = n.attr<TransposeAttrs>().perm;
      std::sort(p.begin(), p.end());
      bool ok = !p.empty() && p.size() <= static_cast<size_t>(kMaxRank);
      for (size_t i = 0; ok && i < p.size(); ++i) ok = p[i] == static_cast<int>(i);
      if (!ok) return invalid_argument(where + ": the permutation is not one of 1 to 6 dimensions");
      return Status::ok();
    }
    case OpType::Constant: {
      const Shape& s = n.attr<ConstantAttrs>().shape;
      if (!s.is_static() || s.rank() > kMaxRank) return invalid_argument(where + ": a constant needs a static shape");
      CALDERA_RETURN_IF_ERROR(check_weight_count(g, index, 1, "one value weight"));
      return expect_weight(g, index, 0, static_cast<size_t>(s.count()), "value");
    }
    default: return Status::ok();
  }
}

}  // namespace

std::string node_label(const Graph& g, int index) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  return std::string(op_type_name(n.op)) + " node '" + n.name + "' (#" + std::to_string(index) + ")";
}

int64_t Shape::dim(int i) const {
  if (!nd.empty()) return nd[static_cast<size_t>(i)];
  const int64_t d[4] = {n, c, h, w};
  return d[i];
}

std::vector<int64_t> Shape::dims() const { return nd.empty() ? std::vector<int64_t>{n, c, h, w} : nd; }

Shape Shape::of(const std::vector<int64_t>& d) {
  Shape s;
  if (d.size() == 4) {
    s.n = d[0];
    s.c = d[1];
    s.h = d[2];
    s.w = d[3];
  } else {
    s.nd = d;
  }
  return s;
}

bool Shape::is_static() const {
  if (nd.empty()) return n >= 0 && c >= 0 && h >= 0 && w >= 0;
  return std::all_of(nd.begin(), nd.end(), [](int64_t d) { return d >= 0; });
}

int64_t Shape::count() const {
  if (nd.empty()) return n * c * h * w;
  int64_t p = 1;
  for (int64_t d : nd) p *= d;
  return p;
}

std::string Shape::to_string() const {
  std::string s;
  for (int i = 0; i < rank(); ++i) s += (i ? "x" : "") + dim_text(dim(i));
  return s;
}

SliceRange resolve_slice(int64_t begin, int64_t end, int64_t dim) {
  const auto clamp = [dim](int64_t v) {
    if (v < 0) v = v < -dim ? 0 : v + dim;
    return std::min(v, dim);
  };
  const int64_t b = clamp(begin), e = clamp(end);
  return {b, std::max<int64_t>(e - b, 0)};
}

const char* op_type_name(OpType t) {
  switch (t) {
    case OpType::Input: return "Input";
    case OpType::Conv2d: return "Conv2d";
    case OpType::Activation: return "Activation";
    case OpType::PRelu: return "PRelu";
    case OpType::Binary: return "Binary";
    case OpType::Eltwise: return "Eltwise";
    case OpType::Concat: return "Concat";
    case OpType::PixelShuffle: return "PixelShuffle";
    case OpType::Resize: return "Resize";
    case OpType::BatchNorm: return "BatchNorm";
    case OpType::ConvTranspose2d: return "ConvTranspose2d";
    case OpType::InstanceNorm: return "InstanceNorm";
    case OpType::Slice: return "Slice";
    case OpType::Pad: return "Pad";
    case OpType::SpaceToDepth: return "SpaceToDepth";
    case OpType::Gemm: return "Gemm";
    case OpType::Reduce: return "Reduce";
    case OpType::Pool2d: return "Pool2d";
    case OpType::Reshape: return "Reshape";
    case OpType::Transpose: return "Transpose";
    case OpType::Constant: return "Constant";
  }
  return "?";
}

const char* activation_name(ActivationKind k) {
  switch (k) {
    case ActivationKind::None: return "none";
    case ActivationKind::Relu: return "relu";
    case ActivationKind::LeakyRelu: return "leaky_relu";
    case ActivationKind::Clip: return "clip";
    case ActivationKind::Sigmoid: return "sigmoid";
    case ActivationKind::Tanh: return "tanh";
    case ActivationKind::HardSigmoid: return "hard_sigmoid";
    case ActivationKind::HardSwish: return "hard_swish";
  }
  return "?";
}

const char* binary_name(BinaryKind k) {
  switch (k) {
    case BinaryKind::Add: return "add";
    case BinaryKind::Sub: return "sub";
    case BinaryKind::Mul: return "mul";
    case BinaryKind::Div: return "div";
    case BinaryKind::Max: return "max";
    case BinaryKind::Min: return "min";
  }
  return "?";
}

const char* resize_mode_name(ResizeMode m) {
  switch (m) {
    case ResizeMode::Nearest: return "nearest";
    case ResizeMode::Bilinear: return "bilinear";
    case ResizeMode::Bicubic: return "bicubic";
  }
  return "?";
}

const char* resize_coord_name(ResizeCoord c) {
  switch (c) {
    case ResizeCoord::HalfPixel: return "half_pixel";
    case ResizeCoord::PytorchHalfPixel: return "pytorch_half_pixel";
    case ResizeCoord::AlignCorners: return "align_corners";
    case ResizeCoord::Asymmetric: return "asymmetric";
  }
  return "?";
}

const char* pad_mode_name(PadMode m) {
  switch (m) {
    case PadMode::Constant: return "constant";
    case PadMode::Reflect: return "reflect";
    case PadMode::Edge: return "edge";
  }
  return "?";
}

const char* reduce_name(ReduceKind k) {
  switch (k) {
    case ReduceKind::Mean: return "mean";
    case ReduceKind::Max: return "max";
    case ReduceKind::Min: return "min";
    case ReduceKind::Sum: return "sum";
  }
  return "?";
}

int Graph::add_tensor(std::string tensor_name, Shape shape) {
  tensors.push_back(Tensor{std::move(tensor_name), std::move(shape), -1});
  return static_cast<int>(tensors.size()) - 1;
}

int Graph::add_node(Node node) {
  const int index = static_cast<int>(nodes.size());
  for (int t : node.outputs)
    if (t >= 0 && static_cast<size_t>(t) < tensors.size()) tensors[static_cast<size_t>(t)].producer = index;
  nodes.push_back(std::move(node));
  return index;
}

size_t Graph::weight_count() const {
  size_t total = 0;
  for (const Node& n : nodes)
    for (const Weight& w : n.weights) total += w.data.size();
  return total;
}

bool Graph::is_constant(int tensor) const {
  if (tensor < 0 || static_cast<size_t>(tensor) >= tensors.size()) return false;
  const int p = tensors[static_cast<size_t>(tensor)].producer;
  return p >= 0 && static_cast<size_t>(p) < nodes.size() && nodes[static_cast<size_t>(p)].op == OpType::Constant;
}

Status validate(const Graph& g) {
  const size_t tensor_count = g.tensors.size();
  std::vector<int> made_by(tensor_count, -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const int index = static_cast<int>(i);
    const std::string where = node_label(g, index);
    if (!attrs_fit(n)) return internal_error(where + ": attributes of the wrong type for the op");
    const auto [lo, hi] = input_arity(n);
    const int count = static_cast<int>(n.inputs.size());
    if (count < lo || (hi >= 0 && count > hi)) {
      std::string range = std::to_string(lo);
      if (hi < 0) range += " or more";
      else if (hi != lo) range += " to " + std::to_string(hi);
      return invalid_argument(where + ": takes " + range + " inputs, has " + std::to_string(count));
    }
    if (n.outputs.size() != 1) return invalid_argument(where + ": must make exactly one output tensor");
    for (int t : n.inputs) {
      if (t < 0 || static_cast<size_t>(t) >= tensor_count) return invalid_argument(where + ": input tensor index out of range");
      if (made_by[static_cast<size_t>(t)] < 0)
        return invalid_argument(where + ": reads tensor '" + g.tensors[static_cast<size_t>(t)].name +
                                "' before any node makes it");
    }
    for (int t : n.outputs) {
      if (t < 0 || static_cast<size_t>(t) >= tensor_count) return invalid_argument(where + ": output tensor index out of range");
      if (made_by[static_cast<size_t>(t)] >= 0)
        return invalid_argument(where + ": makes tensor '" + g.tensors[static_cast<size_t>(t)].name +
                                "' that node #" + std::to_string(made_by[static_cast<size_t>(t)]) + " already made");
      made_by[static_cast<size_t>(t)] = index;
      if (g.tensors[static_cast<size_t>(t)].producer != index)
        return internal_error(where + ": tensor '" + g.tensors[static_cast<size_t>(t)].name + "' has the wrong producer");
    }
    CALDERA_RETURN_IF_ERROR(check_node(g, index));
  }
  for (int t : g.inputs) {
    if (t < 0 || static_cast<size_t>(t) >= tensor_count) return invalid_argument("graph input index out of range");
    const int p = made_by[static_cast<size_t>(t)];
    if (p < 0 || g.nodes[static_cast<size_t>(p)].op != OpType::Input)
      return invalid_argument("graph input '" + g.tensors[static_cast<size_t>(t)].name + "' is not made by an Input node");
  }
  if (g.outputs.empty()) return invalid_argument("graph has no outputs");
  for (int t : g.outputs) {
    if (t < 0 || static_cast<size_t>(t) >= tensor_count) return invalid_argument("graph output index out of range");
    if (made_by[static_cast<size_t>(t)] < 0)
      return invalid_argument("graph output '" + g.tensors[static_cast<size_t>(t)].name + "' is never made");
  }
  return Status::ok();
}

}  // namespace caldera::nn::ir
