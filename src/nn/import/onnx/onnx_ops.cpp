// The ONNX operators that compute (convolutions, activations, normalisation, arithmetic, fully
// connected layers, pooling, reductions); data movement is in onnx_layout_ops.cpp and the walk in
// onnx_import.cpp.
#include <cfloat>
#include <cmath>

#include "nn/import/onnx/onnx_importer.hpp"
#include "core/number_text.hpp"

namespace caldera::nn::onnx_import {
namespace {

// The constant's dims right-aligned to `rank` (ONNX broadcasting); false if it has more.
bool aligned(const std::vector<int64_t>& dims, int rank, std::vector<int64_t>& out) {
  if (static_cast<int>(dims.size()) > rank) return false;
  out.assign(static_cast<size_t>(rank - static_cast<int>(dims.size())), 1);
  out.insert(out.end(), dims.begin(), dims.end());
  return true;
}

// A constant that applies one value per channel of a rank-`rank` tensor: right-aligned, every
// dim 1 except dim 1, which holds all its values ([C,1,1] / [1,C,1,1] for NCHW, [C] / [1,C] for
// [N, C]). ([C] alone against NCHW would broadcast along the width, so it does not count.)
bool is_per_channel(const ConstValue& c, int rank) {
  std::vector<int64_t> d;
  if (rank < 2 || !aligned(c.dims, rank, d)) return false;
  for (int i = 0; i < rank; ++i)
    if (i != 1 && d[static_cast<size_t>(i)] != 1) return false;
  return static_cast<size_t>(d[1]) == c.count();
}

// Strides, dilations and pads of a 2-D convolution or pooling node, checked.
struct Window {
  std::vector<int64_t> strides{1, 1}, dilations{1, 1}, pads{0, 0, 0, 0};
};

Result<Window> read_window(const std::string& where, const std::vector<int64_t>& strides,
                                  const std::vector<int64_t>& dilations, const std::vector<int64_t>& pads) {
  Window w;
  if (!strides.empty()) w.strides = strides;
  if (!dilations.empty()) w.dilations = dilations;
  if (!pads.empty()) w.pads = pads;
  if (w.strides.size() != 2 || w.dilations.size() != 2 || w.pads.size() != 4)
    return invalid_argument(where + ": strides, dilations and pads must have 2, 2 and 4 entries (2-D)");
  for (int64_t v : w.strides)
    if (v < 1 || v > 1024) return invalid_argument(where + ": stride " + std::to_string(v));
  for (int64_t v : w.dilations)
    if (v < 1 || v > 1024) return invalid_argument(where + ": dilation " + std::to_string(v));
  for (int64_t v : w.pads)
    if (v < 0 || v > 4096) return unsupported(where + ": padding " + std::to_string(v) + " (negative padding crops)");
  return w;
}

}  // namespace

Status Importer::import_conv(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* w, const_input(n, 1));
  const std::string where = label(n);
  if (w->dims.size() != 4)
    return unsupported(where + ": weight of shape " + w->dims_text() + "; Caldera supports 2-D convolutions (rank-4 weights)");
  for (int64_t d : w->dims)
    if (d < 1 || d > (1 << 20)) return invalid_argument(where + ": weight of shape " + w->dims_text());
  const int64_t group = attr_int(n, "group", 1);
  if (group < 1 || group > (1 << 20)) return invalid_argument(where + ": group " + std::to_string(group));
  const std::vector<int64_t> kernel = attr_ints(n, "kernel_shape");
  if (!kernel.empty() && (kernel.size() != 2 || kernel[0] != w->dims[2] || kernel[1] != w->dims[3]))
    return invalid_argument(where + ": kernel_shape " + ints_text(kernel) + " does not match the weight " + w->dims_text());
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  CALDERA_ASSIGN_OR_RETURN(Window win, read_window(where, attr_ints(n, "strides"), attr_ints(n, "dilations"),
                                                   auto_pad == "NOTSET" ? attr_ints(n, "pads") : std::vector<int64_t>{}));
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    if (win.strides[0] != 1 || win.strides[1] != 1)
      return unsupported(where + ": auto_pad " + auto_pad + " with stride > 1 pads by the input size; export explicit pads");
    for (int d = 0; d < 2; ++d) {
      const int64_t total = win.dilations[static_cast<size_t>(d)] * (w->dims[static_cast<size_t>(2 + d)] - 1);
      const int64_t small = total / 2, large = total - small;
      win.pads[static_cast<size_t>(d)] = auto_pad == "SAME_UPPER" ? small : large;
      win.pads[static_cast<size_t>(d + 2)] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad != "NOTSET" && auto_pad != "VALID") {
    return invalid_argument(where + ": auto_pad '" + auto_pad + "'");
  }
  ir::Conv2dAttrs a;
  a.out_channels = static_cast<int>(w->dims[0]);
  a.in_channels = static_cast<int>(w->dims[1] * group);
  a.groups = static_cast<int>(group);
  a.kernel_h = static_cast<int>(w->dims[2]);
  a.kernel_w = static_cast<int>(w->dims[3]);
  a.stride_h = static_cast<int>(win.strides[0]);
  a.stride_w = static_cast<int>(win.strides[1]);
  a.dilation_h = static_cast<int>(win.dilations[0]);
  a.dilation_w = static_cast<int>(win.dilations[1]);
  // ONNX orders pads as [top, left, bottom, right]; the IR holds all four, unequal ones too.
  a.pad_top = static_cast<int>(win.pads[0]);
  a.pad_left = static_cast<int>(win.pads[1]);
  a.pad_bottom = static_cast<int>(win.pads[2]);
  a.pad_right = static_cast<int>(win.pads[3]);
  std::vector<ir::Weight> weights{{"weight", w->dims, w->floats()}};
  if (has_input(n, 2)) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* b, const_input(n, 2));
    if (b->count() != static_cast<size_t>(a.out_channels))
      return invalid_argument(where + ": bias of shape " + b->dims_text() + " for " + std::to_string(a.out_channels) +
                              " output channels");
    a.has_bias = true;
    weights.push_back({"bias", {a.out_channels}, b->floats()});
  }
  return emit(n, ir::OpType::Conv2d, a, std::move(weights), {x});
}

