// The CUDA fp16 runtime against the CPU fp32 reference on the later operators: every model of
// onnx_ops_models.hpp (checked against ONNX Runtime on the CPU in onnx_ops_ort_test.cpp), loaded
// with the passes on, at its odd size and at batch 2 - relative L2 <= 1e-2, no NaN, two runs
// bit-identical. What the CUDA runtime cannot run must be refused when the session is made,
// naming the node. Every test here needs a GPU and skips without one.
#include <gtest/gtest.h>

#include "cuda_compare.hpp"
#include "onnx_ops_models.hpp"
#include "support/image_testing.hpp"

namespace caldera::nn {
namespace {

Model load_case(const testing::OpsCase& c, LoadOptions options = {}) {
  const std::string path = (testing::test_dir() / (c.name + ".onnx")).string();
  const std::string bytes = c.build().bytes();
  testing::write_file(path, bytes.data(), bytes.size());
  auto m = Model::load(path, options);
  EXPECT_TRUE(m) << m.status().to_string();
  return std::move(m).value();
}

class CudaOps : public ::testing::TestWithParam<testing::OpsCase> {};

TEST_P(CudaOps, MatchesTheCpuReference) {
  CALDERA_REQUIRE_GPU();
  const testing::OpsCase& c = GetParam();
  const Model m = load_case(c);
  if (c.name == "conv_transpose") {
    // Asymmetric pads: refused by the CUDA runtime (cuDNN pads symmetrically), with the node named.
    auto s = Session::create(m, *::caldera::testing::gpu_context());
    ASSERT_FALSE(s);
    EXPECT_NE(s.status().to_string().find("asymmetric padding"), std::string::npos) << s.status().to_string();
    return;
  }
  const TensorShape shape{static_cast<int>(c.input[0]), static_cast<int>(c.input[1]), static_cast<int>(c.input[2]),
                          static_cast<int>(c.input[3])};
  testing::expect_close(m, shape, 21);
  // Batch 2 where the model's sizes allow it (fixed-size exports keep their batch of 1).
  if (m.output_shape({2, shape.c, shape.h, shape.w})) testing::expect_close(m, {2, shape.c, shape.h, shape.w}, 22);
  SessionOptions heur;
  heur.conv_search = ConvAlgoSearch::Heuristic;
  testing::expect_close(m, shape, 23, heur);
}

INSTANTIATE_TEST_SUITE_P(Models, CudaOps, ::testing::ValuesIn(testing::ops_cases()),
                         [](const ::testing::TestParamInfo<testing::OpsCase>& info) { return info.param.name; });

TEST(CudaOpsRefusals, SixDimensionalTensorsAreRefusedNamingTheNode) {
  CALDERA_REQUIRE_GPU();
  // With the passes off the pixel shuffle stays a 6-D Reshape -> Transpose -> Reshape chain.
  const testing::OpsCase c{"reshape_shuffle", [] { return testing::reshape_pixel_shuffle(true); }, {1, 4, 6, 5}};
  const Model plain = load_case(c, LoadOptions{false});
  auto s = Session::create(plain, *::caldera::testing::gpu_context());
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().to_string().find("rank-6"), std::string::npos) << s.status().to_string();
  // With them on it is one PixelShuffle, which runs.
  testing::expect_close(load_case(c), {1, 4, 6, 5}, 31);
}

}  // namespace
}  // namespace caldera::nn
