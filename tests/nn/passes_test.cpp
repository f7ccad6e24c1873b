// Graph passes (src/nn/passes/): each pass on a small graph built here must keep the CPU
// runtime's output (max abs difference <= 1e-5 of the output's range) and change the graph the
// way it says; the pipeline runs at model load (ONNX with BatchNormalization) and reports what it
// did in the dump; the real ncnn models give the same CPU output with passes on and off.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "caldera/nn/model.hpp"
#include "nn/cpu/cpu_runtime.hpp"
#include "nn/passes/pass.hpp"
#include "onnx_test_util.hpp"
#include "pass_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera::nn {
namespace {

using testing::add_input;
using testing::add_op;
using testing::conv_attrs;
using testing::count_op;
using testing::expect_same_outputs;
using testing::node_named;
using testing::OnnxBuilder;
using testing::run_cpu;
using testing::run_pass;
using testing::random_values;

int conv(ir::Graph& g, const std::string& name, int in, int cin, int cout, int k, bool bias, uint64_t seed,
         ir::ActivationKind act = ir::ActivationKind::None) {
  ir::Conv2dAttrs a = conv_attrs(cin, cout, k, k / 2, bias);
  a.activation.kind = act;
  std::vector<ir::Weight> w{{"weight", {cout, cin, k, k}, random_values(static_cast<size_t>(cout * cin * k * k), seed, -0.4f, 0.4f)}};
  if (bias) w.push_back({"bias", {cout}, random_values(static_cast<size_t>(cout), seed + 1, -0.3f, 0.3f)});
  return add_op(g, ir::OpType::Conv2d, name, {in}, a, std::move(w));
}

int batchnorm(ir::Graph& g, const std::string& name, int in, int c, uint64_t seed) {
  std::vector<ir::Weight> w{{"scale", {c}, random_values(static_cast<size_t>(c), seed, 0.5f, 2.f)},
                            {"bias", {c}, random_values(static_cast<size_t>(c), seed + 1, -0.5f, 0.5f)},
                            {"mean", {c}, random_values(static_cast<size_t>(c), seed + 2, -0.5f, 0.5f)},
                            {"var", {c}, random_values(static_cast<size_t>(c), seed + 3, 0.2f, 3.f)}};
  return add_op(g, ir::OpType::BatchNorm, name, {in}, ir::BatchNormAttrs{1e-3f}, std::move(w));
}

int activation(ir::Graph& g, const std::string& name, int in, ir::ActivationKind kind, float alpha = 0.f,
               float beta = 0.f) {
  return add_op(g, ir::OpType::Activation, name, {in}, ir::ActivationAttrs{kind, alpha, beta});
}

// ---- BatchNorm -------------------------------------------------------------------------------

TEST(NnPasses, BatchNormRunsOnTheCpuAsDefined) {
  ir::Graph g;
  g.name = "bn";
  const int x = add_input(g, "x", 2);
  g.outputs = {batchnorm(g, "bn", x, 2, 11)};
  ASSERT_TRUE(ir::validate(g).is_ok());
  const std::vector<float> in = random_values(2 * 3 * 4, 3);
  std::vector<cpu::HostTensor> out;
  ASSERT_TRUE(cpu::run_graph(g, {in.data()}, {ir::Shape{1, 2, 3, 4}}, out).is_ok());
  const ir::Node& bn = g.nodes[1];
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 12; ++i) {
      const double v = in[static_cast<size_t>(c * 12 + i)];
      const double want = (v - bn.weights[2].data[c]) / std::sqrt(bn.weights[3].data[c] + 1e-3) * bn.weights[0].data[c] +
                          bn.weights[1].data[c];
      EXPECT_NEAR(out[0].data[static_cast<size_t>(c * 12 + i)], want, 1e-5);
    }
  // Statistics of the wrong size, or a non-positive variance, are refused naming the node.
  ir::Graph bad = g;
  bad.nodes[1].weights[2].data.pop_back();
  Status s = ir::validate(bad);
  EXPECT_NE(s.message().find("BatchNorm node 'bn'"), std::string::npos) << s.to_string();
  bad = g;
  bad.nodes[1].weights[3].data[0] = -1.f;
  EXPECT_FALSE(ir::validate(bad).is_ok());
}

