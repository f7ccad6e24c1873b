// Building small ONNX models in tests with the protobuf classes of Debian's libonnx-dev, and the
// random-weight models both the importer tests and the ONNX Runtime comparison use.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "nn/import/onnx/onnx_import.hpp"
#include "nn_test_util.hpp"
#include "onnx/onnx_pb.h"

namespace caldera::nn::testing {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int64_t opset = 13) {
    model_.set_ir_version(7);
    model_.set_producer_name("caldera-tests");
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    graph_ = model_.mutable_graph();
    graph_->set_name("test");
  }

  // A float32 graph input; a dimension < 0 is left symbolic (dim_param).
  void input(const std::string& name, std::vector<int64_t> dims) {
    auto* vi = graph_->add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    const char* params[4] = {"batch", "channels", "height", "width"};
    for (size_t i = 0; i < dims.size(); ++i) {
      auto* d = tt->mutable_shape()->add_dim();
      if (dims[i] >= 0) d->set_dim_value(dims[i]);
      else d->set_dim_param(params[i % 4]);
    }
  }
  void output(const std::string& name) {
    auto* vi = graph_->add_output();
    vi->set_name(name);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }

  // Float initializer, as raw little-endian bytes (what exporters write) or in float_data.
  void init(const std::string& name, std::vector<int64_t> dims, const std::vector<float>& values, bool raw = true) {
    auto* t = graph_->add_initializer();
    fill(*t, name, dims, values, raw);
  }
  void init_i64(const std::string& name, std::vector<int64_t> dims, const std::vector<int64_t>& values) {
    auto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
  }
  static void fill(onnx::TensorProto& t, const std::string& name, const std::vector<int64_t>& dims,
                   const std::vector<float>& values, bool raw = true) {
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t.add_dims(d);
    if (raw) t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    else
      for (float v : values) t.add_float_data(v);
  }

  onnx::NodeProto& node(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
                        const std::string& name = "") {
    auto* n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? outputs.at(0) + "_node" : name);
    for (auto& i : inputs) n->add_input(i);
    for (auto& o : outputs) n->add_output(o);
    return *n;
  }
  static void attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, std::initializer_list<int64_t> v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }

  // Conv with random weights (and bias) named after `out`.
  onnx::NodeProto& conv(const std::string& in, const std::string& out, int cin, int cout, int k, uint64_t seed,
                        int pad = -1, int group = 1) {
    const int p = pad < 0 ? k / 2 : pad;
    init(out + ".w", {cout, cin / group, k, k}, random_values(static_cast<size_t>(cout * (cin / group) * k * k), seed, -0.5f, 0.5f));
    init(out + ".b", {cout}, random_values(static_cast<size_t>(cout), seed + 1, -0.2f, 0.2f));
    auto& n = node("Conv", {in, out + ".w", out + ".b"}, {out});
    attr(n, "kernel_shape", {k, k});
    attr(n, "pads", {p, p, p, p});
    if (group != 1) attr(n, "group", static_cast<int64_t>(group));
    return n;
  }

  onnx::ModelProto& model() { return model_; }
  const onnx::ModelProto& model() const { return model_; }
  std::string bytes() const { return model_.SerializeAsString(); }
  Result<onnx_import::ImportResult> import(const std::string& name = "test.onnx") const {
    const std::string b = bytes();
    return onnx_import::import_onnx({reinterpret_cast<const uint8_t*>(b.data()), b.size()}, name);
  }

 private:
  onnx::ModelProto model_;
  onnx::GraphProto* graph_;
};

// SRVGG-like x2 network: conv 3->8, PReLU, conv 8->8, PReLU, conv 8->12, DepthToSpace(2, mode),
// plus the nearest-upsampled input (Resize by scales), as realesr-animevideov3 is built.
inline OnnxBuilder srvgg_like(const std::string& d2s_mode, uint64_t seed) {
  OnnxBuilder b;
  b.input("x", {1, 3, -1, -1});
  b.conv("x", "c0", 3, 8, 3, seed);
  b.init("a0", {8, 1, 1}, random_values(8, seed + 10, 0.f, 0.3f));
  b.node("PRelu", {"c0", "a0"}, {"p0"});
  b.conv("p0", "c1", 8, 8, 3, seed + 20);
  b.init("a1", {8, 1, 1}, random_values(8, seed + 30, 0.f, 0.3f));
  b.node("PRelu", {"c1", "a1"}, {"p1"});
  b.conv("p1", "c2", 8, 12, 3, seed + 40);
  auto& d2s = b.node("DepthToSpace", {"c2"}, {"up"});
  OnnxBuilder::attr(d2s, "blocksize", int64_t{2});
  OnnxBuilder::attr(d2s, "mode", d2s_mode);
  b.init("scales", {4}, {1.f, 1.f, 2.f, 2.f});
  auto& rs = b.node("Resize", {"x", "", "scales"}, {"base"});
  OnnxBuilder::attr(rs, "mode", std::string("nearest"));
  OnnxBuilder::attr(rs, "coordinate_transformation_mode", std::string("asymmetric"));
  OnnxBuilder::attr(rs, "nearest_mode", std::string("floor"));
  b.node("Add", {"up", "base"}, {"y"});
  b.output("y");
  return b;
}

