// Runs a graph on the CPU with the reference kernels: shapes from shape inference, one buffer
// per tensor, freed after its last reader so peak memory follows the live set rather than the
// whole graph (the planner will later do this into one workspace).
#pragma once

#include <vector>

#include "caldera/status.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::cpu {

struct HostTensor {
  ir::Shape shape{};
  std::vector<float> data;
};

// `inputs[i]` feeds g.inputs[i]; its data must hold shape.count() floats. Outputs follow
// g.outputs. Errors name the node.
Status run_graph(const ir::Graph& g, const std::vector<const float*>& inputs, const std::vector<ir::Shape>& input_shapes,
                 std::vector<HostTensor>& outputs, int threads = 0);

}  // namespace caldera::nn::cpu
