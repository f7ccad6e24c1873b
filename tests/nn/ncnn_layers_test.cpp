// The later ncnn layer types, written by hand as .param/.bin, against the equivalent ONNX model
// with the same weights (whose import onnx_ops_ort_test.cpp checks against ONNX Runtime): both
// run on the CPU runtime and must agree to 1e-5 of the output range. Where ONNX has no equivalent
// (Reorg mode 0) the expected values are computed here. Settings ncnn and the IR do not share
// are refused with the layer named.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nn/cpu/cpu_runtime.hpp"
#include "nn/import/ncnn/ncnn_import.hpp"
#include "onnx_test_util.hpp"

namespace caldera::nn {
namespace {

using testing::BinWriter;
using testing::OnnxBuilder;
using testing::random_values;

Result<ncnn::ImportResult> import_text(const std::string& param, const BinWriter& bin) {
  return ncnn::import_ncnn(param, bin.bytes, "net.param", "net.bin");
}

cpu::HostTensor run(const ir::Graph& g, const ir::Shape& shape, uint64_t seed = 3) {
  const std::vector<float> x = random_values(static_cast<size_t>(shape.count()), seed);
  std::vector<cpu::HostTensor> out;
  Status s = cpu::run_graph(g, {x.data()}, {shape}, out, 2);
  EXPECT_TRUE(s) << s.to_string();
  return out.empty() ? cpu::HostTensor{} : std::move(out[0]);
}

// The ncnn model and the ONNX model compute the same values on `shape`.
void expect_same(const std::string& param, const BinWriter& bin, const OnnxBuilder& onnx, const ir::Shape& shape) {
  auto n = import_text(param, bin);
  ASSERT_TRUE(n) << n.status().to_string();
  auto o = onnx.import();
  ASSERT_TRUE(o) << o.status().to_string();
  const cpu::HostTensor a = run(n->graph, shape), b = run(o->graph, shape);
  // ncnn 1-D blobs are [N, C, 1, 1] like ONNX's [N, C].
  ASSERT_EQ(a.shape.to_string(), b.shape.to_string()) << ir::dump(n->graph);
  ASSERT_EQ(a.data.size(), b.data.size());
  ASSERT_FALSE(a.data.empty());
  const auto [lo, hi] = std::minmax_element(b.data.begin(), b.data.end());
  const double range = std::max(1e-6, static_cast<double>(*hi - *lo));
  double worst = 0;
  for (size_t i = 0; i < a.data.size(); ++i) worst = std::max(worst, std::fabs(double(a.data[i]) - b.data[i]));
  EXPECT_LE(worst, 1e-5 * range) << "ncnn vs ONNX: worst " << worst << " over a range of " << range << "\n"
                                 << ir::dump(n->graph);
}

std::string import_error(const std::string& param, const BinWriter& bin) {
  auto r = import_text(param, bin);
  EXPECT_FALSE(r) << "imported a model that should be refused";
  return r ? std::string() : r.status().to_string();
}

TEST(NcnnLayers, DeconvolutionMatchesOnnxConvTranspose) {
  // 4 -> 3, 3x3, stride 2, pad 1, output padding 1, bias, fused ReLU.
  const std::vector<float> onnx_w = random_values(4 * 3 * 9, 11, -0.5f, 0.5f);  // [in][out][k]
  const std::vector<float> bias = random_values(3, 12, -0.2f, 0.2f);
  std::vector<float> ncnn_w(onnx_w.size());  // [out][in][k]
  for (int i = 0; i < 4; ++i)
    for (int o = 0; o < 3; ++o)
      for (int k = 0; k < 9; ++k) ncnn_w[(static_cast<size_t>(o) * 4 + i) * 9 + k] = onnx_w[(static_cast<size_t>(i) * 3 + o) * 9 + k];
  const std::string param =
      "7767517\n2 2\n"
      "Input in0 0 1 data 2=4\n"
      "Deconvolution up 1 1 data out 0=3 1=3 3=2 4=1 5=1 6=108 9=1 18=1\n";
  BinWriter bin;
  bin.tagged_f16(ncnn_w);
  bin.raw_f32(bias);
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  std::vector<float> w16(onnx_w.size());  // the ncnn weights went through fp16
  for (size_t i = 0; i < w16.size(); ++i) w16[i] = half_to_float(float_to_half(onnx_w[i]));
  b.init("w", {4, 3, 3, 3}, w16);
  b.init("b", {3}, bias);
  auto& t = b.node("ConvTranspose", {"x", "w", "b"}, {"t"});
  OnnxBuilder::attr(t, "strides", {2, 2});
  OnnxBuilder::attr(t, "pads", {1, 1, 1, 1});
  OnnxBuilder::attr(t, "output_padding", {1, 1});
  b.node("Relu", {"t"}, {"y"});
  b.output("y");
  expect_same(param, bin, b, {1, 4, 5, 7});
}

TEST(NcnnLayers, DeconvolutionDepthWiseGroupsMatchOnnx) {
  // 4 -> 6 in 2 groups, 2x2 stride 2, no bias: ncnn [g][out/g][in/g][k], ONNX [in][out/g][k].
  const std::vector<float> onnx_w = random_values(4 * 3 * 4, 21, -0.5f, 0.5f);
  std::vector<float> ncnn_w(onnx_w.size());
  for (int g = 0; g < 2; ++g)
    for (int o = 0; o < 3; ++o)
      for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 4; ++k)
          ncnn_w[((static_cast<size_t>(g) * 3 + o) * 2 + i) * 4 + k] = onnx_w[((static_cast<size_t>(g) * 2 + i) * 3 + o) * 4 + k];
  const std::string param =
      "7767517\n2 2\n"
      "Input in0 0 1 data 2=4\n"
      "DeconvolutionDepthWise up 1 1 data out 0=6 1=2 3=2 6=48 7=2\n";
  BinWriter bin;
  bin.tagged_f32(ncnn_w);
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  b.init("w", {4, 3, 2, 2}, onnx_w);
  auto& t = b.node("ConvTranspose", {"x", "w"}, {"y"});
  OnnxBuilder::attr(t, "strides", {2, 2});
  OnnxBuilder::attr(t, "group", int64_t{2});
  b.output("y");
  expect_same(param, bin, b, {1, 4, 3, 5});
  // Output padding beyond the crop is zero-filled in ncnn but computed in ONNX: refused.
  const std::string zero_fill =
      "7767517\n2 2\nInput in0 0 1 data 2=4\nDeconvolutionDepthWise up 1 1 data out 0=6 1=2 3=2 6=48 7=2 18=1\n";
  const std::string e = import_error(zero_fill, bin);
  EXPECT_NE(e.find("output padding"), std::string::npos) << e;
  EXPECT_NE(e.find("'up'"), std::string::npos) << e;
}

TEST(NcnnLayers, TanhHardSigmoidHardSwishAndInstanceNormMatchOnnx) {
  const std::vector<float> gamma = random_values(3, 31, 0.5f, 1.5f), beta = random_values(3, 32, -0.5f, 0.5f);
  const std::string param =
      "7767517\n5 5\n"
      "Input in0 0 1 data 2=3\n"
      "TanH t 1 1 data a\n"
      "HardSigmoid hs 1 1 a b 0=3.000000e-01 1=4.000000e-01\n"
      "HardSwish sw 1 1 b c 0=1.666667e-01 1=5.000000e-01\n"
      "InstanceNorm in 1 1 c out 0=3 1=1.000000e-03\n";
  BinWriter bin;
  bin.raw_f32(gamma);
  bin.raw_f32(beta);
  OnnxBuilder b(14);
  b.input("x", {1, 3, -1, -1});
  b.node("Tanh", {"x"}, {"a"});
  auto& hs = b.node("HardSigmoid", {"a"}, {"b"});
  OnnxBuilder::attr(hs, "alpha", 0.3f);
  OnnxBuilder::attr(hs, "beta", 0.4f);
  b.node("HardSwish", {"b"}, {"c"});
  b.init("g", {3}, gamma);
  b.init("be", {3}, beta);
  auto& in = b.node("InstanceNormalization", {"c", "g", "be"}, {"y"});
  OnnxBuilder::attr(in, "epsilon", 1e-3f);
  b.output("y");
  expect_same(param, bin, b, {1, 3, 6, 9});
}

TEST(NcnnLayers, SliceCropAndPaddingMatchOnnx) {
  // Slice channels 2 / rest / 3 of 8; a numpy-style Crop of rows and columns; the offset form;
  // reflect and replicate padding; Concat back.
  const std::string param =
      "7767517\n9 11\n"
      "Input in0 0 1 data 2=8\n"
      "Slice sl 1 3 data s0 s1 s2 -23300=3,2,-233,3 1=0\n"
      "Crop c0 1 1 s0 t0 -23309=2,1,-5 -23310=2,-1,0 -23311=2,1,2\n"
      "Crop c1 1 1 s1 t1 0=1 1=2 2=1 3=-233 4=3 5=2 6=1\n"
      "Crop c2 1 1 s2 t2 -23309=2,1,2 -23310=2,3,-1 -23311=2,0,1\n"
      "Padding p0 1 1 t0 u0 0=1 1=0 2=0 3=1 4=2\n"
      "Padding p1 1 1 t1 u1 0=0 1=2 2=1 3=2 4=1\n"
      "Padding p2 1 1 t2 u2 0=1 1=1 2=0 3=1 4=0 5=2.500000e-01\n"
      "Concat cat 3 1 u0 u1 u2 out 0=0\n";
  BinWriter bin;
  OnnxBuilder b;
  b.input("x", {1, 8, -1, -1});
  b.init_i64("sizes", {3}, {2, 3, 3});  // ncnn's -233 shares the rest: (8 - 2) / 2
  auto& sp = b.node("Split", {"x", "sizes"}, {"s0", "s1", "s2"});
  OnnxBuilder::attr(sp, "axis", int64_t{1});
  b.init_i64("st0", {2}, {1, -5});
  b.init_i64("en0", {2}, {-1, INT64_MAX});  // ncnn's end 0 is the end
  b.init_i64("ax0", {2}, {2, 3});
  b.node("Slice", {"s0", "st0", "en0", "ax0"}, {"t0"});
  b.init_i64("st1", {3}, {1, 2, 1});  // offsets c 1, h 2, w 1; sizes 2, 3, the rest but 1
  b.init_i64("en1", {3}, {3, 5, -1});
  b.init_i64("ax1", {3}, {1, 2, 3});
  b.node("Slice", {"s1", "st1", "en1", "ax1"}, {"t1"});
  b.init_i64("st2", {2}, {1, 2});
  b.init_i64("en2", {2}, {3, -1});
  b.init_i64("ax2", {2}, {1, 2});
  b.node("Slice", {"s2", "st2", "en2", "ax2"}, {"t2"});
  b.init_i64("p0", {8}, {0, 0, 1, 0, 0, 0, 0, 1});
  auto& p0 = b.node("Pad", {"t0", "p0"}, {"u0"});
  OnnxBuilder::attr(p0, "mode", std::string("reflect"));
  b.init_i64("p1", {8}, {0, 0, 0, 1, 0, 0, 2, 2});
  auto& p1 = b.node("Pad", {"t1", "p1"}, {"u1"});
  OnnxBuilder::attr(p1, "mode", std::string("edge"));
  b.init_i64("p2", {8}, {0, 0, 1, 0, 0, 0, 1, 1});
  b.init("v", {}, {0.25f});
  b.node("Pad", {"t2", "p2", "v"}, {"u2"});
  auto& cat = b.node("Concat", {"u0", "u1", "u2"}, {"y"});
  OnnxBuilder::attr(cat, "axis", int64_t{1});
  b.output("y");
  // 6x5 in: t0 4x5 -> 5x6, t1 3x3 -> 5x6, t2 3x5 -> 5x6.
  expect_same(param, bin, b, {1, 8, 6, 5});
}

TEST(NcnnLayers, ReorgMode0IsPixelUnshuffleAndMode1IsOnnxSpaceToDepth) {
  const std::string param0 = "7767517\n2 2\nInput in0 0 1 data 2=2\nReorg r 1 1 data out 0=2\n";
  auto r = import_text(param0, BinWriter{});
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Shape shape{1, 2, 4, 6};
  const std::vector<float> x = random_values(48, 3);
  const cpu::HostTensor y = run(r->graph, shape);
  ASSERT_EQ(y.shape, (ir::Shape{1, 8, 2, 3}));
  for (int c = 0; c < 2; ++c)
    for (int by = 0; by < 2; ++by)
      for (int bx = 0; bx < 2; ++bx)
        for (int yy = 0; yy < 2; ++yy)
          for (int xx = 0; xx < 3; ++xx)
            EXPECT_EQ(y.data[((static_cast<size_t>(c) * 4 + by * 2 + bx) * 2 + yy) * 3 + xx],
                      x[(static_cast<size_t>(c) * 4 + yy * 2 + by) * 6 + xx * 2 + bx]);
  OnnxBuilder b;
  b.input("x", {1, 2, -1, -1});
  auto& s = b.node("SpaceToDepth", {"x"}, {"y"});
  OnnxBuilder::attr(s, "blocksize", int64_t{2});
  b.output("y");
  expect_same("7767517\n2 2\nInput in0 0 1 data 2=2\nReorg r 1 1 data out 0=2 1=1\n", BinWriter{}, b, shape);
}

TEST(NcnnLayers, PoolingFlattenInnerProductMatchAClassifierHead) {
  // max 3x3 s2 p1 (valid mode), average 2x2 s2 in full padding (ceil), global average, then
  // InnerProduct (flattening) with a fused ReLU, and another InnerProduct on the 1-D blob.
  const std::vector<float> w1 = random_values(5 * 3, 41), b1 = random_values(5, 42), w2 = random_values(4 * 5, 43);
  const std::string param =
      "7767517\n6 6\n"
      "Input in0 0 1 data 2=3\n"
      "Pooling mp 1 1 data a 0=0 1=3 2=2 3=1 5=1\n"
      "Pooling ap 1 1 a b 0=1 1=2 2=2 5=0\n"
      "Pooling gp 1 1 b c 0=1 4=1\n"
      "InnerProduct fc1 1 1 c d 0=5 1=1 2=15 9=1\n"
      "InnerProduct fc2 1 1 d out 0=4 2=20\n";
  BinWriter bin;
  bin.tagged_f32(w1);
  bin.raw_f32(b1);
  bin.tagged_f16(w2);
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  auto& mp = b.node("MaxPool", {"x"}, {"a"});
  OnnxBuilder::attr(mp, "kernel_shape", {3, 3});
  OnnxBuilder::attr(mp, "strides", {2, 2});
  OnnxBuilder::attr(mp, "pads", {1, 1, 1, 1});
  auto& ap = b.node("AveragePool", {"a"}, {"b"});
  OnnxBuilder::attr(ap, "kernel_shape", {2, 2});
  OnnxBuilder::attr(ap, "strides", {2, 2});
  OnnxBuilder::attr(ap, "ceil_mode", int64_t{1});
  b.node("GlobalAveragePool", {"b"}, {"c"});
  b.node("Flatten", {"c"}, {"f"});
  b.init("w1", {5, 3}, w1);
  b.init("b1", {5}, b1);
  auto& g1 = b.node("Gemm", {"f", "w1", "b1"}, {"h"});
  OnnxBuilder::attr(g1, "transB", int64_t{1});
  b.node("Relu", {"h"}, {"d"});
  std::vector<float> w2t(20), w2h(20);
  for (int m = 0; m < 4; ++m)
    for (int k = 0; k < 5; ++k) w2t[static_cast<size_t>(k) * 4 + m] = half_to_float(float_to_half(w2[static_cast<size_t>(m) * 5 + k]));
  b.init("w2", {5, 4}, w2t);
  b.node("MatMul", {"d", "w2"}, {"y"});
  b.output("y");
  expect_same(param, bin, b, {1, 3, 13, 11});
}

TEST(NcnnLayers, ReshapeReductionAndAlignedInterpMatchOnnx) {
  // Reduction mean over h, w kept (5=1 axes), Reshape of a 3-D blob to (c=-1, h=0, w=2),
  // bilinear Interp with align_corner.
  const std::string param =
      "7767517\n5 6\n"
      "Input in0 0 1 data 2=4\n"
      "Split sp 1 2 data d0 d1\n"
      "Reduction rm 1 1 d0 m 0=3 1=0 -23303=2,1,2 4=1 5=1\n"
      "BinaryOp mul 2 1 d1 m p 0=2\n"
      "Interp up 1 1 p out 0=2 1=1.500000e+00 2=1.500000e+00 6=1\n";
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  auto& rm = b.node("ReduceMean", {"x"}, {"m"});
  OnnxBuilder::attr(rm, "axes", {2, 3});
  b.node("Mul", {"x", "m"}, {"p"});
  b.init("scales", {4}, {1.f, 1.f, 1.5f, 1.5f});
  auto& up = b.node("Resize", {"p", "", "scales"}, {"y"});
  OnnxBuilder::attr(up, "mode", std::string("linear"));
  OnnxBuilder::attr(up, "coordinate_transformation_mode", std::string("align_corners"));
  b.output("y");
  // ncnn's Interp by a scale samples by the ratio of the sizes; with align_corners only the
  // sizes count, so ONNX by scale agrees where floor(in * 1.5) is the output: 6x8 -> 9x12.
  expect_same(param, BinWriter{}, b, {1, 4, 6, 8});

  const std::string reshape =
      "7767517\n2 2\nInput in0 0 1 data 2=4\nReshape r 1 1 data out 0=4 1=0 2=-1\n";  // (c -1, h as is, w 4)
  OnnxBuilder rb;
  rb.input("x", {1, 4, 3, 2});
  rb.init_i64("s", {4}, {1, -1, 3, 4});
  rb.node("Reshape", {"x", "s"}, {"y"});
  rb.output("y");
  expect_same(reshape, BinWriter{}, rb, {1, 4, 3, 2});
}

TEST(NcnnLayers, UnrepresentableSettingsAreRefusedNamingTheLayer) {
  struct Case {
    const char* line;
    const char* says;
  };
  const Case cases[] = {
      {"Pooling p 1 1 data out 0=0 1=3 2=2 5=2", "pad_mode 2"},
      {"Pooling p 1 1 data out 0=1 1=3 2=2 5=0 6=1", "count_include_pad"},
      {"Pooling p 1 1 data out 0=0 1=2 2=2 7=1", "adaptive"},
      {"Reduction r 1 1 data out 0=7", "reduction operation 7"},
      {"Reduction r 1 1 data out 0=3 1=0 -23303=1,1", "old ncnn converter"},
      {"Padding p 1 1 data out 0=1 7=1", "padding channels"},
      {"Reshape r 1 1 data out 0=4 1=2 11=2 2=1", "4-D Reshape"},
      {"Crop c 1 1 data out 0=1 3=4 6=1", "offset2"},
      {"Deconvolution d 1 1 data out 0=2 1=3 4=-233 6=18 20=8", "same"},
      {"Interp i 1 1 data out 0=2 5=1", "second blob"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    const std::string param = std::string("7767517\n2 2\nInput in0 0 1 data 2=2\n") + c.line + "\n";
    const std::string e = import_error(param, BinWriter{});
    EXPECT_NE(e.find(c.says), std::string::npos) << e;
    EXPECT_NE(e.find("net.param:4"), std::string::npos) << e;
  }
}

TEST(NcnnLayers, TruncatedWeightsOfTheNewLayersAreErrors) {
  const std::string param =
      "7767517\n4 4\n"
      "Input in0 0 1 data 2=3\n"
      "Deconvolution up 1 1 data a 0=2 1=2 3=2 5=1 6=24\n"
      "InstanceNorm in 1 1 a b 0=2\n"
      "InnerProduct fc 1 1 b out 0=3 1=1 2=6\n";
  BinWriter full;
  full.tagged_f32(random_values(24, 1));
  full.raw_f32({0.1f, 0.2f});
  full.raw_f32({1.f, 1.f});
  full.raw_f32({0.f, 0.f});
  full.tagged_f16(random_values(6, 2));
  full.raw_f32({0.f, 0.f, 0.f});
  ASSERT_TRUE(import_text(param, full)) << import_text(param, full).status().to_string();
  for (size_t cut = 0; cut < full.bytes.size(); ++cut) {
    BinWriter part;
    part.bytes.assign(full.bytes.begin(), full.bytes.begin() + static_cast<long>(cut));
    auto r = import_text(param, part);
    ASSERT_FALSE(r) << "cut at " << cut;
    EXPECT_NE(r.status().to_string().find("truncated"), std::string::npos) << r.status().to_string();
  }
}

}  // namespace
}  // namespace caldera::nn
