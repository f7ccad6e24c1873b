// The CUDA fp16 runtime against the CPU fp32 reference: random-weight graphs that use every
// layer type and fusion the runtime has, the real Real-ESRGAN models when present, the image
// path (rgbf16p device images), and the memory planner (which needs no GPU).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "caldera/half.hpp"
#include "caldera/nn/model.hpp"
#include "nn/ir/graph.hpp"
#include "nn/plan/memory_plan.hpp"
#include "cuda_compare.hpp"
#include "nn_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera::nn {
namespace {

using testing::add_input;
using testing::add_op;
using testing::conv_attrs;
using testing::expect_close;
using testing::random_values;

// ---- the planner (CPU only) ----------------------------------------------------------------------

TEST(NnMemoryPlan, ChainReusesTwoBuffers) {
  // a -> b -> c -> d, each read once by the next: two buffers suffice.
  std::vector<plan::Lifetime> items = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  const auto p = plan::plan_memory(items, 256);
  EXPECT_EQ(p.naive, 4 * 1024u);
  EXPECT_EQ(p.peak, 2 * 1024u);
  EXPECT_EQ(p.live_max, 2 * 1024u);
  EXPECT_NE(p.offsets[0], p.offsets[1]);
  EXPECT_EQ(p.offsets[0], p.offsets[2]);
}

TEST(NnMemoryPlan, RandomLifetimesNeverOverlap) {
  std::mt19937 rng(5);
  for (int round = 0; round < 50; ++round) {
    std::vector<plan::Lifetime> items(40);
    for (auto& it : items) {
      it.bytes = rng() % 5000;
      it.first = static_cast<int>(rng() % 30);
      it.last = it.first + static_cast<int>(rng() % 6);
    }
    const auto p = plan::plan_memory(items, 256);
    EXPECT_GE(p.peak, p.live_max);
    EXPECT_LE(p.peak, p.naive);
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].bytes) continue;
      EXPECT_EQ(p.offsets[i] % 256, 0u);
      EXPECT_LE(p.offsets[i] + items[i].bytes, p.peak);
      for (size_t j = i + 1; j < items.size(); ++j) {
        if (!items[j].bytes || items[i].last < items[j].first || items[j].last < items[i].first) continue;
        const bool apart = p.offsets[i] + items[i].bytes <= p.offsets[j] || p.offsets[j] + items[j].bytes <= p.offsets[i];
        EXPECT_TRUE(apart) << "round " << round << ": items " << i << " and " << j << " share bytes while both live";
      }
    }
  }
}

// ---- random-weight graphs --------------------------------------------------------------------------

struct GraphBuilder {
  ir::Graph g;
  uint64_t seed = 100;

