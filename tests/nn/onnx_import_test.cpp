// ONNX import: small models built here with the protobuf classes, random weights, imported into
// the IR and run on the CPU runtime; the expected values are computed independently in this file
// with plain loops. Malformed files and unsupported operators must be errors that name the file,
// the node and the operator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "caldera/nn/model.hpp"
#include "nn/cpu/cpu_runtime.hpp"
#include "onnx_test_util.hpp"

namespace caldera::nn {
namespace {

using testing::OnnxBuilder;
using testing::random_values;

struct T4 {
  int n = 1, c = 0, h = 0, w = 0;
  std::vector<float> v;
  float& at(int b, int ch, int y, int x) { return v[((static_cast<size_t>(b) * c + ch) * h + y) * w + x]; }
  float at(int b, int ch, int y, int x) const { return v[((static_cast<size_t>(b) * c + ch) * h + y) * w + x]; }
};

T4 make(int n, int c, int h, int w, uint64_t seed) { return {n, c, h, w, random_values(static_cast<size_t>(n * c * h * w), seed)}; }
T4 zeros(int n, int c, int h, int w) { return {n, c, h, w, std::vector<float>(static_cast<size_t>(n * c * h * w))}; }

// Direct convolution (stride 1), accumulated in double.
T4 ref_conv(const T4& x, const std::vector<float>& wt, const std::vector<float>& bias, int cout, int kh, int kw,
            int pt, int pl, int pb, int pr, int dil = 1, int groups = 1) {
  const int oh = x.h + pt + pb - dil * (kh - 1), ow = x.w + pl + pr - dil * (kw - 1);
  T4 y = zeros(x.n, cout, oh, ow);
  const int icg = x.c / groups, ocg = cout / groups;
  for (int b = 0; b < x.n; ++b)
    for (int o = 0; o < cout; ++o)
      for (int yy = 0; yy < oh; ++yy)
        for (int xx = 0; xx < ow; ++xx) {
          double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
          for (int i = 0; i < icg; ++i)
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx) {
                const int iy = yy - pt + ky * dil, ix = xx - pl + kx * dil;
                if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                acc += static_cast<double>(wt[((static_cast<size_t>(o) * icg + i) * kh + ky) * kw + kx]) *
                       x.at(b, (o / ocg) * icg + i, iy, ix);
              }
          y.at(b, o, yy, xx) = static_cast<float>(acc);
        }
  return y;
}

void ref_prelu(T4& x, const std::vector<float>& slope) {
  for (int b = 0; b < x.n; ++b)
    for (int c = 0; c < x.c; ++c)
      for (int i = 0; i < x.h * x.w; ++i) {
        float& v = x.at(b, c, i / x.w, i % x.w);
        if (v < 0) v *= slope[static_cast<size_t>(c)];
      }
}

// ONNX DepthToSpace, written from the specification's reshape/transpose definition.
T4 ref_depth_to_space(const T4& x, int r, bool crd) {
  const int oc = x.c / (r * r);
  T4 y = zeros(x.n, oc, x.h * r, x.w * r);
  for (int b = 0; b < x.n; ++b)
    for (int c = 0; c < oc; ++c)
      for (int i = 0; i < r; ++i)
        for (int j = 0; j < r; ++j) {
          const int src = crd ? c * r * r + i * r + j : (i * r + j) * oc + c;
          for (int yy = 0; yy < x.h; ++yy)
            for (int xx = 0; xx < x.w; ++xx) y.at(b, c, yy * r + i, xx * r + j) = x.at(b, src, yy, xx);
        }
  return y;
}

T4 ref_nearest(const T4& x, int s) {
  T4 y = zeros(x.n, x.c, x.h * s, x.w * s);
  for (int b = 0; b < x.n; ++b)
    for (int c = 0; c < x.c; ++c)
      for (int yy = 0; yy < y.h; ++yy)
        for (int xx = 0; xx < y.w; ++xx) y.at(b, c, yy, xx) = x.at(b, c, yy / s, xx / s);
  return y;
}

// Linear resize by a whole factor with half-pixel centres, the source coordinate clamped to the image.
T4 ref_bilinear(const T4& x, int s) {
  T4 y = zeros(x.n, x.c, x.h * s, x.w * s);
  auto coord = [s](int o, int in, int& i0, int& i1, double& f) {
    double src = (o + 0.5) / s - 0.5;
    src = std::clamp(src, 0.0, static_cast<double>(in - 1));
    i0 = static_cast<int>(std::floor(src));
    i1 = std::min(i0 + 1, in - 1);
    f = src - i0;
  };
  for (int b = 0; b < x.n; ++b)
    for (int c = 0; c < x.c; ++c)
      for (int yy = 0; yy < y.h; ++yy)
        for (int xx = 0; xx < y.w; ++xx) {
          int y0, y1, x0, x1;
          double fy, fx;
          coord(yy, x.h, y0, y1, fy);
          coord(xx, x.w, x0, x1, fx);
          const double top = x.at(b, c, y0, x0) * (1 - fx) + x.at(b, c, y0, x1) * fx;
          const double bot = x.at(b, c, y1, x0) * (1 - fx) + x.at(b, c, y1, x1) * fx;
          y.at(b, c, yy, xx) = static_cast<float>(top * (1 - fy) + bot * fy);
        }
  return y;
}

// Imports and runs on the CPU runtime; the output's shape must be the expected one.
T4 run_cpu(const ir::Graph& g, const T4& x) {
  std::vector<cpu::HostTensor> outs;
  Status s = cpu::run_graph(g, {x.v.data()}, {ir::Shape{x.n, x.c, x.h, x.w}}, outs, 2);
  EXPECT_TRUE(s) << s.to_string();
  if (!s || outs.empty()) return {};
  const ir::Shape& o = outs[0].shape;
  return {static_cast<int>(o.n), static_cast<int>(o.c), static_cast<int>(o.h), static_cast<int>(o.w), std::move(outs[0].data)};
}

void expect_close(const T4& got, const T4& want, float tol) {
  ASSERT_EQ(got.n, want.n);
  ASSERT_EQ(got.c, want.c);
  ASSERT_EQ(got.h, want.h);
  ASSERT_EQ(got.w, want.w);
  ASSERT_EQ(got.v.size(), want.v.size());
  size_t worst = 0;
  float err = 0.f;
  for (size_t i = 0; i < got.v.size(); ++i)
    if (std::fabs(got.v[i] - want.v[i]) > err) err = std::fabs(got.v[i] - want.v[i]), worst = i;
  EXPECT_LE(err, tol) << "worst element " << worst << ": got " << got.v[worst] << ", want " << want.v[worst];
}

std::vector<float> init_values(const OnnxBuilder& b, const std::string& name) {
  for (const auto& t : b.model().graph().initializer())
    if (t.name() == name) {
      std::vector<float> v(t.raw_data().size() / 4);
      std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
      return v;
    }
  ADD_FAILURE() << "no initializer " << name;
  return {};
}

std::string import_error(const OnnxBuilder& b) {
  auto r = b.import();
  EXPECT_FALSE(r) << "imported a model that should be refused";
  return r ? std::string() : r.status().to_string();
}

TEST(OnnxImport, ConvReluMatchesDirectConvolution) {
  OnnxBuilder b;
  b.input("x", {1, 2, -1, -1});
  b.conv("x", "c", 2, 3, 3, 5);
  b.node("Relu", {"c"}, {"y"});
  b.output("y");
  auto r = b.import();
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Graph& g = r->graph;
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[1].op, ir::OpType::Conv2d);
  EXPECT_EQ(g.nodes[2].op, ir::OpType::Activation);
  EXPECT_EQ(g.nodes[2].attr<ir::ActivationAttrs>().kind, ir::ActivationKind::Relu);
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.outputs[0])].shape, (ir::Shape{1, 3, ir::kDynamic, ir::kDynamic}));
  EXPECT_EQ(r->initializers, 2u);
  EXPECT_EQ(r->opset, 13);

  const T4 x = make(1, 2, 5, 6, 11);
  T4 want = ref_conv(x, init_values(b, "c.w"), init_values(b, "c.b"), 3, 3, 3, 1, 1, 1, 1);
  for (float& v : want.v) v = std::max(v, 0.f);
  expect_close(run_cpu(g, x), want, 1e-5f);
}

