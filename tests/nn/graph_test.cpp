// The graph IR (validation, shape inference, dump) and the CPU runtime on a tiny SRVGG-like
// network built in the test: conv -> PReLU -> conv -> pixel shuffle, plus a nearest-upscaled
// skip from the input. The runtime's output is checked against a naive implementation written
// here from the ops' definitions, and the same network written as ncnn text must import to the
// same result.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "caldera/nn/model.hpp"
#include "nn/import/ncnn/ncnn_import.hpp"
#include "nn_test_util.hpp"

namespace caldera::nn {
namespace {

using testing::add_input;
using testing::add_op;
using testing::conv_attrs;

constexpr int kFeatures = 4;
constexpr int kScale = 2;
constexpr int kOutConv = 3 * kScale * kScale;

struct TinyWeights {
  std::vector<float> w0 = testing::random_values(kFeatures * 3 * 9, 11, -0.5f, 0.5f);
  std::vector<float> b0 = testing::random_values(kFeatures, 12, -0.1f, 0.1f);
  std::vector<float> slope = testing::random_values(kFeatures, 13, 0.f, 0.3f);
  std::vector<float> w1 = testing::random_values(kOutConv * kFeatures * 9, 14, -0.5f, 0.5f);
  std::vector<float> b1 = testing::random_values(kOutConv, 15, -0.1f, 0.1f);
};

ir::Graph tiny_srvgg(const TinyWeights& w) {
  ir::Graph g;
  g.name = "tiny-srvgg";
  const int in = add_input(g, "data", 3);
  const int c0 = add_op(g, ir::OpType::Conv2d, "conv0", {in}, conv_attrs(3, kFeatures, 3, 1, true),
                        {{"weight", {kFeatures, 3, 3, 3}, w.w0}, {"bias", {kFeatures}, w.b0}});
  const int p0 = add_op(g, ir::OpType::PRelu, "prelu0", {c0}, std::monostate{}, {{"slope", {kFeatures}, w.slope}});
  const int c1 = add_op(g, ir::OpType::Conv2d, "conv1", {p0}, conv_attrs(kFeatures, kOutConv, 3, 1, true),
                        {{"weight", {kOutConv, kFeatures, 3, 3}, w.w1}, {"bias", {kOutConv}, w.b1}});
  const int ps = add_op(g, ir::OpType::PixelShuffle, "shuffle", {c1}, ir::PixelShuffleAttrs{kScale, 0});
  ir::ResizeAttrs up;
  up.mode = ir::ResizeMode::Nearest;
  up.scale_h = up.scale_w = kScale;
  const int skip = add_op(g, ir::OpType::Resize, "upsample", {in}, up);
  const int out = add_op(g, ir::OpType::Binary, "add", {ps, skip}, ir::BinaryAttrs{ir::BinaryKind::Add, false, 0.f});
  g.outputs = {out};
  return g;
}

// ---- the naive reference, straight from the definitions ---------------------------------------

struct Planes {
  int c, h, w;
  std::vector<float> v;
  float at(int ch, int y, int x) const {
    if (y < 0 || y >= h || x < 0 || x >= w) return 0.f;  // zero padding
    return v[(static_cast<size_t>(ch) * h + y) * w + x];
  }
  float& ref(int ch, int y, int x) { return v[(static_cast<size_t>(ch) * h + y) * w + x]; }
};

Planes naive_conv3x3(const Planes& in, int out_c, const std::vector<float>& w, const std::vector<float>& b) {
  Planes out{out_c, in.h, in.w, std::vector<float>(static_cast<size_t>(out_c) * in.h * in.w)};
  for (int o = 0; o < out_c; ++o)
    for (int y = 0; y < in.h; ++y)
      for (int x = 0; x < in.w; ++x) {
        double s = b[static_cast<size_t>(o)];
        for (int i = 0; i < in.c; ++i)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx)
              s += static_cast<double>(w[((static_cast<size_t>(o) * in.c + i) * 3 + ky) * 3 + kx]) *
                   in.at(i, y + ky - 1, x + kx - 1);
        out.ref(o, y, x) = static_cast<float>(s);
      }
  return out;
}

Planes naive_tiny_srvgg(const Planes& x, const TinyWeights& w) {
  Planes f = naive_conv3x3(x, kFeatures, w.w0, w.b0);
  for (int c = 0; c < f.c; ++c)
    for (int y = 0; y < f.h; ++y)
      for (int xx = 0; xx < f.w; ++xx) {
        float& v = f.ref(c, y, xx);
        if (v < 0) v *= w.slope[static_cast<size_t>(c)];
      }
  const Planes d = naive_conv3x3(f, kOutConv, w.w1, w.b1);
  Planes out{3, x.h * kScale, x.w * kScale, std::vector<float>(static_cast<size_t>(3) * x.h * kScale * x.w * kScale)};
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < out.h; ++y)
      for (int xx = 0; xx < out.w; ++xx) {
        const int sub = (y % kScale) * kScale + (xx % kScale);  // PyTorch pixel_shuffle order
        out.ref(c, y, xx) = d.at(c * kScale * kScale + sub, y / kScale, xx / kScale) + x.at(c, y / kScale, xx / kScale);
      }
  return out;
}

