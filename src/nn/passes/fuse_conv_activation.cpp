// Conv + activation fusion: a Conv2d, ConvTranspose2d or Gemm without a fused activation whose
// output only an Activation node reads takes that activation into its own attribute (applied after
// the bias, as ncnn's fused layers and both runtimes do; after the residual, when a convolution
// adds one) and writes the activation's output; the Activation node goes. Every ActivationKind
// qualifies: the CPU kernels apply any, and the CUDA session runs the attribute in the
// convolution epilogue (ReLU through cuDNN's fused bias + activation where cuDNN offers it) or in
// the fully connected kernel. PReLU is left as a node (no slopes in those attributes; the CUDA
// planner fuses it into a convolution's epilogue).
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
      ir::ActivationAttrs* own = nullptr;
      ir::Conv2dAttrs* c2 = nullptr;
      if (conv.op == ir::OpType::Conv2d) own = &(c2 = &conv.attr<ir::Conv2dAttrs>())->activation;
      else if (conv.op == ir::OpType::ConvTranspose2d) own = &conv.attr<ir::ConvTranspose2dAttrs>().activation;
      else if (conv.op == ir::OpType::Gemm) own = &conv.attr<ir::GemmAttrs>().activation;
      else continue;
      const int t = conv.outputs[0];
      if (own->kind != ir::ActivationKind::None || !uses.single_reader(t)) continue;
      const int r = first_reader(g, t);
      if (r < 0) continue;
      ir::Node& act = g.nodes[static_cast<size_t>(r)];
      if (act.op != ir::OpType::Activation) continue;
      *own = act.attr<ir::ActivationAttrs>();
      if (c2 && c2->has_residual) c2->residual_before_activation = true;  // the activation read conv + residual
      conv.outputs = act.outputs;
      for (int o : conv.outputs) g.tensors[static_cast<size_t>(o)].producer = static_cast<int>(i);
      act.inputs.clear();
      act.outputs.clear();
      drop[static_cast<size_t>(r)] = true;
      ++changed_;
    }
    if (changed_) remove_nodes(g, drop);
    summary_ = std::to_string(changed_) + (changed_ == 1 ? " activation" : " activations") + " fused into convolutions / fully connected layers";
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Pass> make_fuse_conv_activation() { return std::make_unique<FuseConvActivation>(); }

}  // namespace caldera::nn::passes
