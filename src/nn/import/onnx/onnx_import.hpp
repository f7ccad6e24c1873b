// ONNX model import (opset 11 and later) -> graph IR, for the operators CNN restoration and
// super-resolution models use:
//   Conv (groups, dilation, asymmetric pads, auto_pad), Relu, LeakyRelu, PRelu, Sigmoid, Clip,
//   BatchNormalization (inference mode; the fold_batchnorm pass folds it at model load),
//   Add/Sub/Mul/Div (two tensors with broadcasting; a tensor and a scalar or per-channel
//   [1,C,1,1] constant, the latter as a 1x1 depthwise convolution), Concat (channels),
//   Resize/Upsample (nearest, linear, cubic), DepthToSpace (DCR, CRD), the
//   Reshape -> Transpose -> Reshape pixel-shuffle pattern, Identity / Dropout,
//   and constant subgraphs (Constant, Shape, Gather, Unsqueeze, Squeeze, Concat, Cast, Slice,
//   arithmetic, Floor/Ceil) folded at import. Sizes computed from a dynamic input size stay
//   symbolic, so `Shape -> Gather -> Mul -> Concat -> Resize(sizes)` becomes a Resize by scale.
// Anything else (ConvTranspose included: the IR has no transposed convolution yet) is an error
// naming the operator and the node. Malformed files are errors, never crashes.
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