TEST(NnPasses, FoldBatchNormIntoConvolutionsAndStandaloneToDepthwise) {
  ir::Graph g;
  g.name = "bn-chain";
  const int x = add_input(g, "x", 3);
  const int b0 = batchnorm(g, "bn0", x, 3, 100);            // reads the input: no convolution to fold into
  const int c1 = conv(g, "conv1", b0, 3, 8, 3, true, 200);  // with bias
  const int b1 = batchnorm(g, "bn1", c1, 8, 300);
  const int c2 = conv(g, "conv2", b1, 8, 4, 3, false, 400);  // no bias: the fold adds one
  const int b2 = batchnorm(g, "bn2", c2, 4, 500);
  const int b3 = batchnorm(g, "bn3", b2, 4, 600);  // a BatchNorm after a folded one folds too
  const int c4 = conv(g, "conv4", b3, 4, 4, 1, true, 700, ir::ActivationKind::Relu);
  const int b4 = batchnorm(g, "bn4", c4, 4, 800);  // after a convolution's activation: not foldable
  const int c5 = conv(g, "conv5", b4, 4, 2, 3, true, 900);
  const int b5 = batchnorm(g, "bn5", c5, 2, 1000);             // conv5 is read twice: not foldable
  g.outputs = {add_op(g, ir::OpType::Eltwise, "sum", {b5, c5}, ir::EltwiseAttrs{})};
  ASSERT_TRUE(ir::validate(g).is_ok()) << ir::validate(g).to_string();

  auto pass = passes::make_fold_batchnorm();
  const ir::Graph folded = run_pass(g, *pass);
  EXPECT_EQ(count_op(folded, ir::OpType::BatchNorm), 0u) << ir::dump(folded);
  EXPECT_EQ(folded.nodes.size(), g.nodes.size() - 3) << ir::dump(folded);  // bn1, bn2, bn3 folded
  EXPECT_EQ(pass->changed(), 6u);
  EXPECT_EQ(pass->summary(), "3 nodes folded into convolutions, 3 became 1x1 depthwise convolutions");
  const auto& a2 = node_named(folded, "conv2").attr<ir::Conv2dAttrs>();
  EXPECT_TRUE(a2.has_bias);
  // conv2 now writes bn3's tensor, which the graph reads on.
  EXPECT_EQ(folded.tensors[static_cast<size_t>(node_named(folded, "conv2").outputs[0])].name, "bn3");
  const auto& dw = node_named(folded, "bn0");
  EXPECT_EQ(dw.op, ir::OpType::Conv2d);
  EXPECT_EQ(dw.attr<ir::Conv2dAttrs>().groups, 3);
  EXPECT_EQ(node_named(folded, "bn4").op, ir::OpType::Conv2d);
  EXPECT_EQ(node_named(folded, "bn5").op, ir::OpType::Conv2d);
  expect_same_outputs(run_cpu(g, {1, 3, 9, 11}), run_cpu(folded, {1, 3, 9, 11}));
  expect_same_outputs(run_cpu(g, {2, 3, 5, 4}, 9), run_cpu(folded, {2, 3, 5, 4}, 9));
}

// ---- conv + activation -----------------------------------------------------------------------