  int conv(int in, int ic, int oc, int k, int pad, bool bias, ir::ActivationKind act = ir::ActivationKind::None,
           int groups = 1, int stride = 1, int dilation = 1) {
    auto a = conv_attrs(ic, oc, k, pad, bias);
    a.groups = groups;
    a.stride_h = a.stride_w = stride;
    a.dilation_h = a.dilation_w = dilation;
    a.activation.kind = act;
    a.activation.alpha = act == ir::ActivationKind::LeakyRelu ? 0.2f : 0.f;
    const size_t wn = static_cast<size_t>(oc) * (ic / groups) * k * k;
    const float scale = 1.5f / std::sqrt(static_cast<float>((ic / groups) * k * k));
    std::vector<ir::Weight> w = {{"weight", {oc, ic / groups, k, k}, random_values(wn, seed++, -scale, scale)}};
    if (bias) w.push_back({"bias", {oc}, random_values(static_cast<size_t>(oc), seed++, -0.3f, 0.3f)});
    return add_op(g, ir::OpType::Conv2d, "conv" + std::to_string(g.nodes.size()), {in}, a, std::move(w));
  }
  int prelu(int in, int c) {
    return add_op(g, ir::OpType::PRelu, "prelu" + std::to_string(g.nodes.size()), {in}, {},
                  {{"slope", {c}, random_values(static_cast<size_t>(c), seed++, 0.05f, 0.4f)}});
  }
  int act(int in, ir::ActivationKind k, float alpha = 0.f, float beta = 0.f) {
    ir::ActivationAttrs a{k, alpha, beta};
    return add_op(g, ir::OpType::Activation, "act" + std::to_string(g.nodes.size()), {in}, a);
  }
  int binary(std::vector<int> in, ir::BinaryKind k, bool scalar = false, float s = 0.f) {
    ir::BinaryAttrs a{k, scalar, s};
    return add_op(g, ir::OpType::Binary, "bin" + std::to_string(g.nodes.size()), std::move(in), a);
  }
  int eltwise(std::vector<int> in, ir::EltwiseKind k, std::vector<float> coeffs = {}) {
    ir::EltwiseAttrs a{k, std::move(coeffs)};
    return add_op(g, ir::OpType::Eltwise, "elt" + std::to_string(g.nodes.size()), std::move(in), a);
  }
  int concat(std::vector<int> in) {
    return add_op(g, ir::OpType::Concat, "cat" + std::to_string(g.nodes.size()), std::move(in));
  }
  int shuffle(int in, int f, int mode) {
    return add_op(g, ir::OpType::PixelShuffle, "ps" + std::to_string(g.nodes.size()), {in}, ir::PixelShuffleAttrs{f, mode});
  }
  int resize(int in, ir::ResizeMode m, float sh, float sw, int oh = 0, int ow = 0) {
    ir::ResizeAttrs a;
    a.mode = m;
    a.scale_h = sh;
    a.scale_w = sw;
    a.out_h = oh;
    a.out_w = ow;
    return add_op(g, ir::OpType::Resize, "rs" + std::to_string(g.nodes.size()), {in}, a);
  }
  Model finish(int out) {
    g.outputs = {out};
    auto m = Model::from_graph(std::move(g));
    EXPECT_TRUE(m) << m.status().to_string();
    return std::move(m).value();
  }
};

// Convolutions of every flavour and every activation, fused and not.
Model conv_net() {
  GraphBuilder b;
  b.g.name = "conv_net";
  int x = add_input(b.g, "in", 3);
  x = b.prelu(b.conv(x, 3, 16, 3, 1, true), 16);                            // conv + PReLU epilogue
  x = b.conv(x, 16, 16, 3, 1, true, ir::ActivationKind::Relu);              // cuDNN bias + ReLU
  x = b.conv(x, 16, 16, 3, 1, false, ir::ActivationKind::Relu);             // ReLU without bias
  x = b.conv(x, 16, 24, 1, 0, true, ir::ActivationKind::LeakyRelu);         // 1x1, leaky
  x = b.act(b.conv(x, 24, 24, 3, 2, true, ir::ActivationKind::None, 3, 1, 2), ir::ActivationKind::Clip, -0.5f, 0.8f);
  x = b.act(b.conv(x, 24, 24, 3, 1, true, ir::ActivationKind::None, 24), ir::ActivationKind::Sigmoid);  // depthwise
  const int y = b.conv(x, 24, 8, 3, 1, true);                                // read twice: no fusion
  const int p = b.prelu(y, 8);                                               // standalone PReLU, in place
  const int l = b.act(y, ir::ActivationKind::LeakyRelu, 0.1f);
  x = b.binary({p, l}, ir::BinaryKind::Add);
  x = b.conv(x, 8, 8, 3, 1, true, ir::ActivationKind::None, 1, 2);          // stride 2
  return b.finish(b.conv(x, 8, 3, 3, 1, true));
}