TEST(OnnxImport, GroupedDilatedConvWithAsymmetricPadsAndFloatData) {
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  const auto w = random_values(4 * 2 * 3 * 3, 21);
  b.init("w", {4, 2, 3, 3}, w, /*raw=*/false);  // float_data rather than raw bytes
  auto& c = b.node("Conv", {"x", "w"}, {"y"});
  OnnxBuilder::attr(c, "group", int64_t{2});
  OnnxBuilder::attr(c, "dilations", {2, 2});
  OnnxBuilder::attr(c, "pads", {1, 0, 2, 1});  // top, left, bottom, right
  b.output("y");
  auto r = b.import();
  ASSERT_TRUE(r) << r.status().to_string();
  const auto& a = r->graph.nodes[1].attr<ir::Conv2dAttrs>();
  EXPECT_EQ(a.groups, 2);
  EXPECT_EQ(a.in_channels, 4);
  EXPECT_EQ(a.dilation_h, 2);
  EXPECT_EQ(a.pad_top, 1);
  EXPECT_EQ(a.pad_left, 0);
  EXPECT_EQ(a.pad_bottom, 2);
  EXPECT_EQ(a.pad_right, 1);
  EXPECT_FALSE(a.has_bias);
  const T4 x = make(1, 4, 7, 6, 22);
  expect_close(run_cpu(r->graph, x), ref_conv(x, w, {}, 4, 3, 3, 1, 0, 2, 1, 2, 2), 1e-5f);
}