TEST(NnPasses, FuseConvActivationTakesOnlySoleReaderActivations) {
  ir::Graph g;
  g.name = "acts";
  const int x = add_input(g, "x", 3);
  const int c0 = conv(g, "conv0", x, 3, 6, 3, true, 10);
  const int a0 = activation(g, "relu0", c0, ir::ActivationKind::Relu);
  const int c1 = conv(g, "conv1", a0, 6, 6, 3, false, 20);
  const int a1 = activation(g, "leaky1", c1, ir::ActivationKind::LeakyRelu, 0.2f);
  const int c2 = conv(g, "conv2", a1, 6, 6, 1, true, 30);
  const int a2 = activation(g, "clip2", c2, ir::ActivationKind::Clip, -0.3f, 0.4f);
  const int c3 = conv(g, "conv3", a2, 6, 6, 3, true, 40);
  const int a3 = activation(g, "sigmoid3", c3, ir::ActivationKind::Sigmoid);
  const int p3 = add_op(g, ir::OpType::PRelu, "prelu3", {a3}, {}, {{"slope", {6}, random_values(6, 45)}});
  const int c4 = conv(g, "conv4", p3, 6, 6, 3, true, 50);
  const int pr = add_op(g, ir::OpType::PRelu, "prelu4", {c4}, {}, {{"slope", {6}, random_values(6, 55)}});  // stays
  const int c5 = conv(g, "conv5", pr, 6, 6, 3, true, 60, ir::ActivationKind::Relu);
  const int a5 = activation(g, "leaky5", c5, ir::ActivationKind::LeakyRelu, 0.1f);  // conv5 has one already
  const int c6 = conv(g, "conv6", a5, 6, 3, 3, true, 70);
  const int a6 = activation(g, "relu6", c6, ir::ActivationKind::Relu);  // conv6 is also read by the sum
  g.outputs = {add_op(g, ir::OpType::Eltwise, "sum", {a6, c6}, ir::EltwiseAttrs{})};
  ASSERT_TRUE(ir::validate(g).is_ok());

  auto pass = passes::make_fuse_conv_activation();
  const ir::Graph fused = run_pass(g, *pass);
  EXPECT_EQ(pass->changed(), 4u);
  EXPECT_EQ(pass->summary(), "4 activations fused into convolutions / fully connected layers");
  EXPECT_EQ(fused.nodes.size(), g.nodes.size() - 4);
  EXPECT_EQ(count_op(fused, ir::OpType::Activation), 2u) << ir::dump(fused);
  EXPECT_EQ(count_op(fused, ir::OpType::PRelu), 2u);
  EXPECT_EQ(node_named(fused, "conv0").attr<ir::Conv2dAttrs>().activation.kind, ir::ActivationKind::Relu);
  const auto& l1 = node_named(fused, "conv1").attr<ir::Conv2dAttrs>().activation;
  EXPECT_EQ(l1.kind, ir::ActivationKind::LeakyRelu);
  EXPECT_FLOAT_EQ(l1.alpha, 0.2f);
  const auto& k2 = node_named(fused, "conv2").attr<ir::Conv2dAttrs>().activation;
  EXPECT_EQ(k2.kind, ir::ActivationKind::Clip);
  EXPECT_FLOAT_EQ(k2.beta, 0.4f);
  EXPECT_EQ(node_named(fused, "conv3").attr<ir::Conv2dAttrs>().activation.kind, ir::ActivationKind::Sigmoid);
  EXPECT_EQ(node_named(fused, "conv4").attr<ir::Conv2dAttrs>().activation.kind, ir::ActivationKind::None);
  EXPECT_EQ(node_named(fused, "conv6").attr<ir::Conv2dAttrs>().activation.kind, ir::ActivationKind::None);
  EXPECT_EQ(fused.tensors[static_cast<size_t>(node_named(fused, "conv0").outputs[0])].name, "relu0");
  expect_same_outputs(run_cpu(g, {1, 3, 10, 7}), run_cpu(fused, {1, 3, 10, 7}));

  // A convolution whose output is itself a graph output keeps it.
  ir::Graph two;
  const int y = add_input(two, "x", 2);
  const int cy = conv(two, "conv", y, 2, 2, 3, true, 80);
  two.outputs = {activation(two, "relu", cy, ir::ActivationKind::Relu), cy};
  auto again = passes::make_fuse_conv_activation();
  const ir::Graph kept = run_pass(two, *again);
  EXPECT_EQ(again->changed(), 0u);
  EXPECT_EQ(kept.nodes.size(), 3u);
  expect_same_outputs(run_cpu(two, {1, 2, 5, 5}), run_cpu(kept, {1, 2, 5, 5}));
}

// ---- dead nodes ------------------------------------------------------------------------------