// Binary ops with broadcasting and scalars, Eltwise with coefficients, concat (8-aligned and not).
Model merge_net() {
  GraphBuilder b;
  b.g.name = "merge_net";
  const int in = add_input(b.g, "in", 3);
  const int a = b.conv(in, 3, 16, 3, 1, true, ir::ActivationKind::LeakyRelu);
  const int c = b.conv(a, 16, 16, 3, 1, true);
  const int one = b.conv(a, 16, 1, 1, 0, true);                            // 1 channel: broadcast over C
  int x = b.eltwise({c, a}, ir::EltwiseKind::Sum, {0.2f, 1.f});
  x = b.binary({x, one}, ir::BinaryKind::Sub);
  x = b.binary({x}, ir::BinaryKind::Mul, true, 0.7f);
  const int m = b.eltwise({x, c}, ir::EltwiseKind::Max);
  const int pr = b.eltwise({m, a, c}, ir::EltwiseKind::Prod);
  const int mx = b.binary({pr, one}, ir::BinaryKind::Max);
  const int cat = b.concat({mx, in, a, one});                              // 16 + 3 + 16 + 1
  const int cat8 = b.concat({c, a});                                       // 8-aligned slices
  const int d = b.conv(cat, 36, 8, 3, 1, true, ir::ActivationKind::Relu);
  const int e = b.conv(cat8, 32, 8, 1, 0, false);
  const int den = b.binary({b.act(e, ir::ActivationKind::Sigmoid)}, ir::BinaryKind::Add, true, 1.5f);  // in [1.5, 2.5]
  x = b.binary({d, den}, ir::BinaryKind::Div, false);
  x = b.binary({x}, ir::BinaryKind::Add, true, 3.f);
  x = b.binary({d, b.act(x, ir::ActivationKind::Clip, -2.f, 2.f)}, ir::BinaryKind::Min);
  return b.finish(b.conv(x, 8, 3, 3, 1, true));
}

// Pixel shuffle in both orders and every resize mode, by scale and to a fixed size.
Model upsample_net() {
  GraphBuilder b;
  b.g.name = "upsample_net";
  const int in = add_input(b.g, "in", 3);
  const int f = b.conv(in, 3, 16, 3, 1, true, ir::ActivationKind::LeakyRelu);
  const int s0 = b.shuffle(b.conv(f, 16, 12, 3, 1, true), 2, 0);           // 3 channels, 2x
  const int s1 = b.shuffle(b.conv(f, 16, 12, 3, 1, true), 2, 1);
  const int n = b.resize(in, ir::ResizeMode::Nearest, 2.f, 2.f);
  const int l = b.resize(in, ir::ResizeMode::Bilinear, 2.f, 2.f);
  int x = b.eltwise({s0, s1, n, l}, ir::EltwiseKind::Sum, {0.5f, 0.5f, 0.3f, 0.7f});
  x = b.conv(x, 3, 8, 3, 1, true, ir::ActivationKind::Relu);
  const int c = b.resize(x, ir::ResizeMode::Bicubic, 0.f, 0.f, 53, 47);    // fixed size, not a multiple
  const int nn = b.resize(x, ir::ResizeMode::Nearest, 0.f, 0.f, 53, 47);
  x = b.binary({c, nn}, ir::BinaryKind::Add);
  x = b.resize(x, ir::ResizeMode::Bilinear, 1.5f, 1.5f);
  x = b.resize(x, ir::ResizeMode::Bicubic, 0.75f, 0.75f);
  return b.finish(b.conv(x, 8, 3, 3, 1, true));
}

// The test graphs are valid and run on the CPU (checked without a GPU, so a broken graph shows
// up in CI rather than first on the device).
TEST(NnCudaRuntimeGraphs, RunOnTheCpu) {
  for (const Model& m : {conv_net(), merge_net(), upsample_net()}) {
    auto s = Session::create(m, Context::cpu());
    ASSERT_TRUE(s);
    const std::vector<float> in = random_values(3 * 23 * 19, 1, 0.f, 1.f);
    std::vector<float> out;
    TensorShape os;
    Status st = s->run(in.data(), {1, 3, 23, 19}, out, os);
    ASSERT_TRUE(st) << m.name() << ": " << st.to_string();
    for (float v : out) ASSERT_TRUE(std::isfinite(v)) << m.name();
  }
}

