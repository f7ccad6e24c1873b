// ncnn .param/.bin import: small models written by hand, well-formed and malformed. Every
// malformed file must give an error that names the file, the line and the layer - never a crash
// or a read past the end of the weights.
#include <gtest/gtest.h>

#include <string>

#include "caldera/nn/model.hpp"
#include "nn/import/ncnn/ncnn_import.hpp"
#include "nn/import/ncnn/param_file.hpp"
#include "nn_test_util.hpp"

namespace caldera::nn {
namespace {

using testing::BinWriter;

Result<ncnn::ImportResult> import_text(const std::string& param, const BinWriter& bin) {
  return ncnn::import_ncnn(param, bin.bytes, "net.param", "net.bin");
}

// Input -> Convolution 3->2 3x3 pad 1 with bias and fused leaky ReLU -> output.
const char* kConvParam =
    "7767517\n"
    "2 2\n"
    "Input            in0      0 1 data\n"
    "Convolution      conv0    1 1 data out 0=2 1=3 4=1 5=1 6=54 9=2 -23310=1,2.000000e-01\n";

BinWriter conv_bin_f32() {
  BinWriter b;
  std::vector<float> w(54);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i) * 0.5f;
  b.tagged_f32(w);
  b.raw_f32({0.25f, -1.5f});
  return b;
}

TEST(NcnnImport, ConvolutionWithFloat32WeightsAndFusedLeakyRelu) {
  auto r = import_text(kConvParam, conv_bin_f32());
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Graph& g = r->graph;
  EXPECT_EQ(g.name, "net");
  ASSERT_EQ(g.nodes.size(), 2u);
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  // The Input layer leaves channels open; the convolution's weight count fixes them at 3.
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.inputs[0])].shape, (ir::Shape{1, 3, ir::kDynamic, ir::kDynamic}));
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.outputs[0])].shape, (ir::Shape{1, 2, ir::kDynamic, ir::kDynamic}));
  const ir::Node& conv = g.nodes[1];
  ASSERT_EQ(conv.op, ir::OpType::Conv2d);
  const auto& a = conv.attr<ir::Conv2dAttrs>();
  EXPECT_EQ(a.in_channels, 3);
  EXPECT_EQ(a.out_channels, 2);
  EXPECT_EQ(a.kernel_h, 3);
  EXPECT_EQ(a.kernel_w, 3);
  EXPECT_EQ(a.pad_top, 1);
  EXPECT_EQ(a.pad_bottom, 1);
  EXPECT_EQ(a.pad_left, 1);
  EXPECT_EQ(a.pad_right, 1);
  EXPECT_TRUE(a.has_bias);
  EXPECT_EQ(a.activation.kind, ir::ActivationKind::LeakyRelu);
  EXPECT_FLOAT_EQ(a.activation.alpha, 0.2f);
  ASSERT_EQ(conv.weights.size(), 2u);
  EXPECT_EQ(conv.weights[0].dims, (std::vector<int64_t>{2, 3, 3, 3}));
  EXPECT_FLOAT_EQ(conv.weights[0].data[0], 0.f);
  EXPECT_FLOAT_EQ(conv.weights[0].data[53], 26.5f);
  EXPECT_EQ(conv.weights[1].data, (std::vector<float>{0.25f, -1.5f}));
  EXPECT_EQ(r->weights.float32_arrays, 1u);
  EXPECT_EQ(r->weights.float16_arrays, 0u);
}

TEST(NcnnImport, Float16WeightsAreDecodedAndPaddedToFourBytes) {
  // 1x1 convolution 3->1: three fp16 weights (6 bytes, padded to 8), then the fp32 bias.
  const std::string param =
      "7767517\n2 2\n"
      "Input in0 0 1 data 2=3\n"
      "Convolution conv0 1 1 data out 0=1 1=1 5=1 6=3\n";
  BinWriter b;
  b.tagged_f16({0.5f, -2.f, 1.25f});
  b.raw_f32({3.f});
  ASSERT_EQ(b.bytes.size(), 4u + 8u + 4u);
  auto r = import_text(param, b);
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Node& conv = r->graph.nodes[1];
  EXPECT_EQ(conv.weights[0].data, (std::vector<float>{0.5f, -2.f, 1.25f}));
  EXPECT_EQ(conv.weights[1].data, (std::vector<float>{3.f}));
  EXPECT_EQ(r->weights.float16_arrays, 1u);
}