Status Importer::import_conv_transpose(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* w, const_input(n, 1));
  const std::string where = label(n);
  if (w->dims.size() != 4)
    return unsupported(where + ": weight of shape " + w->dims_text() + "; Caldera supports 2-D transposed convolutions");
  for (int64_t d : w->dims)
    if (d < 1 || d > (1 << 20)) return invalid_argument(where + ": weight of shape " + w->dims_text());
  const int64_t group = attr_int(n, "group", 1);
  if (group < 1 || group > (1 << 20) || w->dims[0] % group)
    return invalid_argument(where + ": group " + std::to_string(group) + " for a weight of shape " + w->dims_text());
  const std::vector<int64_t> kernel = attr_ints(n, "kernel_shape");
  if (!kernel.empty() && (kernel.size() != 2 || kernel[0] != w->dims[2] || kernel[1] != w->dims[3]))
    return invalid_argument(where + ": kernel_shape " + ints_text(kernel) + " does not match the weight " + w->dims_text());
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID")
    return unsupported(where + ": auto_pad '" + auto_pad + "' (export explicit pads)");
  if (!attr_ints(n, "output_shape").empty())
    return unsupported(where + ": output_shape fixes the output size, so the padding depends on the input size; export "
                       "explicit pads and output_padding");
  CALDERA_ASSIGN_OR_RETURN(Window win, read_window(where, attr_ints(n, "strides"), attr_ints(n, "dilations"),
                                                   auto_pad == "NOTSET" ? attr_ints(n, "pads") : std::vector<int64_t>{}));
  std::vector<int64_t> out_pad = attr_ints(n, "output_padding");
  if (out_pad.empty()) out_pad = {0, 0};
  if (out_pad.size() != 2 || out_pad[0] < 0 || out_pad[1] < 0 || out_pad[0] > 1024 || out_pad[1] > 1024)
    return invalid_argument(where + ": output_padding " + ints_text(out_pad));
  ir::ConvTranspose2dAttrs a;
  a.in_channels = static_cast<int>(w->dims[0]);
  a.out_channels = static_cast<int>(w->dims[1] * group);
  a.groups = static_cast<int>(group);
  a.kernel_h = static_cast<int>(w->dims[2]);
  a.kernel_w = static_cast<int>(w->dims[3]);
  a.stride_h = static_cast<int>(win.strides[0]);
  a.stride_w = static_cast<int>(win.strides[1]);
  a.dilation_h = static_cast<int>(win.dilations[0]);
  a.dilation_w = static_cast<int>(win.dilations[1]);
  a.pad_top = static_cast<int>(win.pads[0]);
  a.pad_left = static_cast<int>(win.pads[1]);
  a.pad_bottom = static_cast<int>(win.pads[2]);
  a.pad_right = static_cast<int>(win.pads[3]);
  a.output_pad_h = static_cast<int>(out_pad[0]);
  a.output_pad_w = static_cast<int>(out_pad[1]);
  std::vector<ir::Weight> weights{{"weight", w->dims, w->floats()}};
  if (has_input(n, 2)) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* b, const_input(n, 2));
    if (b->count() != static_cast<size_t>(a.out_channels))
      return invalid_argument(where + ": bias of shape " + b->dims_text() + " for " + std::to_string(a.out_channels) +
                              " output channels");
    a.has_bias = true;
    weights.push_back({"bias", {a.out_channels}, b->floats()});
  }
  return emit(n, ir::OpType::ConvTranspose2d, a, std::move(weights), {x});
}