TEST(NnCudaRuntime, ConvolutionsAndActivationsMatchCpu) {
  CALDERA_REQUIRE_GPU();
  const Model m = conv_net();
  expect_close(m, {1, 3, 37, 29}, 1);
  expect_close(m, {2, 3, 16, 21}, 2);  // batch 2, another shape on the same session kind
  SessionOptions heur;
  heur.conv_search = ConvAlgoSearch::Heuristic;
  expect_close(m, {1, 3, 40, 33}, 3, heur);
}

TEST(NnCudaRuntime, BinaryEltwiseConcatMatchCpu) {
  CALDERA_REQUIRE_GPU();
  const Model m = merge_net();
  expect_close(m, {1, 3, 31, 43}, 4);
  expect_close(m, {2, 3, 8, 9}, 5);
}

TEST(NnCudaRuntime, PixelShuffleAndResizeMatchCpu) {
  CALDERA_REQUIRE_GPU();
  expect_close(upsample_net(), {1, 3, 23, 19}, 6);
}

TEST(NnCudaRuntime, PlannedMemoryIsBelowTheNaiveSum) {
  CALDERA_REQUIRE_GPU();
  const Model m = conv_net();
  auto s = Session::create(m, *::caldera::testing::gpu_context());
  ASSERT_TRUE(s) << s.status().to_string();
  auto mem = s->prepare({1, 3, 64, 64});
  ASSERT_TRUE(mem) << mem.status().to_string();
  EXPECT_GT(mem->weights, 0u);
  EXPECT_GE(mem->planned, mem->live_max);
  EXPECT_LT(mem->planned, mem->naive);
}

TEST(NnCudaRuntime, RefusesWhatItCannotRun) {
  CALDERA_REQUIRE_GPU();
  GraphBuilder b;
  b.g.name = "asym";
  int x = add_input(b.g, "in", 3);
  x = b.conv(x, 3, 8, 3, 1, true);
  b.g.nodes.back().attr<ir::Conv2dAttrs>().pad_bottom = 0;
  const Model m = b.finish(x);
  auto s = Session::create(m, *::caldera::testing::gpu_context());
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().to_string().find("asymmetric padding"), std::string::npos) << s.status().to_string();
}

// rgbf16p device images in and out (what model_input / model_output exchange), odd size.
TEST(NnCudaRuntime, DeviceImagesInAndOut) {
  CALDERA_REQUIRE_GPU();
  Context& ctx = *::caldera::testing::gpu_context();
  const Model m = conv_net();
  const int w = 41, h = 27;
  const TensorShape in_shape{1, 3, h, w};
  auto out_shape = m.output_shape(in_shape);
  ASSERT_TRUE(out_shape);
  const std::vector<float> input = random_values(in_shape.count(), 9, 0.f, 1.f);
  auto host_in = Image::create({w, h, PixelFormat::RGBPlanarF16}, MemoryKind::Host);
  ASSERT_TRUE(host_in);
  std::vector<float> rounded(input.size());  // the CPU gets the same fp16-rounded input
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const size_t i = (static_cast<size_t>(c) * h + y) * w + x;
        const uint16_t v = float_to_half(input[i]);
        reinterpret_cast<uint16_t*>(host_in->view().row(c, y))[x] = v;
        rounded[i] = half_to_float(v);
      }
  Image dev_in = ::caldera::testing::to_device(host_in->cview(), ctx);
  auto dev_out = Image::create({out_shape->w, out_shape->h, PixelFormat::RGBPlanarF32}, MemoryKind::Device, &ctx);
  ASSERT_TRUE(dev_out);
  auto gpu = Session::create(m, ctx);
  ASSERT_TRUE(gpu) << gpu.status().to_string();
  Status s = gpu->run(dev_in.cview(), dev_out->view());
  ASSERT_TRUE(s) << s.to_string();
  Image got = ::caldera::testing::to_host(dev_out->cview(), ctx);
  auto cpu = Session::create(m, Context::cpu());
  std::vector<float> want;
  TensorShape ws;
  ASSERT_TRUE(cpu->run(rounded.data(), in_shape, want, ws));
  double num = 0, den = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < ws.h; ++y)
      for (int x = 0; x < ws.w; ++x) {
        const double g = reinterpret_cast<const float*>(got.cview().row(c, y))[x];
        const double r = want[(static_cast<size_t>(c) * ws.h + y) * ws.w + x];
        ASSERT_TRUE(std::isfinite(g));
        num += (g - r) * (g - r);
        den += r * r;
      }
  EXPECT_LE(std::sqrt(num / den), 1e-2);
}

