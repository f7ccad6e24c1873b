// The later passes on graphs built here: constant_folding, pixel_shuffle (PixelShuffle and
// SpaceToDepth from Reshape -> Transpose -> Reshape), fuse_conv_residual, and conv + activation on
// a residual convolution. Each keeps the CPU output (within 1e-5 of the range; the pixel shuffles
// exactly) and changes the graph as it says; near misses stay as they were.
#include <gtest/gtest.h>

#include "caldera/nn/model.hpp"
#include "pass_test_util.hpp"

namespace caldera::nn {
namespace {

using testing::add_input;
using testing::add_op;
using testing::conv_attrs;
using testing::count_op;
using testing::expect_same_outputs;
using testing::random_values;
using testing::run_cpu;
using testing::run_pass;

int constant(ir::Graph& g, const std::string& name, const ir::Shape& shape, uint64_t seed) {
  return add_op(g, ir::OpType::Constant, name, {}, ir::ConstantAttrs{shape},
                {{"value", shape.dims(), random_values(static_cast<size_t>(shape.count()), seed, -1.f, 1.f)}});
}

int conv(ir::Graph& g, const std::string& name, int in, int c, uint64_t seed,
         ir::ActivationKind act = ir::ActivationKind::None) {
  ir::Conv2dAttrs a = conv_attrs(c, c, 3, 1, true);
  a.activation = {act, act == ir::ActivationKind::LeakyRelu ? 0.2f : 0.f, 0.f};
  return add_op(g, ir::OpType::Conv2d, name, {in}, a,
                {{"weight", {c, c, 3, 3}, random_values(static_cast<size_t>(c * c * 9), seed, -0.4f, 0.4f)},
                 {"bias", {c}, random_values(static_cast<size_t>(c), seed + 1, -0.2f, 0.2f)}});
}

int binary(ir::Graph& g, const std::string& name, std::vector<int> in, ir::BinaryKind k) {
  return add_op(g, ir::OpType::Binary, name, std::move(in), ir::BinaryAttrs{k, false, 0.f});
}

int activation(ir::Graph& g, const std::string& name, int in, ir::ActivationKind k) {
  return add_op(g, ir::OpType::Activation, name, {in}, ir::ActivationAttrs{k, 0.f, 0.f});
}

// ---- constant folding --------------------------------------------------------------------------

TEST(NnPassesFusion, ConstantFoldingEvaluatesNodesOfConstantsOnly) {
  ir::Graph g;
  g.name = "consts";
  ir::Shape xs{1, 2, 3, 4};
  const int x = g.add_tensor("x", xs);
  ir::Node in;
  in.op = ir::OpType::Input;
  in.name = "x";
  in.outputs = {x};
  g.add_node(in);
  g.inputs = {x};
  const int a = constant(g, "a", {1, 2, 3, 4}, 1);
  const int b = constant(g, "b", {1, 1, 3, 4}, 2);
  const int sum = binary(g, "sum", {a, b}, ir::BinaryKind::Add);       // constants only: folds
  const int gate = activation(g, "gate", sum, ir::ActivationKind::Sigmoid);  // then this one
  const int c2 = conv(g, "conv_of_const", gate, 2, 3);                  // a convolution of a constant too
  const int mixed = binary(g, "mixed", {x, c2}, ir::BinaryKind::Mul);   // reads x: stays
  g.outputs = {mixed};
  ASSERT_TRUE(ir::validate(g).is_ok()) << ir::validate(g).to_string();

  auto pass = passes::make_constant_folding();
  const ir::Graph folded = run_pass(g, *pass);
  EXPECT_EQ(pass->changed(), 3u);
  EXPECT_EQ(pass->summary(), "3 nodes evaluated into constants");
  EXPECT_EQ(count_op(folded, ir::OpType::Constant), 5u);  // a, b and the three folded
  EXPECT_EQ(count_op(folded, ir::OpType::Binary), 1u);
  EXPECT_EQ(count_op(folded, ir::OpType::Conv2d), 0u);
  EXPECT_EQ(folded.nodes.size(), g.nodes.size());  // folding replaces; dead_node_removal removes
  expect_same_outputs(run_cpu(g, xs), run_cpu(folded, xs));
  // The folded gate is sigmoid(a + b) with b broadcast over channels.
  const ir::Node& fg = testing::node_named(folded, "gate");
  ASSERT_EQ(fg.op, ir::OpType::Constant);
  const std::vector<float>& av = g.nodes[1].weights[0].data;
  const std::vector<float>& bv = g.nodes[2].weights[0].data;
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 12; ++i)
      EXPECT_NEAR(fg.weights[0].data[static_cast<size_t>(c * 12 + i)],
                  1.0 / (1.0 + std::exp(-(av[static_cast<size_t>(c * 12 + i)] + bv[static_cast<size_t>(i)]))), 1e-6);