TEST(NnGraph, ShapeInferenceKeepsSpatialDimsDynamicUntilTheInputIsKnown) {
  const TinyWeights w;
  ir::Graph g = tiny_srvgg(w);
  ASSERT_TRUE(ir::infer_shapes(g).is_ok());
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.outputs[0])].shape, (ir::Shape{1, 3, ir::kDynamic, ir::kDynamic}));
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.nodes[3].outputs[0])].shape, (ir::Shape{1, kOutConv, ir::kDynamic, ir::kDynamic}));
  auto shapes = ir::compute_shapes(g, {ir::Shape{2, 3, 5, 7}});
  ASSERT_TRUE(shapes) << shapes.status().to_string();
  EXPECT_EQ((*shapes)[static_cast<size_t>(g.outputs[0])], (ir::Shape{2, 3, 10, 14}));
  // Four channels into a three-channel network: refused, naming the input.
  auto wrong = ir::compute_shapes(g, {ir::Shape{1, 4, 5, 7}});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.status().message().find("'data' takes 3 channels"), std::string::npos) << wrong.status().to_string();
}

TEST(NnGraph, DumpListsNodesAttributesAndShapes) {
  const TinyWeights w;
  auto model = Model::from_graph(tiny_srvgg(w));
  ASSERT_TRUE(model) << model.status().to_string();
  const std::string text = model->dump();
  for (const char* want : {"graph tiny-srvgg: 7 nodes", "input  data:1x3x?x?", "Conv2d conv0 (data) -> conv0:1x4x?x?",
                           "3->4 k3x3 pad 1,1,1,1 bias", "PRelu prelu0", "4 slopes", "PixelShuffle shuffle",
                           "factor 2", "Resize upsample (data)", "nearest scale 2x2", "Binary add (shuffle, upsample)",
                           "output add:1x3x?x?"})
    EXPECT_NE(text.find(want), std::string::npos) << "'" << want << "' missing from:\n" << text;
  auto sized = model->dump_for({1, 3, 5, 7});
  ASSERT_TRUE(sized) << sized.status().to_string();
  EXPECT_NE(sized->find("conv1:1x12x5x7"), std::string::npos) << *sized;
  EXPECT_NE(sized->find("output add:1x3x10x14"), std::string::npos) << *sized;
}

TEST(NnGraph, ValidationNamesTheBrokenNode) {
  const TinyWeights w;
  {
    ir::Graph g = tiny_srvgg(w);
    g.nodes[1].weights[0].data.pop_back();  // conv0 one weight short
    auto m = Model::from_graph(std::move(g));
    ASSERT_FALSE(m);
    EXPECT_NE(m.status().message().find("conv0"), std::string::npos) << m.status().to_string();
    EXPECT_NE(m.status().message().find("107 values, expected 108"), std::string::npos) << m.status().to_string();
  }
  {
    // A node that reads a tensor no earlier node made (out of topological order).
    ir::Graph g = tiny_srvgg(w);
    std::swap(g.nodes[1], g.nodes[2]);
    for (size_t i = 0; i < g.nodes.size(); ++i) g.tensors[static_cast<size_t>(g.nodes[i].outputs[0])].producer = static_cast<int>(i);
    auto m = Model::from_graph(std::move(g));
    ASSERT_FALSE(m);
    EXPECT_NE(m.status().message().find("prelu0"), std::string::npos) << m.status().to_string();
    EXPECT_NE(m.status().message().find("before any node makes it"), std::string::npos) << m.status().to_string();
  }
}

TEST(NnGraph, TinySrvggMatchesTheNaiveDefinition) {
  const TinyWeights w;
  auto model = Model::from_graph(tiny_srvgg(w));
  ASSERT_TRUE(model) << model.status().to_string();
  auto session = Session::create(*model, Context::cpu());
  ASSERT_TRUE(session) << session.status().to_string();
  // Odd sizes on purpose, batch of one.
  const Planes x{3, 7, 9, testing::random_values(3 * 7 * 9, 21, 0.f, 1.f)};
  std::vector<float> got;
  TensorShape got_shape;
  ASSERT_TRUE(session->run(x.v.data(), {1, 3, 7, 9}, got, got_shape).is_ok());
  EXPECT_EQ(got_shape, (TensorShape{1, 3, 14, 18}));
  const Planes want = naive_tiny_srvgg(x, w);
  ASSERT_EQ(got.size(), want.v.size());
  double worst = 0;
  size_t where = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::fabs(got[i] - want.v[i]) > worst) {
      worst = std::fabs(got[i] - want.v[i]);
      where = i;
    }
  EXPECT_LT(worst, 1e-5) << "worst at element " << where << ": got " << got[where] << ", want " << want.v[where];
}

