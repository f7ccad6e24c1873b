// Random-weight ONNX models of the later operators (transposed convolution, tanh / hard sigmoid /
// hard swish, instance normalisation, split / slice, pad, space-to-depth, classifier heads,
// reductions, pooling, resize at non-whole scales, constants, residual blocks, reshape /
// transpose), each with an odd input size. ONNX Runtime checks the CPU runtime on them
// (onnx_ops_ort_test.cpp) and the CPU runtime checks the CUDA runtime (cuda_ops_test.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "onnx_test_util.hpp"

namespace caldera::nn::testing {

struct OpsCase {
  std::string name;
  std::function<OnnxBuilder()> build;
  std::vector<int64_t> input;  // NCHW
};

// ConvTranspose: stride 2 with output_padding and groups, a 4x4 stride-2 upsampler without
// bias, and a dilated stride-1 one with asymmetric pads.
inline OnnxBuilder conv_transpose_model() {
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  b.init("t0.w", {4, 3, 3, 3}, random_values(108, 501, -0.4f, 0.4f));  // groups 2: 4 in, 6 out
  b.init("t0.b", {6}, random_values(6, 502, -0.2f, 0.2f));
  auto& t0 = b.node("ConvTranspose", {"x", "t0.w", "t0.b"}, {"t0"});
  OnnxBuilder::attr(t0, "strides", {2, 2});
  OnnxBuilder::attr(t0, "pads", {1, 1, 1, 1});
  OnnxBuilder::attr(t0, "output_padding", {1, 0});
  OnnxBuilder::attr(t0, "group", int64_t{2});
  b.node("Relu", {"t0"}, {"r0"});
  b.init("t1.w", {6, 4, 4, 4}, random_values(384, 503, -0.3f, 0.3f));
  auto& t1 = b.node("ConvTranspose", {"r0", "t1.w"}, {"t1"});
  OnnxBuilder::attr(t1, "strides", {2, 2});
  OnnxBuilder::attr(t1, "pads", {1, 1, 1, 1});
  b.init("t2.w", {4, 2, 3, 3}, random_values(72, 504, -0.3f, 0.3f));
  b.init("t2.b", {2}, {0.1f, -0.2f});
  auto& t2 = b.node("ConvTranspose", {"t1", "t2.w", "t2.b"}, {"y"});
  OnnxBuilder::attr(t2, "dilations", {2, 2});
  OnnxBuilder::attr(t2, "pads", {2, 1, 0, 3});
  b.output("y");
  return b;
}

// The same without the asymmetric pads, which the CUDA runtime refuses (cuDNN pads symmetrically).
inline OnnxBuilder conv_transpose_symmetric_model() {
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  b.init("t0.w", {4, 3, 3, 3}, random_values(108, 505, -0.4f, 0.4f));
  b.init("t0.b", {6}, random_values(6, 506, -0.2f, 0.2f));
  auto& t0 = b.node("ConvTranspose", {"x", "t0.w", "t0.b"}, {"t0"});
  OnnxBuilder::attr(t0, "strides", {2, 2});
  OnnxBuilder::attr(t0, "pads", {1, 1, 1, 1});
  OnnxBuilder::attr(t0, "output_padding", {1, 1});
  OnnxBuilder::attr(t0, "group", int64_t{2});
  b.node("LeakyRelu", {"t0"}, {"r0"});
  b.init("t1.w", {6, 3, 3, 3}, random_values(162, 507, -0.3f, 0.3f));
  auto& t1 = b.node("ConvTranspose", {"r0", "t1.w"}, {"y"});
  OnnxBuilder::attr(t1, "dilations", {2, 2});
  OnnxBuilder::attr(t1, "pads", {1, 1, 1, 1});
  b.output("y");
  return b;
}

inline OnnxBuilder activations_model() {
  OnnxBuilder b(14);  // HardSwish is opset 14
  b.input("x", {1, 3, -1, -1});
  b.conv("x", "c0", 3, 6, 3, 511);
  b.node("Tanh", {"c0"}, {"t"});  // fuses into c0
  b.conv("t", "c1", 6, 6, 3, 513);
  auto& hs = b.node("HardSigmoid", {"c1"}, {"hs"});
  OnnxBuilder::attr(hs, "alpha", 0.3f);
  OnnxBuilder::attr(hs, "beta", 0.4f);
  b.node("HardSwish", {"x"}, {"sw"});  // standalone
  b.node("Tanh", {"sw"}, {"tsw"});
  b.conv("tsw", "c2", 3, 6, 1, 515);
  b.node("HardSwish", {"c2"}, {"hsw"});
  auto& c = b.node("Concat", {"hs", "hsw", "tsw"}, {"y"});
  OnnxBuilder::attr(c, "axis", int64_t{1});
  b.output("y");
  return b;
}

inline OnnxBuilder instance_norm_model() {
  OnnxBuilder b;
  b.input("x", {-1, 3, -1, -1});
  b.conv("x", "c0", 3, 5, 3, 521);
  b.init("in.s", {5}, random_values(5, 522, 0.5f, 1.5f));
  b.init("in.b", {5}, random_values(5, 523, -0.5f, 0.5f));
  auto& in = b.node("InstanceNormalization", {"c0", "in.s", "in.b"}, {"n0"});
  OnnxBuilder::attr(in, "epsilon", 1e-3f);
  b.node("Relu", {"n0"}, {"r0"});
  b.conv("r0", "c1", 5, 4, 3, 524);
  b.init("in2.s", {4}, random_values(4, 525, 0.5f, 1.5f));
  b.init("in2.b", {4}, random_values(4, 526, -0.5f, 0.5f));
  b.node("InstanceNormalization", {"c1", "in2.s", "in2.b"}, {"y"});
  b.output("y");
  return b;
}

// Split channels 2 / 3 / 3, slices of rows and columns (negative bounds, ends past the size),
// and everything concatenated back.
inline OnnxBuilder split_slice_model() {
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  b.conv("x", "c", 3, 8, 3, 531);
  b.init_i64("sizes", {3}, {2, 3, 3});
  auto& sp = b.node("Split", {"c", "sizes"}, {"s0", "s1", "s2"}, "split");
  OnnxBuilder::attr(sp, "axis", int64_t{1});
  b.node("Relu", {"s1"}, {"r1"});
  b.node("Sigmoid", {"s2"}, {"g2"});
  b.node("Mul", {"s0", "s0"}, {"m0"});
  auto& cat = b.node("Concat", {"g2", "m0", "r1"}, {"cat"});
  OnnxBuilder::attr(cat, "axis", int64_t{1});
  b.init_i64("st", {2}, {1, -7});
  b.init_i64("en", {2}, {-2, 1000});
  b.init_i64("ax", {2}, {2, 3});
  b.node("Slice", {"cat", "st", "en", "ax"}, {"box"});
  b.init_i64("st2", {1}, {2});
  b.init_i64("en2", {1}, {6});
  b.init_i64("ax2", {1}, {1});
  b.node("Slice", {"box", "st2", "en2", "ax2"}, {"y"});  // channels 2..5
  b.output("y");
  return b;
}

inline OnnxBuilder pad_model() {
  OnnxBuilder b;
  b.input("x", {1, 2, -1, -1});
  b.init_i64("p0", {8}, {0, 0, 1, 2, 0, 0, 3, 0});
  b.init("v0", {}, {0.5f});
  b.node("Pad", {"x", "p0", "v0"}, {"a"});  // constant 0.5
  b.init_i64("p1", {8}, {0, 0, 2, 1, 0, 0, 1, 3});
  auto& r = b.node("Pad", {"a", "p1"}, {"b"});
  OnnxBuilder::attr(r, "mode", std::string("reflect"));
  b.conv("b", "c", 2, 3, 3, 541, 0);
  b.init_i64("p2", {8}, {0, 0, 3, 0, 0, 0, 1, 2});
  auto& e = b.node("Pad", {"c", "p2"}, {"y"});
  OnnxBuilder::attr(e, "mode", std::string("edge"));
  b.output("y");
  return b;
}

// SpaceToDepth, and PyTorch's pixel_unshuffle written out as Reshape -> Transpose -> Reshape
// (static sizes, as a fixed-size export writes it), which the pixel_shuffle pass turns into one
// SpaceToDepth.
inline OnnxBuilder space_to_depth_model() {
  OnnxBuilder b;
  b.input("x", {1, 3, 8, 10});
  auto& s = b.node("SpaceToDepth", {"x"}, {"s"});
  OnnxBuilder::attr(s, "blocksize", int64_t{2});
  b.init_i64("shape6", {6}, {1, 3, 4, 2, 5, 2});
  b.node("Reshape", {"x", "shape6"}, {"x6"});
  auto& t = b.node("Transpose", {"x6"}, {"t6"});
  OnnxBuilder::attr(t, "perm", {0, 1, 3, 5, 2, 4});
  b.init_i64("shape4", {4}, {1, 12, 4, 5});
  b.node("Reshape", {"t6", "shape4"}, {"u"});
  b.conv("u", "cu", 12, 12, 3, 551);
  b.node("Add", {"s", "cu"}, {"y"});
  b.output("y");
  return b;
}

// A classifier head: conv -> GlobalAveragePool -> Flatten -> Gemm (transB, alpha, beta) -> Relu
// -> MatMul -> Add bias -> [1, 5].
inline OnnxBuilder classifier_model() {
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  auto& c = b.conv("x", "c", 3, 16, 3, 561);
  OnnxBuilder::attr(c, "strides", {2, 2});
  b.node("Relu", {"c"}, {"r"});
  b.node("GlobalAveragePool", {"r"}, {"gap"});
  b.node("Flatten", {"gap"}, {"f"});
  b.init("fc.w", {10, 16}, random_values(160, 562, -0.5f, 0.5f));
  b.init("fc.b", {10}, random_values(10, 563, -0.3f, 0.3f));
  auto& g = b.node("Gemm", {"f", "fc.w", "fc.b"}, {"h"});
  OnnxBuilder::attr(g, "transB", int64_t{1});
  OnnxBuilder::attr(g, "alpha", 0.7f);
  OnnxBuilder::attr(g, "beta", 1.3f);
  b.node("Relu", {"h"}, {"hr"});
  b.init("out.w", {10, 5}, random_values(50, 564, -0.5f, 0.5f));
  b.node("MatMul", {"hr", "out.w"}, {"logits"});
  b.init("out.b", {5}, random_values(5, 565, -0.1f, 0.1f));
  b.node("Add", {"logits", "out.b"}, {"y"});
  b.output("y");
  return b;
}

// Channel attention from reductions: a channel mean and max (CBAM), a spatial mean and sum.
inline OnnxBuilder reduce_model() {
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  b.conv("x", "c", 4, 6, 3, 571);
  auto& m = b.node("ReduceMean", {"c"}, {"cm"});  // opset 13: axes is an attribute
  OnnxBuilder::attr(m, "axes", {1});
  auto& mx = b.node("ReduceMax", {"c"}, {"cx"});
  OnnxBuilder::attr(mx, "axes", {-3});
  auto& cat = b.node("Concat", {"cm", "cx"}, {"cc"});
  OnnxBuilder::attr(cat, "axis", int64_t{1});
  b.conv("cc", "att", 2, 1, 3, 572);
  b.node("Sigmoid", {"att"}, {"sa"});
  b.node("Mul", {"c", "sa"}, {"spatial"});
  auto& sm = b.node("ReduceMean", {"spatial"}, {"sm"});
  OnnxBuilder::attr(sm, "axes", {2, 3});
  b.init_i64("sum_axes", {2}, {2, 3});
  b.node("ReduceSum", {"spatial", "sum_axes"}, {"ss"});  // opset 13: axes is an input
  b.node("Mul", {"ss", "sm"}, {"prod"});
  b.node("Sigmoid", {"prod"}, {"ca"});
  b.node("Mul", {"spatial", "ca"}, {"y"});
  b.output("y");
  return b;
}

inline OnnxBuilder pool_model() {
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  auto& mp = b.node("MaxPool", {"x"}, {"mp"});
  OnnxBuilder::attr(mp, "kernel_shape", {3, 3});
  OnnxBuilder::attr(mp, "strides", {2, 2});
  OnnxBuilder::attr(mp, "pads", {1, 1, 1, 1});
  auto& ap = b.node("AveragePool", {"x"}, {"ap"});
  OnnxBuilder::attr(ap, "kernel_shape", {3, 3});
  OnnxBuilder::attr(ap, "strides", {2, 2});
  OnnxBuilder::attr(ap, "pads", {1, 1, 1, 1});
  OnnxBuilder::attr(ap, "count_include_pad", int64_t{1});
  auto& ax = b.node("AveragePool", {"x"}, {"ax"});
  OnnxBuilder::attr(ax, "kernel_shape", {3, 3});
  OnnxBuilder::attr(ax, "strides", {2, 2});
  OnnxBuilder::attr(ax, "pads", {1, 1, 1, 1});
  auto& cat = b.node("Concat", {"mp", "ap", "ax"}, {"cat"});
  OnnxBuilder::attr(cat, "axis", int64_t{1});
  // Ceil mode on a size where the last window would start in the padding (so it is dropped), and
  // an average whose ceil window reaches past the input.
  auto& mc = b.node("MaxPool", {"cat"}, {"mc"});
  OnnxBuilder::attr(mc, "kernel_shape", {2, 2});
  OnnxBuilder::attr(mc, "strides", {2, 2});
  OnnxBuilder::attr(mc, "pads", {1, 1, 1, 1});
  OnnxBuilder::attr(mc, "ceil_mode", int64_t{1});
  auto& ac = b.node("AveragePool", {"mc"}, {"y"});
  OnnxBuilder::attr(ac, "kernel_shape", {2, 3});
  OnnxBuilder::attr(ac, "strides", {2, 2});
  OnnxBuilder::attr(ac, "ceil_mode", int64_t{1});
  b.output("y");
  return b;
}

// Linear / cubic Resize by scales and sizes that are not whole, in every coordinate transform.
inline OnnxBuilder resize_model(const std::string& mode, const std::string& ctm, float sh, float sw, float cubic_a = -0.75f) {
  OnnxBuilder b;
  b.input("x", {1, 2, -1, -1});
  b.conv("x", "c", 2, 2, 3, 581);
  b.init("scales", {4}, {1.f, 1.f, sh, sw});
  auto& r = b.node("Resize", {"c", "", "scales"}, {"y"});
  OnnxBuilder::attr(r, "mode", mode);
  OnnxBuilder::attr(r, "coordinate_transformation_mode", ctm);
  if (cubic_a != -0.75f) OnnxBuilder::attr(r, "cubic_coeff_a", cubic_a);
  b.output("y");
  return b;
}

inline OnnxBuilder resize_sizes_model(const std::string& mode, const std::string& ctm, int64_t h, int64_t w) {
  OnnxBuilder b;
  b.input("x", {1, 2, -1, -1});
  b.init_i64("sizes", {4}, {1, 2, h, w});
  auto& r = b.node("Resize", {"x", "", "", "sizes"}, {"y"});
  OnnxBuilder::attr(r, "mode", mode);
  OnnxBuilder::attr(r, "coordinate_transformation_mode", ctm);
  b.output("y");
  return b;
}

// Constants as operands: a spatially varying multiplier, c / x, a [W] row added along the width,
// and Sigmoid of an initializer (constant_folding evaluates it).
inline OnnxBuilder constants_model() {
  OnnxBuilder b;
  b.input("x", {1, 2, 5, 7});
  b.init("ramp", {1, 1, 5, 7}, random_values(35, 591, 0.5f, 1.5f));
  b.node("Mul", {"x", "ramp"}, {"m"});
  b.node("Sigmoid", {"m"}, {"s"});
  b.init("one", {}, {1.f});
  b.node("Add", {"s", "one"}, {"den"});  // in (1, 2)
  b.init("num", {1, 2, 1, 1}, {0.7f, -1.3f});
  b.node("Div", {"num", "den"}, {"q"});  // constant / tensor
  b.init("row", {7}, random_values(7, 592));
  b.node("Add", {"q", "row"}, {"qr"});
  b.init("gate_logit", {1, 2, 5, 1}, random_values(10, 593, -2.f, 2.f));
  b.node("Sigmoid", {"gate_logit"}, {"gate"});  // constant folding
  b.node("Mul", {"qr", "gate"}, {"y"});
  b.output("y");
  return b;
}

// Two residual blocks (conv -> relu -> conv -> + x -> relu, and conv + x with the conv's own
// activation first) that fuse_conv_residual folds into the convolutions.
inline OnnxBuilder residual_model() {
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  b.conv("x", "c0", 4, 4, 3, 601);
  b.node("Relu", {"c0"}, {"r0"});
  b.conv("r0", "c1", 4, 4, 3, 602);
  b.node("Add", {"c1", "x"}, {"s1"});
  b.node("Relu", {"s1"}, {"b1"});
  b.conv("b1", "c2", 4, 4, 3, 603);
  auto& l = b.node("LeakyRelu", {"c2"}, {"l2"});
  OnnxBuilder::attr(l, "alpha", 0.2f);
  b.node("Add", {"b1", "l2"}, {"y"});
  b.output("y");
  return b;
}

// Transpose of rows and columns, a 4-D reshape that regroups channels and rows, Squeeze /
// Unsqueeze around a [N, C] tensor.
inline OnnxBuilder reshape_transpose_model() {
  OnnxBuilder b;
  b.input("x", {1, 3, 6, 5});
  auto& t = b.node("Transpose", {"x"}, {"t"});
  OnnxBuilder::attr(t, "perm", {0, 1, 3, 2});
  b.conv("t", "c", 3, 4, 3, 611);
  b.init_i64("s", {4}, {1, 8, 3, 5});
  b.node("Reshape", {"c", "s"}, {"r"});  // [1,4,5,6] -> [1,8,3,5]
  b.node("GlobalAveragePool", {"r"}, {"g"});
  b.init_i64("sq", {2}, {2, 3});
  b.node("Squeeze", {"g", "sq"}, {"v"});  // [1, 8]
  b.node("Sigmoid", {"v"}, {"sv"});
  b.node("Unsqueeze", {"sv", "sq"}, {"u"});  // [1, 8, 1, 1]
  b.node("Mul", {"r", "u"}, {"y"});
  b.output("y");
  return b;
}

inline std::vector<OpsCase> ops_cases() {
  return {
      {"conv_transpose", conv_transpose_model, {1, 4, 7, 9}},
      {"conv_transpose_symmetric", conv_transpose_symmetric_model, {1, 4, 6, 11}},
      {"activations", activations_model, {1, 3, 11, 13}},
      {"instance_norm", instance_norm_model, {2, 3, 9, 14}},
      {"split_slice", split_slice_model, {1, 3, 12, 10}},
      {"pad", pad_model, {1, 2, 7, 6}},
      {"space_to_depth", space_to_depth_model, {1, 3, 8, 10}},
      {"classifier", classifier_model, {1, 3, 15, 17}},
      {"reduce", reduce_model, {1, 4, 9, 11}},
      {"pool", pool_model, {1, 3, 11, 13}},
      {"linear_half_pixel_x1_5", [] { return resize_model("linear", "half_pixel", 1.5f, 1.7f); }, {1, 2, 7, 9}},
      {"linear_pytorch_half_pixel_x0_6", [] { return resize_model("linear", "pytorch_half_pixel", 0.6f, 0.45f); }, {1, 2, 11, 13}},
      {"linear_align_corners_x1_7", [] { return resize_model("linear", "align_corners", 1.7f, 2.3f); }, {1, 2, 7, 6}},
      {"linear_asymmetric_x2_5", [] { return resize_model("linear", "asymmetric", 2.5f, 1.25f); }, {1, 2, 5, 8}},
      {"cubic_half_pixel_x1_3", [] { return resize_model("cubic", "half_pixel", 1.3f, 0.7f); }, {1, 2, 9, 10}},
      {"cubic_align_corners_a_0_5", [] { return resize_model("cubic", "align_corners", 1.6f, 1.9f, -0.5f); }, {1, 2, 6, 7}},
      {"cubic_asymmetric_x3_5", [] { return resize_model("cubic", "asymmetric", 3.5f, 2.2f); }, {1, 2, 4, 5}},
      {"cubic_pytorch_to_one_row", [] { return resize_sizes_model("cubic", "pytorch_half_pixel", 1, 17); }, {1, 2, 6, 7}},
      {"linear_align_corners_to_size", [] { return resize_sizes_model("linear", "align_corners", 13, 4); }, {1, 2, 6, 7}},
      {"constants", constants_model, {1, 2, 5, 7}},
      {"residual", residual_model, {1, 4, 10, 7}},
      {"reshape_transpose", reshape_transpose_model, {1, 3, 6, 5}},
  };
}

}  // namespace caldera::nn::testing
