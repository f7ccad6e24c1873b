#include "nn/ir/graph.hpp"

#include <cstdio>
#include <sstream>

namespace caldera::nn::ir {
namespace {

std::string dim_text(int64_t d) { return d == kDynamic ? "?" : std::to_string(d); }

std::string float_text(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

std::string node_label(const Graph& g, int index) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  return std::string(op_type_name(n.op)) + " node '" + n.name + "' (#" + std::to_string(index) + ")";
}

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
  }
  return false;
}

// How many inputs an op takes: {min, max}; max -1 means any number.
std::pair<int, int> input_arity(const Node& n) {
  switch (n.op) {
    case OpType::Input: return {0, 0};
    case OpType::Binary: return n.attr<BinaryAttrs>().with_scalar ? std::pair{1, 1} : std::pair{2, 2};
    case OpType::Eltwise: return {2, -1};
    case OpType::Concat: return {1, -1};
    default: return {1, 1};
  }
}

Status check_conv_weights(const Graph& g, int index) {
  const Node& n = g.nodes[static_cast<size_t>(index)];
  const auto& a = n.attr<Conv2dAttrs>();
  const std::string where = node_label(g, index);
  if (a.out_channels <= 0 || a.in_channels <= 0 || a.groups <= 0 || a.kernel_h <= 0 || a.kernel_w <= 0 ||
      a.stride_h <= 0 || a.stride_w <= 0 || a.dilation_h <= 0 || a.dilation_w <= 0)
    return invalid_argument(where + ": channels, groups, kernel, stride and dilation must be positive");
  if (a.pad_top < 0 || a.pad_left < 0 || a.pad_bottom < 0 || a.pad_right < 0)
    return invalid_argument(where + ": negative padding");
  if (a.in_channels % a.groups || a.out_channels % a.groups)
    return invalid_argument(where + ": " + std::to_string(a.in_channels) + " input and " +
                            std::to_string(a.out_channels) + " output channels do not divide into " +
                            std::to_string(a.groups) + " groups");
  const size_t want = static_cast<size_t>(a.out_channels) * static_cast<size_t>(a.in_channels / a.groups) *
                      static_cast<size_t>(a.kernel_h) * static_cast<size_t>(a.kernel_w);
  if (n.weights.size() != (a.has_bias ? 2u : 1u))
    return invalid_argument(where + ": expects " + std::string(a.has_bias ? "weight and bias" : "a weight"));
  if (n.weights[0].data.size() != want)
    return invalid_argument(where + ": weight has " + std::to_string(n.weights[0].data.size()) + " values, expected " +
                            std::to_string(want));
  if (a.has_bias && n.weights[1].data.size() != static_cast<size_t>(a.out_channels))
    return invalid_argument(where + ": bias has " + std::to_string(n.weights[1].data.size()) + " values, expected " +
                            std::to_string(a.out_channels));
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

}  // namespace