Status Importer::import_activation(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  const std::string& op = n.op_type();
  ir::ActivationAttrs a;
  if (op == "Relu") {
    a.kind = ir::ActivationKind::Relu;
  } else if (op == "LeakyRelu") {
    a.kind = ir::ActivationKind::LeakyRelu;
    a.alpha = attr_float(n, "alpha", 0.01f);
  } else if (op == "Sigmoid") {
    a.kind = ir::ActivationKind::Sigmoid;
  } else if (op == "Tanh") {
    a.kind = ir::ActivationKind::Tanh;
  } else if (op == "HardSigmoid") {
    a = {ir::ActivationKind::HardSigmoid, attr_float(n, "alpha", 0.2f), attr_float(n, "beta", 0.5f)};
  } else if (op == "HardSwish") {
    a = {ir::ActivationKind::HardSwish, 1.f / 6.f, 0.5f};
  } else {  // Clip: bounds are optional scalar inputs since opset 11
    a.kind = ir::ActivationKind::Clip;
    a.alpha = -FLT_MAX;
    a.beta = FLT_MAX;
    for (int k = 1; k <= 2; ++k) {
      if (!has_input(n, k)) continue;
      CALDERA_ASSIGN_OR_RETURN(const ConstValue* c, const_input(n, k));
      if (c->count() != 1 || c->any_symbolic()) return invalid_argument(label(n) + ": the bounds must be scalars");
      (k == 1 ? a.alpha : a.beta) = static_cast<float>(c->at(0));
    }
    if (!(a.alpha <= a.beta)) return invalid_argument(label(n) + ": min above max");
  }
  return emit(n, ir::OpType::Activation, a, {}, {x.tensor}, x.rank);
}

Status Importer::import_prelu(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* s, const_input(n, 1));
  if (s->count() != 1 && !is_per_channel(*s, x.rank))
    return unsupported(label(n) + ": slope of shape " + s->dims_text() + "; the IR holds one slope or one per channel "
                       "([C,1,1] / [1,C,1,1])");
  std::vector<ir::Weight> w{{"slope", {static_cast<int64_t>(s->count())}, s->floats()}};
  return emit(n, ir::OpType::PRelu, std::monostate{}, std::move(w), {x.tensor}, x.rank);
}

