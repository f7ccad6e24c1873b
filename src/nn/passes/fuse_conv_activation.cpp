// Conv + activation fusion: a Conv2d without a fused activation whose output only an Activation
// node reads takes that activation into its own attribute (applied after the bias, as ncnn's
// fused layers and both runtimes do; after the residual, when the convolution adds one) and
// writes the activation's output; the Activation node goes. Every ActivationKind qualifies: the CPU convolution applies any, and the CUDA session
// runs a Conv2d's activation attribute in its epilogue (ReLU through cuDNN's fused
// bias + activation where cuDNN offers it). PReLU is left as a node (Conv2d has no slopes; the
// CUDA planner fuses it).
#include "nn/passes/graph_edit.hpp"
#include "nn/passes/pass.hpp"

namespace caldera::nn::passes {
namespace {

class FuseConvActivation final : public Pass {
 public:
  const char* name() const override { return "fuse_conv_activation"; }

  Status run(ir::Graph& g) override {
    Uses uses(g);
    std::vector<bool> drop(g.nodes.size(), false);
    changed_ = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      ir::Node& conv = g.nodes[i];
      if (conv.op != ir::OpType::Conv2d) continue;
      ir::Conv2dAttrs& a = conv.attr<ir::Conv2dAttrs>();
      const int t = conv.outputs[0];
      if (a.activation.kind != ir::ActivationKind::None || !uses.single_reader(t)) continue;
      const int r = first_reader(g, t);
      if (r < 0) continue;
      ir::Node& act = g.nodes[static_cast<size_t>(r)];
      if (act.op != ir::OpType::Activation) continue;
      a.activation = act.attr<ir::ActivationAttrs>();
      if (a.has_residual) a.residual_before_activation = true;  // the activation read conv + residual
      conv.outputs = act.outputs;
      for (int o : conv.outputs) g.tensors[static_cast<size_t>(o)].producer = static_cast<int>(i);
      act.inputs.clear();
      act.outputs.clear();
      drop[static_cast<size_t>(r)] = true;
      ++changed_;
    }
    if (changed_) remove_nodes(g, drop);
    summary_ = std::to_string(changed_) + (changed_ == 1 ? " activation" : " activations") + " fused into convolutions";
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Pass> make_fuse_conv_activation() { return std::make_unique<FuseConvActivation>(); }

}  // namespace caldera::nn::passes
