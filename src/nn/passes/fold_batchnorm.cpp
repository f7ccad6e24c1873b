// BatchNorm folding. Inference batch normalisation is a per-channel affine map,
// y = x * s[c] + (bias[c] - mean[c] * s[c]) with s = scale / sqrt(var + eps), so:
// - after a Conv2d whose output only the BatchNorm reads and that applies no activation of its
//   own, it folds into that convolution: W'[o] = W[o] * s[o], b'[o] = b[o] * s[o] + shift[o]
//   (computed in double, rounded once), and the BatchNorm node goes;
// - anywhere else it becomes a 1x1 depthwise Conv2d with weight s and bias shift (the ONNX
//   importer's form of a per-channel multiply-add), so no runtime ever sees a BatchNorm node.
#include <cmath>

#include "nn/passes/graph_edit.hpp"
#include "nn/passes/pass.hpp"

namespace caldera::nn::passes {
namespace {

struct Affine {
  std::vector<double> scale, shift;
};

Affine batchnorm_affine(const ir::Node& bn) {
  const double eps = bn.attr<ir::BatchNormAttrs>().epsilon;
  const auto& gamma = bn.weights[0].data;
  const auto& beta = bn.weights[1].data;
  const auto& mean = bn.weights[2].data;
  const auto& var = bn.weights[3].data;
  Affine a;
  a.scale.resize(gamma.size());
  a.shift.resize(gamma.size());
  for (size_t c = 0; c < gamma.size(); ++c) {
    a.scale[c] = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
    a.shift[c] = beta[c] - mean[c] * a.scale[c];
  }
  return a;
}

void fold_into_conv(ir::Node& conv, const Affine& f) {
  ir::Conv2dAttrs& a = conv.attr<ir::Conv2dAttrs>();
  std::vector<float>& w = conv.weights[0].data;
  const size_t per_out = w.size() / static_cast<size_t>(a.out_channels);
  for (size_t o = 0; o < static_cast<size_t>(a.out_channels); ++o)
    for (size_t k = 0; k < per_out; ++k) w[o * per_out + k] = static_cast<float>(w[o * per_out + k] * f.scale[o]);
  std::vector<float> bias(static_cast<size_t>(a.out_channels));
  for (size_t o = 0; o < bias.size(); ++o) {
    const double b = a.has_bias ? conv.weights[1].data[o] : 0.0;
    bias[o] = static_cast<float>(b * f.scale[o] + f.shift[o]);
  }
  if (a.has_bias) {
    conv.weights[1].data = std::move(bias);
  } else {
    a.has_bias = true;
    conv.weights.push_back({"bias", {a.out_channels}, std::move(bias)});
  }
}

// The BatchNorm node becomes a 1x1 depthwise convolution in place (same inputs and outputs).
void to_depthwise(ir::Node& bn, const Affine& f) {
  const int c = static_cast<int>(f.scale.size());
  ir::Conv2dAttrs a;
  a.out_channels = a.in_channels = a.groups = c;
  a.has_bias = true;
  std::vector<float> w(f.scale.begin(), f.scale.end()), b(f.shift.begin(), f.shift.end());
  bn.op = ir::OpType::Conv2d;
  bn.attrs = a;
  bn.weights = {{"weight", {c, 1, 1, 1}, std::move(w)}, {"bias", {c}, std::move(b)}};
}

class FoldBatchNorm final : public Pass {
 public:
  const char* name() const override { return "fold_batchnorm"; }

  Status run(ir::Graph& g) override {
    Uses uses(g);
    std::vector<bool> drop(g.nodes.size(), false);
    size_t folded = 0, converted = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      ir::Node& bn = g.nodes[i];
      if (bn.op != ir::OpType::BatchNorm) continue;
      const Affine f = batchnorm_affine(bn);
      const int x = bn.inputs[0];
      const int p = g.tensors[static_cast<size_t>(x)].producer;
      ir::Node* conv = p >= 0 ? &g.nodes[static_cast<size_t>(p)] : nullptr;
      const bool foldable = conv && conv->op == ir::OpType::Conv2d && uses.single_reader(x) &&
                            conv->attr<ir::Conv2dAttrs>().activation.kind == ir::ActivationKind::None &&
                            static_cast<size_t>(conv->attr<ir::Conv2dAttrs>().out_channels) == f.scale.size();
      if (!foldable) {
        to_depthwise(bn, f);
        ++converted;
        continue;
      }
      fold_into_conv(*conv, f);
      conv->outputs = bn.outputs;
      for (int o : conv->outputs) g.tensors[static_cast<size_t>(o)].producer = p;
      bn.inputs.clear();
      bn.outputs.clear();
      drop[i] = true;
      ++folded;
    }
    if (folded) remove_nodes(g, drop);
    changed_ = folded + converted;
    summary_ = std::to_string(folded) + (folded == 1 ? " node" : " nodes") + " folded into convolutions";
    if (converted) summary_ += ", " + std::to_string(converted) + " became 1x1 depthwise convolutions";
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Pass> make_fold_batchnorm() { return std::make_unique<FoldBatchNorm>(); }

}  // namespace caldera::nn::passes
