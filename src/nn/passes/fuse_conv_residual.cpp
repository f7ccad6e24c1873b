// Conv + residual-add fusion: Add(conv(x), r) - a Binary add of two tensors or a two-input
// Eltwise sum without coefficients - where the convolution's output is read by that add only and
// has the shape of r, becomes one Conv2d with r as its residual input (ResNet and EDSR blocks,
// the skip of SRVGG-style networks). A convolution with its own activation adds r after it
// (act(conv + b) + r); one without takes an Activation that is the add's only reader as well,
// applied after the residual (act(conv + b + r)). The fused node sits where the add was, so
// r is made before it; both runtimes add r in the convolution's epilogue.
#include "nn/passes/graph_edit.hpp"
#include "nn/passes/pass.hpp"

namespace caldera::nn::passes {
namespace {

bool is_residual_add(const ir::Node& n) {
  if (n.op == ir::OpType::Binary) {
    const auto& b = n.attr<ir::BinaryAttrs>();
    return b.kind == ir::BinaryKind::Add && !b.with_scalar;
  }
  if (n.op == ir::OpType::Eltwise) {
    const auto& e = n.attr<ir::EltwiseAttrs>();
    if (e.kind != ir::EltwiseKind::Sum || n.inputs.size() != 2) return false;
    for (float c : e.coeffs)
      if (c != 1.f) return false;
    return true;
  }
  return false;
}

class FuseConvResidual final : public Pass {
 public:
  const char* name() const override { return "fuse_conv_residual"; }

  Status run(ir::Graph& g) override {
    changed_ = 0;
    size_t with_activation = 0;
    // Shapes as far as the declared inputs fix them: the residual must have the convolution's
    // shape (a broadcast add stays an add). Dynamic sizes compare equal only when both are
    // dynamic; shape inference of the fused node checks them again at every run.
    std::vector<ir::Shape> inputs;
    for (int t : g.inputs) inputs.push_back(g.tensors[static_cast<size_t>(t)].shape);
    auto shapes = ir::compute_shapes(g, inputs);
    if (!shapes) {
      summary_ = "0 adds fused (shapes unknown: " + shapes.status().message() + ")";
      return Status::ok();
    }
    Uses uses(g);
    std::vector<bool> drop(g.nodes.size(), false);
    for (size_t j = 0; j < g.nodes.size(); ++j) {
      ir::Node& add = g.nodes[j];
      if (drop[j] || !is_residual_add(add)) continue;
      for (int k = 0; k < 2; ++k) {
        const int t = add.inputs[static_cast<size_t>(k)], r = add.inputs[static_cast<size_t>(1 - k)];
        const int p = g.tensors[static_cast<size_t>(t)].producer;
        if (t == r || p < 0 || drop[static_cast<size_t>(p)]) continue;
        const ir::Node& conv = g.nodes[static_cast<size_t>(p)];
        if (conv.op != ir::OpType::Conv2d || conv.attr<ir::Conv2dAttrs>().has_residual || !uses.single_reader(t)) continue;
        if (!((*shapes)[static_cast<size_t>(t)] == (*shapes)[static_cast<size_t>(r)])) continue;
        ir::Conv2dAttrs a = conv.attr<ir::Conv2dAttrs>();
        a.has_residual = true;
        a.residual_before_activation = false;
        std::vector<int> outputs = add.outputs;
        // An activation reading only the sum goes in too, after the residual.
        const int sum = add.outputs[0];
        const int reader = uses.single_reader(sum) ? first_reader(g, sum) : -1;
        if (a.activation.kind == ir::ActivationKind::None && reader >= 0 &&
            g.nodes[static_cast<size_t>(reader)].op == ir::OpType::Activation) {
          ir::Node& act = g.nodes[static_cast<size_t>(reader)];
          a.activation = act.attr<ir::ActivationAttrs>();
          a.residual_before_activation = true;
          outputs = act.outputs;
          act.inputs.clear();
          act.outputs.clear();
          drop[static_cast<size_t>(reader)] = true;
          ++with_activation;
        }
        ir::Node fused;
        fused.op = ir::OpType::Conv2d;
        fused.name = conv.name;
        fused.inputs = {conv.inputs[0], r};
        fused.outputs = outputs;
        fused.attrs = a;
        fused.weights = conv.weights;
        g.nodes[static_cast<size_t>(p)].inputs.clear();
        g.nodes[static_cast<size_t>(p)].outputs.clear();
        drop[static_cast<size_t>(p)] = true;
        add = std::move(fused);
        for (int o : add.outputs) g.tensors[static_cast<size_t>(o)].producer = static_cast<int>(j);
        ++changed_;
        break;
      }
    }
    if (changed_) remove_nodes(g, drop);
    summary_ = std::to_string(changed_) + (changed_ == 1 ? " add" : " adds") + " fused into convolutions as residuals";
    if (with_activation) summary_ += " (" + std::to_string(with_activation) + " with the activation after them)";
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Pass> make_fuse_conv_residual() { return std::make_unique<FuseConvResidual>(); }

}  // namespace caldera::nn::passes