  // Through the whole pipeline the unread constants go too.
  auto m = Model::from_graph(g);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(count_op(m->graph(), ir::OpType::Constant), 1u);
  EXPECT_NE(m->dump().find("pass constant_folding: 3 nodes evaluated into constants"), std::string::npos) << m->dump();
  EXPECT_NE(m->dump().find("pass dead_node_removal: 4 nodes removed"), std::string::npos) << m->dump();
}

// ---- pixel shuffle -----------------------------------------------------------------------------

ir::ReshapeDim fixed(int64_t v) {
  ir::ReshapeDim d;
  d.value = v;
  return d;
}
ir::ReshapeDim dim_of(int source, int axis, double factor = 1.0) {
  ir::ReshapeDim d;
  d.kind = ir::ReshapeDim::FromInput;
  d.source = source;
  d.axis = axis;
  d.factor = factor;
  return d;
}
ir::ReshapeDim infer() {
  ir::ReshapeDim d;
  d.kind = ir::ReshapeDim::Infer;
  return d;
}

// x (8 channels) -> Reshape `six` -> Transpose `perm` -> Reshape `four` (shapes read from x).
ir::Graph chain(std::vector<ir::ReshapeDim> six, std::vector<int> perm, std::vector<ir::ReshapeDim> four) {
  ir::Graph g;
  g.name = "chain";
  const int x = add_input(g, "x", 8);
  const int r6 = add_op(g, ir::OpType::Reshape, "r6", {x}, ir::ReshapeAttrs{std::move(six)});
  const int t6 = add_op(g, ir::OpType::Transpose, "t6", {r6}, ir::TransposeAttrs{std::move(perm)});
  g.outputs = {add_op(g, ir::OpType::Reshape, "r4", {t6, x}, ir::ReshapeAttrs{std::move(four)})};
  return g;
}

void expect_fused(const ir::Graph& g, ir::OpType op, int factor, int mode) {
  ASSERT_TRUE(ir::validate(g).is_ok()) << ir::validate(g).to_string();
  auto pass = passes::make_pixel_shuffle_fusion();
  const ir::Graph fused = run_pass(g, *pass);
  EXPECT_EQ(pass->changed(), 1u) << ir::dump(fused);
  ASSERT_EQ(fused.nodes.size(), 2u) << ir::dump(fused);
  ASSERT_EQ(fused.nodes[1].op, op);
  if (op == ir::OpType::PixelShuffle) {
    EXPECT_EQ(fused.nodes[1].attr<ir::PixelShuffleAttrs>().factor, factor);
    EXPECT_EQ(fused.nodes[1].attr<ir::PixelShuffleAttrs>().mode, mode);
  } else {
    EXPECT_EQ(fused.nodes[1].attr<ir::SpaceToDepthAttrs>().block, factor);
    EXPECT_EQ(fused.nodes[1].attr<ir::SpaceToDepthAttrs>().mode, mode);
  }
  for (const ir::Shape s : {ir::Shape{1, 8, 6, 10}, ir::Shape{2, 8, 4, 2}}) {
    const auto a = run_cpu(g, s), b = run_cpu(fused, s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].shape, b[0].shape);
    EXPECT_EQ(a[0].data, b[0].data);  // the same values, moved: exact
  }
}

TEST(NnPassesFusion, PixelShuffleChainsBecomeOneNodeInEveryOrder) {
  // CRD: [N, 2, 2, 2, H, W] -> [0,1,4,2,5,3] -> [N, 2, 2H, 2W].
  expect_fused(chain({dim_of(0, 0), fixed(2), fixed(2), fixed(2), dim_of(0, 2), dim_of(0, 3)}, {0, 1, 4, 2, 5, 3},
                     {dim_of(0, 0), fixed(2), dim_of(1, 2, 2.0), dim_of(1, 3, 2.0)}),
               ir::OpType::PixelShuffle, 2, 0);
  // DCR, with -1 for the width and the output channels.
  expect_fused(chain({dim_of(0, 0), fixed(2), fixed(2), fixed(2), dim_of(0, 2), infer()}, {0, 3, 4, 1, 5, 2},
                     {dim_of(0, 0), infer(), dim_of(1, 2, 2.0), dim_of(1, 3, 2.0)}),
               ir::OpType::PixelShuffle, 2, 1);
  // pixel_unshuffle: [N, 8, H/2, 2, W/2, 2] -> [0,1,3,5,2,4] -> [N, 32, H/2, W/2].
  expect_fused(chain({dim_of(0, 0), fixed(8), dim_of(0, 2, 0.5), fixed(2), dim_of(0, 3, 0.5), fixed(2)}, {0, 1, 3, 5, 2, 4},
                     {dim_of(0, 0), fixed(32), dim_of(1, 2, 0.5), dim_of(1, 3, 0.5)}),
               ir::OpType::SpaceToDepth, 2, 0);
  // ONNX SpaceToDepth: -> [0,3,5,1,2,4].
  expect_fused(chain({dim_of(0, 0), fixed(8), dim_of(0, 2, 0.5), fixed(2), dim_of(0, 3, 0.5), fixed(2)}, {0, 3, 5, 1, 2, 4},
                     {dim_of(0, 0), fixed(32), infer(), dim_of(1, 3, 0.5)}),
               ir::OpType::SpaceToDepth, 2, 1);
}

