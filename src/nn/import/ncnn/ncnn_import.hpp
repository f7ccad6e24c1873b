// ncnn model import: .param (text) + .bin (weights) -> graph IR.
//
// Layer types: Input, Convolution, ConvolutionDepthWise, Deconvolution, DeconvolutionDepthWise,
// ReLU (with slope: leaky), PReLU, Sigmoid, Clip, TanH, HardSigmoid, HardSwish, Split, Concat
// (channels), Eltwise, BinaryOp (add/sub/mul/div/max/min, with a scalar or a second blob), Interp
// (nearest/bilinear/bicubic, align_corner), PixelShuffle, Reorg, InstanceNorm, Slice, Crop
// (offsets and sizes, numpy-style, or to a reference blob's size), Scale (by weights or by a
// second blob), Padding, InnerProduct, Flatten, Reshape, Pooling (max/average, global), Reduction
// (sum/mean/max/min), Noop, Dropout. That covers the Real-ESRGAN family (SRVGGNetCompact and
// RRDBNet), waifu2x (cunet, upconv_7), Real-CUGAN (models-se) and classifier heads. Any other
// type, and settings the IR cannot represent exactly (size-dependent 'same' padding, ncnn's
// zero-filled deconvolution output padding, ...), is an error naming the type and the layer.
// Split layers become plain fan-out (their outputs are the input tensor); ncnn's Slice becomes
// one IR Slice per output.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "caldera/status.hpp"
#include "nn/import/ncnn/weight_reader.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::ncnn {

struct ImportResult {
  ir::Graph graph;
  WeightStats weights{};  // how the tagged arrays were stored (float32 / float16)
};

// From memory: the names are used in error messages (and the graph name is the param name's stem).
Result<ImportResult> import_ncnn(std::string_view param_text, std::span<const uint8_t> bin, const std::string& param_name,
                                 const std::string& bin_name);
// From files; an empty bin_path means the param path with ".param" replaced by ".bin".
Result<ImportResult> import_ncnn_files(const std::string& param_path, const std::string& bin_path = "");

}  // namespace caldera::nn::ncnn
