// Dead-node removal: a node none of whose outputs reaches a graph output is dropped, with the
// tensors it made. Input nodes stay (they are the graph's interface even when unread).
#include "nn/passes/graph_edit.hpp"
#include "nn/passes/pass.hpp"

namespace caldera::nn::passes {
namespace {

class DeadNodeRemoval final : public Pass {
 public:
  const char* name() const override { return "dead_node_removal"; }

  Status run(ir::Graph& g) override {
    std::vector<bool> needed(g.tensors.size(), false);
    for (int t : g.outputs) needed[static_cast<size_t>(t)] = true;
    std::vector<bool> drop(g.nodes.size(), false);
    changed_ = 0;
    // Nodes are topological: walking backwards, every reader of a tensor is seen before its producer.
    for (size_t i = g.nodes.size(); i-- > 0;) {
      const ir::Node& n = g.nodes[i];
      bool live = n.op == ir::OpType::Input;
      for (int t : n.outputs) live = live || needed[static_cast<size_t>(t)];
      if (!live) {
        drop[i] = true;
        ++changed_;
        continue;
      }
      for (int t : n.inputs) needed[static_cast<size_t>(t)] = true;
    }
    if (changed_) remove_nodes(g, drop);
    summary_ = std::to_string(changed_) + (changed_ == 1 ? " node" : " nodes") + " removed";
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Pass> make_dead_node_removal() { return std::make_unique<DeadNodeRemoval>(); }

}  // namespace caldera::nn::passes
