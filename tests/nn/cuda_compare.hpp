// CUDA fp16 runtime against the CPU fp32 reference on one model and input shape: relative L2
// and max abs difference, NaN/Inf check, and two CUDA runs that must be bit-identical (the second
// reuses the plan). Shared by cuda_runtime_test.cpp and cuda_ops_test.cpp; the caller has
// checked that a GPU is present (CALDERA_REQUIRE_GPU).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "caldera/nn/model.hpp"
#include "nn_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera::nn::testing {

struct Compared {
  double rel_l2 = 0, max_abs = 0;
  bool finite = true;
  TensorShape shape{};
};

inline Compared compare_cuda_cpu(const Model& model, const TensorShape& in_shape, uint64_t seed,
                          SessionOptions opts = {}) {
  Compared r;
  const std::vector<float> input = testing::random_values(in_shape.count(), seed, 0.f, 1.f);
  auto cpu = Session::create(model, Context::cpu());
  auto gpu = Session::create(model, *::caldera::testing::gpu_context(), opts);
  EXPECT_TRUE(cpu && gpu) << (cpu ? gpu.status() : cpu.status()).to_string();
  if (!cpu || !gpu) return r;
  std::vector<float> want, got(1, NAN);
  TensorShape ws, gs;
  Status s = cpu->run(input.data(), in_shape, want, ws);
  EXPECT_TRUE(s) << s.to_string();
  // Twice on the GPU: the second run reuses the plan, and must give the same result.
  s = gpu->run(input.data(), in_shape, got, gs);
  EXPECT_TRUE(s) << s.to_string();
  std::vector<float> again;
  s = gpu->run(input.data(), in_shape, again, gs);
  EXPECT_TRUE(s) << s.to_string();
  EXPECT_EQ(got, again) << "two runs on the same input differ";
  EXPECT_EQ(ws, gs);
  if (want.size() != got.size()) return r;
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!std::isfinite(got[i])) r.finite = false;
    const double d = double(got[i]) - want[i];
    num += d * d;
    den += double(want[i]) * want[i];
    r.max_abs = std::max(r.max_abs, std::abs(d));
  }
  r.rel_l2 = std::sqrt(num / std::max(den, 1e-30));
  r.shape = gs;
  return r;
}

inline void expect_close(const Model& model, const TensorShape& shape, uint64_t seed, SessionOptions opts = {}) {
  const Compared c = compare_cuda_cpu(model, shape, seed, opts);
  std::printf("  %s %s -> %s: relative L2 %.2e, max abs %.3g\n", model.name().c_str(), shape.to_string().c_str(),
              c.shape.to_string().c_str(), c.rel_l2, c.max_abs);
  EXPECT_TRUE(c.finite) << "NaN or Inf in the CUDA output";
  EXPECT_LE(c.rel_l2, 1e-2);
  EXPECT_GT(c.shape.count(), 0u);
}

}  // namespace caldera::nn::testing