TEST(NcnnImport, SplitBecomesFanOutAndEveryLayerTypeOfTheRealEsrganModelsImports) {
  // SRVGG-style head and RRDB-style dense block in one: Split, Concat, Eltwise with
  // coefficients, BinaryOp, PReLU, PixelShuffle, Interp, ReLU with a slope.
  const std::string param =
      "7767517\n"
      "11 13\n"
      "Input        in0     0 1 data 2=3\n"
      "Split        sp0     1 2 data d0 d1\n"
      "Convolution  c0      1 1 d0 a 0=4 1=1 5=0 6=12\n"
      "PReLU        p0      1 1 a b 0=4\n"
      "Split        sp1     1 2 b b0 b1\n"
      "Concat       cat     2 1 b0 d1 c 0=0\n"
      "ReLU         r0      1 1 c e 0=1.000000e-01\n"
      "Convolution  c1      1 1 e f 0=4 1=1 5=0 6=28\n"
      "Eltwise      add     2 1 f b1 g 0=1 -23301=2,2.000000e-01,1.000000e+00\n"
      "PixelShuffle ps      1 1 g h 0=2\n"
      "Interp       up      1 1 h out 0=1 1=2.0 2=2.0\n";
  BinWriter b;
  b.tagged_f32(std::vector<float>(12, 0.1f));
  b.raw_f32({0.1f, 0.2f, 0.3f, 0.4f});
  b.tagged_f16(std::vector<float>(28, 0.5f));
  auto r = import_text(param, b);
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Graph& g = r->graph;
  // Splits make no nodes: 11 layers - 2 splits.
  EXPECT_EQ(g.nodes.size(), 9u);
  const auto& eltwise = g.nodes[6].attr<ir::EltwiseAttrs>();
  EXPECT_EQ(eltwise.kind, ir::EltwiseKind::Sum);
  EXPECT_EQ(eltwise.coeffs, (std::vector<float>{0.2f, 1.f}));
  const auto& relu = g.nodes[4].attr<ir::ActivationAttrs>();
  EXPECT_EQ(relu.kind, ir::ActivationKind::LeakyRelu);
  EXPECT_FLOAT_EQ(relu.alpha, 0.1f);
  // Concat reads the PReLU output and the graph input directly (the splits are gone).
  EXPECT_EQ(g.nodes[3].op, ir::OpType::Concat);
  EXPECT_EQ(g.nodes[3].inputs[0], g.nodes[2].outputs[0]);
  EXPECT_EQ(g.nodes[3].inputs[1], g.inputs[0]);
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.nodes[3].outputs[0])].shape.c, 7);
  auto shapes = ir::compute_shapes(g, {ir::Shape{1, 3, 5, 6}});
  ASSERT_TRUE(shapes) << shapes.status().to_string();
  EXPECT_EQ((*shapes)[static_cast<size_t>(g.outputs[0])], (ir::Shape{1, 1, 20, 24}));
}

TEST(NcnnImport, BinaryOpWithScalarAndFromFiles) {
  const std::string param =
      "7767517\n2 2\n"
      "Input in0 0 1 data 0=4 1=2 2=3\n"
      "BinaryOp mul 1 1 data out 0=2 1=1 2=2.500000e-01\n";
  const auto dir = testing::test_dir();
  testing::write_file(dir / "scale.param", param);
  testing::write_file(dir / "scale.bin", "", 0);
  auto m = Model::load_ncnn((dir / "scale.param").string());
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->name(), "scale");
  EXPECT_EQ(m->input_channels(), 3);
  auto out = m->output_shape({1, 3, 2, 4});
  ASSERT_TRUE(out) << out.status().to_string();
  EXPECT_EQ(*out, (TensorShape{1, 3, 2, 4}));
  // The Input declares 4x2: another size is refused, naming the input.
  auto wrong = m->output_shape({1, 3, 5, 4});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.status().message().find("height"), std::string::npos) << wrong.status().to_string();
  const auto& a = m->graph().nodes[1].attr<ir::BinaryAttrs>();
  EXPECT_TRUE(a.with_scalar);
  EXPECT_EQ(a.kind, ir::BinaryKind::Mul);
  EXPECT_FLOAT_EQ(a.scalar, 0.25f);
}

