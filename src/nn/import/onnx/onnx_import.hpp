// ONNX model import (opset 11 and later) -> graph IR, for the operators image models use:
//   Conv, ConvTranspose, Relu, LeakyRelu, PRelu, Sigmoid, Clip, Tanh, HardSigmoid, HardSwish,
//   BatchNormalization (inference mode; the fold_batchnorm pass folds it at model load),
//   InstanceNormalization, Add/Sub/Mul/Div (tensors with broadcasting; scalar, per-channel and any
//   other constant operands), Gemm / MatMul on [N, K] tensors, MaxPool, AveragePool,
//   GlobalAveragePool / GlobalMaxPool, ReduceMean/Max/Min/Sum, Concat (channels), Resize /
//   Upsample (nearest where it matches exactly, linear and cubic in four coordinate transforms),
//   DepthToSpace, SpaceToDepth, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Slice, Split, Pad,
//   Identity / Dropout, and constant subgraphs (Constant, Shape, Gather, Unsqueeze, Squeeze, Concat,
//   Cast, Slice, arithmetic, Floor/Ceil) folded at import. Sizes computed from a dynamic input size
//   stay symbolic, so `Shape -> Gather -> Mul -> Concat -> Resize(sizes)` becomes a Resize by scale
//   and a Reshape's target can follow the input. Other operators on constants become IR nodes the
//   constant_folding pass evaluates. Anything else is an error naming the operator and the node;
//   malformed files are errors, never crashes. docs/nn.md lists the settings each operator takes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "caldera/status.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::onnx_import {

struct ImportResult {
  ir::Graph graph;
  int64_t opset = 0;             // the default domain's opset
  size_t initializers = 0;       // initializer tensors read
  size_t folded_nodes = 0;       // nodes evaluated at import (constant subgraphs)
};

// `name` is used in errors; the graph name is its stem.
Result<ImportResult> import_onnx(std::span<const uint8_t> bytes, const std::string& name);
Result<ImportResult> import_onnx_file(const std::string& path);

}  // namespace caldera::nn::onnx_import
