// ONNX import of the later operators, malformed and unsupported: every error names the file and
// the node; every truncation of a valid model is refused or imports a consistent graph, and none
// crashes.
#include <gtest/gtest.h>

#include <functional>

#include "onnx_ops_models.hpp"

namespace caldera::nn {
namespace {

using testing::OnnxBuilder;
using testing::random_values;

// Imports a one-node model (input x 1x4x?x?) built by `add`; the error must name `node` and say
// `says`.
void expect_refused(const std::function<void(OnnxBuilder&)>& add, const std::string& says) {
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  add(b);
  b.output("y");
  auto r = b.import("model.onnx");
  ASSERT_FALSE(r) << "imported a model that should be refused (" << says << ")";
  const std::string e = r.status().to_string();
  EXPECT_NE(e.find(says), std::string::npos) << e;
  EXPECT_NE(e.find("model.onnx"), std::string::npos) << e;
  EXPECT_NE(e.find("'bad'"), std::string::npos) << e;
}

TEST(OnnxErrors, MalformedAndUnsupportedSettingsOfTheLaterOperators) {
  expect_refused([](OnnxBuilder& b) {
    b.init("w", {4, 2, 3}, random_values(24, 1));
    b.node("ConvTranspose", {"x", "w"}, {"y"}, "bad");
  }, "2-D transposed convolutions");
  expect_refused([](OnnxBuilder& b) {
    b.init("w", {4, 2, 3, 3}, random_values(72, 1));
    auto& n = b.node("ConvTranspose", {"x", "w"}, {"y"}, "bad");
    OnnxBuilder::attr(n, "auto_pad", std::string("SAME_UPPER"));
  }, "auto_pad");
  expect_refused([](OnnxBuilder& b) {
    b.node("Flatten", {"x"}, {"f"});
    b.node("Flatten", {"x"}, {"g"});
    b.node("MatMul", {"f", "g"}, {"y"}, "bad");
  }, "constant matrix");
  expect_refused([](OnnxBuilder& b) {
    b.init("w", {4, 3}, random_values(12, 1));
    b.node("MatMul", {"x", "w"}, {"y"}, "bad");
  }, "[N, K] tensors");
  expect_refused([](OnnxBuilder& b) {
    b.node("Flatten", {"x"}, {"f"});
    b.init("w", {3, 4}, random_values(12, 1));
    b.init("c", {2, 3}, random_values(6, 1));
    b.node("Gemm", {"f", "w", "c"}, {"y"}, "bad");
  }, "C of shape [2,3]");
  expect_refused([](OnnxBuilder& b) {
    b.init_i64("p", {8}, {0, 0, -1, 0, 0, 0, 0, 0});
    b.node("Pad", {"x", "p"}, {"y"}, "bad");
  }, "negative pads crop");
  expect_refused([](OnnxBuilder& b) {
    b.init_i64("p", {8}, {0, 1, 0, 0, 0, 0, 0, 0});
    b.node("Pad", {"x", "p"}, {"y"}, "bad");
  }, "channel axis");
  expect_refused([](OnnxBuilder& b) {
    b.init_i64("p", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
    auto& n = b.node("Pad", {"x", "p"}, {"y"}, "bad");
    OnnxBuilder::attr(n, "mode", std::string("wrap"));
  }, "mode 'wrap'");
  expect_refused([](OnnxBuilder& b) {
    b.init_i64("s", {2}, {1, 2});
    auto& n = b.node("Split", {"x", "s"}, {"y", "z", "w"}, "bad");
    OnnxBuilder::attr(n, "axis", int64_t{1});
  }, "2 split sizes for 3 outputs");
  expect_refused([](OnnxBuilder& b) {
    b.init_i64("s", {4}, {1, -1, -1, 2});
    b.node("Reshape", {"x", "s"}, {"y"}, "bad");
  }, "more than one inferred dimension");
  expect_refused([](OnnxBuilder& b) {
    auto& n = b.node("ReduceMean", {"x"}, {"y"}, "bad");
    OnnxBuilder::attr(n, "axes", {0, 1});
  }, "batch axis");
  expect_refused([](OnnxBuilder& b) {
    auto& n = b.node("ReduceMean", {"x"}, {"y"}, "bad");
    OnnxBuilder::attr(n, "axes", {1});
    OnnxBuilder::attr(n, "keepdims", int64_t{0});
  }, "not the last ones");
  expect_refused([](OnnxBuilder& b) {
    b.init_i64("st", {1}, {1});
    b.init_i64("en", {1}, {2});
    b.init_i64("ax", {1}, {0});
    b.node("Slice", {"x", "st", "en", "ax"}, {"y"}, "bad");
  }, "batch axis");
  expect_refused([](OnnxBuilder& b) {
    b.init("s", {2, 2}, {1, 1, 1, 1});
    b.init("bi", {4}, {0, 0, 0, 0});
    b.node("InstanceNormalization", {"x", "s", "bi"}, {"y"}, "bad");
  }, "scale of shape [2,2]");
  expect_refused([](OnnxBuilder& b) {
    auto& n = b.node("MaxPool", {"x"}, {"y", "indices"}, "bad");
    OnnxBuilder::attr(n, "kernel_shape", {2, 2});
  }, "Indices");
  expect_refused([](OnnxBuilder& b) {
    auto& n = b.node("AveragePool", {"x"}, {"y"}, "bad");
    OnnxBuilder::attr(n, "kernel_shape", {2, 2});
    OnnxBuilder::attr(n, "dilations", {2, 2});
  }, "dilated pooling");
  expect_refused([](OnnxBuilder& b) {
    auto& n = b.node("AveragePool", {"x"}, {"y"}, "bad");
    OnnxBuilder::attr(n, "kernel_shape", {3});
  }, "kernel_shape [3]");
  expect_refused([](OnnxBuilder& b) {
    auto& n = b.node("Concat", {"x", "x"}, {"y"}, "bad");
    OnnxBuilder::attr(n, "axis", int64_t{2});
  }, "axis 2");
  expect_refused([](OnnxBuilder& b) {
    auto& n = b.node("Resize", {"x", "", "", ""}, {"y"}, "bad");
    OnnxBuilder::attr(n, "mode", std::string("linear"));
  }, "neither scales nor sizes");
  expect_refused([](OnnxBuilder& b) {
    b.init("scales", {4}, {1.f, 1.f, 1.5f, 1.5f});
    auto& n = b.node("Resize", {"x", "", "scales"}, {"y"}, "bad");
    OnnxBuilder::attr(n, "mode", std::string("cubic"));
    OnnxBuilder::attr(n, "exclude_outside", int64_t{1});
  }, "exclude_outside");
}

TEST(OnnxErrors, EveryTruncationOfTheNewModelsIsRefusedOrConsistent) {
  for (const auto& make : {testing::classifier_model, testing::conv_transpose_model, testing::pool_model,
                           testing::split_slice_model}) {
    const std::string good = make().bytes();
    int refused = 0;
    for (size_t cut = 0; cut < good.size(); cut += 5) {
      auto t = onnx_import::import_onnx({reinterpret_cast<const uint8_t*>(good.data()), cut}, "cut.onnx");
      if (!t) {
        ++refused;
        EXPECT_NE(t.status().to_string().find("cut.onnx"), std::string::npos) << t.status().to_string();
      } else {
        EXPECT_TRUE(ir::validate(t->graph)) << "cut at " << cut;
      }
    }
    EXPECT_GT(refused, 0);
  }
}

}  // namespace
}  // namespace caldera::nn
