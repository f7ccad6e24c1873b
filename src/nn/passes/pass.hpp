// Graph passes: rewrites of the IR that keep what the graph computes and make it cheaper to
// run. Model loading runs the standard pipeline after import and before shape inference; each
// pass reports what it changed, and Model::dump() lists it. One pass per file:
//
//   constant_folding.cpp      nodes whose inputs are all Constant nodes are evaluated (CPU
//                             runtime) into Constant nodes
//   fuse_pixel_shuffle.cpp    Reshape -> Transpose -> Reshape chains that are a pixel shuffle or
//                             its inverse become one PixelShuffle / SpaceToDepth (checked by
//                             running both)
//   fold_batchnorm.cpp        BatchNorm -> into the convolution before it, else a 1x1 depthwise
//                             convolution (no runtime sees a BatchNorm node)
//   fuse_conv_activation.cpp  Conv2d -> Activation becomes one Conv2d with its fused activation
//   fuse_conv_residual.cpp    Add(Conv2d, r) becomes one Conv2d with residual input r (and the
//                             activation after the add, where there is one)
//   dead_nodes.cpp            nodes whose outputs reach no graph output are removed
//
// PReLU stays a node: Conv2d carries no slopes, and the CUDA session's planner already folds a
// convolution's only-reader PReLU into its epilogue.
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

std::unique_ptr<Pass> make_constant_folding();
std::unique_ptr<Pass> make_pixel_shuffle_fusion();
std::unique_ptr<Pass> make_fold_batchnorm();
std::unique_ptr<Pass> make_fuse_conv_activation();
std::unique_ptr<Pass> make_fuse_conv_residual();
std::unique_ptr<Pass> make_dead_node_removal();

class Pipeline {
 public:
  Pipeline& add(std::unique_ptr<Pass> pass);
  // constant_folding, pixel_shuffle, fold_batchnorm, fuse_conv_activation, fuse_conv_residual,
  // dead_node_removal: constants first (what they leave is plain), BatchNorm folding before the
  // fusions (so a BatchNorm between a convolution and its activation does not block them), the
  // activation before the residual (conv -> act -> add adds after the activation), dead nodes
  // last (the Constant nodes folding left unread).
  static Pipeline standard();
  // Validates the graph, then runs each pass and validates after it (an invalid result is an
  // internal error naming the pass). One record per pass, in order.
  Result<std::vector<PassRecord>> run(ir::Graph& g) const;

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
};

}  // namespace caldera::nn::passes