TEST(NnPassesFusion, ChainsThatAreNotAPixelShuffleStay) {
  // The right permutation, but the first reshape reads width and height swapped: running both
  // at a non-square size tells them apart.
  const ir::Graph swapped =
      chain({dim_of(0, 0), fixed(2), fixed(2), fixed(2), dim_of(0, 3), dim_of(0, 2)}, {0, 1, 4, 2, 5, 3},
            {dim_of(0, 0), fixed(2), dim_of(1, 2, 2.0), dim_of(1, 3, 2.0)});
  auto pass = passes::make_pixel_shuffle_fusion();
  const ir::Graph kept = run_pass(swapped, *pass);
  EXPECT_EQ(pass->changed(), 0u);
  EXPECT_EQ(kept.nodes.size(), 4u);
  // Another permutation of the 6-D tensor (not a shuffle).
  const ir::Graph other = chain({dim_of(0, 0), fixed(2), fixed(2), fixed(2), dim_of(0, 2), dim_of(0, 3)},
                                {0, 1, 2, 4, 3, 5}, {dim_of(0, 0), fixed(8), dim_of(1, 2), dim_of(1, 3)});
  const ir::Graph kept2 = run_pass(other, *pass);
  EXPECT_EQ(pass->changed(), 0u);
  EXPECT_EQ(kept2.nodes.size(), 4u);
  expect_same_outputs(run_cpu(other, {1, 8, 3, 5}), run_cpu(kept2, {1, 8, 3, 5}));
}

// ---- conv + residual -----------------------------------------------------------------------------

TEST(NnPassesFusion, ResidualAddsFuseIntoTheConvolution) {
  ir::Graph g;
  g.name = "res";
  const int x = add_input(g, "x", 4);
  const int c0 = conv(g, "c0", x, 4, 10);
  const int s0 = binary(g, "s0", {c0, x}, ir::BinaryKind::Add);            // conv + x, then ReLU
  const int r0 = activation(g, "r0", s0, ir::ActivationKind::Relu);
  const int c1 = conv(g, "c1", r0, 4, 20, ir::ActivationKind::LeakyRelu);  // its own activation
  const int s1 = add_op(g, ir::OpType::Eltwise, "s1", {r0, c1}, ir::EltwiseAttrs{});  // r0 + act(c1)
  const int c2 = conv(g, "c2", s1, 4, 30);
  const int gap = add_op(g, ir::OpType::Reduce, "gap", {s1}, ir::ReduceAttrs{});
  const int s2 = binary(g, "s2", {c2, gap}, ir::BinaryKind::Add);  // broadcast [1,4,1,1]: stays an add
  const int c3 = conv(g, "c3", s2, 4, 40);
  const int s3 = add_op(g, ir::OpType::Eltwise, "s3", {c3, s2}, ir::EltwiseAttrs{ir::EltwiseKind::Sum, {1.f, 0.5f}});
  const int c4 = conv(g, "c4", s3, 4, 50);
  const int twice = binary(g, "twice", {c4, c4}, ir::BinaryKind::Add);  // c4 read twice: stays
  const int c5 = conv(g, "c5", twice, 4, 60);
  const int s5 = binary(g, "s5", {twice, c5}, ir::BinaryKind::Add);  // the conv as the second operand
  g.outputs = {s5};
  ASSERT_TRUE(ir::validate(g).is_ok()) << ir::validate(g).to_string();

  auto pass = passes::make_fuse_conv_residual();
  const ir::Graph fused = run_pass(g, *pass);
  EXPECT_EQ(pass->changed(), 3u) << ir::dump(fused);
  EXPECT_EQ(pass->summary(), "3 adds fused into convolutions as residuals (1 with the activation after them)");
  EXPECT_EQ(fused.nodes.size(), g.nodes.size() - 4);  // s0 + r0, s1, s5
  const ir::Node& f0 = testing::node_named(fused, "c0");
  ASSERT_EQ(f0.inputs.size(), 2u);
  const auto& a0 = f0.attr<ir::Conv2dAttrs>();
  EXPECT_TRUE(a0.has_residual);
  EXPECT_TRUE(a0.residual_before_activation);
  EXPECT_EQ(a0.activation.kind, ir::ActivationKind::Relu);
  EXPECT_EQ(f0.inputs[1], fused.inputs[0]);  // x
  const auto& a1 = testing::node_named(fused, "c1").attr<ir::Conv2dAttrs>();
  EXPECT_TRUE(a1.has_residual);
  EXPECT_FALSE(a1.residual_before_activation);
  EXPECT_EQ(a1.activation.kind, ir::ActivationKind::LeakyRelu);
  EXPECT_FALSE(testing::node_named(fused, "c2").attr<ir::Conv2dAttrs>().has_residual);
  EXPECT_FALSE(testing::node_named(fused, "c3").attr<ir::Conv2dAttrs>().has_residual);
  EXPECT_FALSE(testing::node_named(fused, "c4").attr<ir::Conv2dAttrs>().has_residual);
  EXPECT_TRUE(testing::node_named(fused, "c5").attr<ir::Conv2dAttrs>().has_residual);
  const std::string text = ir::dump(fused);
  EXPECT_NE(text.find("bias +residual +relu"), std::string::npos) << text;
  EXPECT_NE(text.find("+leaky_relu(0.2) +residual"), std::string::npos) << text;
  for (const ir::Shape s : {ir::Shape{1, 4, 9, 7}, ir::Shape{2, 4, 5, 6}}) expect_same_outputs(run_cpu(g, s), run_cpu(fused, s));
}