// x (1x4xHxW) -> Reshape [N, C, r, r, H, W] (CRD) or [N, r, r, C, H, W] (DCR) -> Transpose ->
// Reshape [N, C, H*r, W*r], with every shape computed from Shape(x) as PyTorch exports it for a
// dynamic size.
inline OnnxBuilder reshape_pixel_shuffle(bool crd) {
  OnnxBuilder b;
  b.input("x", {1, 4, -1, -1});
  b.node("Shape", {"x"}, {"s"});
  b.init_i64("i0", {}, {0});
  b.init_i64("i2", {}, {2});
  b.init_i64("i3", {}, {3});
  b.node("Gather", {"s", "i0"}, {"n"});
  b.node("Gather", {"s", "i2"}, {"h"});
  b.node("Gather", {"s", "i3"}, {"w"});
  b.init_i64("ax0", {1}, {0});
  for (const char* v : {"n", "h", "w"}) b.node("Unsqueeze", {v, "ax0"}, {std::string(v) + "1"});
  b.init_i64("one", {1}, {1});
  b.init_i64("two", {1}, {2});
  auto& c6 = crd ? b.node("Concat", {"n1", "one", "two", "two", "h1", "w1"}, {"shape6"})
                 : b.node("Concat", {"n1", "two", "two", "one", "h1", "w1"}, {"shape6"});
  OnnxBuilder::attr(c6, "axis", int64_t{0});
  b.node("Reshape", {"x", "shape6"}, {"x6"});
  auto& t = b.node("Transpose", {"x6"}, {"t6"});
  if (crd) OnnxBuilder::attr(t, "perm", {0, 1, 4, 2, 5, 3});
  else OnnxBuilder::attr(t, "perm", {0, 3, 4, 1, 5, 2});
  b.node("Mul", {"h1", "two"}, {"h2"});
  b.node("Mul", {"w1", "two"}, {"w2"});
  auto& c4 = b.node("Concat", {"n1", "one", "h2", "w2"}, {"shape4"});
  OnnxBuilder::attr(c4, "axis", int64_t{0});
  b.node("Reshape", {"t6", "shape4"}, {"y"});
  b.output("y");
  return b;
}

// x -> Resize(sizes = Concat(Gather(Shape(x), [0,1]), Gather(Shape(x), [2,3]) * 3)) in `mode`.
inline OnnxBuilder resize_by_shape_subgraph(const std::string& mode) {
  OnnxBuilder b;
  b.input("x", {1, 2, -1, -1});
  b.node("Shape", {"x"}, {"s"});
  b.init_i64("nc_idx", {2}, {0, 1});
  b.init_i64("hw_idx", {2}, {2, 3});
  b.node("Gather", {"s", "nc_idx"}, {"nc"});
  b.node("Gather", {"s", "hw_idx"}, {"hw"});
  b.init_i64("three", {1}, {3});
  b.node("Mul", {"hw", "three"}, {"hw3"});
  auto& c = b.node("Concat", {"nc", "hw3"}, {"sizes"});
  OnnxBuilder::attr(c, "axis", int64_t{0});
  auto& r = b.node("Resize", {"x", "", "", "sizes"}, {"y"});
  OnnxBuilder::attr(r, "mode", mode);
  if (mode == "nearest") {
    OnnxBuilder::attr(r, "coordinate_transformation_mode", std::string("asymmetric"));
    OnnxBuilder::attr(r, "nearest_mode", std::string("floor"));
  } else {
    OnnxBuilder::attr(r, "coordinate_transformation_mode", std::string("pytorch_half_pixel"));
  }
  b.output("y");
  return b;
}

}  // namespace caldera::nn::testing
