// The ONNX importer's state while it walks one graph (internal to src/nn/import/onnx/):
// every ONNX value name maps to a runtime IR tensor, a constant known at import, or a step of
// the Reshape -> Transpose -> Reshape pixel-shuffle pattern. onnx_import.cpp holds the walk and
// constant folding, onnx_ops.cpp the operators that become IR nodes.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "nn/import/onnx/onnx_values.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::onnx_import {

class Importer {
 public:
  explicit Importer(std::string file) : file_(std::move(file)) {}
  Result<ir::Graph> run(const onnx::ModelProto& m);
  int64_t opset() const { return opset_; }
  size_t initializers() const { return initializers_; }
  size_t folded() const { return folded_; }

 private:
  struct Value {
    enum Kind { Runtime, Const, Shuffle } kind = Runtime;
    int tensor = -1;  // Runtime: IR tensor
    int index = -1;   // Const: consts_ index; Shuffle: pending_ index
  };
  // A pixel shuffle in progress: Reshape to 6-D (stage 0), then Transpose (stage 1).
  struct PendingShuffle {
    int source = -1;  // the 4-D IR tensor reshaped
    ConstValue shape6;
    int stage = 0;
    int mode = 0, factor = 1;  // known after the Transpose
    std::string started_by;    // the Reshape node, for errors
  };

  std::string label(const onnx::NodeProto& n) const;
  const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) const;
  int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) const;
  float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) const;
  std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name) const;

  bool has_input(const onnx::NodeProto& n, int k) const;
  Result<const Value*> input(const onnx::NodeProto& n, int k) const;
  Result<int> runtime_input(const onnx::NodeProto& n, int k) const;
  Result<const ConstValue*> const_input(const onnx::NodeProto& n, int k) const;
  std::string shuffle_misuse(const onnx::NodeProto& n, const Value& v) const;

  Status define(const onnx::NodeProto& n, const std::string& name, Value v);
  Status define_const(const onnx::NodeProto& n, ConstValue c);
  Status emit(const onnx::NodeProto& n, ir::OpType op, ir::Attrs attrs, std::vector<ir::Weight> weights,
              std::vector<int> inputs);
  // The tensor's shape as far as it is known from the graph so far.
  Result<ir::Shape> shape_now(int tensor);

  Status add_graph_input(const onnx::ValueInfoProto& vi);
  Status import_node(const onnx::NodeProto& n);
  Status import_constant(const onnx::NodeProto& n);
  Status import_shape(const onnx::NodeProto& n);
  Status fold_node(const onnx::NodeProto& n);
  Result<std::vector<int64_t>> reshape_dims(const onnx::NodeProto& n, const std::vector<int64_t>& in,
                                            const ConstValue& shape) const;

  // onnx_ops.cpp
  Status import_conv(const onnx::NodeProto& n);
  Status import_activation(const onnx::NodeProto& n);
  Status import_prelu(const onnx::NodeProto& n);
  Status import_batchnorm(const onnx::NodeProto& n);
  Status import_binary(const onnx::NodeProto& n);
  Status import_resize(const onnx::NodeProto& n);
  Status import_reshape(const onnx::NodeProto& n);
  Status import_transpose(const onnx::NodeProto& n);
  Result<ir::ResizeAttrs> resize_by_sizes(const onnx::NodeProto& n, int x, const ConstValue& sizes);
  Status emit_channel_affine(const onnx::NodeProto& n, int x, const std::vector<float>& scale,
                             const std::vector<float>& shift);

  std::string file_;
  ir::Graph g_;
  std::unordered_map<std::string, Value> values_;
  std::deque<ConstValue> consts_;  // a deque: pointers to its elements stay valid as it grows
  std::vector<PendingShuffle> pending_;
  int64_t opset_ = 0;
  size_t initializers_ = 0, folded_ = 0;
  int node_index_ = 0;
};

}  // namespace caldera::nn::onnx_import
