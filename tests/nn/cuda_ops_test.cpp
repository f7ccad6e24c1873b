// The CUDA fp16 runtime against the CPU fp32 reference on the later operators: every model of
// onnx_ops_models.hpp (checked against ONNX Runtime on the CPU in onnx_ops_ort_test.cpp), loaded
// with the passes on, at its odd size and at batch 2 - relative L2 <= 1e-2, no NaN, two runs
// bit-identical. What the CUDA runtime cannot run must be refused when the session is made,
// naming the node. Every test here needs a GPU and skips without one.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cmath>

#include "caldera/half.hpp"
#include "caldera/memory.hpp"
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

// A batch of frames as dense device tensors (what sr_bench times): fp16 in, fp32 out, batch 3,
// against the CPU on the fp16-rounded input.
TEST(CudaOpsDeviceTensors, BatchedDenseTensorsMatchTheCpu) {
  CALDERA_REQUIRE_GPU();
  Context& ctx = *::caldera::testing::gpu_context();
  const testing::OpsCase c{"residual", testing::residual_model, {3, 4, 10, 7}};
  const Model m = load_case(c);
  const TensorShape in_shape{3, 4, 10, 7};
  auto out_shape = m.output_shape(in_shape);
  ASSERT_TRUE(out_shape) << out_shape.status().to_string();
  const std::vector<float> x = testing::random_values(in_shape.count(), 41, 0.f, 1.f);
  std::vector<uint16_t> x16(x.size());
  std::vector<float> rounded(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    x16[i] = float_to_half(x[i]);
    rounded[i] = half_to_float(x16[i]);
  }
  auto in_buf = DeviceBuffer::allocate(x16.size() * 2, ctx.stream());
  auto out_buf = DeviceBuffer::allocate(out_shape->count() * 4, ctx.stream());
  ASSERT_TRUE(in_buf && out_buf);
  ASSERT_EQ(cudaMemcpy(in_buf->data(), x16.data(), x16.size() * 2, cudaMemcpyHostToDevice), cudaSuccess);
  auto gpu = Session::create(m, ctx);
  ASSERT_TRUE(gpu) << gpu.status().to_string();
  // A wrong output shape is refused before anything runs (this model keeps the input's shape).
  const TensorShape wrong{out_shape->n, out_shape->c, out_shape->h, out_shape->w + 1};
  EXPECT_FALSE(gpu->run(DeviceTensor{in_buf->data(), true, in_shape}, DeviceTensor{out_buf->data(), false, wrong}));
  Status s = gpu->run(DeviceTensor{in_buf->data(), true, in_shape}, DeviceTensor{out_buf->data(), false, *out_shape});
  ASSERT_TRUE(s) << s.to_string();
  ASSERT_TRUE(ctx.synchronize());
  std::vector<float> got(out_shape->count());
  ASSERT_EQ(cudaMemcpy(got.data(), out_buf->data(), got.size() * 4, cudaMemcpyDeviceToHost), cudaSuccess);
  auto cpu = Session::create(m, Context::cpu());
  std::vector<float> want;
  TensorShape ws;
  ASSERT_TRUE(cpu->run(rounded.data(), in_shape, want, ws));
  ASSERT_EQ(want.size(), got.size());
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i]));
    num += (got[i] - want[i]) * double(got[i] - want[i]);
    den += double(want[i]) * want[i];
  }
  EXPECT_LE(std::sqrt(num / den), 1e-2);
}

}  // namespace
}  // namespace caldera::nn