class OnnxSrvgg : public ::testing::TestWithParam<const char*> {};

TEST_P(OnnxSrvgg, PReluDepthToSpaceResizeAddMatchDirectComputation) {
  const std::string mode = GetParam();
  OnnxBuilder b = testing::srvgg_like(mode, 100);
  auto r = b.import();
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Graph& g = r->graph;
  int shuffles = 0, resizes = 0;
  for (const ir::Node& n : g.nodes) {
    if (n.op == ir::OpType::PixelShuffle) {
      ++shuffles;
      EXPECT_EQ(n.attr<ir::PixelShuffleAttrs>().mode, mode == "CRD" ? 0 : 1);
      EXPECT_EQ(n.attr<ir::PixelShuffleAttrs>().factor, 2);
    }
    if (n.op == ir::OpType::Resize) {
      ++resizes;
      EXPECT_EQ(n.attr<ir::ResizeAttrs>().scale_h, 2.f);
    }
  }
  EXPECT_EQ(shuffles, 1);
  EXPECT_EQ(resizes, 1);

  const T4 x = make(1, 3, 6, 5, 101);
  T4 h = ref_conv(x, init_values(b, "c0.w"), init_values(b, "c0.b"), 8, 3, 3, 1, 1, 1, 1);
  ref_prelu(h, init_values(b, "a0"));
  h = ref_conv(h, init_values(b, "c1.w"), init_values(b, "c1.b"), 8, 3, 3, 1, 1, 1, 1);
  ref_prelu(h, init_values(b, "a1"));
  h = ref_conv(h, init_values(b, "c2.w"), init_values(b, "c2.b"), 12, 3, 3, 1, 1, 1, 1);
  T4 want = ref_depth_to_space(h, 2, mode == "CRD");
  const T4 base = ref_nearest(x, 2);
  for (size_t i = 0; i < want.v.size(); ++i) want.v[i] += base.v[i];
  expect_close(run_cpu(g, x), want, 1e-5f);
}

INSTANTIATE_TEST_SUITE_P(Modes, OnnxSrvgg, ::testing::Values("CRD", "DCR"));