TEST(NnPassesFusion, ActivationAfterAResidualConvolutionReadsTheSum) {
  ir::Graph g;
  g.name = "res_act";
  const int x = add_input(g, "x", 3);
  ir::Conv2dAttrs a = conv_attrs(3, 3, 1, 0, false);
  a.has_residual = true;
  const int c = add_op(g, ir::OpType::Conv2d, "c", {x, x}, a, {{"weight", {3, 3, 1, 1}, random_values(9, 5)}});
  g.outputs = {activation(g, "sig", c, ir::ActivationKind::Sigmoid)};
  auto pass = passes::make_fuse_conv_activation();
  const ir::Graph fused = run_pass(g, *pass);
  ASSERT_EQ(fused.nodes.size(), 2u);
  const auto& fa = fused.nodes[1].attr<ir::Conv2dAttrs>();
  EXPECT_EQ(fa.activation.kind, ir::ActivationKind::Sigmoid);
  EXPECT_TRUE(fa.residual_before_activation);
  expect_same_outputs(run_cpu(g, {1, 3, 5, 4}), run_cpu(fused, {1, 3, 5, 4}));
}

TEST(NnPassesFusion, ActivationsFuseIntoTransposedConvolutionsAndFullyConnectedLayers) {
  ir::Graph g;
  g.name = "act";
  const int x = add_input(g, "x", 2);
  ir::ConvTranspose2dAttrs t;
  t.in_channels = 2;
  t.out_channels = 3;
  t.kernel_h = t.kernel_w = 2;
  t.stride_h = t.stride_w = 2;
  t.has_bias = true;
  const int up = add_op(g, ir::OpType::ConvTranspose2d, "up", {x}, t,
                        {{"weight", {2, 3, 2, 2}, random_values(24, 7)}, {"bias", {3}, random_values(3, 8)}});
  const int th = activation(g, "tanh", up, ir::ActivationKind::Tanh);
  const int gap = add_op(g, ir::OpType::Reduce, "gap", {th}, ir::ReduceAttrs{});
  ir::GemmAttrs ga;
  ga.in_features = 3;
  ga.out_features = 4;
  const int fc = add_op(g, ir::OpType::Gemm, "fc", {gap}, ga, {{"weight", {4, 3}, random_values(12, 9)}});
  g.outputs = {add_op(g, ir::OpType::Activation, "hswish", {fc}, ir::ActivationAttrs{ir::ActivationKind::HardSwish, 1.f / 6, 0.5f})};
  auto pass = passes::make_fuse_conv_activation();
  const ir::Graph fused = run_pass(g, *pass);
  EXPECT_EQ(pass->changed(), 2u);
  EXPECT_EQ(count_op(fused, ir::OpType::Activation), 0u);
  EXPECT_EQ(testing::node_named(fused, "up").attr<ir::ConvTranspose2dAttrs>().activation.kind, ir::ActivationKind::Tanh);
  EXPECT_EQ(testing::node_named(fused, "fc").attr<ir::GemmAttrs>().activation.kind, ir::ActivationKind::HardSwish);
  expect_same_outputs(run_cpu(g, {2, 2, 3, 5}), run_cpu(fused, {2, 2, 3, 5}));
}

}  // namespace
}  // namespace caldera::nn