TEST(NnGraph, TinySrvggWrittenAsNcnnImportsToTheSameNetwork) {
  const TinyWeights w;
  // The same network in ncnn's text form, as an ONNX-to-ncnn converter writes SRVGGNetCompact.
  const std::string param =
      "7767517\n"
      "8 9\n"
      "Input            input.1          0 1 data\n"
      "Split            splitncnn_input0 1 2 data d0 d1\n"
      "Convolution      conv0            1 1 d1 a 0=4 1=3 4=1 5=1 6=108\n"
      "PReLU            prelu0           1 1 a b 0=4\n"
      "Convolution      conv1            1 1 b c 0=12 1=3 4=1 5=1 6=432\n"
      "PixelShuffle     shuffle          1 1 c e 0=2\n"
      "Interp           upsample         1 1 d0 f 0=1 1=2.000000e+00 2=2.000000e+00\n"
      "BinaryOp         add              2 1 e f output 0=0\n";
  testing::BinWriter bin;
  bin.tagged_f32(w.w0);
  bin.raw_f32(w.b0);
  bin.raw_f32(w.slope);
  bin.tagged_f32(w.w1);
  bin.raw_f32(w.b1);
  const auto dir = testing::test_dir();
  testing::write_file(dir / "tiny.param", param);
  testing::write_file(dir / "tiny.bin", bin.bytes.data(), bin.bytes.size());
  auto imported = Model::load_ncnn((dir / "tiny.param").string());
  ASSERT_TRUE(imported) << imported.status().to_string();
  EXPECT_EQ(imported->input_channels(), 3);
  auto built = Model::from_graph(tiny_srvgg(w));
  ASSERT_TRUE(built) << built.status().to_string();

  const std::vector<float> x = testing::random_values(3 * 6 * 5, 31, 0.f, 1.f);
  std::vector<float> a, b;
  TensorShape sa, sb;
  auto s1 = Session::create(*imported, Context::cpu());
  auto s2 = Session::create(*built, Context::cpu());
  ASSERT_TRUE(s1 && s2);
  ASSERT_TRUE(s1->run(x.data(), {1, 3, 6, 5}, a, sa).is_ok());
  ASSERT_TRUE(s2->run(x.data(), {1, 3, 6, 5}, b, sb).is_ok());
  EXPECT_EQ(sa, sb);
  EXPECT_EQ(a, b);  // same kernels, same weights: bit-identical
}

TEST(NnGraph, SessionRunsPlanarFloatImagesAndChecksTheirSize) {
  const TinyWeights w;
  auto model = Model::from_graph(tiny_srvgg(w));
  ASSERT_TRUE(model);
  auto session = Session::create(*model, Context::cpu());
  ASSERT_TRUE(session);
  auto in = Image::create({9, 7, PixelFormat::RGBPlanarF32}, MemoryKind::Host);
  auto out = Image::create({18, 14, PixelFormat::RGBPlanarF32}, MemoryKind::Host);
  ASSERT_TRUE(in && out);
  // Fill the pitched planes from one dense tensor, run both ways, compare.
  const std::vector<float> x = testing::random_values(3 * 7 * 9, 41, 0.f, 1.f);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 7; ++y)
      std::copy(x.begin() + (c * 7 + y) * 9, x.begin() + (c * 7 + y + 1) * 9, reinterpret_cast<float*>(in->view().row(c, y)));
  ASSERT_TRUE(session->run(in->cview(), out->view()).is_ok());
  std::vector<float> dense;
  TensorShape shape;
  ASSERT_TRUE(session->run(x.data(), {1, 3, 7, 9}, dense, shape).is_ok());
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 14; ++y)
      for (int xx = 0; xx < 18; ++xx)
        ASSERT_EQ(reinterpret_cast<const float*>(out->cview().row(c, y))[xx], dense[static_cast<size_t>((c * 14 + y) * 18 + xx)]);
  auto wrong = Image::create({17, 14, PixelFormat::RGBPlanarF32}, MemoryKind::Host);
  ASSERT_TRUE(wrong);
  Status s = session->run(in->cview(), wrong->view());
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("makes 18x14"), std::string::npos) << s.to_string();
}

}  // namespace
}  // namespace caldera::nn
