// Graph passes: rewrites of the IR that keep what the graph computes and make it cheaper to
// run. Model loading runs the standard pipeline after import and before shape inference; each
// pass reports what it changed, and Model::dump() lists it. One pass per file:
//
//   fold_batchnorm.cpp        BatchNorm -> into the convolution before it, else a 1x1 depthwise
//                             convolution (no runtime sees a BatchNorm node)
//   fuse_conv_activation.cpp  Conv2d -> Activation becomes one Conv2d with its fused activation
//   dead_nodes.cpp            nodes whose outputs reach no graph output are removed
//
// Not passes here, and why: constant folding - the IR has no constant tensors (every tensor is
// computed from a graph input; weights belong to their node), and the ONNX importer already
// evaluates constant subgraphs at import. Conv + residual add - Conv2d has no second input and
// neither runtime's convolution can add one. Pixel shuffle - the IR has no Reshape/Transpose;
// the ONNX importer turns that pattern into one PixelShuffle node, and fusing a shuffle into the
// convolution before it needs a CUDA kernel. PReLU stays a node: Conv2d carries no slopes, and
// the CUDA session's planner already folds a convolution's only-reader PReLU into its epilogue.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caldera/nn/model.hpp"
#include "caldera/status.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::passes {

class Pass {
 public:
  virtual ~Pass() = default;
  virtual const char* name() const = 0;
  // Rewrites `g` (valid on entry; valid again on success). Afterwards changed() and summary()
  // describe this run.
  virtual Status run(ir::Graph& g) = 0;
  size_t changed() const { return changed_; }
  const std::string& summary() const { return summary_; }

 protected:
  size_t changed_ = 0;
  std::string summary_;  // "3 nodes folded into convolutions"
};

std::unique_ptr<Pass> make_fold_batchnorm();
std::unique_ptr<Pass> make_fuse_conv_activation();
std::unique_ptr<Pass> make_dead_node_removal();

class Pipeline {
 public:
  Pipeline& add(std::unique_ptr<Pass> pass);
  // fold_batchnorm, fuse_conv_activation, dead_node_removal (folding first so a BatchNorm
  // between a convolution and its activation does not block the fusion).
  static Pipeline standard();
  // Validates the graph, then runs each pass and validates after it (an invalid result is an
  // internal error naming the pass). One record per pass, in order.
  Result<std::vector<PassRecord>> run(ir::Graph& g) const;

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
};

}  // namespace caldera::nn::passes