// ---- the real models ------------------------------------------------------------------------------

bool model_present(const std::string& name) {
  return std::filesystem::exists(Model::model_dir() + "/" + name + ".param") &&
         std::filesystem::exists(Model::model_dir() + "/" + name + ".bin");
}

void real_model_case(const std::string& name, TensorShape shape) {
  CALDERA_REQUIRE_GPU();
  if (!model_present(name))
    GTEST_SKIP() << "model " << name << " is not in " << Model::model_dir()
                 << " (run scripts/fetch-models.sh, or set CALDERA_MODEL_DIR)";
  auto m = Model::load(name);
  ASSERT_TRUE(m) << m.status().to_string();
  expect_close(*m, shape, 11);
  auto s = Session::create(*m, *::caldera::testing::gpu_context());
  ASSERT_TRUE(s);
  auto mem = s->prepare(shape);
  ASSERT_TRUE(mem) << mem.status().to_string();
  std::printf("  %s at %s: weights %.2f MiB, activations+workspace planned %.2f MiB (naive %.2f MiB, live max %.2f MiB)\n",
              name.c_str(), shape.to_string().c_str(), mem->weights / 1048576.0, mem->planned / 1048576.0,
              mem->naive / 1048576.0, mem->live_max / 1048576.0);
  EXPECT_LT(mem->planned, mem->naive);
}

TEST(NnCudaRuntime, RealesrAnimevideov3x4MatchesCpu) { real_model_case("realesr-animevideov3-x4", {1, 3, 72, 96}); }
TEST(NnCudaRuntime, RealesrganX4plusAnimeMatchesCpu) { real_model_case("realesrgan-x4plus-anime", {1, 3, 40, 36}); }
TEST(NnCudaRuntime, RealesrganX4plusMatchesCpu) { real_model_case("realesrgan-x4plus", {1, 3, 24, 20}); }  // residual fused
TEST(NnCudaRuntime, RealesrAnimevideov3x3MatchesCpu) { real_model_case("realesr-animevideov3-x3", {1, 3, 35, 29}); }  // odd sizes
TEST(NnCudaRuntime, RealesrAnimevideov3x2MatchesCpu) { real_model_case("realesr-animevideov3-x2", {2, 3, 30, 26}); }  // bicubic 0.5
// The waifu2x / Real-CUGAN zoo with their .io folded in (edge border Pad with alignment, Slice to
// 2x / 4x the input, Real-CUGAN 4x's nearest residual): odd sizes take the alignment path;
// cunet's squeeze-excitation is Reduce -> Gemm -> broadcast Binary mul, its crops Slices to a
// reference. Not yet run on a GPU (added 2026-12-02).
TEST(NnCudaRuntime, Waifu2xCunetScale2xMatchesCpu) { real_model_case("waifu2x-cunet-scale2x", {1, 3, 37, 45}); }
TEST(NnCudaRuntime, Waifu2xUpconv7Scale2xMatchesCpu) { real_model_case("waifu2x-upconv7-scale2x", {2, 3, 31, 40}); }
TEST(NnCudaRuntime, RealcuganUp4xConservativeMatchesCpu) { real_model_case("realcugan-up4x-conservative", {1, 3, 29, 34}); }

}  // namespace
}  // namespace caldera::nn