// ---- malformed files ------------------------------------------------------------------------

void expect_error(const std::string& param, const BinWriter& bin, std::initializer_list<const char*> fragments) {
  auto r = import_text(param, bin);
  ASSERT_FALSE(r) << "imported a malformed model:\n" << param;
  const std::string msg = r.status().to_string();
  for (const char* f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' missing from: " << msg;
}

TEST(NcnnImport, BadMagicNamesTheFileAndLine) {
  expect_error("7767518\n2 2\n", conv_bin_f32(), {"net.param:1", "magic", "7767517"});
  expect_error("", conv_bin_f32(), {"net.param", "empty"});
  expect_error("7767517\n", conv_bin_f32(), {"net.param", "counts"});
  expect_error("7767517\n2\n", conv_bin_f32(), {"net.param:2", "layer count"});
}

TEST(NcnnImport, LayerAndBlobCountsMustMatchTheHeader) {
  expect_error("7767517\n3 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2 1=3 4=1 5=1 6=54\n",
               conv_bin_f32(), {"net.param", "declares 3 layers but 2 follow"});
  expect_error("7767517\n1 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2 1=3 4=1 5=1 6=54\n",
               conv_bin_f32(), {"net.param:4", "more layers than the 1"});
  expect_error("7767517\n2 3\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2 1=3 4=1 5=1 6=54\n",
               conv_bin_f32(), {"declares 3 blobs but the layers make 2"});
  expect_error("7767517\n2 1\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2 1=3 4=1 5=1 6=54\n",
               conv_bin_f32(), {"net.param:4", "conv0", "more blobs than the 1"});
  // A line naming fewer blobs than it declares.
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 2 1 data\n", conv_bin_f32(),
               {"net.param:4", "'conv0' (Convolution)", "declares 2 inputs and 1 outputs but names only 1"});
  // A line whose blob list swallows a parameter ("0=2" read as an output blob name) still fails
  // on the layer's input count.
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 2 1 data out 0=2\n", conv_bin_f32(),
               {"net.param:4", "'conv0' (Convolution)", "takes 1 input(s)"});
}

TEST(NcnnImport, TruncatedWeightsNameTheLayerAndOffset) {
  BinWriter full = conv_bin_f32();
  BinWriter cut;
  cut.bytes.assign(full.bytes.begin(), full.bytes.begin() + 100);
  expect_error(kConvParam, cut, {"net.bin", "truncated", "net.param:4", "'conv0' (Convolution) weight", "offset 4"});
  // Weights complete, bias cut short.
  cut.bytes.assign(full.bytes.begin(), full.bytes.end() - 2);
  expect_error(kConvParam, cut, {"truncated", "conv0", "bias"});
  // No bytes at all: even the tag is missing.
  expect_error(kConvParam, BinWriter{}, {"truncated", "storage tag"});
  // A weight count far beyond the file is checked before anything is allocated or read.
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=1 1=1 6=2000000000\n", conv_bin_f32(),
               {"truncated", "conv0"});
}

TEST(NcnnImport, EveryTruncationOfAValidModelIsAnErrorNeverACrash) {
  const BinWriter full = conv_bin_f32();
  for (size_t len = 0; len < full.bytes.size(); ++len) {
    BinWriter cut;
    cut.bytes.assign(full.bytes.begin(), full.bytes.begin() + static_cast<long>(len));
    auto r = import_text(kConvParam, cut);
    EXPECT_FALSE(r) << "bin cut to " << len << " bytes was accepted";
  }
  // Any cut of the .param before the weight count is complete loses a layer, a blob or the
  // weight count. (Cuts after it can still be valid: "-23310=1,2.0" cut to "-23310=1,2." is a
  // different but well-formed slope.)
  const std::string param = kConvParam;
  const size_t complete = param.find("6=54") + 4;
  for (size_t len = 0; len < complete; ++len) {
    auto r = import_text(param.substr(0, len), full);
    EXPECT_FALSE(r) << "param cut to " << len << " characters was accepted";
  }
}

TEST(NcnnImport, LeftoverWeightBytesMeanTheWrongBin) {
  BinWriter b = conv_bin_f32();
  b.raw_f32({1.f});
  expect_error(kConvParam, b, {"net.bin", "4 bytes are left", "another model"});
}