TEST(NnPasses, DeadNodeRemovalDropsWhatReachesNoOutput) {
  ir::Graph g;
  g.name = "dead";
  const int x = add_input(g, "x", 3);
  add_input(g, "unused", 3);  // an unread graph input stays: it is part of the interface
  const int c0 = conv(g, "conv0", x, 3, 4, 3, true, 1);
  const int d1 = conv(g, "dead1", x, 3, 4, 3, true, 2);
  add_op(g, ir::OpType::Resize, "dead2", {d1}, ir::ResizeAttrs{ir::ResizeMode::Nearest, 2.f, 2.f, 0, 0});
  add_op(g, ir::OpType::Binary, "dead3", {c0}, ir::BinaryAttrs{ir::BinaryKind::Mul, true, 2.f});
  const int a = activation(g, "relu", c0, ir::ActivationKind::Relu);
  g.outputs = {add_op(g, ir::OpType::Concat, "cat", {a, x})};
  ASSERT_TRUE(ir::validate(g).is_ok());

  auto pass = passes::make_dead_node_removal();
  const ir::Graph live = run_pass(g, *pass);
  EXPECT_EQ(pass->changed(), 3u);
  EXPECT_EQ(pass->summary(), "3 nodes removed");
  EXPECT_EQ(live.nodes.size(), g.nodes.size() - 3);
  EXPECT_EQ(live.tensors.size(), g.tensors.size() - 3);
  EXPECT_EQ(live.inputs.size(), 2u);
  for (const ir::Node& n : live.nodes) EXPECT_EQ(n.name.rfind("dead", 0), std::string::npos) << n.name;
  expect_same_outputs(run_cpu(g, {1, 3, 6, 5}), run_cpu(live, {1, 3, 6, 5}));

  // Nothing dead: nothing changes.
  auto again = passes::make_dead_node_removal();
  const ir::Graph same = run_pass(live, *again);
  EXPECT_EQ(again->changed(), 0u);
  EXPECT_EQ(same.nodes.size(), live.nodes.size());
}

// ---- the pipeline at model load --------------------------------------------------------------

// Conv -> BatchNormalization -> Relu -> Conv (no bias) -> BatchNormalization -> Add(input)
// -> BatchNormalization (after the Add: becomes a 1x1 depthwise convolution). Opset 15.
void bn_model(OnnxBuilder& b) {
  b.input("x", {1, 3, -1, -1});
  const auto stats = [&](const std::string& p, int c, uint64_t seed) {
    b.init(p + ".s", {c}, random_values(static_cast<size_t>(c), seed, 0.5f, 2.f));
    b.init(p + ".b", {c}, random_values(static_cast<size_t>(c), seed + 1, -0.5f, 0.5f));
    b.init(p + ".m", {c}, random_values(static_cast<size_t>(c), seed + 2, -0.5f, 0.5f));
    b.init(p + ".v", {c}, random_values(static_cast<size_t>(c), seed + 3, 0.2f, 3.f));
    return std::vector<std::string>{p + ".s", p + ".b", p + ".m", p + ".v"};
  };
  b.conv("x", "c0", 3, 8, 3, 1);
  auto s0 = stats("bn0", 8, 10);
  auto& bn0 = b.node("BatchNormalization", {"c0", s0[0], s0[1], s0[2], s0[3]}, {"n0"});
  OnnxBuilder::attr(bn0, "epsilon", 1e-3f);
  b.node("Relu", {"n0"}, {"r0"});
  b.init("c1.w", {3, 8, 3, 3}, random_values(3 * 8 * 9, 20, -0.3f, 0.3f));
  auto& c1 = b.node("Conv", {"r0", "c1.w"}, {"c1"});
  OnnxBuilder::attr(c1, "pads", {1, 1, 1, 1});
  auto s1 = stats("bn1", 3, 30);
  b.node("BatchNormalization", {"c1", s1[0], s1[1], s1[2], s1[3]}, {"n1"});
  b.node("Add", {"n1", "x"}, {"sum"});
  auto s2 = stats("bn2", 3, 40);
  b.node("BatchNormalization", {"sum", s2[0], s2[1], s2[2], s2[3]}, {"y"});
  b.output("y");
}