std::string Shape::to_string() const {
  return dim_text(n) + "x" + dim_text(c) + "x" + dim_text(h) + "x" + dim_text(w);
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

int Graph::add_tensor(std::string tensor_name, Shape shape) {
  tensors.push_back(Tensor{std::move(tensor_name), shape, -1});
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
    if (n.op == OpType::Conv2d) CALDERA_RETURN_IF_ERROR(check_conv_weights(g, index));
    if (n.op == OpType::BatchNorm) CALDERA_RETURN_IF_ERROR(check_batchnorm(g, index));
    if (n.op == OpType::PRelu && (n.weights.size() != 1 || n.weights[0].data.empty()))
      return invalid_argument(where + ": expects one slope weight");
    if (n.op == OpType::PixelShuffle && n.attr<PixelShuffleAttrs>().factor < 1)
      return invalid_argument(where + ": factor must be at least 1");
    if (n.op == OpType::PixelShuffle && n.attr<PixelShuffleAttrs>().mode != 0 && n.attr<PixelShuffleAttrs>().mode != 1)
      return invalid_argument(where + ": mode must be 0 or 1");
    if (n.op == OpType::Resize) {
      const auto& r = n.attr<ResizeAttrs>();
      if (r.out_h < 0 || r.out_w < 0 || ((r.out_h == 0 || r.out_w == 0) && !(r.scale_h > 0.f && r.scale_w > 0.f)))
        return invalid_argument(where + ": needs a positive output size or positive scales");
    }
    if (n.op == OpType::Eltwise) {
      const auto& e = n.attr<EltwiseAttrs>();
      if (!e.coeffs.empty() && (e.kind != EltwiseKind::Sum || e.coeffs.size() != n.inputs.size()))
        return invalid_argument(where + ": coefficients need a sum with one coefficient per input");
    }
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

std::string dump(const Graph& g, const std::vector<Shape>* shapes) {
  std::ostringstream out;
  const double mib = static_cast<double>(g.weight_count()) * sizeof(float) / (1024.0 * 1024.0);
  char weights[64];
  std::snprintf(weights, sizeof weights, "%zu weights (%.2f MiB as fp32)", g.weight_count(), mib);
  out << "graph " << (g.name.empty() ? "(unnamed)" : g.name) << ": " << g.nodes.size() << " nodes, " << g.tensors.size()
      << " tensors, " << weights << "\n";
  auto tensor = [&](int t) {
    const Tensor& x = g.tensors[static_cast<size_t>(t)];
    const Shape& s = shapes && static_cast<size_t>(t) < shapes->size() ? (*shapes)[static_cast<size_t>(t)] : x.shape;
    return x.name + ":" + s.to_string();
  };
  for (int t : g.inputs) out << "  input  " << tensor(t) << "\n";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op == OpType::Input) continue;
    out << "  #" << i << " " << op_type_name(n.op) << " " << n.name << " (";
    for (size_t k = 0; k < n.inputs.size(); ++k) out << (k ? ", " : "") << g.tensors[static_cast<size_t>(n.inputs[k])].name;
    out << ") -> ";
    for (size_t k = 0; k < n.outputs.size(); ++k) out << (k ? ", " : "") << tensor(n.outputs[k]);
    std::ostringstream a;
    switch (n.op) {
      case OpType::Conv2d: {
        const auto& c = n.attr<Conv2dAttrs>();
        a << c.in_channels << "->" << c.out_channels << " k" << c.kernel_h << "x" << c.kernel_w;
        if (c.stride_h != 1 || c.stride_w != 1) a << " s" << c.stride_h << "x" << c.stride_w;
        if (c.dilation_h != 1 || c.dilation_w != 1) a << " d" << c.dilation_h << "x" << c.dilation_w;
        a << " pad " << c.pad_top << "," << c.pad_left << "," << c.pad_bottom << "," << c.pad_right;
        if (c.groups != 1) a << " groups " << c.groups;
        if (c.has_bias) a << " bias";
        if (c.activation.kind != ActivationKind::None) {
          a << " +" << activation_name(c.activation.kind);
          if (c.activation.kind == ActivationKind::LeakyRelu) a << "(" << float_text(c.activation.alpha) << ")";
          if (c.activation.kind == ActivationKind::Clip)
            a << "(" << float_text(c.activation.alpha) << "," << float_text(c.activation.beta) << ")";
        }
        break;
      }
      case OpType::Activation: {
        const auto& c = n.attr<ActivationAttrs>();
        a << activation_name(c.kind);
        if (c.kind == ActivationKind::LeakyRelu) a << " slope " << float_text(c.alpha);
        if (c.kind == ActivationKind::Clip) a << " " << float_text(c.alpha) << ".." << float_text(c.beta);
        break;
      }
      case OpType::PRelu: a << n.weights[0].data.size() << " slopes"; break;
      case OpType::Binary: {
        const auto& b = n.attr<BinaryAttrs>();
        a << binary_name(b.kind);
        if (b.with_scalar) a << " scalar " << float_text(b.scalar);
        break;
      }
      case OpType::Eltwise: {
        const auto& e = n.attr<EltwiseAttrs>();
        a << (e.kind == EltwiseKind::Sum ? "sum" : e.kind == EltwiseKind::Prod ? "prod" : "max");
        if (!e.coeffs.empty()) {
          a << " coeffs";
          for (float c : e.coeffs) a << " " << float_text(c);
        }
        break;
      }
      case OpType::PixelShuffle: {
        const auto& p = n.attr<PixelShuffleAttrs>();
        a << "factor " << p.factor << (p.mode ? " mode 1 (DCR)" : "");
        break;
      }
      case OpType::Resize: {
        const auto& r = n.attr<ResizeAttrs>();
        a << resize_mode_name(r.mode);
        if (r.out_h > 0 && r.out_w > 0) a << " to " << r.out_h << "x" << r.out_w;
        else a << " scale " << float_text(r.scale_h) << "x" << float_text(r.scale_w);
        break;
      }
      case OpType::BatchNorm:
        a << n.weights[0].data.size() << " channels eps " << float_text(n.attr<BatchNormAttrs>().epsilon);
        break;
      default: break;
    }
    const std::string attr_text = a.str();
    if (!attr_text.empty()) out << "  " << attr_text;
    out << "\n";
  }
  for (int t : g.outputs) out << "  output " << tensor(t) << "\n";
  return out.str();
}

}  // namespace caldera::nn::ir