TEST(OnnxImport, ArithmeticWithScalarAndPerChannelConstants) {
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  const std::vector<float> scale{0.5f, -2.f, 4.f}, mean{0.1f, -0.2f, 0.3f};
  b.init("scale", {1, 3, 1, 1}, scale);
  b.init("mean", {3, 1, 1}, mean);
  b.init("half", {}, {0.5f});
  b.init("one", {1}, {1.f});
  b.node("Mul", {"x", "scale"}, {"m"});      // per channel -> depthwise 1x1 convolution
  b.node("Sub", {"m", "mean"}, {"s"});       // per channel, tensor first
  b.node("Mul", {"half", "s"}, {"h"});       // scalar, constant first
  b.node("Sub", {"one", "h"}, {"o"});        // scalar minus tensor
  b.node("Div", {"o", "scale"}, {"y"});      // per-channel divisor
  b.output("y");
  auto r = b.import();
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Graph& g = r->graph;
  ASSERT_EQ(g.nodes[1].op, ir::OpType::Conv2d);
  EXPECT_EQ(g.nodes[1].attr<ir::Conv2dAttrs>().groups, 3);
  EXPECT_EQ(g.nodes[3].op, ir::OpType::Binary);
  EXPECT_TRUE(g.nodes[3].attr<ir::BinaryAttrs>().with_scalar);
  EXPECT_EQ(g.nodes[3].attr<ir::BinaryAttrs>().scalar, 0.5f);

  const T4 x = make(1, 3, 4, 5, 31);
  T4 want = x;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 20; ++i) {
      float& v = want.at(0, c, i / 5, i % 5);
      v = (1.f - 0.5f * (v * scale[static_cast<size_t>(c)] - mean[static_cast<size_t>(c)])) / scale[static_cast<size_t>(c)];
    }
  expect_close(run_cpu(g, x), want, 1e-5f);
}

class OnnxReshapeShuffle : public ::testing::TestWithParam<bool> {};

TEST_P(OnnxReshapeShuffle, ImportsAsReshapeTransposeAndThePassMakesOnePixelShuffle) {
  const bool crd = GetParam();
  auto r = testing::reshape_pixel_shuffle(crd).import();
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Graph& g = r->graph;
  // As imported: the shape subgraph folded away, the chain kept as written (a 6-D tensor between).
  ASSERT_EQ(g.nodes.size(), 4u) << ir::dump(g);
  EXPECT_EQ(g.nodes[1].op, ir::OpType::Reshape);
  EXPECT_EQ(g.nodes[2].op, ir::OpType::Transpose);
  EXPECT_EQ(g.nodes[3].op, ir::OpType::Reshape);
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.nodes[1].outputs[0])].shape.rank(), 6);
  EXPECT_GT(r->folded_nodes, 5u);
  const T4 x = make(1, 4, 3, 5, 41);
  const T4 want = ref_depth_to_space(x, 2, crd);
  expect_close(run_cpu(g, x), want, 0.f);  // the CPU runtime runs the 6-D chain as written
  // The pixel_shuffle pass at load: one PixelShuffle of the right order, the same values.
  auto m = Model::from_graph(g);
  ASSERT_TRUE(m) << m.status().to_string();
  const ir::Graph& fused = m->graph();
  ASSERT_EQ(fused.nodes.size(), 2u) << ir::dump(fused);
  ASSERT_EQ(fused.nodes[1].op, ir::OpType::PixelShuffle);
  EXPECT_EQ(fused.nodes[1].attr<ir::PixelShuffleAttrs>().mode, crd ? 0 : 1);
  EXPECT_EQ(fused.nodes[1].attr<ir::PixelShuffleAttrs>().factor, 2);
  expect_close(run_cpu(fused, x), want, 0.f);
}

INSTANTIATE_TEST_SUITE_P(CrdAndDcr, OnnxReshapeShuffle, ::testing::Bool());

TEST(OnnxImport, ShapeGatherConcatSizesFoldIntoResizeByScale) {
  for (const char* mode : {"nearest", "linear"}) {
    SCOPED_TRACE(mode);
    auto r = testing::resize_by_shape_subgraph(mode).import();
    ASSERT_TRUE(r) << r.status().to_string();
    const ir::Graph& g = r->graph;
    ASSERT_EQ(g.nodes.size(), 2u) << ir::dump(g);
    const auto& a = g.nodes[1].attr<ir::ResizeAttrs>();
    EXPECT_EQ(a.scale_h, 3.f);
    EXPECT_EQ(a.scale_w, 3.f);
    EXPECT_EQ(a.out_h, 0);
    const T4 x = make(1, 2, 4, 7, 51);
    const T4 want = std::string(mode) == "nearest" ? ref_nearest(x, 3) : ref_bilinear(x, 3);
    expect_close(run_cpu(g, x), want, 1e-5f);
  }
}

