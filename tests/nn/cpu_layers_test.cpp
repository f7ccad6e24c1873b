// The CPU reference kernels, one layer at a time, against values worked out by hand.
#include <gtest/gtest.h>

#include <vector>

#include "nn/cpu/cpu_kernels.hpp"
#include "nn_test_util.hpp"

namespace caldera::nn::cpu {
namespace {

using testing::conv_attrs;

std::vector<float> run_conv(const std::vector<float>& in, Dims id, const ir::Conv2dAttrs& a, const std::vector<float>& w,
                            const std::vector<float>& bias, Dims od) {
  std::vector<float> out(od.count(), -999.f);
  conv2d(in.data(), id, out.data(), od, a, w.data(), bias.empty() ? nullptr : bias.data(), nullptr, 1);
  return out;
}

// 3x3 image 1..9.
const std::vector<float> kRamp3x3 = {1, 2, 3, 4, 5, 6, 7, 8, 9};

TEST(NnCpuLayers, ConvThreeByThreeZeroPaddingAndBias) {
  // All-ones kernel: each output is the sum of the 3x3 neighbourhood inside the image, + 0.5.
  auto a = conv_attrs(1, 1, 3, 1, true);
  auto out = run_conv(kRamp3x3, {1, 1, 3, 3}, a, std::vector<float>(9, 1.f), {0.5f}, {1, 1, 3, 3});
  const std::vector<float> want = {12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f};
  EXPECT_EQ(out, want);
}

TEST(NnCpuLayers, ConvKernelIsNotFlipped) {
  // Cross-correlation, as every framework does: a kernel with one 1 at (0, 2) reads the pixel
  // up and to the right.
  auto a = conv_attrs(1, 1, 3, 1, false);
  std::vector<float> w(9, 0.f);
  w[2] = 1.f;
  auto out = run_conv(kRamp3x3, {1, 1, 3, 3}, a, w, {}, {1, 1, 3, 3});
  const std::vector<float> want = {0, 0, 0, 2, 3, 0, 5, 6, 0};
  EXPECT_EQ(out, want);
}

TEST(NnCpuLayers, ConvStrideAndAsymmetricPadding) {
  // 4x4 ramp 0..15, 2x2 kernel [1 2; 3 4], stride 2, one extra column of padding on the right
  // only: output 2x3 where the last column sees the padding.
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[static_cast<size_t>(i)] = static_cast<float>(i);
  ir::Conv2dAttrs a = conv_attrs(1, 1, 2, 0, false);
  a.stride_h = a.stride_w = 2;
  a.pad_right = 2;
  auto out = run_conv(in, {1, 1, 4, 4}, a, {1, 2, 3, 4}, {}, {1, 1, 2, 3});
  // (0,0): 0*1 + 1*2 + 4*3 + 5*4 = 34; (0,1): 2 + 6 + 18 + 28 = 54; (0,2): all padding = 0
  // (1,0): 8 + 18 + 36 + 52 = 114;      (1,1): 10 + 22 + 42 + 60 = 134
  const std::vector<float> want = {34, 54, 0, 114, 134, 0};
  EXPECT_EQ(out, want);
}

TEST(NnCpuLayers, ConvDilation) {
  // 5x5 ramp 0..24, 3x3 ones kernel with dilation 2: one output, the sum of the 9 pixels at
  // even rows and columns: (0+2+4) + (10+12+14) + (20+22+24) = 108.
  std::vector<float> in(25);
  for (int i = 0; i < 25; ++i) in[static_cast<size_t>(i)] = static_cast<float>(i);
  ir::Conv2dAttrs a = conv_attrs(1, 1, 3, 0, false);
  a.dilation_h = a.dilation_w = 2;
  auto out = run_conv(in, {1, 1, 5, 5}, a, std::vector<float>(9, 1.f), {}, {1, 1, 1, 1});
  EXPECT_EQ(out, std::vector<float>{108.f});
}

TEST(NnCpuLayers, ConvChannelsSumAndGroupsKeepThemApart) {
  // Two 1x2 input channels: [1, 2] and [10, 20].
  const std::vector<float> in = {1, 2, 10, 20};
  // Dense 1x1: out0 = 2*c0 + 3*c1, out1 = -c0 + c1.
  auto dense = run_conv(in, {1, 2, 1, 2}, conv_attrs(2, 2, 1, 0, false), {2, 3, -1, 1}, {}, {1, 2, 1, 2});
  EXPECT_EQ(dense, (std::vector<float>{32, 64, 9, 18}));
  // Two groups: out0 = 2*c0, out1 = 3*c1; no channel sees the other.
  ir::Conv2dAttrs g = conv_attrs(2, 2, 1, 0, true);
  g.groups = 2;
  auto grouped = run_conv(in, {1, 2, 1, 2}, g, {2, 3}, {1, -1}, {1, 2, 1, 2});
  EXPECT_EQ(grouped, (std::vector<float>{3, 5, 29, 59}));
}

TEST(NnCpuLayers, ConvFusedActivationAndBatch) {
  // Batch of 2, 1x1 conv weight -1 with fused leaky ReLU 0.1: y = x < 0 ? ... of -x.
  ir::Conv2dAttrs a = conv_attrs(1, 1, 1, 0, false);
  a.activation = {ir::ActivationKind::LeakyRelu, 0.1f, 0.f};
  auto out = run_conv({1, -2, 3, -4}, {2, 1, 1, 2}, a, {-1.f}, {}, {2, 1, 1, 2});
  const std::vector<float> want = {-0.1f, 2.f, -0.3f, 4.f};
  ASSERT_EQ(out.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(out[i], want[i]) << i;
}

TEST(NnCpuLayers, PReluHasOneSlopePerChannel) {
  std::vector<float> x = {-1, 2, -3, 4, -10, 10};  // 2 channels of 1x3
  const float slopes[2] = {0.5f, 0.25f};
  prelu(x.data(), {1, 2, 1, 3}, slopes, 2, 1);
  EXPECT_EQ(x, (std::vector<float>{-0.5f, 2, -1.5f, 4, -2.5f, 10}));
}

TEST(NnCpuLayers, ActivationsByDefinition) {
  std::vector<float> x = {-2, 0, 3};
  activation(x.data(), x.size(), {ir::ActivationKind::Relu, 0, 0}, 1);
  EXPECT_EQ(x, (std::vector<float>{0, 0, 3}));
  x = {-2, 0, 3};
  activation(x.data(), x.size(), {ir::ActivationKind::Clip, -1.f, 2.f}, 1);
  EXPECT_EQ(x, (std::vector<float>{-1, 0, 2}));
  x = {0.f};
  activation(x.data(), x.size(), {ir::ActivationKind::Sigmoid, 0, 0}, 1);
  EXPECT_FLOAT_EQ(x[0], 0.5f);
}

TEST(NnCpuLayers, PixelShuffleOrderingAsNcnnDefinesIt) {
  // 8 input channels of 1x2 (channel k holds k*10 + column) -> 2 channels of 2x4.
  std::vector<float> in(16);
  for (int k = 0; k < 8; ++k)
    for (int x = 0; x < 2; ++x) in[static_cast<size_t>(k * 2 + x)] = static_cast<float>(k * 10 + x);
  std::vector<float> out(16, -1.f);
  // Mode 0: out channel p at sub-pixel (sh, sw) comes from input channel p*4 + sh*2 + sw.
  pixel_shuffle(in.data(), {1, 8, 1, 2}, out.data(), {1, 2, 2, 4}, 2, 0, 1);
  const std::vector<float> mode0 = {
      0,  10, 1,  11,  // p=0, row 0: channels 0,1 (sh=0) interleaved by column
      20, 30, 21, 31,  // p=0, row 1: channels 2,3 (sh=1)
      40, 50, 41, 51,  // p=1, row 0: channels 4,5
      60, 70, 61, 71,  // p=1, row 1: channels 6,7
  };
  EXPECT_EQ(out, mode0);
  // Mode 1: from input channel (sh*2 + sw)*2 + p.
  pixel_shuffle(in.data(), {1, 8, 1, 2}, out.data(), {1, 2, 2, 4}, 2, 1, 1);
  const std::vector<float> mode1 = {
      0,  20, 1,  21,  // p=0, sh=0: channels 0 (sw=0), 2 (sw=1)
      40, 60, 41, 61,  // p=0, sh=1: channels 4, 6
      10, 30, 11, 31,  // p=1, sh=0: channels 1, 3
      50, 70, 51, 71,  // p=1, sh=1: channels 5, 7
  };
  EXPECT_EQ(out, mode1);
}

TEST(NnCpuLayers, NearestInterpRepeatsPixels) {
  ir::ResizeAttrs a;
  a.mode = ir::ResizeMode::Nearest;
  a.scale_h = a.scale_w = 2.f;
  const std::vector<float> in = {1, 2, 3, 4};
  std::vector<float> out(16);
  resize(in.data(), {1, 1, 2, 2}, out.data(), {1, 1, 4, 4}, a, 1);
  EXPECT_EQ(out, (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  // To a fixed size 3x3 from 2x2: source index floor(o * 2/3) = 0, 0, 1.
  a.out_h = a.out_w = 3;
  std::vector<float> out3(9);
  resize(in.data(), {1, 1, 2, 2}, out3.data(), {1, 1, 3, 3}, a, 1);
  EXPECT_EQ(out3, (std::vector<float>{1, 1, 2, 1, 1, 2, 3, 3, 4}));
}

TEST(NnCpuLayers, BilinearInterpAlignsPixelCentresAndClampsEdges) {
  // [0, 4] to width 4: centres at -0.25, 0.25, 0.75, 1.25 -> 0 (clamped), 1, 3, 4 (clamped).
  ir::ResizeAttrs a;
  a.mode = ir::ResizeMode::Bilinear;
  a.scale_h = 1.f;
  a.scale_w = 2.f;
  const std::vector<float> in = {0, 4};
  std::vector<float> out(4);
  resize(in.data(), {1, 1, 1, 2}, out.data(), {1, 1, 1, 4}, a, 1);
  EXPECT_EQ(out, (std::vector<float>{0, 1, 3, 4}));
}

TEST(NnCpuLayers, BicubicInterpHalvesARamp) {
  // Row 0..7 to width 4: centres at 0.5, 2.5, 4.5, 6.5. Keys' cubic reproduces a ramp inside;
  // at the edges the clamped tap (x[-1] read as x[0], x[8] as x[7]) shifts the value by the
  // outer tap's weight, which at t = 0.5 with a = -0.75 is a * 0.125 = -0.09375.
  ir::ResizeAttrs a;
  a.mode = ir::ResizeMode::Bicubic;
  a.scale_h = 1.f;
  a.scale_w = 0.5f;
  std::vector<float> in(8);
  for (int i = 0; i < 8; ++i) in[static_cast<size_t>(i)] = static_cast<float>(i);
  std::vector<float> out(4);
  resize(in.data(), {1, 1, 1, 8}, out.data(), {1, 1, 1, 4}, a, 1);
  EXPECT_NEAR(out[0], 0.40625f, 1e-6);
  EXPECT_NEAR(out[1], 2.5f, 1e-6);
  EXPECT_NEAR(out[2], 4.5f, 1e-6);
  EXPECT_NEAR(out[3], 6.59375f, 1e-6);
}

TEST(NnCpuLayers, BinaryBroadcastsPerChannelAndScalars) {
  // [1,2,2,2] + [1,2,1,1]: channel 0 gets +10, channel 1 gets +20.
  std::vector<float> a(8);
  for (int i = 0; i < 8; ++i) a[static_cast<size_t>(i)] = static_cast<float>(i);
  const std::vector<float> b = {10, 20};
  std::vector<float> out(8);
  binary(a.data(), {1, 2, 2, 2}, b.data(), {1, 2, 1, 1}, out.data(), {1, 2, 2, 2}, ir::BinaryKind::Add, 1);
  EXPECT_EQ(out, (std::vector<float>{10, 11, 12, 13, 24, 25, 26, 27}));
  binary(a.data(), {1, 2, 2, 2}, b.data(), {1, 2, 1, 1}, out.data(), {1, 2, 2, 2}, ir::BinaryKind::Sub, 1);
  EXPECT_EQ(out[0], -10.f);
  binary_scalar(a.data(), out.data(), 8, ir::BinaryKind::Mul, 0.5f, 1);
  EXPECT_EQ(out, (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f}));
}

TEST(NnCpuLayers, EltwiseWeightedSumProductMax) {
  const std::vector<float> x = {1, -2, 3}, y = {10, 20, -30};
  std::vector<float> out(3);
  ir::EltwiseAttrs sum{ir::EltwiseKind::Sum, {0.2f, 1.f}};
  eltwise({x.data(), y.data()}, out.data(), 3, sum, 1);
  EXPECT_FLOAT_EQ(out[0], 10.2f);
  EXPECT_FLOAT_EQ(out[1], 19.6f);
  EXPECT_FLOAT_EQ(out[2], -29.4f);
  eltwise({x.data(), y.data()}, out.data(), 3, {ir::EltwiseKind::Prod, {}}, 1);
  EXPECT_EQ(out, (std::vector<float>{10, -40, -90}));
  eltwise({x.data(), y.data()}, out.data(), 3, {ir::EltwiseKind::Max, {}}, 1);
  EXPECT_EQ(out, (std::vector<float>{10, 20, 3}));
}

TEST(NnCpuLayers, ConcatStacksChannelsPerBatchItem) {
  // Batch 2: a has 1 channel, b has 2 channels, each 1x1.
  const std::vector<float> a = {1, 2}, b = {10, 11, 20, 21};
  std::vector<float> out(6);
  concat_channels({a.data(), b.data()}, {{2, 1, 1, 1}, {2, 2, 1, 1}}, out.data(), {2, 3, 1, 1});
  EXPECT_EQ(out, (std::vector<float>{1, 10, 11, 2, 20, 21}));
}

TEST(NnCpuLayers, ThreadedConvMatchesSingleThreaded) {
  // The thread count must not change a single bit (each output plane is one task).
  auto a = conv_attrs(8, 6, 3, 1, true);
  const Dims id{2, 8, 13, 11}, od{2, 6, 13, 11};
  auto in = testing::random_values(id.count(), 1);
  auto w = testing::random_values(6 * 8 * 9, 2);
  auto bias = testing::random_values(6, 3);
  std::vector<float> one(od.count()), many(od.count());
  conv2d(in.data(), id, one.data(), od, a, w.data(), bias.data(), nullptr, 1);
  conv2d(in.data(), id, many.data(), od, a, w.data(), bias.data(), nullptr, 4);
  EXPECT_EQ(one, many);
}

}  // namespace
}  // namespace caldera::nn::cpu