TEST(NnPasses, OnnxBatchNormModelLoadsFoldedWithTheSameOutput) {
  OnnxBuilder b(15);
  bn_model(b);
  auto imported = b.import();
  ASSERT_TRUE(imported) << imported.status().to_string();
  EXPECT_EQ(count_op(imported->graph, ir::OpType::BatchNorm), 3u) << ir::dump(imported->graph);

  const auto dir = testing::test_dir();
  const std::string path = (dir / "bn.onnx").string();
  testing::write_file(path, b.bytes());
  auto plain = Model::load(path, LoadOptions{false});
  ASSERT_TRUE(plain) << plain.status().to_string();
  auto passed = Model::load(path);
  ASSERT_TRUE(passed) << passed.status().to_string();
  EXPECT_EQ(count_op(plain->graph(), ir::OpType::BatchNorm), 3u);
  EXPECT_EQ(count_op(passed->graph(), ir::OpType::BatchNorm), 0u);
  EXPECT_EQ(count_op(passed->graph(), ir::OpType::Activation), 0u);  // the Relu went into c0
  EXPECT_EQ(count_op(passed->graph(), ir::OpType::Conv2d), 3u);      // c0, c1 and bn2 as a depthwise conv
  // 3 BatchNorms, the Relu, and the Add (c1's output plus x, now c1's residual) are gone.
  EXPECT_EQ(passed->graph().nodes.size(), plain->graph().nodes.size() - 4);
  ASSERT_EQ(passed->passes().size(), 6u);
  const auto changed = [&](const std::string& name) {
    for (const PassRecord& p : passed->passes())
      if (p.pass == name) return static_cast<long>(p.changed);
    ADD_FAILURE() << "no pass " << name;
    return -1L;
  };
  EXPECT_EQ(passed->passes()[2].pass, "fold_batchnorm");
  EXPECT_EQ(changed("fold_batchnorm"), 3);
  EXPECT_EQ(changed("fuse_conv_activation"), 1);
  EXPECT_EQ(changed("fuse_conv_residual"), 1);
  EXPECT_EQ(changed("dead_node_removal"), 0);
  const std::string text = passed->dump();
  for (const char* want : {"pass fold_batchnorm: 2 nodes folded into convolutions, 1 became 1x1 depthwise convolutions",
                           "pass fuse_conv_activation: 1 activation fused into convolutions / fully connected layers",
                           "pass fuse_conv_residual: 1 add fused into convolutions as residuals",
                           "pass dead_node_removal: 0 nodes removed", "+relu", "+residual"})
    EXPECT_NE(text.find(want), std::string::npos) << "'" << want << "' missing from:\n" << text;
  EXPECT_NE(plain->dump().find("passes: off"), std::string::npos) << plain->dump();
  EXPECT_NE(plain->dump().find("BatchNorm"), std::string::npos);
  EXPECT_TRUE(plain->passes().empty());

  // The same numbers through the public Session (CPU), at two sizes.
  for (const TensorShape shape : {TensorShape{1, 3, 9, 13}, TensorShape{2, 3, 4, 6}}) {
    const std::vector<float> in = random_values(shape.count(), 77);
    std::vector<float> a, c;
    TensorShape sa, sc;
    auto s1 = Session::create(*plain, Context::cpu());
    auto s2 = Session::create(*passed, Context::cpu());
    ASSERT_TRUE(s1 && s2);
    ASSERT_TRUE(s1->run(in.data(), shape, a, sa).is_ok());
    ASSERT_TRUE(s2->run(in.data(), shape, c, sc).is_ok());
    ASSERT_EQ(sa, sc);
    expect_same_outputs({cpu::HostTensor{ir::Shape{sa.n, sa.c, sa.h, sa.w}, a}},
                        {cpu::HostTensor{ir::Shape{sc.n, sc.c, sc.h, sc.w}, c}});
  }
}

