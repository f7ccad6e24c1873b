// Small graph-editing helpers the passes share (internal to src/nn/passes/).
#pragma once

#include <vector>

#include "nn/ir/graph.hpp"

namespace caldera::nn::passes {

// How many node inputs read each tensor (a node reading a tensor twice counts twice), and
// whether each tensor is a graph output.
struct Uses {
  std::vector<int> readers;
  std::vector<bool> is_output;
  explicit Uses(const ir::Graph& g);
  // A tensor only `one` reader consumes: the producer may hand its output to that reader.
  bool single_reader(int tensor) const {
    return readers[static_cast<size_t>(tensor)] == 1 && !is_output[static_cast<size_t>(tensor)];
  }
};

// The index of the node that reads `tensor` (the first one), or -1.
int first_reader(const ir::Graph& g, int tensor);

// Removes the nodes marked in `drop` (indexed like g.nodes) and every tensor no remaining node
// makes, renumbering nodes and tensors (order kept) and the graph's inputs and outputs. The
// caller has already rewired readers of what it drops.
void remove_nodes(ir::Graph& g, const std::vector<bool>& drop);

}  // namespace caldera::nn::passes
