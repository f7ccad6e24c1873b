// The text form of a graph (caldera model inspect): one line per node with its attributes.
#include <cstdio>
#include <sstream>

#include "nn/ir/graph.hpp"

namespace caldera::nn::ir {
namespace {

std::string float_text(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

std::string activation_text(const ActivationAttrs& a) {
  std::string s = activation_name(a.kind);
  if (a.kind == ActivationKind::LeakyRelu) s += "(" + float_text(a.alpha) + ")";
  if (a.kind == ActivationKind::Clip || a.kind == ActivationKind::HardSigmoid || a.kind == ActivationKind::HardSwish)
    s += "(" + float_text(a.alpha) + "," + float_text(a.beta) + ")";
  return s;
}

std::string end_text(int64_t e) { return e == kSliceToEnd ? "end" : std::to_string(e); }

void node_attrs(std::ostringstream& a, const Node& n) {
  switch (n.op) {
    case OpType::Conv2d: {
      const auto& c = n.attr<Conv2dAttrs>();
      a << c.in_channels << "->" << c.out_channels << " k" << c.kernel_h << "x" << c.kernel_w;
      if (c.stride_h != 1 || c.stride_w != 1) a << " s" << c.stride_h << "x" << c.stride_w;
      if (c.dilation_h != 1 || c.dilation_w != 1) a << " d" << c.dilation_h << "x" << c.dilation_w;
      a << " pad " << c.pad_top << "," << c.pad_left << "," << c.pad_bottom << "," << c.pad_right;
      if (c.groups != 1) a << " groups " << c.groups;
      if (c.has_bias) a << " bias";
      if (c.has_residual && c.residual_before_activation) a << " +residual";
      if (c.activation.kind != ActivationKind::None) a << " +" << activation_text(c.activation);
      if (c.has_residual && !c.residual_before_activation) a << " +residual";
      break;
    }
    case OpType::ConvTranspose2d: {
      const auto& c = n.attr<ConvTranspose2dAttrs>();
      a << c.in_channels << "->" << c.out_channels << " k" << c.kernel_h << "x" << c.kernel_w;
      if (c.stride_h != 1 || c.stride_w != 1) a << " s" << c.stride_h << "x" << c.stride_w;
      if (c.dilation_h != 1 || c.dilation_w != 1) a << " d" << c.dilation_h << "x" << c.dilation_w;
      a << " pad " << c.pad_top << "," << c.pad_left << "," << c.pad_bottom << "," << c.pad_right;
      if (c.output_pad_h || c.output_pad_w) a << " output_pad " << c.output_pad_h << "," << c.output_pad_w;
      if (c.groups != 1) a << " groups " << c.groups;
      if (c.has_bias) a << " bias";
      if (c.activation.kind != ActivationKind::None) a << " +" << activation_text(c.activation);
      break;
    }
    case OpType::Activation: {
      const auto& c = n.attr<ActivationAttrs>();
      a << activation_name(c.kind);
      if (c.kind == ActivationKind::LeakyRelu) a << " slope " << float_text(c.alpha);
      if (c.kind == ActivationKind::Clip) a << " " << float_text(c.alpha) << ".." << float_text(c.beta);
      if (c.kind == ActivationKind::HardSigmoid || c.kind == ActivationKind::HardSwish)
        a << " alpha " << float_text(c.alpha) << " beta " << float_text(c.beta);
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
    case OpType::SpaceToDepth: {
      const auto& p = n.attr<SpaceToDepthAttrs>();
      a << "block " << p.block << (p.mode ? " mode 1 (ONNX)" : " mode 0 (pixel_unshuffle)");
      break;
    }
    case OpType::Resize: {
      const auto& r = n.attr<ResizeAttrs>();
      a << resize_mode_name(r.mode);
      if (r.out_h > 0 && r.out_w > 0) a << " to " << r.out_h << "x" << r.out_w;
      else a << " scale " << float_text(r.scale_h) << "x" << float_text(r.scale_w);
      if (r.mode != ResizeMode::Nearest) {
        if (r.coord != ResizeCoord::HalfPixel) a << " " << resize_coord_name(r.coord);
        if (r.scale_coords) a << " (coordinates by scale)";
        if (r.mode == ResizeMode::Bicubic && r.cubic_a != -0.75f) a << " a " << float_text(r.cubic_a);
      }
      break;
    }
    case OpType::BatchNorm:
      a << n.weights[0].data.size() << " channels eps " << float_text(n.attr<BatchNormAttrs>().epsilon);
      break;
    case OpType::InstanceNorm:
      a << n.weights[0].data.size() << " channels eps " << float_text(n.attr<InstanceNormAttrs>().epsilon);
      break;
    case OpType::Slice: {
      const auto& s = n.attr<SliceAttrs>();
      static const char* const axes[3] = {"c", "h", "w"};
      bool any = false;
      for (int k = 0; k < 3; ++k) {
        if (s.to_reference[k]) {
          a << (any ? " " : "") << axes[k] << " " << s.begin[k] << ":+";
          if (s.reference_scale != 1) a << s.reference_scale << "x";
          a << "ref";
          any = true;
          continue;
        }
        if (s.begin[k] == 0 && s.end[k] == kSliceToEnd) continue;
        a << (any ? " " : "") << axes[k] << " " << s.begin[k] << ":" << end_text(s.end[k]);
        any = true;
      }
      if (!any) a << "all";
      break;
    }
    case OpType::Pad: {
      const auto& p = n.attr<PadAttrs>();
      a << pad_mode_name(p.mode) << " " << p.top << "," << p.left << "," << p.bottom << "," << p.right;
      if (p.mode == PadMode::Constant && p.value != 0.f) a << " value " << float_text(p.value);
      if (p.align_h != 1 || p.align_w != 1) a << " align " << p.align_h << "x" << p.align_w;
      break;
    }
    case OpType::Gemm: {
      const auto& g = n.attr<GemmAttrs>();
      a << g.in_features << "->" << g.out_features << (g.has_bias ? " bias" : "");
      if (g.activation.kind != ActivationKind::None) a << " +" << activation_text(g.activation);
      break;
    }
    case OpType::Reduce: {
      const auto& r = n.attr<ReduceAttrs>();
      a << reduce_name(r.kind) << " over" << (r.channels ? " c" : "") << (r.rows ? " h" : "") << (r.columns ? " w" : "");
      break;
    }
    case OpType::Pool2d: {
      const auto& p = n.attr<Pool2dAttrs>();
      a << (p.kind == PoolKind::Max ? "max" : "average") << " k" << p.kernel_h << "x" << p.kernel_w << " s" << p.stride_h
        << "x" << p.stride_w << " pad " << p.pad_top << "," << p.pad_left << "," << p.pad_bottom << "," << p.pad_right;
      if (p.ceil_mode) a << " ceil";
      if (p.kind == PoolKind::Average && p.count_include_pad) a << " count_include_pad";
      break;
    }
    case OpType::Reshape: {
      a << "to [";
      const auto& r = n.attr<ReshapeAttrs>();
      for (size_t i = 0; i < r.dims.size(); ++i) {
        const ReshapeDim& d = r.dims[i];
        a << (i ? "," : "");
        if (d.kind == ReshapeDim::Fixed) a << d.value;
        else if (d.kind == ReshapeDim::Infer) a << "-1";
        else {
          if (d.factor != 1.0) a << float_text(static_cast<float>(d.factor)) << "*";
          a << "in" << d.source << "[" << d.axis << "]";
        }
      }
      a << "]";
      break;
    }
    case OpType::Transpose: {
      a << "perm [";
      const auto& p = n.attr<TransposeAttrs>().perm;
      for (size_t i = 0; i < p.size(); ++i) a << (i ? "," : "") << p[i];
      a << "]";
      break;
    }
    case OpType::Constant: a << n.weights[0].data.size() << " values"; break;
    default: break;
  }
}

}  // namespace

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
    node_attrs(a, n);
    const std::string attr_text = a.str();
    if (!attr_text.empty()) out << "  " << attr_text;
    out << "\n";
  }
  for (int t : g.outputs) out << "  output " << tensor(t) << "\n";
  return out.str();
}

}  // namespace caldera::nn::ir
