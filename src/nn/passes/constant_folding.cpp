// Constant folding: a node whose inputs are all Constant nodes is evaluated now, with the CPU
// reference runtime (fp32, the kernels every test checks), and becomes a Constant node holding the
// result. Nodes are visited in order, so chains of them fold in one run; the Constant nodes that
// nothing reads any more are left to dead_node_removal. What reaches the IR this way: ONNX
// operators applied to initializers (an exporter's Sigmoid of a constant gate, a constant
// transposed or reshaped), and whatever a rewrite leaves with constant inputs.
#include "nn/cpu/cpu_runtime.hpp"
#include "nn/passes/pass.hpp"

namespace caldera::nn::passes {
namespace {

// Results larger than this stay computed at run time (a broadcast constant can be big).
constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;

// Runs node `index` of `g` alone, fed by copies of the Constant nodes it reads.
Result<cpu::HostTensor> evaluate(const ir::Graph& g, int index) {
  const ir::Node& n = g.nodes[static_cast<size_t>(index)];
  ir::Graph sub;
  sub.name = g.name + "/fold";
  std::vector<int> inputs;
  for (int t : n.inputs) {
    const ir::Node& producer = g.nodes[static_cast<size_t>(g.tensors[static_cast<size_t>(t)].producer)];
    ir::Node c = producer;
    c.outputs = {sub.add_tensor(g.tensors[static_cast<size_t>(t)].name, producer.attr<ir::ConstantAttrs>().shape)};
    inputs.push_back(c.outputs[0]);
    sub.add_node(std::move(c));
  }
  ir::Node copy = n;
  copy.inputs = inputs;
  copy.outputs = {sub.add_tensor(g.tensors[static_cast<size_t>(n.outputs[0])].name)};
  sub.outputs = copy.outputs;
  sub.add_node(std::move(copy));
  std::vector<cpu::HostTensor> out;
  CALDERA_RETURN_IF_ERROR(cpu::run_graph(sub, {}, {}, out, 1));
  return std::move(out[0]);
}

class ConstantFolding final : public Pass {
 public:
  const char* name() const override { return "constant_folding"; }

  Status run(ir::Graph& g) override {
    changed_ = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      ir::Node& n = g.nodes[i];
      if (n.op == ir::OpType::Input || n.op == ir::OpType::Constant || n.inputs.empty()) continue;
      bool all_constant = true;
      for (int t : n.inputs) all_constant = all_constant && g.is_constant(t);
      if (!all_constant) continue;
      auto result = evaluate(g, static_cast<int>(i));
      if (!result) return result.status().with_context("evaluating " + ir::node_label(g, static_cast<int>(i)));
      if (result->shape.count() > kMaxFoldedElements) continue;
      const ir::Shape shape = result->shape;
      n.op = ir::OpType::Constant;
      n.inputs.clear();
      n.attrs = ir::ConstantAttrs{shape};
      n.weights = {{"value", shape.dims(), std::move(result->data)}};
      g.tensors[static_cast<size_t>(n.outputs[0])].shape = shape;
      ++changed_;
    }
    summary_ = std::to_string(changed_) + (changed_ == 1 ? " node" : " nodes") + " evaluated into constants";
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Pass> make_constant_folding() { return std::make_unique<ConstantFolding>(); }

}  // namespace caldera::nn::passes
