// The later CPU reference kernels on values worked out by hand (ONNX Runtime checks them on
// random models in onnx_ops_ort_test.cpp), and the IR's validation of the new node types.
#include <gtest/gtest.h>

#include <limits>

#include "nn/cpu/cpu_kernels.hpp"
#include "nn_test_util.hpp"

namespace caldera::nn {
namespace {

using cpu::Dims;
using testing::add_input;
using testing::add_op;

TEST(NnCpuOps, ConvTransposeScattersEachPixelsKernel) {
  // 1x1x2x2 input [1 2; 3 4], 2x2 kernel [1 10; 100 1000], stride 2: each pixel becomes its
  // kernel scaled; stride 1 overlaps them; pads crop the border.
  const std::vector<float> in = {1, 2, 3, 4}, w = {1, 10, 100, 1000};
  ir::ConvTranspose2dAttrs a;
  a.in_channels = a.out_channels = 1;
  a.kernel_h = a.kernel_w = 2;
  a.stride_h = a.stride_w = 2;
  std::vector<float> out(16);
  cpu::conv_transpose2d(in.data(), {1, 1, 2, 2}, out.data(), {1, 1, 4, 4}, a, w.data(), nullptr, 1);
  const std::vector<float> want = {1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000};
  EXPECT_EQ(out, want);
  a.stride_h = a.stride_w = 1;
  a.pad_top = a.pad_left = 1;  // crop the first row and column of the 3x3 result
  a.has_bias = true;
  const float bias = 0.5f;
  std::vector<float> small(4);
  cpu::conv_transpose2d(in.data(), {1, 1, 2, 2}, small.data(), {1, 1, 2, 2}, a, w.data(), &bias, 1);
  // Full 3x3: [1, 12, 20; 103, 1234, 2040; 300, 3400, 4000]; cropped to rows/cols 1..2.
  EXPECT_EQ(small, (std::vector<float>{1234.5f, 2040.5f, 3400.5f, 4000.5f}));
}

TEST(NnCpuOps, PoolingMaxIgnoresPaddingAndAverageCountsAsAsked) {
  const std::vector<float> in = {1, 2, 3, 4, 5, 6, 7, 8, 9};  // 3x3
  ir::Pool2dAttrs a;
  a.kernel_h = a.kernel_w = 2;
  a.stride_h = a.stride_w = 2;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = 1;
  std::vector<float> out(4);
  cpu::pool2d(in.data(), {1, 1, 3, 3}, out.data(), {1, 1, 2, 2}, a, 1);
  EXPECT_EQ(out, (std::vector<float>{1, 3, 7, 9}));
  // Windows {1}, {2, 3}, {4, 7}, {5, 6, 8, 9}: averaged over the pixels in them, or over the
  // window's four places when the padding counts.
  a.kind = ir::PoolKind::Average;
  cpu::pool2d(in.data(), {1, 1, 3, 3}, out.data(), {1, 1, 2, 2}, a, 1);
  EXPECT_EQ(out, (std::vector<float>{1, 2.5f, 5.5f, 7}));
  a.count_include_pad = true;
  cpu::pool2d(in.data(), {1, 1, 3, 3}, out.data(), {1, 1, 2, 2}, a, 1);
  EXPECT_EQ(out, (std::vector<float>{0.25f, 1.25f, 2.75f, 7}));
}

TEST(NnCpuOps, PadModesReflectWithoutTheEdgeAndRepeatIt) {
  const std::vector<float> in = {1, 2, 3};  // 1x3
  std::vector<float> out(7);
  ir::PadAttrs a;
  a.left = 2;
  a.right = 2;
  a.mode = ir::PadMode::Reflect;
  cpu::pad(in.data(), {1, 1, 1, 3}, out.data(), {1, 1, 1, 7}, a, 1);
  EXPECT_EQ(out, (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  a.mode = ir::PadMode::Edge;
  cpu::pad(in.data(), {1, 1, 1, 3}, out.data(), {1, 1, 1, 7}, a, 1);
  EXPECT_EQ(out, (std::vector<float>{1, 1, 1, 2, 3, 3, 3}));
  a.mode = ir::PadMode::Constant;
  a.value = -1.f;
  cpu::pad(in.data(), {1, 1, 1, 3}, out.data(), {1, 1, 1, 7}, a, 1);
  EXPECT_EQ(out, (std::vector<float>{-1, -1, 1, 2, 3, -1, -1}));
}

TEST(NnCpuOps, InstanceNormGemmReduceAndTransposeByDefinition) {
  // Instance norm of [1 2 3 4] (mean 2.5, variance 1.25), scale 2, bias 1.
  std::vector<float> x = {1, 2, 3, 4};
  const float scale = 2.f, bias = 1.f;
  cpu::instance_norm(x.data(), {1, 1, 2, 2}, &scale, &bias, 0.f, 1);
  const double k = 2.0 / std::sqrt(1.25);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(x[static_cast<size_t>(i)], (i + 1 - 2.5) * k + 1.0, 1e-6);
  // Gemm over channels at each of two pixels: [[1, 2], [3, 4]] x [[1, 0], [1, -1]] + [10, 20].
  const std::vector<float> in = {1, 3, 2, 4};  // NCHW 1x2x1x2: pixel 0 = (1, 2), pixel 1 = (3, 4)
  const std::vector<float> w = {1, 0, 1, -1}, b = {10, 20};
  ir::GemmAttrs ga;
  ga.in_features = ga.out_features = 2;
  ga.has_bias = true;
  std::vector<float> y(4);
  cpu::gemm(in.data(), {1, 2, 1, 2}, y.data(), {1, 2, 1, 2}, ga, w.data(), b.data(), 1);
  EXPECT_EQ(y, (std::vector<float>{11, 13, 19, 19}));  // m0: (1, 3) + 10; m1: (1-2, 3-4) + 20
  // Reduce max over channels and mean over rows.
  const std::vector<float> r = {1, 5, 2, 0, 4, 3};  // 1x2x1x3
  ir::ReduceAttrs ra;
  ra.kind = ir::ReduceKind::Max;
  ra.channels = true;
  ra.rows = ra.columns = false;
  std::vector<float> rmax(3);
  cpu::reduce(r.data(), {1, 2, 1, 3}, rmax.data(), {1, 1, 1, 3}, ra, 1);
  EXPECT_EQ(rmax, (std::vector<float>{1, 5, 3}));
  ra.kind = ir::ReduceKind::Sum;
  ra.channels = false;
  ra.columns = true;
  std::vector<float> rsum(2);
  cpu::reduce(r.data(), {1, 2, 1, 3}, rsum.data(), {1, 2, 1, 1}, ra, 1);
  EXPECT_EQ(rsum, (std::vector<float>{8, 7}));
  // A 3-D transpose [2,3,1] -> perm {1, 0, 2}: out[j][i] = in[i][j].
  const std::vector<float> t = {1, 2, 3, 4, 5, 6};
  std::vector<float> tt(6);
  cpu::transpose(t.data(), {2, 3, 1}, tt.data(), {1, 0, 2});
  EXPECT_EQ(tt, (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(NnCpuOps, SliceBoundsFollowOnnx) {
  EXPECT_EQ(ir::resolve_slice(1, -1, 5).start, 1);
  EXPECT_EQ(ir::resolve_slice(1, -1, 5).length, 3);
  EXPECT_EQ(ir::resolve_slice(-2, ir::kSliceToEnd, 5).start, 3);
  EXPECT_EQ(ir::resolve_slice(-2, ir::kSliceToEnd, 5).length, 2);
  EXPECT_EQ(ir::resolve_slice(-100, 2, 5).start, 0);
  EXPECT_EQ(ir::resolve_slice(4, 2, 5).length, 0);
  EXPECT_EQ(ir::resolve_slice(0, 1000, 5).length, 5);
  // A box out of a 1x2x3x4 ramp.
  std::vector<float> in(24);
  for (int i = 0; i < 24; ++i) in[static_cast<size_t>(i)] = static_cast<float>(i);
  ir::SliceAttrs a;
  a.begin[0] = 1;  // channel 1
  a.begin[1] = 1;
  a.end[1] = 3;    // rows 1..2
  a.begin[2] = -2; // the last two columns
  std::vector<float> out(4);
  cpu::slice(in.data(), {1, 2, 3, 4}, out.data(), {1, 1, 2, 2}, a);
  EXPECT_EQ(out, (std::vector<float>{18, 19, 22, 23}));
}

TEST(NnCpuOps, ValidationRefusesMalformedNewNodes) {
  const auto refused = [](ir::Node n, const std::string& says) {
    ir::Graph g;
    const int x = add_input(g, "x", 2);
    n.inputs = n.op == ir::OpType::Constant ? std::vector<int>{} : std::vector<int>{x};
    n.outputs = {g.add_tensor("y")};
    n.name = "bad";
    g.add_node(std::move(n));
    g.outputs = {g.nodes.back().outputs[0]};
    const Status s = ir::validate(g);
    EXPECT_FALSE(s) << says;
    EXPECT_NE(s.message().find(says), std::string::npos) << s.to_string();
    EXPECT_NE(s.message().find("'bad'"), std::string::npos) << s.to_string();
  };
  ir::Node pool;
  pool.op = ir::OpType::Pool2d;
  ir::Pool2dAttrs pa;
  pa.kernel_h = pa.kernel_w = 2;
  pa.pad_top = 2;
  pool.attrs = pa;
  refused(pool, "padding must be smaller than the kernel");
  ir::Node reshape;
  reshape.op = ir::OpType::Reshape;
  ir::ReshapeDim inf;
  inf.kind = ir::ReshapeDim::Infer;
  reshape.attrs = ir::ReshapeAttrs{{inf, inf}};
  refused(reshape, "more than one inferred dimension");
  ir::Node transpose;
  transpose.op = ir::OpType::Transpose;
  transpose.attrs = ir::TransposeAttrs{{0, 1, 1, 3}};
  refused(transpose, "permutation");
  ir::Node constant;
  constant.op = ir::OpType::Constant;
  constant.attrs = ir::ConstantAttrs{ir::Shape{1, 2, 2, 2}};
  constant.weights = {{"value", {1, 2, 2, 2}, std::vector<float>(7)}};
  refused(constant, "value has 7 values, expected 8");
  ir::Node deconv;
  deconv.op = ir::OpType::ConvTranspose2d;
  ir::ConvTranspose2dAttrs da;
  da.in_channels = 2;
  da.out_channels = 2;
  da.stride_h = da.stride_w = 2;
  da.output_pad_h = 2;  // not below the stride
  deconv.attrs = da;
  deconv.weights = {{"weight", {2, 2, 1, 1}, std::vector<float>(4)}};
  refused(deconv, "output padding");
  ir::Node gemm;
  gemm.op = ir::OpType::Gemm;
  ir::GemmAttrs ga;
  ga.in_features = 2;
  ga.out_features = 3;
  gemm.attrs = ga;
  gemm.weights = {{"weight", {3, 2}, std::vector<float>(5)}};
  refused(gemm, "weight has 5 values, expected 6");
}

TEST(NnCpuOps, ShapeInferenceOfTheNewNodesNamesWhatDoesNotFit) {
  ir::Graph g;
  const int x = add_input(g, "x", 4);
  ir::PadAttrs pa;
  pa.mode = ir::PadMode::Reflect;
  pa.left = 3;
  const int p = add_op(g, ir::OpType::Pad, "reflect", {x}, pa);
  g.outputs = {p};
  auto ok = ir::compute_shapes(g, {ir::Shape{1, 4, 5, 5}});
  ASSERT_TRUE(ok) << ok.status().to_string();
  EXPECT_EQ((*ok)[static_cast<size_t>(p)], (ir::Shape{1, 4, 5, 8}));
  auto bad = ir::compute_shapes(g, {ir::Shape{1, 4, 5, 3}});  // reflect 3 needs a width above 3
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("reflect"), std::string::npos) << bad.status().to_string();

  ir::Graph r;
  const int y = add_input(r, "y", 6);
  ir::ReshapeDim batch, six, inf;
  batch.kind = ir::ReshapeDim::FromInput;
  six.value = 7;
  inf.kind = ir::ReshapeDim::Infer;
  r.outputs = {add_op(r, ir::OpType::Reshape, "regroup", {y}, ir::ReshapeAttrs{{batch, six, inf}})};
  auto rs = ir::compute_shapes(r, {ir::Shape{1, 6, 2, 2}});  // 24 values do not split by 7
  ASSERT_FALSE(rs);
  EXPECT_NE(rs.status().message().find("regroup"), std::string::npos) << rs.status().to_string();
  auto rs2 = ir::compute_shapes(r, {ir::Shape{1, 6, 7, 2}});
  ASSERT_TRUE(rs2) << rs2.status().to_string();
  EXPECT_EQ((*rs2)[static_cast<size_t>(r.outputs[0])].dims(), (std::vector<int64_t>{1, 7, 12}));
}

}  // namespace
}  // namespace caldera::nn