TEST(NcnnImport, BlobUsedBeforeItIsMade) {
  const std::string param =
      "7767517\n3 3\n"
      "Input in0 0 1 data\n"
      "BinaryOp add 2 1 data later out 0=0\n"
      "ReLU r 1 1 data later\n";
  expect_error(param, BinWriter{}, {"net.param:4", "'add' (BinaryOp)", "blob 'later' before any layer makes it"});
}

TEST(NcnnImport, BlobMadeTwice) {
  const std::string param =
      "7767517\n3 3\n"
      "Input in0 0 1 data\n"
      "ReLU r0 1 1 data x\n"
      "ReLU r1 1 1 data x\n";
  expect_error(param, BinWriter{}, {"net.param:5", "'r1' (ReLU)", "blob 'x' that line 4 already made"});
}

TEST(NcnnImport, UnknownLayerTypeNamesTheTypeAndTheLayer) {
  const std::string param =
      "7767517\n2 2\n"
      "Input in0 0 1 data\n"
      "Deformable dcn0 1 1 data out 0=4\n";
  auto r = import_text(param, BinWriter{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::Unsupported);
  const std::string msg = r.status().message();
  EXPECT_NE(msg.find("net.param:4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'Deformable'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dcn0"), std::string::npos) << msg;
}

TEST(NcnnImport, UnsupportedWeightStorageIsAClearError) {
  BinWriter int8;
  int8.u32(0x000D4B38u);
  int8.raw_f32(std::vector<float>(14, 1.f));  // 56 bytes of payload
  expect_error(kConvParam, int8, {"net.bin", "conv0", "int8"});
  BinWriter table;
  table.u32(0x00000102u);
  table.raw_f32(std::vector<float>(256 + 14, 0.f));  // a 256-entry table and indices
  expect_error(kConvParam, table, {"net.bin", "conv0", "0x00000102", "float32"});
}

TEST(NcnnImport, MalformedParametersAreNamed) {
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=two 1=3 6=54\n", conv_bin_f32(),
               {"net.param:4", "conv0", "parameter 0", "'two'"});
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2 1=3 6=54 junk\n", conv_bin_f32(),
               {"net.param:4", "'junk'", "<id>=<value>"});
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2 1=3 6=54 -23310=3,1.0\n",
               conv_bin_f32(), {"net.param:4", "array parameter 10"});
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2.5 1=3 6=54\n", conv_bin_f32(),
               {"conv0", "parameter 0 must be an integer"});
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2 1=3 6=55\n", conv_bin_f32(),
               {"conv0", "weight_data_size 55"});
  expect_error("7767517\n2 2\nInput in0 0 1 data\nConvolution conv0 1 1 data out 0=2 1=3 6=54 77=1\n", conv_bin_f32(),
               {"conv0", "parameter id 77"});
  expect_error("7767517\n2 2\nInput in0 0 1 data\nInterp up 1 1 data out 0=7\n", BinWriter{},
               {"net.param:4", "'up' (Interp)", "resize_type 7"});
}

TEST(NcnnImport, ShapeMismatchBetweenLayersNamesTheNode) {
  // conv1 takes 5 channels but conv0 makes 2.
  const std::string param =
      "7767517\n3 3\n"
      "Input in0 0 1 data 2=1\n"
      "Convolution conv0 1 1 data a 0=2 1=1 6=2\n"
      "Convolution conv1 1 1 a out 0=1 1=1 6=5\n";
  BinWriter b;
  b.tagged_f32({1.f, 2.f});
  b.tagged_f32({1.f, 1.f, 1.f, 1.f, 1.f});
  expect_error(param, b, {"net.param", "conv1", "2 channels", "takes 5"});
}

TEST(NcnnImport, MissingFilesAreIoErrors) {
  auto r = Model::load_ncnn("/nonexistent/model.param");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::IoError);
  EXPECT_NE(r.status().message().find("/nonexistent/model.param"), std::string::npos);
  const auto dir = testing::test_dir();
  testing::write_file(dir / "only.param", std::string(kConvParam));
  auto no_bin = Model::load_ncnn((dir / "only.param").string());
  ASSERT_FALSE(no_bin);
  EXPECT_NE(no_bin.status().message().find("only.bin"), std::string::npos) << no_bin.status().to_string();
}

}  // namespace
}  // namespace caldera::nn