TEST(OnnxImport, ClipLeakyReluSigmoidConcat) {
  OnnxBuilder b(11);
  b.input("x", {1, 2, 3, 3});
  b.init("lo", {}, {-0.25f});
  b.init("hi", {}, {0.5f});
  b.node("Clip", {"x", "lo", "hi"}, {"a"});
  auto& l = b.node("LeakyRelu", {"x"}, {"l"});
  OnnxBuilder::attr(l, "alpha", 0.2f);
  b.node("Sigmoid", {"x"}, {"s"});
  auto& c = b.node("Concat", {"a", "l", "s"}, {"y"});
  OnnxBuilder::attr(c, "axis", int64_t{1});
  b.output("y");
  auto r = b.import();
  ASSERT_TRUE(r) << r.status().to_string();
  const T4 x = make(1, 2, 3, 3, 61);
  T4 want = zeros(1, 6, 3, 3);
  for (int c2 = 0; c2 < 2; ++c2)
    for (int i = 0; i < 9; ++i) {
      const float v = x.at(0, c2, i / 3, i % 3);
      want.at(0, c2, i / 3, i % 3) = std::clamp(v, -0.25f, 0.5f);
      want.at(0, 2 + c2, i / 3, i % 3) = v < 0 ? 0.2f * v : v;
      want.at(0, 4 + c2, i / 3, i % 3) = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(v))));
    }
  expect_close(run_cpu(r->graph, x), want, 1e-6f);
}

TEST(OnnxImport, UnsupportedOperatorsNameTheOpAndTheNode) {
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  b.node("Softmax", {"x"}, {"y"}, "final_softmax");
  b.output("y");
  std::string e = import_error(b);
  EXPECT_NE(e.find("'Softmax'"), std::string::npos) << e;
  EXPECT_NE(e.find("final_softmax"), std::string::npos) << e;
  EXPECT_NE(e.find("test.onnx"), std::string::npos) << e;

  OnnxBuilder t;  // output_shape makes the padding depend on the input size
  t.input("x", {1, 3, -1, -1});
  t.init("w", {3, 3, 2, 2}, random_values(36, 3));
  auto& ct = t.node("ConvTranspose", {"x", "w"}, {"y"}, "upconv");
  OnnxBuilder::attr(ct, "output_shape", {10, 10});
  t.output("y");
  e = import_error(t);
  EXPECT_NE(e.find("output_shape"), std::string::npos) << e;
  EXPECT_NE(e.find("upconv"), std::string::npos) << e;

  OnnxBuilder ac;
  ac.input("x", {1, 3, -1, -1});
  ac.init("scales", {4}, {1.f, 1.f, 2.f, 2.f});
  auto& rs = ac.node("Resize", {"x", "", "scales"}, {"y"}, "up_tf");
  OnnxBuilder::attr(rs, "mode", std::string("linear"));
  OnnxBuilder::attr(rs, "coordinate_transformation_mode", std::string("tf_crop_and_resize"));
  ac.output("y");
  e = import_error(ac);
  EXPECT_NE(e.find("tf_crop_and_resize"), std::string::npos) << e;
  EXPECT_NE(e.find("up_tf"), std::string::npos) << e;

  OnnxBuilder nn;  // nearest with half-pixel rounding matches the IR at whole scales only
  nn.input("x", {1, 3, -1, -1});
  nn.init("scales", {4}, {1.f, 1.f, 1.5f, 1.5f});
  auto& rn = nn.node("Resize", {"x", "", "scales"}, {"y"}, "up_nearest");
  OnnxBuilder::attr(rn, "mode", std::string("nearest"));
  nn.output("y");
  e = import_error(nn);
  EXPECT_NE(e.find("whole scales"), std::string::npos) << e;
  EXPECT_NE(e.find("up_nearest"), std::string::npos) << e;

  OnnxBuilder sp;  // a constant of a higher rank than the tensor would broadcast it up
  sp.input("x", {1, 1, 2, 2});
  sp.init("k", {1, 1, 1, 2, 2}, {1.f, 2.f, 3.f, 4.f});
  sp.node("Mul", {"x", "k"}, {"y"}, "rank5_mul");
  sp.output("y");
  e = import_error(sp);
  EXPECT_NE(e.find("rank5_mul"), std::string::npos) << e;
  EXPECT_NE(e.find("[1,1,1,2,2]"), std::string::npos) << e;

  OnnxBuilder st;  // strided slices are not in the IR
  st.input("x", {1, 4, -1, -1});
  st.init_i64("s", {1}, {0});
  st.init_i64("e", {1}, {4});
  st.init_i64("a", {1}, {1});
  st.init_i64("k", {1}, {2});
  st.node("Slice", {"x", "s", "e", "a", "k"}, {"y"}, "every_other");
  st.output("y");
  e = import_error(st);
  EXPECT_NE(e.find("step 2"), std::string::npos) << e;
  EXPECT_NE(e.find("every_other"), std::string::npos) << e;
}

