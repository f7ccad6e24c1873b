// The real ncnn models against an independent runtime: each imported graph (the ncnn weights as
// Caldera read them) is written out as an ONNX model with the protobuf classes - one ONNX node
// per IR node, weights as initializers - and ONNX Runtime runs it beside Caldera's CPU runtime
// on the same input. That checks the CPU kernels on the real networks (and what the photograph
// PSNRs of photo_psnr_test.cpp are computed with); the ncnn reading itself is checked by the
// import tests and the flat-colour test of real_model_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>

#include "caldera/nn/model.hpp"
#include "onnx_test_util.hpp"
#include "ort_runner.hpp"

namespace caldera::nn {
namespace {

using testing::OnnxBuilder;

// The IR graph as ONNX (the operators the Real-ESRGAN models use); false with a failure where a
// node has no ONNX form here.
bool to_onnx(const ir::Graph& g, OnnxBuilder& b) {
  const auto name = [&](int t) { return "t" + std::to_string(t); };
  b.input(name(g.inputs[0]), {1, 3, -1, -1});
  int scalars = 0;
  const auto scalar = [&](float v) {
    const std::string s = "s" + std::to_string(scalars++);
    b.init(s, {}, {v});
    return s;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& n = g.nodes[i];
    const std::string out = name(n.outputs[0]), id = "n" + std::to_string(i);
    std::vector<std::string> in;
    for (int t : n.inputs) in.push_back(name(t));
    switch (n.op) {
      case ir::OpType::Input: break;
      case ir::OpType::Conv2d: {
        const auto& a = n.attr<ir::Conv2dAttrs>();
        if (a.dilation_h != 1 || a.dilation_w != 1) {
          ADD_FAILURE() << "no ONNX form for " << n.name;
          return false;
        }
        b.init(id + ".w", n.weights[0].dims, n.weights[0].data);
        std::vector<std::string> ins = {in[0], id + ".w"};
        if (a.has_bias) {
          b.init(id + ".b", n.weights[1].dims, n.weights[1].data);
          ins.push_back(id + ".b");
        }
        // conv -> [+ residual] -> activation -> [+ residual], as the IR's attributes order them.
        std::string cur = id + ".conv";
        auto& c = b.node("Conv", ins, {cur}, id);
        OnnxBuilder::attr(c, "kernel_shape", {a.kernel_h, a.kernel_w});
        OnnxBuilder::attr(c, "strides", {a.stride_h, a.stride_w});
        OnnxBuilder::attr(c, "pads", {a.pad_top, a.pad_left, a.pad_bottom, a.pad_right});
        if (a.groups != 1) OnnxBuilder::attr(c, "group", static_cast<int64_t>(a.groups));
        if (a.has_residual && a.residual_before_activation) {
          b.node("Add", {cur, in[1]}, {id + ".res"});
          cur = id + ".res";
        }
        if (a.activation.kind == ir::ActivationKind::Relu) {
          b.node("Relu", {cur}, {id + ".act"});
          cur = id + ".act";
        } else if (a.activation.kind == ir::ActivationKind::LeakyRelu) {
          OnnxBuilder::attr(b.node("LeakyRelu", {cur}, {id + ".act"}), "alpha", a.activation.alpha);
          cur = id + ".act";
        } else if (a.activation.kind != ir::ActivationKind::None) {
          ADD_FAILURE() << "no ONNX form for the activation of " << n.name;
          return false;
        }
        if (a.has_residual && !a.residual_before_activation) {
          b.node("Add", {cur, in[1]}, {id + ".res2"});
          cur = id + ".res2";
        }
        b.node("Identity", {cur}, {out});
        break;
      }
      case ir::OpType::PRelu: {
        const size_t c = n.weights[0].data.size();
        b.init(id + ".slope", {static_cast<int64_t>(c), 1, 1}, n.weights[0].data);
        b.node("PRelu", {in[0], id + ".slope"}, {out}, id);
        break;
      }
      case ir::OpType::Activation: {
        const auto& a = n.attr<ir::ActivationAttrs>();
        if (a.kind == ir::ActivationKind::Relu) b.node("Relu", in, {out}, id);
        else if (a.kind == ir::ActivationKind::Sigmoid) b.node("Sigmoid", in, {out}, id);
        else if (a.kind == ir::ActivationKind::LeakyRelu) OnnxBuilder::attr(b.node("LeakyRelu", in, {out}, id), "alpha", a.alpha);
        else {
          ADD_FAILURE() << "no ONNX form for " << n.name;
          return false;
        }
        break;
      }
      case ir::OpType::Binary: {
        const auto& a = n.attr<ir::BinaryAttrs>();
        static const char* const ops[] = {"Add", "Sub", "Mul", "Div"};
        if (static_cast<int>(a.kind) > 3) {
          ADD_FAILURE() << "no ONNX form for " << n.name;
          return false;
        }
        b.node(ops[static_cast<int>(a.kind)], {in[0], a.with_scalar ? scalar(a.scalar) : in[1]}, {out}, id);
        break;
      }
      case ir::OpType::Eltwise: {
        const auto& a = n.attr<ir::EltwiseAttrs>();
        if (a.kind != ir::EltwiseKind::Sum) {
          ADD_FAILURE() << "no ONNX form for " << n.name;
          return false;
        }
        std::vector<std::string> terms;
        for (size_t k = 0; k < in.size(); ++k) {
          if (a.coeffs.empty() || a.coeffs[k] == 1.f) {
            terms.push_back(in[k]);
          } else {
            terms.push_back(id + ".term" + std::to_string(k));
            b.node("Mul", {in[k], scalar(a.coeffs[k])}, {terms.back()});
          }
        }
        b.node("Sum", terms, {out}, id);
        break;
      }
      case ir::OpType::Concat: OnnxBuilder::attr(b.node("Concat", in, {out}, id), "axis", int64_t{1}); break;
      case ir::OpType::PixelShuffle: {
        const auto& a = n.attr<ir::PixelShuffleAttrs>();
        auto& d = b.node("DepthToSpace", in, {out}, id);
        OnnxBuilder::attr(d, "blocksize", static_cast<int64_t>(a.factor));
        OnnxBuilder::attr(d, "mode", std::string(a.mode == 0 ? "CRD" : "DCR"));
        break;
      }
      case ir::OpType::Resize: {
        const auto& a = n.attr<ir::ResizeAttrs>();
        // By a scale only; ncnn's nearest is ONNX's asymmetric + floor, its bilinear / bicubic
        // sample by the ratio of the sizes, which is ONNX's half-pixel where the scaled size is
        // whole (4H -> 2H in the x2 model).
        if (a.out_h > 0 || a.coord != ir::ResizeCoord::HalfPixel) {
          ADD_FAILURE() << "no ONNX form for " << n.name;
          return false;
        }
        b.init(id + ".scales", {4}, {1.f, 1.f, a.scale_h, a.scale_w});
        auto& r = b.node("Resize", {in[0], "", id + ".scales"}, {out}, id);
        if (a.mode == ir::ResizeMode::Nearest) {
          OnnxBuilder::attr(r, "mode", std::string("nearest"));
          OnnxBuilder::attr(r, "coordinate_transformation_mode", std::string("asymmetric"));
          OnnxBuilder::attr(r, "nearest_mode", std::string("floor"));
        } else {
          OnnxBuilder::attr(r, "mode", std::string(a.mode == ir::ResizeMode::Bilinear ? "linear" : "cubic"));
          OnnxBuilder::attr(r, "coordinate_transformation_mode", std::string("half_pixel"));
          if (a.mode == ir::ResizeMode::Bicubic) OnnxBuilder::attr(r, "cubic_coeff_a", a.cubic_a);
        }
        break;
      }
      default:
        ADD_FAILURE() << "no ONNX form for " << ir::op_type_name(n.op) << " node " << n.name;
        return false;
    }
  }
  b.output(name(g.outputs[0]));
  return true;
}

class RealModelVsOrt : public ::testing::TestWithParam<const char*> {};

TEST_P(RealModelVsOrt, CpuRuntimeMatchesOnnxRuntimeOnTheRealWeights) {
  const std::string model_name = GetParam();
  if (!std::filesystem::exists(Model::model_dir() + "/" + model_name + ".param"))
    GTEST_SKIP() << "model " << model_name << " is not in " << Model::model_dir() << " (run scripts/fetch-models.sh)";
  auto m = Model::load(model_name);
  ASSERT_TRUE(m) << m.status().to_string();
  OnnxBuilder b;
  ASSERT_TRUE(to_onnx(m->graph(), b));
  const std::string missing = testing::ort_missing();
  if (!missing.empty()) GTEST_SKIP() << missing;
  const std::vector<int64_t> dims{1, 3, 14, 11};
  const std::vector<float> x = testing::random_values(3 * 14 * 11, 99, 0.f, 1.f);  // image range
  const testing::OrtOutput want = testing::run_ort(model_name, b.bytes(), x, dims);
  ASSERT_TRUE(want.error.empty()) << want.error;
  // Caldera: the graph as imported from ncnn (passes on), not the ONNX copy.
  std::vector<cpu::HostTensor> got;
  Status s = cpu::run_graph(m->graph(), {x.data()}, {ir::Shape{1, 3, 14, 11}}, got, 2);
  ASSERT_TRUE(s) << s.to_string();
  EXPECT_EQ(testing::dims_text(got[0].shape.dims()), testing::dims_text(want.dims));
  ASSERT_EQ(got[0].data.size(), want.data.size());
  const testing::Agreement a = testing::agreement(got[0].data, want.data);
  EXPECT_LE(a.worst / a.range, 1e-4) << model_name << ": max abs error " << a.worst << " at " << a.at;
  std::printf("[ ORT      ] %s (ncnn weights): 1x3x14x11 -> %s, max abs error %.3g (%.3g of the range)\n",
              model_name.c_str(), testing::dims_text(want.dims).c_str(), a.worst, a.worst / a.range);
}

INSTANTIATE_TEST_SUITE_P(Fetched, RealModelVsOrt,
                         ::testing::Values("realesr-animevideov3-x2", "realesr-animevideov3-x3", "realesr-animevideov3-x4",
                                           "realesrgan-x4plus-anime", "realesrgan-x4plus"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace caldera::nn