// Inference mode only: the running statistics are constants, the optional training outputs
// (running mean / var, saved mean / var) must be absent or unnamed.
Status Importer::import_batchnorm(const onnx::NodeProto& n) {
  const std::string where = label(n);
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, 0));
  if (attr_int(n, "training_mode", 0) != 0)
    return unsupported(where + ": training_mode 1 (Caldera runs BatchNormalization in inference mode)");
  for (int k = 1; k < n.output_size(); ++k)
    if (!n.output(k).empty())
      return unsupported(where + ": output " + std::to_string(k) + " ('" + n.output(k) +
                         "') is a training statistic; inference graphs have one output");
  static const char* const roles[4] = {"scale", "bias", "mean", "var"};
  std::vector<ir::Weight> weights;
  size_t channels = 0;
  for (int k = 1; k <= 4; ++k) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* c, const_input(n, k));
    if (c->any_symbolic() || c->dims.size() != 1 || c->count() == 0)
      return unsupported(where + ": " + roles[k - 1] + " of shape " + c->dims_text() + "; expected [C]");
    if (k == 1) channels = c->count();
    if (c->count() != channels)
      return invalid_argument(where + ": " + roles[k - 1] + " has " + std::to_string(c->count()) + " values, scale has " +
                              std::to_string(channels));
    weights.push_back({roles[k - 1], c->dims, c->floats()});
  }
  ir::BatchNormAttrs a;
  a.epsilon = attr_float(n, "epsilon", 1e-5f);
  return emit(n, ir::OpType::BatchNorm, a, std::move(weights), {x});
}

Status Importer::import_instance_norm(const onnx::NodeProto& n) {
  const std::string where = label(n);
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  if (x.rank != 4) return unsupported(where + ": InstanceNormalization of a rank-" + std::to_string(x.rank) + " tensor");
  std::vector<ir::Weight> weights;
  for (int k = 1; k <= 2; ++k) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* c, const_input(n, k));
    if (c->any_symbolic() || c->dims.size() != 1 || c->count() == 0)
      return unsupported(where + ": " + (k == 1 ? "scale" : "B") + " of shape " + c->dims_text() + "; expected [C]");
    weights.push_back({k == 1 ? "scale" : "bias", c->dims, c->floats()});
  }
  if (weights[0].data.size() != weights[1].data.size())
    return invalid_argument(where + ": scale and B differ in length");
  const float eps = attr_float(n, "epsilon", 1e-5f);
  if (!(eps >= 0.f)) return invalid_argument(where + ": epsilon " + number_text(eps));
  return emit(n, ir::OpType::InstanceNorm, ir::InstanceNormAttrs{eps}, std::move(weights), {x.tensor});
}

Status Importer::emit_channel_affine(const onnx::NodeProto& n, int x, const std::vector<float>& scale,
                                     const std::vector<float>& shift, int rank) {
  ir::Conv2dAttrs a;
  const int c = static_cast<int>(scale.size());
  a.out_channels = a.in_channels = a.groups = c;
  bool any_shift = false;
  for (float v : shift) any_shift = any_shift || v != 0.f;
  a.has_bias = any_shift;
  std::vector<ir::Weight> w{{"weight", {c, 1, 1, 1}, scale}};
  if (any_shift) w.push_back({"bias", {c}, shift});
  return emit(n, ir::OpType::Conv2d, a, std::move(w), {x}, rank);
}