// On the GPU: the folded model on the CUDA fp16 runtime against the unfolded one on the CPU
// (relative L2 <= 1e-2, no NaN); the unfolded one is refused by the CUDA session, naming the node.
TEST(NnPasses, FoldedOnnxModelRunsOnCudaLikeTheUnfoldedOneOnCpu) {
  CALDERA_REQUIRE_GPU();
  OnnxBuilder b(15);
  bn_model(b);
  const std::string path = (testing::test_dir() / "bn.onnx").string();
  testing::write_file(path, b.bytes());
  auto plain = Model::load(path, LoadOptions{false});
  auto passed = Model::load(path);
  ASSERT_TRUE(plain && passed);
  Context& gpu = *::caldera::testing::gpu_context();
  auto refused = Session::create(*plain, gpu);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.status().message().find("BatchNorm node 'n0_node'"), std::string::npos) << refused.status().to_string();
  auto cuda = Session::create(*passed, gpu);
  auto cpu = Session::create(*plain, Context::cpu());
  ASSERT_TRUE(cuda) << cuda.status().to_string();
  ASSERT_TRUE(cpu);
  const TensorShape shape{2, 3, 17, 23};
  const std::vector<float> in = random_values(shape.count(), 31);
  std::vector<float> want, got;
  TensorShape ws, gs;
  ASSERT_TRUE(cpu->run(in.data(), shape, want, ws).is_ok());
  Status s = cuda->run(in.data(), shape, got, gs);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  ASSERT_EQ(ws, gs);
  double err = 0, ref = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i]));
    err += (static_cast<double>(got[i]) - want[i]) * (static_cast<double>(got[i]) - want[i]);
    ref += static_cast<double>(want[i]) * want[i];
  }
  std::printf("folded BatchNorm model, CUDA fp16 vs CPU fp32 unfolded: relative L2 %.2e\n", std::sqrt(err / ref));
  EXPECT_LE(std::sqrt(err / ref), 1e-2);
}

TEST(NnPasses, OnnxBatchNormalizationErrorsNameTheNode) {
  {
    OnnxBuilder b(15);
    bn_model(b);
    OnnxBuilder::attr(*b.model().mutable_graph()->mutable_node(1), "training_mode", int64_t{1});
    auto r = b.import();
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("training_mode"), std::string::npos) << r.status().to_string();
    EXPECT_NE(r.status().message().find("n0_node"), std::string::npos) << r.status().to_string();
  }
  {
    OnnxBuilder b(15);
    bn_model(b);
    b.model().mutable_graph()->mutable_node(1)->add_output("running_mean");
    auto r = b.import();
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("training statistic"), std::string::npos) << r.status().to_string();
  }
  {
    OnnxBuilder b(15);
    bn_model(b);
    onnx::TensorProto* mean = b.model().mutable_graph()->mutable_initializer(4);  // c0.w, c0.b, bn0.s, bn0.b, bn0.m
    mean->Clear();
    OnnxBuilder::fill(*mean, "bn0.m", {7}, random_values(7, 1));
    auto r = b.import();
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("mean has 7 values"), std::string::npos) << r.status().to_string();
  }
}

// ---- the real models ---------------------------------------------------------------------------

TEST(NnPasses, RealModelsGiveTheSameCpuOutputWithPassesOnAndOff) {
  const char* names[] = {"realesr-animevideov3-x2", "realesr-animevideov3-x3", "realesr-animevideov3-x4",
                         "realesrgan-x4plus-anime", "realesrgan-x4plus"};
  int present = 0;
  for (const char* name : names) {
    const std::string param = Model::model_dir() + "/" + name + ".param";
    if (!std::filesystem::exists(param) || !std::filesystem::exists(Model::model_dir() + "/" + name + ".bin")) continue;
    ++present;
    SCOPED_TRACE(name);
    auto plain = Model::load(name, LoadOptions{false});
    ASSERT_TRUE(plain) << plain.status().to_string();
    auto passed = Model::load(name);
    ASSERT_TRUE(passed) << passed.status().to_string();
    ASSERT_EQ(passed->passes().size(), 6u);
    const std::string text = passed->dump();
    std::printf("%s: %zu nodes as imported, %zu after the passes;", name, plain->graph().nodes.size(),
                passed->graph().nodes.size());
    for (const PassRecord& p : passed->passes()) {
      std::printf(" %s: %s;", p.pass.c_str(), p.summary.c_str());
      EXPECT_NE(text.find("pass " + p.pass + ": " + p.summary), std::string::npos) << text;
    }
    std::printf("\n");
    EXPECT_EQ(count_op(passed->graph(), ir::OpType::Conv2d), count_op(plain->graph(), ir::OpType::Conv2d));
    expect_same_outputs(run_cpu(plain->graph(), {1, 3, 8, 8}, 5), run_cpu(passed->graph(), {1, 3, 8, 8}, 5));
  }
  if (!present) GTEST_SKIP() << "no model in " << Model::model_dir() << " (run scripts/fetch-models.sh)";
}

}  // namespace
}  // namespace caldera::nn
