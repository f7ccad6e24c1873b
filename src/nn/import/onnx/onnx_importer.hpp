// The ONNX importer's state while it walks one graph (internal to src/nn/import/onnx/): every
// ONNX value name maps to a runtime IR tensor (with the value's ONNX rank) or a constant known at
// import. onnx_import.cpp holds the walk, the value plumbing and constant folding;
// onnx_ops.cpp the computing operators, onnx_layout_ops.cpp the ones that move data.
//
// Ranks: an ONNX value of rank r <= 4 is an IR tensor of rank 4 whose first r dims are the ONNX
// dims and the rest 1 (a [N, K] classifier tensor is IR [N, K, 1, 1]); ranks 5 and 6 are IR
// tensors of that rank (Reshape / Transpose only).
#pragma once

#include <deque>
#include <map>
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
    enum Kind { Runtime, Const } kind = Runtime;
    int tensor = -1;  // Runtime: IR tensor
    int index = -1;   // Const: consts_ index
    int rank = 4;     // Runtime: the ONNX rank
  };

  std::string label(const onnx::NodeProto& n) const;
  const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) const;
  int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) const;
  float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) const;
  std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name) const;
  // Integer list from input k (opset 13+ style) when present, else attribute `name`; `present`
  // tells whether either was given.
  Result<std::vector<int64_t>> ints_input_or_attr(const onnx::NodeProto& n, int k, const std::string& name,
                                                  bool* present = nullptr);

  bool has_input(const onnx::NodeProto& n, int k) const;
  Result<const Value*> input(const onnx::NodeProto& n, int k) const;
  // A runtime tensor for input k; a constant becomes a Constant node of its own rank.
  Result<Value> runtime_value(const onnx::NodeProto& n, int k);
  Result<int> runtime_input(const onnx::NodeProto& n, int k);
  Result<const ConstValue*> const_input(const onnx::NodeProto& n, int k) const;

  Status define(const onnx::NodeProto& n, const std::string& name, Value v);
  Status define_const(const onnx::NodeProto& n, ConstValue c);
  // Adds an IR node making ONNX output `out_index` of `n`, of ONNX rank `rank`.
  Status emit(const onnx::NodeProto& n, ir::OpType op, ir::Attrs attrs, std::vector<ir::Weight> weights,
              std::vector<int> inputs, int rank = 4, int out_index = 0);
  // The IR tensor of a Constant node holding `c` broadcast-aligned to ONNX rank `rank` (its dims
  // right-aligned, as ONNX broadcasting reads them); one node per constant and rank.
  Result<int> materialize(const onnx::NodeProto& n, int const_index, int rank);
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
  Status import_conv_transpose(const onnx::NodeProto& n);
  Status import_activation(const onnx::NodeProto& n);
  Status import_prelu(const onnx::NodeProto& n);
  Status import_batchnorm(const onnx::NodeProto& n);
  Status import_instance_norm(const onnx::NodeProto& n);
  Status import_binary(const onnx::NodeProto& n);
  Status import_gemm(const onnx::NodeProto& n);
  Status import_pool(const onnx::NodeProto& n);
  Status import_reduce(const onnx::NodeProto& n);
  Status emit_channel_affine(const onnx::NodeProto& n, int x, const std::vector<float>& scale,
                             const std::vector<float>& shift, int rank);

  // onnx_layout_ops.cpp
  Status import_concat(const onnx::NodeProto& n);
  Status import_resize(const onnx::NodeProto& n);
  Result<ir::ResizeAttrs> resize_by_sizes(const onnx::NodeProto& n, int x, const ConstValue& sizes, bool nearest);
  Status import_reshape(const onnx::NodeProto& n);
  Status import_flatten(const onnx::NodeProto& n);
  Status import_squeeze(const onnx::NodeProto& n);
  Status import_transpose(const onnx::NodeProto& n);
  Status import_slice(const onnx::NodeProto& n);
  Status import_split(const onnx::NodeProto& n);
  Status import_pad(const onnx::NodeProto& n);
  Status import_depth_space(const onnx::NodeProto& n);
  // An IR Reshape of `x` (ONNX rank `in_rank`) to `dims` (ONNX rank dims.size()), or the same
  // tensor when the IR layout does not change.
  Status emit_reshape(const onnx::NodeProto& n, const Value& x, std::vector<ir::ReshapeDim> dims,
                      std::vector<int> shape_inputs);

  std::string file_;
  ir::Graph g_;
  std::unordered_map<std::string, Value> values_;
  std::deque<ConstValue> consts_;  // a deque: pointers to its elements stay valid as it grows
  std::map<std::pair<int, int>, int> materialized_;  // (const index, rank) -> IR tensor
  int64_t opset_ = 0;
  size_t initializers_ = 0, folded_ = 0;
  int node_index_ = 0;
};

// An ONNX integer held as a double (int64 limits and all) as an int64, saturating.
int64_t to_int64(double v);
std::string ints_text(const std::vector<int64_t>& v);
// ONNX axis `axis` of a rank-`rank` value, negative counting from the end; false if outside.
bool normalize_axis(int64_t& axis, int rank);

}  // namespace caldera::nn::onnx_import