Status Importer::import_binary(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  const ir::BinaryKind kind = op == "Add" ? ir::BinaryKind::Add
                              : op == "Sub" ? ir::BinaryKind::Sub
                              : op == "Mul" ? ir::BinaryKind::Mul
                                            : ir::BinaryKind::Div;
  CALDERA_ASSIGN_OR_RETURN(const Value* a, input(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const Value* b, input(n, 1));
  if (a->kind == Value::Runtime && b->kind == Value::Runtime) {
    if (a->rank != b->rank)
      return unsupported(label(n) + ": operands of rank " + std::to_string(a->rank) + " and " + std::to_string(b->rank) +
                         " (Caldera broadcasts tensors of one rank)");
    return emit(n, ir::OpType::Binary, ir::BinaryAttrs{kind, false, 0.f}, {}, {a->tensor, b->tensor}, a->rank);
  }
  const bool const_first = a->kind == Value::Const;
  const Value xv = const_first ? *b : *a;
  const int x = xv.tensor;
  const int const_index = const_first ? a->index : b->index;
  const ConstValue* c = &consts_[static_cast<size_t>(const_index)];
  if (c->any_symbolic())
    return unsupported(label(n) + ": an operand computed from the input's size; Caldera folds sizes only into Resize "
                       "and Reshape");
  if (static_cast<int>(c->dims.size()) > xv.rank)
    return unsupported(label(n) + ": a constant of shape " + c->dims_text() + " broadcasts the rank-" +
                       std::to_string(xv.rank) + " tensor up to a higher rank");
  if (c->count() == 1 && !(const_first && kind == ir::BinaryKind::Div)) {
    const float s = static_cast<float>(c->at(0));
    if (const_first && kind == ir::BinaryKind::Sub) {
      // s - x as (x - s) * -1, exact in floating point: a Sub node then a negation.
      const int t = g_.add_tensor(n.output(0) + "/x_minus_s");
      ir::Node sub;
      sub.op = ir::OpType::Binary;
      sub.name = (n.name().empty() ? n.output(0) : n.name()) + "/x_minus_s";
      sub.inputs = {x};
      sub.outputs = {t};
      sub.attrs = ir::BinaryAttrs{ir::BinaryKind::Sub, true, s};
      g_.add_node(std::move(sub));
      return emit(n, ir::OpType::Binary, ir::BinaryAttrs{ir::BinaryKind::Mul, true, -1.f}, {}, {t}, xv.rank);
    }
    return emit(n, ir::OpType::Binary, ir::BinaryAttrs{kind, true, s}, {}, {x}, xv.rank);
  }
  if (is_per_channel(*c, xv.rank) && !(const_first && kind == ir::BinaryKind::Div)) {
    // Per channel: x * scale + shift as a 1x1 depthwise convolution.
    const std::vector<float> v = c->floats();
    std::vector<float> scale(v.size(), 1.f), shift(v.size(), 0.f);
    for (size_t i = 0; i < v.size(); ++i) {
      switch (kind) {
        case ir::BinaryKind::Add: shift[i] = v[i]; break;
        case ir::BinaryKind::Sub: scale[i] = const_first ? -1.f : 1.f; shift[i] = const_first ? v[i] : -v[i]; break;
        case ir::BinaryKind::Mul: scale[i] = v[i]; break;
        default: scale[i] = 1.f / v[i]; break;  // Div: one rounding more than x / v (<= 1 ulp)
      }
    }
    return emit_channel_affine(n, x, scale, shift, xv.rank);
  }
  // Any other constant (one varying over space, c / x): a Constant node and a Binary of two
  // tensors, broadcast as ONNX does.
  CALDERA_ASSIGN_OR_RETURN(int ct, materialize(n, const_index, xv.rank));
  const std::vector<int> ins = const_first ? std::vector<int>{ct, x} : std::vector<int>{x, ct};
  return emit(n, ir::OpType::Binary, ir::BinaryAttrs{kind, false, 0.f}, {}, ins, xv.rank);
}

// Gemm(A, B, C) and MatMul(A, B) with A a [N, K] tensor and B a constant: a Gemm node.
Status Importer::import_gemm(const onnx::NodeProto& n) {
  const std::string where = label(n);
  const bool matmul = n.op_type() == "MatMul";
  CALDERA_ASSIGN_OR_RETURN(const Value* av, input(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const Value* bv, input(n, 1));
  if (av->kind != Value::Runtime || bv->kind != Value::Const)
    return unsupported(where + ": Caldera multiplies a tensor computed from the input by a constant matrix (A runtime, "
                       "B an initializer)");
  if (av->rank != 2)
    return unsupported(where + ": A has rank " + std::to_string(av->rank) + "; Caldera's " + n.op_type() +
                       " takes [N, K] tensors (Flatten first, as classifier heads do)");
  const ConstValue& b = consts_[static_cast<size_t>(bv->index)];
  if (b.dims.size() != 2 || b.any_symbolic()) return unsupported(where + ": B of shape " + b.dims_text() + "; expected 2-D");
  if (!matmul && attr_int(n, "transA", 0) != 0) return unsupported(where + ": transA 1 (A must be [N, K])");
  const bool trans_b = !matmul && attr_int(n, "transB", 0) != 0;
  const float alpha = matmul ? 1.f : attr_float(n, "alpha", 1.f), beta = matmul ? 1.f : attr_float(n, "beta", 1.f);
  const int64_t k = trans_b ? b.dims[1] : b.dims[0], m = trans_b ? b.dims[0] : b.dims[1];
  if (k < 1 || m < 1 || k > (1 << 24) || m > (1 << 24)) return invalid_argument(where + ": B of shape " + b.dims_text());
  ir::GemmAttrs a;
  a.in_features = static_cast<int>(k);
  a.out_features = static_cast<int>(m);
  // W[m][k] = alpha * B[k][m] (or B[m][k] when transposed).
  std::vector<float> w(static_cast<size_t>(k * m));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j)
      w[static_cast<size_t>(i * k + j)] = alpha * static_cast<float>(b.at(static_cast<size_t>(trans_b ? i * k + j : j * m + i)));
  std::vector<ir::Weight> weights{{"weight", {m, k}, std::move(w)}};
  if (!matmul && has_input(n, 2)) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* c, const_input(n, 2));
    std::vector<int64_t> d;
    const bool row = aligned(c->dims, 2, d) && d[0] == 1 && (d[1] == m || d[1] == 1);
    if (c->any_symbolic() || !row)
      return unsupported(where + ": C of shape " + c->dims_text() + "; Caldera adds a bias of [M], [1, M] or a scalar");
    std::vector<float> bias(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) bias[static_cast<size_t>(i)] = beta * static_cast<float>(c->at(c->count() == 1 ? 0 : static_cast<size_t>(i)));
    a.has_bias = true;
    weights.push_back({"bias", {m}, std::move(bias)});
  }
  return emit(n, ir::OpType::Gemm, a, std::move(weights), {av->tensor}, 2);
}