TEST(OnnxImport, MalformedFilesAreErrors) {
  const std::string junk = "this is not a protobuf \xff\xff\xff\xff\xff";
  auto r = onnx_import::import_onnx({reinterpret_cast<const uint8_t*>(junk.data()), junk.size()}, "junk.onnx");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().to_string().find("junk.onnx"), std::string::npos) << r.status().to_string();

  // Every truncation of a valid model is refused (or, where the cut falls between fields, still
  // imports a consistent graph), and none crashes.
  const std::string good = testing::srvgg_like("DCR", 7).bytes();
  int refused = 0;
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    auto t = onnx_import::import_onnx({reinterpret_cast<const uint8_t*>(good.data()), cut}, "cut.onnx");
    if (!t) ++refused;
    else EXPECT_TRUE(ir::validate(t->graph)) << "cut at " << cut;
  }
  EXPECT_GT(refused, 0);

  OnnxBuilder missing;
  missing.input("x", {1, 3, -1, -1});
  missing.node("Conv", {"x", "no_such_weight"}, {"y"}, "conv0");
  missing.output("y");
  std::string e = import_error(missing);
  EXPECT_NE(e.find("no_such_weight"), std::string::npos) << e;
  EXPECT_NE(e.find("conv0"), std::string::npos) << e;

  OnnxBuilder short_raw;
  short_raw.input("x", {1, 3, -1, -1});
  short_raw.init("w", {4, 3, 3, 3}, random_values(100, 1));  // 108 values declared, 100 stored
  short_raw.node("Conv", {"x", "w"}, {"y"});
  short_raw.output("y");
  e = import_error(short_raw);
  EXPECT_NE(e.find("initializer 'w'"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;

  OnnxBuilder old(9);
  old.input("x", {1, 3, -1, -1});
  old.node("Relu", {"x"}, {"y"});
  old.output("y");
  e = import_error(old);
  EXPECT_NE(e.find("opset 9"), std::string::npos) << e;
}

TEST(OnnxImport, ModelLoadTakesOnnxFiles) {
  const auto dir = testing::test_dir();
  const std::string path = (dir / "srvgg.onnx").string();
  const std::string bytes = testing::srvgg_like("CRD", 3).bytes();
  testing::write_file(path, bytes.data(), bytes.size());
  auto m = Model::load(path);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->name(), "srvgg");
  EXPECT_EQ(m->input_channels(), 3);
  auto out = m->output_shape({1, 3, 20, 30});
  ASSERT_TRUE(out) << out.status().to_string();
  EXPECT_EQ(*out, (TensorShape{1, 3, 40, 60}));
  EXPECT_NE(m->dump().find("PixelShuffle"), std::string::npos);

  const std::string bad = (dir / "bad.onnx").string();
  testing::write_file(bad, bytes.data(), bytes.size() / 2);
  auto b = Model::load(bad);
  ASSERT_FALSE(b);
  EXPECT_NE(b.status().to_string().find("bad.onnx"), std::string::npos) << b.status().to_string();
  EXPECT_FALSE(Model::load((dir / "absent.onnx").string()));
}

}  // namespace
}  // namespace caldera::nn
