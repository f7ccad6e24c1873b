#include "nn/passes/graph_edit.hpp"

namespace caldera::nn::passes {

Uses::Uses(const ir::Graph& g) : readers(g.tensors.size(), 0), is_output(g.tensors.size(), false) {
  for (const ir::Node& n : g.nodes)
    for (int t : n.inputs) ++readers[static_cast<size_t>(t)];
  for (int t : g.outputs) is_output[static_cast<size_t>(t)] = true;
}

int first_reader(const ir::Graph& g, int tensor) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int t : g.nodes[i].inputs)
      if (t == tensor) return static_cast<int>(i);
  return -1;
}

void remove_nodes(ir::Graph& g, const std::vector<bool>& drop) {
  // Tensors kept: those a kept node makes (graph inputs are made by Input nodes).
  std::vector<int> tensor_map(g.tensors.size(), -1);
  std::vector<ir::Tensor> tensors;
  std::vector<ir::Node> nodes;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (drop[i]) continue;
    for (int t : g.nodes[i].outputs) {
      tensor_map[static_cast<size_t>(t)] = static_cast<int>(tensors.size());
      tensors.push_back(std::move(g.tensors[static_cast<size_t>(t)]));
      tensors.back().producer = static_cast<int>(nodes.size());
    }
    nodes.push_back(std::move(g.nodes[i]));
  }
  // Indices are only renumbered, never invented: a reference to a dropped tensor becomes -1,
  // which validation reports.
  const auto remap = [&](std::vector<int>& v) {
    for (int& t : v) t = t >= 0 && static_cast<size_t>(t) < tensor_map.size() ? tensor_map[static_cast<size_t>(t)] : -1;
  };
  for (ir::Node& n : nodes) {
    remap(n.inputs);
    remap(n.outputs);
  }
  remap(g.inputs);
  remap(g.outputs);
  g.tensors = std::move(tensors);
  g.nodes = std::move(nodes);
}

}  // namespace caldera::nn::passes