Status Importer::import_pool(const onnx::NodeProto& n) {
  const std::string where = label(n);
  const std::string& op = n.op_type();
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  if (x.rank != 4) return unsupported(where + ": " + op + " of a rank-" + std::to_string(x.rank) + " tensor (2-D pooling only)");
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    ir::ReduceAttrs r;
    r.kind = op == "GlobalMaxPool" ? ir::ReduceKind::Max : ir::ReduceKind::Mean;
    return emit(n, ir::OpType::Reduce, r, {}, {x.tensor});
  }
  for (int k = 1; k < n.output_size(); ++k)
    if (!n.output(k).empty()) return unsupported(where + ": the Indices output of MaxPool");
  const std::vector<int64_t> kernel = attr_ints(n, "kernel_shape");
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1 || kernel[0] > 4096 || kernel[1] > 4096)
    return invalid_argument(where + ": kernel_shape " + ints_text(kernel) + " (2-D pooling needs two positive sizes)");
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  CALDERA_ASSIGN_OR_RETURN(Window win, read_window(where, attr_ints(n, "strides"), attr_ints(n, "dilations"),
                                                   auto_pad == "NOTSET" ? attr_ints(n, "pads") : std::vector<int64_t>{}));
  if (win.dilations[0] != 1 || win.dilations[1] != 1) return unsupported(where + ": dilated pooling");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    if (win.strides[0] != 1 || win.strides[1] != 1)
      return unsupported(where + ": auto_pad " + auto_pad + " with stride > 1 pads by the input size; export explicit pads");
    for (int d = 0; d < 2; ++d) {
      const int64_t total = kernel[static_cast<size_t>(d)] - 1, small = total / 2, large = total - small;
      win.pads[static_cast<size_t>(d)] = auto_pad == "SAME_UPPER" ? small : large;
      win.pads[static_cast<size_t>(d + 2)] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad != "NOTSET" && auto_pad != "VALID") {
    return invalid_argument(where + ": auto_pad '" + auto_pad + "'");
  }
  if (attr_int(n, "storage_order", 0) != 0) return unsupported(where + ": storage_order 1");
  ir::Pool2dAttrs a;
  a.kind = op == "MaxPool" ? ir::PoolKind::Max : ir::PoolKind::Average;
  a.kernel_h = static_cast<int>(kernel[0]);
  a.kernel_w = static_cast<int>(kernel[1]);
  a.stride_h = static_cast<int>(win.strides[0]);
  a.stride_w = static_cast<int>(win.strides[1]);
  a.pad_top = static_cast<int>(win.pads[0]);
  a.pad_left = static_cast<int>(win.pads[1]);
  a.pad_bottom = static_cast<int>(win.pads[2]);
  a.pad_right = static_cast<int>(win.pads[3]);
  a.ceil_mode = attr_int(n, "ceil_mode", 0) != 0;
  a.count_include_pad = op == "AveragePool" && attr_int(n, "count_include_pad", 0) != 0;
  return emit(n, ir::OpType::Pool2d, a, {}, {x.tensor});
}

