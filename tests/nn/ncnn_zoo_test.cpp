// What the waifu2x and Real-CUGAN model zoos need beyond the Real-ESRGAN layers, on hand-written
// .param/.bin against loops written here: Scale (by a blob: squeeze-excitation; by weights),
// Crop to a reference blob, the IR's aligned Pad and Slice to a reference, and the model io
// metadata (<stem>.io: border, alignment, output crop, nearest residual) folded in at load.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "caldera/nn/model.hpp"
#include "nn/cpu/cpu_runtime.hpp"
#include "nn/import/ncnn/ncnn_import.hpp"
#include "nn/model_io_meta.hpp"
#include "nn_test_util.hpp"

namespace caldera::nn {
namespace {

using testing::BinWriter;
using testing::random_values;

std::vector<float> run(const ir::Graph& g, const ir::Shape& shape, const std::vector<float>& x, ir::Shape* out_shape = nullptr) {
  std::vector<cpu::HostTensor> out;
  Status s = cpu::run_graph(g, {x.data()}, {shape}, out, 2);
  EXPECT_TRUE(s) << s.to_string();
  if (out.empty()) return {};
  if (out_shape) *out_shape = out[0].shape;
  return std::move(out[0].data);
}

// Plain valid (unpadded) convolution of a [c][h][w] image; w [o][c][k][k].
std::vector<float> conv_valid(const std::vector<float>& x, int c, int h, int w, const std::vector<float>& wt,
                              const std::vector<float>& bias, int o, int k) {
  const int oh = h - k + 1, ow = w - k + 1;
  std::vector<float> y(static_cast<size_t>(o) * oh * ow);
  for (int m = 0; m < o; ++m)
    for (int yy = 0; yy < oh; ++yy)
      for (int xx = 0; xx < ow; ++xx) {
        double acc = bias.empty() ? 0 : bias[m];
        for (int i = 0; i < c; ++i)
          for (int dy = 0; dy < k; ++dy)
            for (int dx = 0; dx < k; ++dx)
              acc += double(wt[((static_cast<size_t>(m) * c + i) * k + dy) * k + dx]) *
                     x[(static_cast<size_t>(i) * h + yy + dy) * w + xx + dx];
        y[(static_cast<size_t>(m) * oh + yy) * ow + xx] = static_cast<float>(acc);
      }
  return y;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::fabs(double(got[i]) - want[i]) > worst) worst = std::fabs(double(got[i]) - want[i]), at = i;
  EXPECT_LE(worst, tol) << "worst at " << at << ": " << got[at] << " vs " << want[at];
}

// cunet's block tail: conv -> global mean -> fc + sigmoid -> Scale by the gate; the input cropped
// to the scaled blob's size (offset 1) and added.
TEST(NcnnZoo, SqueezeExcitationScaleAndCropToReferenceMatchLoops) {
  const int C = 2, H = 7, W = 9;
  const std::vector<float> cw = random_values(C * C * 9, 41, -0.5f, 0.5f), cb = random_values(C, 42);
  const std::vector<float> fw = random_values(C * C, 43), fb = random_values(C, 44);
  const std::string param =
      "7767517\n9 11\n"
      "Input in0 0 1 data 2=2\n"
      "Convolution c1 1 1 data c 0=2 1=3 5=1 6=36\n"
      "Split sp 1 2 c c_a c_b\n"
      "Pooling gap 1 1 c_a g 0=1 4=1\n"
      "InnerProduct fc 1 1 g gate 0=2 1=1 2=4 9=4\n"
      "Scale se 2 1 c_b gate s 0=-233\n"
      "Split sp2 1 2 s s_a s_b\n"
      "Crop cr 2 1 data s_a cropped 0=1 1=1\n"
      "Eltwise sum 2 1 cropped s_b out 0=1\n";
  BinWriter bin;
  bin.tagged_f32(cw);
  bin.raw_f32(cb);
  bin.tagged_f32(fw);
  bin.raw_f32(fb);
  auto imported = ncnn::import_ncnn(param, bin.bytes, "se.param", "se.bin");
  ASSERT_TRUE(imported) << imported.status().to_string();
  const std::vector<float> x = random_values(C * H * W, 45);
  ir::Shape shape;
  const std::vector<float> got = run(imported->graph, {1, C, H, W}, x, &shape);
  EXPECT_EQ(shape.to_string(), "1x2x5x7");

  const int oh = H - 2, ow = W - 2;
  const std::vector<float> c = conv_valid(x, C, H, W, cw, cb, C, 3);
  std::vector<float> want(c.size());
  for (int m = 0; m < C; ++m) {
    double gate = fb[m];
    for (int i = 0; i < C; ++i) {
      double mean = 0;
      for (int p = 0; p < oh * ow; ++p) mean += c[static_cast<size_t>(i) * oh * ow + p];
      gate += fw[static_cast<size_t>(m) * C + i] * mean / (oh * ow);
    }
    gate = 1 / (1 + std::exp(-gate));
    for (int y = 0; y < oh; ++y)
      for (int xx = 0; xx < ow; ++xx) {
        const size_t o = (static_cast<size_t>(m) * oh + y) * ow + xx;
        want[o] = static_cast<float>(c[o] * gate + x[(static_cast<size_t>(m) * H + y + 1) * W + xx + 1]);
      }
  }
  expect_close(got, want, 1e-5);
}

TEST(NcnnZoo, ScaleByWeightsIsAPerChannelAffine) {
  const std::vector<float> s = {0.5f, -2.f, 3.f}, b = {0.25f, 1.f, -1.f};
  BinWriter bin;
  bin.raw_f32(s);
  bin.raw_f32(b);
  auto imported = ncnn::import_ncnn("7767517\n2 2\nInput in0 0 1 data 2=3\nScale sc 1 1 data out 0=3 1=1\n", bin.bytes,
                                    "sc.param", "sc.bin");
  ASSERT_TRUE(imported) << imported.status().to_string();
  const std::vector<float> x = random_values(3 * 4 * 5, 46);
  const std::vector<float> got = run(imported->graph, {1, 3, 4, 5}, x);
  std::vector<float> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = x[i] * s[i / 20] + b[i / 20];
  expect_close(got, want, 1e-6);
}

TEST(NcnnZoo, UnrepresentableScaleAndCropFormsAreRefused) {
  const auto error = [](const std::string& param) {
    auto r = ncnn::import_ncnn(param, std::vector<uint8_t>{}, "bad.param", "bad.bin");
    EXPECT_FALSE(r);
    return r ? std::string() : r.status().to_string();
  };
  const std::string head = "7767517\n4 5\nInput in0 0 1 data 2=2\nSplit sp 1 2 data a b\nPooling gap 1 1 a g 0=1 4=1\n";
  EXPECT_NE(error(head + "Scale se 2 1 b g out 0=-233 1=1\n").find("with a bias"), std::string::npos);
  EXPECT_NE(error(head + "Crop cr 2 1 b g out 0=-233\n").find("reference blob's values"), std::string::npos);
  EXPECT_NE(error(head + "Crop cr 2 1 b g out 0=1 1=1\n").find("not 3-D"), std::string::npos);
}

// Pad with alignment, then a Slice back to the input's size: the identity; the alignment rows
// and columns repeat the edge.
TEST(NcnnZoo, AlignedPadAndSliceToReference) {
  ir::Graph g;
  const int x = testing::add_input(g, "x", 1);
  ir::PadAttrs pad;
  pad.mode = ir::PadMode::Edge;
  pad.top = pad.left = pad.bottom = pad.right = 1;
  pad.align_h = pad.align_w = 4;
  const int p = testing::add_op(g, ir::OpType::Pad, "pad", {x}, pad);
  ir::SliceAttrs back;
  back.begin[1] = back.begin[2] = 1;
  back.to_reference[1] = back.to_reference[2] = true;
  const int s = testing::add_op(g, ir::OpType::Slice, "back", {p, x}, back);
  g.outputs = {p, s};
  ASSERT_TRUE(ir::validate(g));
  auto shapes = ir::compute_shapes(g, {ir::Shape{1, 1, 5, 6}});
  ASSERT_TRUE(shapes) << shapes.status().to_string();
  EXPECT_EQ((*shapes)[static_cast<size_t>(p)].to_string(), "1x1x8x8");  // 7x8 rounded up to multiples of 4
  EXPECT_EQ((*shapes)[static_cast<size_t>(s)].to_string(), "1x1x5x6");

  const std::vector<float> in = random_values(30, 47);
  std::vector<cpu::HostTensor> out;
  ASSERT_TRUE(cpu::run_graph(g, {in.data()}, {ir::Shape{1, 1, 5, 6}}, out, 1));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].data, in);
  for (int y = 0; y < 8; ++y)
    for (int xx = 0; xx < 8; ++xx) {
      const int sy = std::clamp(y - 1, 0, 4), sx = std::clamp(xx - 1, 0, 5);
      EXPECT_EQ(out[0].data[static_cast<size_t>(y) * 8 + xx], in[static_cast<size_t>(sy) * 6 + sx]) << y << "," << xx;
    }

  // A reference slice needs its reference; alignment must be positive.
  g.nodes.back().inputs = {p};
  EXPECT_FALSE(ir::validate(g));
  g.nodes.back().inputs = {p, x};
  g.nodes[1].attr<ir::PadAttrs>().align_w = 0;
  EXPECT_FALSE(ir::validate(g));
}

