// Caldera's CPU runtime against ONNX Runtime (the onnxruntime-node npm package, on the CPU) on
// the same ONNX models with random weights and inputs: max abs error <= 1e-4 of the output range
// (tests/nn/ort_runner.hpp). These are the first slice's operators; onnx_ops_ort_test.cpp has
// the later ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "onnx_test_util.hpp"
#include "ort_runner.hpp"

namespace caldera::nn {
namespace {

using testing::OnnxBuilder;

struct OrtCase {
  std::string name;
  std::function<OnnxBuilder()> build;
  std::vector<int64_t> input;  // NCHW
};

// Conv variants (stride 2, grouped, dilated, asymmetric pads, SAME_UPPER), the activations,
// Concat, and a tensor x tensor broadcast (an attention map of one channel).
OnnxBuilder conv_zoo() {
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  b.conv("x", "g", 4, 8, 3, 201, 1, 2);
  auto& s2 = b.conv("g", "s2", 8, 6, 3, 203);
  OnnxBuilder::attr(s2, "strides", {2, 2});
  b.init("d.w", {6, 6, 3, 3}, testing::random_values(324, 205, -0.3f, 0.3f));
  auto& d = b.node("Conv", {"s2", "d.w"}, {"d"});
  OnnxBuilder::attr(d, "dilations", {2, 2});
  OnnxBuilder::attr(d, "pads", {2, 1, 1, 3});
  auto& l = b.node("LeakyRelu", {"d"}, {"l"});
  OnnxBuilder::attr(l, "alpha", 0.1f);
  b.init("same.w", {1, 6, 2, 2}, testing::random_values(24, 207));
  auto& same = b.node("Conv", {"l", "same.w"}, {"att_logit"});
  OnnxBuilder::attr(same, "auto_pad", std::string("SAME_UPPER"));
  b.node("Sigmoid", {"att_logit"}, {"att"});
  b.node("Mul", {"l", "att"}, {"weighted"});
  b.init("lo", {}, {-0.3f});
  b.init("hi", {}, {0.4f});
  b.node("Clip", {"l", "lo", "hi"}, {"clipped"});
  b.node("Relu", {"l"}, {"r"});
  auto& c = b.node("Concat", {"weighted", "clipped", "r"}, {"y"});
  OnnxBuilder::attr(c, "axis", int64_t{1});
  b.output("y");
  return b;
}

// Normalisation by per-channel constants on the way in and out, scalars in between.
OnnxBuilder arithmetic() {
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  b.init("mean", {1, 3, 1, 1}, {0.45f, 0.5f, 0.55f});
  b.init("std", {1, 3, 1, 1}, {0.2f, 0.25f, 0.3f});
  b.init("k", {}, {1.5f});
  b.init("one", {1}, {1.f});
  b.node("Sub", {"x", "mean"}, {"a"});
  b.node("Div", {"a", "std"}, {"n"});
  b.conv("n", "c", 3, 3, 3, 211);
  b.node("Mul", {"c", "k"}, {"m"});
  b.node("Sub", {"one", "m"}, {"o"});
  b.node("Mul", {"o", "std"}, {"s"});
  b.node("Add", {"mean", "s"}, {"y"});
  b.output("y");
  return b;
}

OnnxBuilder resize_by_scales(const std::string& mode, const std::string& ctm, const std::string& nearest_mode, float s) {
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  b.conv("x", "c", 3, 3, 3, 221);
  b.init("scales", {4}, {1.f, 1.f, s, s});
  auto& r = b.node("Resize", {"c", "", "scales"}, {"y"});
  OnnxBuilder::attr(r, "mode", mode);
  OnnxBuilder::attr(r, "coordinate_transformation_mode", ctm);
  if (!nearest_mode.empty()) OnnxBuilder::attr(r, "nearest_mode", nearest_mode);
  b.output("y");
  return b;
}

OnnxBuilder resize_to_size(const std::string& mode) {
  OnnxBuilder b;
  b.input("x", {1, 2, -1, -1});
  b.init_i64("sizes", {4}, {1, 2, 23, 31});
  auto& r = b.node("Resize", {"x", "", "", "sizes"}, {"y"});
  OnnxBuilder::attr(r, "mode", mode);
  OnnxBuilder::attr(r, "coordinate_transformation_mode", std::string(mode == "nearest" ? "asymmetric" : "half_pixel"));
  if (mode == "nearest") OnnxBuilder::attr(r, "nearest_mode", std::string("floor"));
  b.output("y");
  return b;
}

std::vector<OrtCase> cases() {
  return {
      {"srvgg_crd", [] { return testing::srvgg_like("CRD", 301); }, {1, 3, 13, 17}},
      {"srvgg_dcr", [] { return testing::srvgg_like("DCR", 302); }, {1, 3, 16, 9}},
      {"conv_zoo", conv_zoo, {1, 4, 19, 22}},
      {"arithmetic", arithmetic, {1, 3, 11, 8}},
      {"reshape_shuffle_crd", [] { return testing::reshape_pixel_shuffle(true); }, {1, 4, 5, 7}},
      {"reshape_shuffle_dcr", [] { return testing::reshape_pixel_shuffle(false); }, {1, 4, 6, 3}},
      {"sizes_subgraph_nearest", [] { return testing::resize_by_shape_subgraph("nearest"); }, {1, 2, 6, 9}},
      {"sizes_subgraph_linear", [] { return testing::resize_by_shape_subgraph("linear"); }, {1, 2, 6, 9}},
      {"sizes_subgraph_cubic", [] { return testing::resize_by_shape_subgraph("cubic"); }, {1, 2, 7, 5}},
      {"nearest_half_pixel_x3", [] { return resize_by_scales("nearest", "half_pixel", "round_prefer_floor", 3.f); }, {1, 3, 5, 6}},
      {"nearest_asymmetric_x1_5", [] { return resize_by_scales("nearest", "asymmetric", "floor", 1.5f); }, {1, 3, 8, 6}},
      {"linear_half_pixel_x2", [] { return resize_by_scales("linear", "half_pixel", "", 2.f); }, {1, 3, 7, 9}},
      {"cubic_half_pixel_x4", [] { return resize_by_scales("cubic", "half_pixel", "", 4.f); }, {1, 3, 6, 5}},
      {"linear_to_size", [] { return resize_to_size("linear"); }, {1, 2, 9, 12}},
      {"cubic_to_size", [] { return resize_to_size("cubic"); }, {1, 2, 9, 12}},
      {"nearest_to_size", [] { return resize_to_size("nearest"); }, {1, 2, 9, 12}},
  };
}

class OnnxVsOrt : public ::testing::TestWithParam<OrtCase> {};

TEST_P(OnnxVsOrt, CpuRuntimeMatchesOnnxRuntime) {
  const OrtCase& c = GetParam();
  testing::expect_matches_ort(c.name, c.build().bytes(), c.input);
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxVsOrt, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<OrtCase>& info) { return info.param.name; });

}  // namespace
}  // namespace caldera::nn
