// The later ONNX operators against ONNX Runtime: random-weight models built with the protobuf
// classes, loaded with the passes on (so the fusions are checked against ORT too), odd sizes, max
// abs error <= 1e-4 of the output range (tests/nn/ort_runner.hpp). The same models run on the
// CUDA runtime in cuda_ops_test.cpp.
#include <gtest/gtest.h>

#include <functional>

#include "onnx_ops_models.hpp"
#include "ort_runner.hpp"

namespace caldera::nn {
namespace {

class OnnxOpsVsOrt : public ::testing::TestWithParam<testing::OpsCase> {};

TEST_P(OnnxOpsVsOrt, CpuRuntimeMatchesOnnxRuntime) {
  const testing::OpsCase& c = GetParam();
  testing::expect_matches_ort(c.name, c.build().bytes(), c.input);
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxOpsVsOrt, ::testing::ValuesIn(testing::ops_cases()),
                         [](const ::testing::TestParamInfo<testing::OpsCase>& info) { return info.param.name; });

}  // namespace
}  // namespace caldera::nn