TEST(NcnnZoo, ModelIoFilesParseOrNameTheirError) {
  auto ok = parse_model_io("# c\nscale=4\nborder=19  # comment\nalign=2\nresidual=nearest\nborder_mode=reflect\n", "m.io");
  ASSERT_TRUE(ok) << ok.status().to_string();
  EXPECT_EQ(ok->scale, 4);
  EXPECT_EQ(ok->border, 19);
  EXPECT_EQ(ok->align, 2);
  EXPECT_TRUE(ok->residual_nearest);
  EXPECT_TRUE(ok->reflect);
  const auto error = [](const std::string& text) {
    auto r = parse_model_io(text, "m.io");
    EXPECT_FALSE(r);
    return r ? std::string() : r.status().to_string();
  };
  EXPECT_NE(error("border=2\n").find("no scale"), std::string::npos);
  EXPECT_NE(error("scale=2\nprepadding=3\n").find("m.io:2: unknown key 'prepadding'"), std::string::npos);
  EXPECT_NE(error("scale=2x\n").find("m.io:1"), std::string::npos);
  EXPECT_NE(error("scale=2\nresidual=bicubic\n").find("residual"), std::string::npos);
  EXPECT_NE(error("scale\n").find("key=value"), std::string::npos);
}

// A tiny valid-convolution 2x network (3x3 unpadded conv 1 -> 4, pixel shuffle 2) with its .io
// next to it: the loaded model maps HxW to 2Hx2W at odd sizes, its values are the network on the
// edge-replicated input, plus the nearest-upscaled input; a border that does not fit is an error.
TEST(NcnnZoo, ModelIoFoldsBorderCropAndResidualIntoTheGraph) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "caldera_model_io";
  std::filesystem::create_directories(dir);
  const std::vector<float> w = random_values(4 * 9, 48, -0.5f, 0.5f), b = random_values(4, 49, -0.1f, 0.1f);
  BinWriter bin;
  bin.tagged_f32(w);
  bin.raw_f32(b);
  const std::string param =
      "7767517\n3 3\nInput in0 0 1 data 0=16 1=16 2=1\n"
      "Convolution c 1 1 data c_out 0=4 1=3 5=1 6=36\nPixelShuffle ps 1 1 c_out out 0=2\n";
  testing::write_file(dir / "tiny.param", param);
  testing::write_file(dir / "tiny.bin", bin.bytes.data(), bin.bytes.size());
  testing::write_file(dir / "tiny.io", std::string("scale=2\nborder=1\nresidual=nearest\n"));

  auto model = Model::load((dir / "tiny.param").string());
  ASSERT_TRUE(model) << model.status().to_string();
  EXPECT_NE(model->dump().find("io: border 1 (edge), align 1, scale 2, + nearest-upscaled input"), std::string::npos);
  const int H = 5, W = 7;
  auto shape = model->output_shape({1, 1, H, W});
  ASSERT_TRUE(shape) << shape.status().to_string();
  EXPECT_EQ(shape->to_string(), "1x1x10x14");

  const std::vector<float> x = random_values(H * W, 50, 0.f, 1.f);
  std::vector<float> padded(static_cast<size_t>(H + 2) * (W + 2));
  for (int y = 0; y < H + 2; ++y)
    for (int xx = 0; xx < W + 2; ++xx)
      padded[static_cast<size_t>(y) * (W + 2) + xx] = x[static_cast<size_t>(std::clamp(y - 1, 0, H - 1)) * W + std::clamp(xx - 1, 0, W - 1)];
  const std::vector<float> c = conv_valid(padded, 1, H + 2, W + 2, w, b, 4, 3);
  std::vector<float> want(static_cast<size_t>(4) * H * W);
  for (int y = 0; y < 2 * H; ++y)
    for (int xx = 0; xx < 2 * W; ++xx) {
      const int ch = (y % 2) * 2 + xx % 2;  // pixel shuffle mode 0
      want[static_cast<size_t>(y) * 2 * W + xx] =
          c[(static_cast<size_t>(ch) * H + y / 2) * W + xx / 2] + x[static_cast<size_t>(y / 2) * W + xx / 2];
    }
  expect_close(run(model->graph(), {1, 1, H, W}, x), want, 1e-5);

  // Without the io settings the network is as the .param says (and its Input size stands).
  auto raw = Model::load((dir / "tiny.param").string(), LoadOptions{.apply_io = false});
  ASSERT_TRUE(raw) << raw.status().to_string();
  auto raw_shape = raw->output_shape({1, 1, 16, 16});
  ASSERT_TRUE(raw_shape);
  EXPECT_EQ(raw_shape->to_string(), "1x1x28x28");

  testing::write_file(dir / "tiny.io", std::string("scale=2\nborder=0\n"));
  auto bad = Model::load((dir / "tiny.param").string());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().to_string().find("does not fit the network"), std::string::npos) << bad.status().to_string();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace caldera::nn