Status Importer::import_reduce(const onnx::NodeProto& n) {
  const std::string where = label(n);
  const std::string& op = n.op_type();
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  if (x.rank > 4) return unsupported(where + ": " + op + " of a rank-" + std::to_string(x.rank) + " tensor");
  // Axes moved from an attribute to input 1 in opset 13 (ReduceSum) and 18 (the others).
  bool given = false;
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ints_input_or_attr(n, 1, "axes", &given));
  if (axes.empty()) {
    if (attr_int(n, "noop_with_empty_axes", 0) != 0) return define(n, n.output(0), x);
    return unsupported(where + ": reduces every axis, the batch included");
  }
  ir::ReduceAttrs a;
  a.kind = op == "ReduceMean" ? ir::ReduceKind::Mean
           : op == "ReduceMax" ? ir::ReduceKind::Max
           : op == "ReduceMin" ? ir::ReduceKind::Min
                               : ir::ReduceKind::Sum;
  a.rows = a.columns = false;
  std::vector<bool> reduced(static_cast<size_t>(x.rank), false);
  for (int64_t ax : axes) {
    if (!normalize_axis(ax, x.rank)) return invalid_argument(where + ": axis " + std::to_string(ax) + " of a rank-" + std::to_string(x.rank) + " tensor");
    if (ax == 0) return unsupported(where + ": reduces the batch axis");
    if (ax > 3) return unsupported(where + ": reduces axis " + std::to_string(ax) + " of a rank-" + std::to_string(x.rank) + " tensor");
    reduced[static_cast<size_t>(ax)] = true;
    (ax == 1 ? a.channels : ax == 2 ? a.rows : a.columns) = true;
  }
  int rank = x.rank;
  if (attr_int(n, "keepdims", 1) == 0) {
    // Dropping the reduced axes keeps the IR layout only when they are the trailing ones.
    int kept = 0;
    while (kept < x.rank && !reduced[static_cast<size_t>(kept)]) ++kept;
    for (int i = kept; i < x.rank; ++i)
      if (!reduced[static_cast<size_t>(i)])
        return unsupported(where + ": keepdims 0 over axes " + ints_text(axes) + " that are not the last ones");
    rank = kept;
  }
  return emit(n, ir::OpType::Reduce, a, {}, {x.tensor}, rank);
}

}  // namespace caldera::nn::onnx_import
